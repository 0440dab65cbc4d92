// The force-generation board's own small map: the area of operations and
// the control lines for context, and the sectors coloured by coverage.
// It is separate from the mission map so that the board never disturbs the
// common operating picture's layers or view.

import * as L from "leaflet";
import type { Feature, Geometry } from "./api";
import type { Coverage, FgSector } from "./fgapi";

export const COVERAGE_COLOR: Record<Coverage, { fill: string; stroke: string }> = {
  met: { fill: "#2e9d57", stroke: "#1b6e3a" },
  partial: { fill: "#f2a900", stroke: "#a86f00" },
  uncovered: { fill: "#d9412f", stroke: "#9b1c1c" },
};

export const COVERAGE_LABEL: Record<Coverage, string> = {
  met: "Covered",
  partial: "Partly covered",
  uncovered: "Uncovered",
};

/** "Sector Central (lead PAK)" → "Central". */
export function shortSector(name: string): string {
  return name.replace(/^Sector\s+/i, "").replace(/\s*\(lead [^)]*\)\s*$/i, "") || name;
}

export class BoardMap {
  readonly map: L.Map;
  private sectors = new Map<string, L.GeoJSON>();
  private labels = new Map<string, L.Tooltip>();
  private context = L.layerGroup();
  private fitted = false;

  constructor(
    container: HTMLElement,
    private onPick: (sectorId: string) => void,
  ) {
    this.map = L.map(container, {
      zoomControl: true,
      attributionControl: false,
      minZoom: 8,
      maxZoom: 14,
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      scrollWheelZoom: false,
    });
    this.map.setView([31.42, 34.38], 10);
    this.context.addTo(this.map);
    // A small overview: keep the sectors in view when the column resizes.
    new ResizeObserver(() => this.refresh()).observe(container);
  }

  /** Draws the area of operations and the control lines (non-interactive). */
  setContext(features: Feature[]): void {
    this.context.clearLayers();
    for (const f of features) {
      const k = f.properties.kind;
      if (k === "area_of_operations") {
        L.geoJSON(asGeo(f.geometry), { interactive: false, style: { color: "#4d4436", weight: 1.5, fillColor: "#efe9da", fillOpacity: 1 } }).addTo(this.context);
      }
    }
    for (const f of features) {
      if (f.properties.kind !== "control_line") continue;
      L.geoJSON(asGeo(f.geometry), { interactive: false, style: { color: "#3b2f00", opacity: 0.5, weight: 6 } }).addTo(this.context);
      L.geoJSON(asGeo(f.geometry), { interactive: false, style: { color: "#ffd21f", weight: 3 } }).addTo(this.context);
    }
  }

  /** Draws the sectors, coloured by coverage, with short labels. */
  setSectors(shapes: Feature[], sectors: FgSector[]): void {
    const byId = new Map(sectors.map((s) => [s.id, s]));
    for (const f of shapes) {
      const s = byId.get(f.id);
      if (!s) continue;
      let layer = this.sectors.get(f.id);
      if (!layer) {
        layer = L.geoJSON(asGeo(f.geometry), { style: { weight: 2, fillOpacity: 0.5 } });
        layer.on("click", () => this.onPick(f.id));
        layer.addTo(this.map);
        this.sectors.set(f.id, layer);
        const tip = L.tooltip({ permanent: true, direction: "center", className: "fg-map-label", interactive: false, opacity: 1 });
        layer.bindTooltip(tip);
        this.labels.set(f.id, tip);
      }
      this.style(f.id, s, false);
    }
    if (!this.fitted && this.sectors.size) {
      this.fitted = true;
      this.fit();
    }
  }

  private style(id: string, s: FgSector, hover: boolean): void {
    const layer = this.sectors.get(id);
    if (!layer) return;
    const c = COVERAGE_COLOR[s.coverage];
    layer.setStyle({ color: hover ? "#0e1926" : c.stroke, weight: hover ? 3.5 : 2, fillColor: c.fill, fillOpacity: hover ? 0.7 : 0.5 });
    layer.eachLayer((l) => {
      const el = (l as L.Path).getElement?.();
      if (el) {
        el.setAttribute("data-map-sector", id);
        el.setAttribute("data-coverage", s.coverage);
        el.classList.add("fg-map-sector");
      }
    });
    this.labels.get(id)?.setContent(`<b>${esc(shortSector(s.name))}</b><span class="fg-ml-cov fg-cov-${s.coverage}">${s.assigned}/${s.needed}</span>`);
  }

  highlight(id: string | null, sectors: FgSector[]): void {
    for (const s of sectors) this.style(s.id, s, s.id === id);
  }

  fit(): void {
    let b: L.LatLngBounds | null = null;
    for (const l of this.sectors.values()) {
      const lb = l.getBounds();
      if (!lb.isValid()) continue;
      b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
    }
    if (b) this.map.fitBounds(b, { padding: [10, 10] });
  }

  refresh(): void {
    const c = this.map.getContainer();
    if (!c.clientWidth || !c.clientHeight) return; // the view is hidden
    this.map.invalidateSize({ pan: false });
    if (this.sectors.size) this.fit();
  }

  destroy(): void {
    this.map.remove();
  }
}

function asGeo(g: Geometry): GeoJSON.GeoJsonObject {
  return g as unknown as GeoJSON.GeoJsonObject;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
