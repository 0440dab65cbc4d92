// Inline SVG site symbols: the shape says what a site is, the fill says its
// status. Nothing is loaded from anywhere; Leaflet's default marker images
// are never used.

/** Stroke glyphs on a 24×24 grid, drawn in the symbol's foreground colour. */
export const GLYPH: Record<string, string> = {
  crossing: "M4 9h13M13 5l4 4-4 4M20 15H7M11 11l-4 4 4 4",
  warehouse: "M3 10l9-6 9 6v10H3zM8 20v-6h8v6",
  distribution_point: "M4 8l8-4 8 4v8l-8 4-8-4zM4 8l8 4 8-4M12 12v8",
  hospital: "M7 5v14M17 5v14M7 12h10",
  clinic: "M12 6v12M6 12h12",
  shelter: "M2 19h20M4 19l8-13 8 13M12 19v-5",
  water_point: "M12 3c3 5 6 8 6 12a6 6 0 0 1-12 0c0-4 3-7 6-12z",
  bakery: "M4 14c0-4 3.5-7 8-7s8 3 8 7v4H4zM9 10v3M12 9v4M15 10v3",
  base: "M6 21V4M6 4h11l-3 4 3 4H6",
  checkpoint: "M3 10h18v4H3zM8 10l-2 4M13 10l-2 4M18 10l-2 4M5 14v6M19 14v6",
  port: "M12 3.5a1.8 1.8 0 1 0 0 .01M12 6v14M8 10h8M5 13a7 7 0 0 0 14 0",
  unknown: "M9 9a3 3 0 1 1 4 2.8c-.7.3-1 .8-1 1.5V15M12 18v.5",
};

export const STATUS_COLOR: Record<string, { bg: string; fg: string }> = {
  open: { bg: "#1e8e3e", fg: "#ffffff" },
  limited: { bg: "#f2b100", fg: "#1d1d1d" },
  closed: { bg: "#d32f2f", fg: "#ffffff" },
  damaged: { bg: "#9c5221", fg: "#ffffff" },
  destroyed: { bg: "#1d1d1d", fg: "#ffffff" },
  unknown: { bg: "#8a929c", fg: "#ffffff" },
};

/** Neutral colours for the legend's "symbol by type" list. */
export const LEGEND_COLOR = { bg: "#3f5366", fg: "#ffffff" };

export function statusColor(status: string | undefined): { bg: string; fg: string } {
  if (status === "legend") return LEGEND_COLOR;
  return STATUS_COLOR[status ?? "unknown"] ?? STATUS_COLOR.unknown;
}

/**
 * The symbol for a site. Crossings are larger squares with a dark frame so
 * that they stand out; everything else is a round symbol.
 */
export function siteSymbol(siteKind: string | undefined, status: string | undefined, size: number): string {
  const c = statusColor(status);
  const glyph = GLYPH[siteKind ?? ""] ?? GLYPH.unknown;
  const crossing = siteKind === "crossing";
  const frame = crossing
    ? `<rect x="1.5" y="1.5" width="29" height="29" rx="5" fill="${c.bg}" stroke="#10212f" stroke-width="3"/>`
    : `<circle cx="16" cy="16" r="14" fill="${c.bg}" stroke="#ffffff" stroke-width="2.5"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 32 32" aria-hidden="true">` +
    frame +
    `<g transform="translate(6.4 6.4) scale(0.8)" fill="none" stroke="${c.fg}" stroke-width="${crossing ? 2.6 : 2.4}" stroke-linecap="round" stroke-linejoin="round"><path d="${glyph}"/></g>` +
    `</svg>`
  );
}
