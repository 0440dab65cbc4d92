// MIL-STD-2525 symbols for tracks, drawn by milsymbol from the track's
// symbol code, and plain words for Cursor-on-Target types.

import ms from "milsymbol";

/** Drawn when a track has no symbol code: unknown identity, unknown dimension. */
export const FALLBACK_SIDC = "SUZP-----------";

export interface SymbolImage {
  svg: string;
  width: number;
  height: number;
  /** The point of the image that sits on the track's position. */
  anchor: { x: number; y: number };
  /** Half the width of the symbol's frame, in pixels (where a label may start). */
  frameHalf: number;
}

const cache = new Map<string, SymbolImage>();

/**
 * The symbol of sidc at size (milsymbol's size: the frame's height in
 * pixels, roughly), with a direction-of-movement arrow when course is given.
 * Courses are rounded to 10° so that moving tracks reuse a few images.
 */
export function trackSymbol(sidc: string | undefined, size: number, course?: number): SymbolImage {
  const code = sidc && sidc.length >= 10 ? sidc : FALLBACK_SIDC;
  const dir = course === undefined || !Number.isFinite(course) ? undefined : (Math.round(course / 10) * 10) % 360;
  const key = `${code}|${size}|${dir ?? ""}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const opts = { size, direction: dir, outlineWidth: 4, outlineColor: "rgba(255,255,255,0.92)", strokeWidth: 4 };
  let sym = new ms.Symbol(code, opts);
  if (!sym.isValid()) sym = new ms.Symbol(FALLBACK_SIDC, opts);
  const bb = sym.getMetadata().baseGeometry.bbox;
  const sz = sym.getSize();
  const img: SymbolImage = {
    svg: sym.asSVG(),
    width: sz.width,
    height: sz.height,
    anchor: sym.getAnchor(),
    frameHalf: ((bb.x2 - bb.x1) / 2) * (size / 100),
  };
  if (cache.size > 2000) cache.clear();
  cache.set(key, img);
  return img;
}

// ---------------------------------------------------------------- types

export type Affiliation = "friend" | "neutral" | "unknown" | "hostile";
export type Category = "ground_unit" | "ground_vehicle" | "installation" | "air" | "sea" | "other";

export const AFFILIATIONS: Affiliation[] = ["friend", "neutral", "unknown", "hostile"];
export const CATEGORIES: Category[] = ["ground_unit", "ground_vehicle", "installation", "air", "sea", "other"];

export const AFFILIATION_LABEL: Record<Affiliation, string> = {
  friend: "Friend",
  neutral: "Neutral",
  unknown: "Unknown",
  hostile: "Hostile / suspect",
};

export const CATEGORY_LABEL: Record<Category, string> = {
  ground_unit: "Ground units",
  ground_vehicle: "Vehicles and equipment",
  installation: "Installations",
  air: "Air",
  sea: "Sea",
  other: "Other",
};

/** The standard's light fill colours, for swatches and cluster rings. */
export const AFFILIATION_COLOR: Record<Affiliation, string> = {
  friend: "#80e0ff",
  neutral: "#aaffaa",
  unknown: "#ffff80",
  hostile: "#ff8080",
};

/** Identity from a Cursor-on-Target type's second field (a-f-…). */
export function affiliationOf(cotType: string): Affiliation {
  const p = cotType.split("-");
  if (p[0] !== "a") return "unknown";
  switch (p[1]) {
    case "f":
    case "a":
      return "friend";
    case "n":
      return "neutral";
    case "h":
    case "s":
    case "j":
    case "k":
      return "hostile";
    default:
      return "unknown";
  }
}

export function categoryOf(cotType: string): Category {
  const p = cotType.split("-");
  if (p[0] !== "a") return "other";
  switch (p[2]) {
    case "G":
      if (p[3] === "U") return "ground_unit";
      if (p[3] === "E") return "ground_vehicle";
      if (p[3] === "I") return "installation";
      return "ground_unit";
    case "A":
      return "air";
    case "S":
    case "U":
      return "sea";
    default:
      return "other";
  }
}

/** Words for the function part of common ground types (after a-x-G-). */
const GROUND_FUNCTION: Record<string, string> = {
  U: "unit",
  "U-C": "combat unit",
  "U-C-I": "infantry",
  "U-C-A": "armour",
  "U-C-R": "reconnaissance",
  "U-C-E": "engineers",
  "U-C-F": "field artillery",
  "U-C-V": "aviation",
  "U-S": "combat service support",
  "U-S-M": "medical unit",
  "U-S-T": "transport unit",
  "U-U": "combat support",
  "U-U-M": "military police",
  "E": "equipment",
  "E-V": "vehicle",
  "E-V-C": "civilian vehicle",
  "E-V-A": "armoured vehicle",
  "E-V-U": "utility vehicle",
  "E-V-E": "engineer vehicle",
  "I": "installation",
};

const AFFILIATION_ADJ: Record<Affiliation, string> = {
  friend: "Friendly",
  neutral: "Neutral",
  unknown: "Unknown",
  hostile: "Hostile",
};

/** "Friendly ground unit — infantry", "Neutral vehicle — civilian vehicle". */
export function describeType(cotType: string): string {
  const p = cotType.split("-");
  if (p[0] !== "a") return `Cursor-on-Target ${cotType}`;
  const adj = AFFILIATION_ADJ[affiliationOf(cotType)];
  const dim = p[2];
  if (dim === "G") {
    const fn = p.slice(3).join("-");
    let words = "";
    for (let n = p.length - 3; n > 0 && !words; n--) words = GROUND_FUNCTION[p.slice(3, 3 + n).join("-")] ?? "";
    const base = p[3] === "E" ? "ground equipment" : p[3] === "I" ? "installation" : "ground unit";
    return words && words !== base.replace("ground ", "") && fn !== "U" && fn !== "E" && fn !== "I" ? `${adj} ${base} — ${words}` : `${adj} ${base}`;
  }
  const dims: Record<string, string> = { A: "air track", S: "surface vessel", U: "subsurface track", P: "space track", F: "special operations unit" };
  return `${adj} ${dims[dim] ?? "track"}`;
}
