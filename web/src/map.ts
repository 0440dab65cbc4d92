// The Leaflet map: one pane and one layer group per feature kind, drawn in
// a fixed order, with the mission's own layers as the basemap.

import * as L from "leaflet";
import type { Feature, FeatureKind, Party } from "./api";
import { KIND_SINGULAR, LINE_VERSION_LABEL, SITE_KIND_LABEL, STATUS_LABEL, label, zShort } from "./format";
import { siteSymbol } from "./icons";

/** Drawing order, bottom to top. */
export const KINDS: FeatureKind[] = [
  "area_of_operations",
  "admin_area",
  "sector",
  "restricted_area",
  "activity_area",
  "control_line",
  "route",
  "site",
];

const PANE_Z: Record<FeatureKind, number> = {
  area_of_operations: 401,
  admin_area: 402,
  sector: 403,
  restricted_area: 404,
  activity_area: 405,
  control_line: 406,
  route: 407,
  site: 610,
};

export const LINE_STYLE: Record<string, { color: string; dash?: string; cap: "round" | "butt" }> = {
  declared: { color: "#ffd21f", cap: "round" },
  marked: { color: "#f0a500", dash: "12 7", cap: "butt" },
  observed: { color: "#e07b00", dash: "0.1 8", cap: "round" },
};

interface Rendered {
  layer: L.Layer;
  version: number;
  kind: FeatureKind;
}

/** Sets the test/inspection hooks on every element a layer draws. */
function tagElements(layer: L.Layer, f: Feature, selected: boolean): void {
  const visit = (l: L.Layer) => {
    const anyL = l as unknown as { getElement?: () => Element | undefined; eachLayer?: (fn: (x: L.Layer) => void) => void };
    if (typeof anyL.eachLayer === "function") {
      anyL.eachLayer(visit);
      return;
    }
    const el = anyL.getElement?.();
    if (!el) return;
    el.setAttribute("data-feature-id", f.id);
    el.setAttribute("data-feature-kind", f.properties.kind);
    el.classList.toggle("is-selected", selected);
  };
  visit(layer);
}

function elementsOf(layer: L.Layer): Element[] {
  const out: Element[] = [];
  const visit = (l: L.Layer) => {
    const anyL = l as unknown as { getElement?: () => Element | undefined; eachLayer?: (fn: (x: L.Layer) => void) => void };
    if (typeof anyL.eachLayer === "function") anyL.eachLayer(visit);
    else {
      const el = anyL.getElement?.();
      if (el) out.push(el);
    }
  };
  visit(layer);
  return out;
}

export function sectorLabel(f: Feature): string {
  const p = f.properties;
  if (p.lead_party && !/\(lead\b/i.test(p.name)) return `${p.name} (lead ${p.lead_party})`;
  return p.name;
}

export function windowText(f: Feature): string {
  const p = f.properties;
  if (!p.valid_from && !p.valid_to) return "";
  return `${p.valid_from ? zShort(p.valid_from) : "…"} → ${p.valid_to ? zShort(p.valid_to) : "…"}`;
}

export class MissionMap {
  readonly map: L.Map;
  private groups = new Map<FeatureKind, L.LayerGroup>();
  private visible = new Map<FeatureKind, boolean>();
  private rendered = new Map<string, Rendered>();
  private selected: string | null = null;
  private partyColor = new Map<string, string>();
  private hasBasemap = false;

  constructor(
    container: HTMLElement,
    private onSelect: (id: string | null) => void,
  ) {
    this.map = L.map(container, {
      zoomControl: true,
      attributionControl: false,
      minZoom: 7,
      maxZoom: 18,
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      wheelPxPerZoomLevel: 90,
      worldCopyJump: false,
    });
    this.map.setView([31.42, 34.38], 10);
    L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(this.map);
    for (const k of KINDS) {
      const pane = this.map.createPane(`cc-${k}`);
      pane.style.zIndex = String(PANE_Z[k]);
      const g = L.layerGroup();
      g.addTo(this.map);
      this.groups.set(k, g);
      this.visible.set(k, true);
    }
    this.map.on("click", () => this.onSelect(null));
    this.map.on("zoomend", () => this.updateZoomClass());
    this.updateZoomClass();
  }

  private updateZoomClass(): void {
    const c = this.map.getContainer();
    const z = this.map.getZoom();
    c.classList.toggle("z-far", z < 10.5);
    c.classList.toggle("z-near", z >= 12.5);
  }

  setParties(parties: Party[]): void {
    for (const p of parties) this.partyColor.set(p.code, p.color);
  }

  setBasemap(url: string): void {
    if (!url) return;
    this.hasBasemap = true;
    this.map.getContainer().classList.add("has-basemap");
    L.tileLayer(url, { maxZoom: 19, crossOrigin: false }).addTo(this.map);
    L.control.attribution({ prefix: false, position: "bottomright" }).addTo(this.map).addAttribution("Basemap: configured tile server");
  }

  /** Replaces the drawn set with features, re-drawing only what changed. */
  setFeatures(features: Feature[]): void {
    const keep = new Set<string>();
    for (const f of features) {
      keep.add(f.id);
      this.upsert(f);
    }
    for (const id of [...this.rendered.keys()]) if (!keep.has(id)) this.remove(id);
  }

  /** Draws f, replacing an older drawing of the same record. */
  upsert(f: Feature): void {
    const old = this.rendered.get(f.id);
    if (old && old.version === f.properties.version && old.kind === f.properties.kind) return;
    if (old) this.remove(f.id);
    const kind = f.properties.kind;
    const group = this.groups.get(kind);
    if (!group) return;
    let layer: L.Layer;
    try {
      layer = this.build(f);
    } catch (err) {
      console.warn("cannot draw feature", f.id, err);
      return;
    }
    const retag = () => tagElements(layer, f, this.selected === f.id);
    const hook = (l: L.Layer) => {
      l.on("add", retag);
      const g = l as unknown as { eachLayer?: (fn: (x: L.Layer) => void) => void };
      if (typeof g.eachLayer === "function") g.eachLayer(hook);
    };
    hook(layer);
    layer.on("click", (e: L.LeafletMouseEvent) => {
      L.DomEvent.stopPropagation(e.originalEvent);
      this.onSelect(f.id);
    });
    this.rendered.set(f.id, { layer, version: f.properties.version, kind });
    group.addLayer(layer);
    retag();
  }

  remove(id: string): void {
    const r = this.rendered.get(id);
    if (!r) return;
    this.groups.get(r.kind)?.removeLayer(r.layer);
    this.rendered.delete(id);
  }

  has(id: string): boolean {
    return this.rendered.has(id);
  }

  setVisible(kind: FeatureKind, on: boolean): void {
    const g = this.groups.get(kind);
    if (!g) return;
    this.visible.set(kind, on);
    if (on && !this.map.hasLayer(g)) g.addTo(this.map);
    if (!on && this.map.hasLayer(g)) this.map.removeLayer(g);
  }

  isVisible(kind: FeatureKind): boolean {
    return this.visible.get(kind) ?? true;
  }

  select(id: string | null): void {
    const prev = this.selected;
    this.selected = id;
    for (const x of [prev, id]) {
      if (!x) continue;
      const r = this.rendered.get(x);
      if (r) for (const el of elementsOf(r.layer)) el.classList.toggle("is-selected", x === id);
    }
  }

  /** Briefly highlights a feature that just changed. */
  flash(id: string): void {
    const r = this.rendered.get(id);
    if (!r) return;
    for (const el of elementsOf(r.layer)) {
      el.classList.remove("cc-flash");
      // Restart the animation.
      void (el as HTMLElement).getBoundingClientRect();
      el.classList.add("cc-flash");
      setTimeout(() => el.classList.remove("cc-flash"), 4200);
    }
  }

  /** Fits the map to the area of operations (or to everything drawn). */
  fit(): void {
    let b: L.LatLngBounds | null = null;
    const extend = (kind: FeatureKind | null) => {
      for (const r of this.rendered.values()) {
        if (kind && r.kind !== kind) continue;
        const lb = (r.layer as unknown as { getBounds?: () => L.LatLngBounds; getLatLng?: () => L.LatLng });
        const rb = lb.getBounds ? lb.getBounds() : lb.getLatLng ? L.latLngBounds([lb.getLatLng()]) : null;
        if (rb && rb.isValid()) b = b ? b.extend(rb) : L.latLngBounds(rb.getSouthWest(), rb.getNorthEast());
      }
    };
    extend("area_of_operations");
    if (!b) extend(null);
    if (b) this.map.fitBounds(b, { padding: [16, 16], animate: false });
  }

  /** Centres on a feature without changing the zoom much. */
  reveal(id: string): void {
    const r = this.rendered.get(id);
    if (!r) return;
    const l = r.layer as unknown as { getBounds?: () => L.LatLngBounds; getLatLng?: () => L.LatLng };
    const c = l.getBounds ? l.getBounds().getCenter() : l.getLatLng ? l.getLatLng() : null;
    if (c && !this.map.getBounds().pad(-0.1).contains(c)) this.map.panTo(c);
  }

  private build(f: Feature): L.Layer {
    const p = f.properties;
    const kind = p.kind;
    const pane = `cc-${kind}`;
    const base: L.PathOptions = { pane, className: `f-${kind}` };
    let opts: L.PathOptions = base;
    switch (kind) {
      case "area_of_operations":
        opts = {
          ...base,
          color: "#4d4436",
          weight: 2,
          fillColor: "#efe9da",
          fillOpacity: this.hasBasemap ? 0.06 : 1,
          dashArray: this.hasBasemap ? "8 4" : undefined,
        };
        break;
      case "admin_area":
        opts = { ...base, color: "#6f6658", weight: 1.4, dashArray: "7 4 2 4", fillColor: "#000", fillOpacity: 0 };
        break;
      case "sector": {
        const c = this.partyColor.get(p.lead_party ?? "") ?? "#5a6b7d";
        opts = { ...base, color: c, weight: 2.5, opacity: 0.9, fillColor: c, fillOpacity: 0.13 };
        break;
      }
      case "restricted_area":
        opts = { ...base, color: "#c62828", weight: 2, fillColor: "url(#cc-hatch-red)", fillOpacity: 1 };
        break;
      case "activity_area":
        opts = { ...base, color: "#e65100", weight: 2.2, dashArray: "8 5", fillColor: "#fb8c00", fillOpacity: 0.22 };
        break;
      case "control_line": {
        const s = LINE_STYLE[p.line_version ?? ""] ?? LINE_STYLE.declared;
        opts = { ...base, color: s.color, weight: 4.5, opacity: 1, dashArray: s.dash, lineCap: s.cap, fill: false };
        break;
      }
      case "route":
        opts = {
          ...base,
          color: p.route_class === "corridor" ? "#8a6a48" : "#7b7b7b",
          weight: 6,
          opacity: 0.9,
          lineCap: "round",
          lineJoin: "round",
          fill: false,
        };
        break;
      default:
        break;
    }

    const pointToLayer = (_: unknown, latlng: L.LatLng) => {
      const crossing = p.site_kind === "crossing";
      const size = crossing ? 30 : 22;
      const icon = L.divIcon({
        className: `site-icon site-${p.site_kind ?? "unknown"} status-${p.status ?? "unknown"}${crossing ? " site-crossing" : ""}`,
        html: siteSymbol(p.site_kind, p.status, size),
        iconSize: [size, size],
        iconAnchor: [size / 2, size / 2],
        tooltipAnchor: [size / 2, 0],
      });
      return L.marker(latlng, { icon, pane, keyboard: true, title: "", riseOnHover: true, alt: p.name });
    };
    const geojson = { type: "Feature", id: f.id, geometry: f.geometry, properties: {} };
    let layer = L.GeoJSON.geometryToLayer(geojson as unknown as GeoJSON.Feature, {
      ...opts,
      pointToLayer,
      markersInheritOptions: false,
    } as L.GeoJSONOptions);

    // A dark halo under control lines keeps yellow readable on light land.
    if (kind === "control_line") {
      const halo = L.GeoJSON.geometryToLayer(geojson as unknown as GeoJSON.Feature, {
        ...base,
        className: "f-control_line-halo",
        color: "#3b2f00",
        opacity: 0.55,
        weight: 8,
        lineCap: LINE_STYLE[p.line_version ?? ""]?.cap ?? "round",
        dashArray: LINE_STYLE[p.line_version ?? ""]?.dash,
        fill: false,
      } as L.GeoJSONOptions);
      layer = L.featureGroup([halo, layer]);
    }

    this.bindLabel(layer, f);
    return layer;
  }

  private bindLabel(layer: L.Layer, f: Feature): void {
    const p = f.properties;
    const perm = (text: string, cls: string, dir: L.Direction = "center", offset: L.PointExpression = [0, 0]) =>
      layer.bindTooltip(text, { permanent: true, direction: dir, className: `lbl ${cls}`, interactive: false, offset, opacity: 1 });
    const hover = (text: string) =>
      layer.bindTooltip(text, { sticky: false, direction: "top", className: "hover-tip", opacity: 1 });
    switch (p.kind) {
      case "admin_area":
        perm(p.name.replace(/\s+Governorate$/i, ""), "lbl-admin");
        break;
      case "sector":
        perm(sectorLabel(f), "lbl-sector");
        break;
      case "route":
        perm(p.name, "lbl-route");
        break;
      case "site":
        if (p.site_kind === "crossing") perm(`${p.name} · ${label(STATUS_LABEL, p.status)}`, `lbl-crossing status-${p.status ?? "unknown"}`, "right", [6, 0]);
        else hover(`${p.name} — ${label(SITE_KIND_LABEL, p.site_kind)}, ${label(STATUS_LABEL, p.status).toLowerCase()}`);
        break;
      case "activity_area":
      case "restricted_area": {
        const w = windowText(f);
        hover(`${KIND_SINGULAR[p.kind]}: ${p.name}${w ? `\n${w}` : ""}`);
        break;
      }
      case "control_line":
        hover(`${p.name} — ${label(LINE_VERSION_LABEL, p.line_version)}`);
        break;
      default:
        break;
    }
  }
}
