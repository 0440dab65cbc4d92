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
  f: Feature;
  /** A permanent label that is placed after drawing (routes). */
  label?: L.Tooltip;
  /** Everything drawn for the feature (shape, halo, labels). */
  layer: L.Layer;
  /** The one element that carries the feature's data attributes. */
  primary: L.Layer;
  version: number;
  kind: FeatureKind;
}

/**
 * Sets the inspection hooks on the feature's primary element (one per
 * feature, so that counting elements counts features) and the selection
 * state on everything it draws.
 */
function tagElements(r: Rendered, f: Feature, selected: boolean): void {
  for (const el of elementsOf(r.primary)) {
    el.setAttribute("data-feature-id", f.id);
    el.setAttribute("data-feature-kind", f.properties.kind);
  }
  for (const el of elementsOf(r.layer)) el.classList.toggle("is-selected", selected);
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
  /**
   * While set (e.g. while a movement route is being drawn), map and feature
   * clicks go here first; returning true consumes the click.
   */
  clickHook: ((at: L.LatLng, f: Feature | null) => boolean) | null = null;

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
    this.map.on("click", (e: L.LeafletMouseEvent) => {
      if (this.clickHook?.(e.latlng, null)) return;
      this.onSelect(null);
    });
    // Keep the map filling its box when the details panel opens or closes.
    new ResizeObserver(() => this.map.invalidateSize({ pan: false })).observe(container);
    this.map.on("zoomend", () => this.updateZoomClass());
    this.updateZoomClass();
  }

  private updateZoomClass(): void {
    const c = this.map.getContainer();
    const z = this.map.getZoom();
    c.classList.toggle("z-far", z < 10.5);
    c.classList.toggle("z-mid", z >= 10.5 && z < 11.5);
    c.classList.toggle("z-near", z >= 12.5);
  }

  setParties(parties: Party[]): void {
    for (const p of parties) this.partyColor.set(p.code, p.color);
  }

  setBasemap(url: string, attribution: string): void {
    if (!url) return;
    this.hasBasemap = true;
    this.map.getContainer().classList.add("has-basemap");
    L.tileLayer(url, { maxZoom: 19, crossOrigin: false }).addTo(this.map);
    L.control.attribution({ prefix: false, position: "bottomright" }).addTo(this.map).addAttribution(attribution || "Basemap: configured tile server");
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
    let built: { layer: L.Layer; primary: L.Layer; label?: L.Tooltip };
    try {
      built = this.build(f);
    } catch (err) {
      console.warn("cannot draw feature", f.id, err);
      return;
    }
    const { layer, primary } = built;
    const r: Rendered = { f, layer, primary, label: built.label, version: f.properties.version, kind };
    const retag = () => tagElements(r, f, this.selected === f.id);
    const hook = (l: L.Layer) => {
      l.on("add", retag);
      const g = l as unknown as { eachLayer?: (fn: (x: L.Layer) => void) => void };
      if (typeof g.eachLayer === "function") g.eachLayer(hook);
    };
    hook(layer);
    layer.on("click", (e: L.LeafletMouseEvent) => {
      L.DomEvent.stopPropagation(e);
      if (this.clickHook?.(e.latlng, f)) return;
      this.onSelect(f.id);
    });
    this.rendered.set(f.id, r);
    group.addLayer(layer);
    retag();
    if (kind === "route" || kind === "site") this.schedulePlacement();
  }

  private placeTimer = 0;

  private schedulePlacement(): void {
    window.clearTimeout(this.placeTimer);
    this.placeTimer = window.setTimeout(() => this.placeRouteLabels(), 50);
  }

  /**
   * Puts each route's name where the line passes fewest sites, so that
   * labels do not sit on top of symbols in the built-up areas.
   */
  private placeRouteLabels(): void {
    const sites: L.LatLng[] = [];
    for (const r of this.rendered.values()) {
      if (r.kind !== "site") continue;
      const ll = (r.primary as unknown as { getLatLng?: () => L.LatLng }).getLatLng?.();
      if (ll) sites.push(ll);
    }
    const placed: L.LatLng[] = [];
    for (const r of this.rendered.values()) {
      if (r.kind !== "route" || !r.label) continue;
      let best: { at: L.LatLng; angle: number } | null = null;
      let bestScore = -Infinity;
      for (const frac of [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74]) {
        const c = alongLine(r.primary, frac);
        if (!c) continue;
        const k = Math.cos((c.at.lat * Math.PI) / 180);
        const dist = (p: L.LatLng) => Math.hypot((p.lng - c.at.lng) * k, p.lat - c.at.lat) * 111; // km
        let near = Infinity;
        for (const p of sites) near = Math.min(near, dist(p));
        for (const p of placed) near = Math.min(near, dist(p) * 0.5);
        // Prefer the middle unless another spot is clearly emptier.
        const score = Math.min(near, 2.5) - Math.abs(frac - 0.5) * 0.8;
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      if (!best) continue;
      placed.push(best.at);
      r.label.setLatLng(best.at);
      const el = r.label.getContent();
      if (el instanceof HTMLElement) el.style.transform = `rotate(${best.angle.toFixed(1)}deg) translateY(-0.95em)`;
    }
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

  /**
   * What the view shows before a layout change: restoreView then either
   * fits the area of operations again (if it was the overview) or keeps
   * the same centre and zoom.
   */
  snapshotView(): { center: L.LatLng; zoom: number; overview: boolean } {
    const m = this.map;
    const zoom = m.getZoom();
    let overview = false;
    for (const r of this.rendered.values()) {
      if (r.kind !== "area_of_operations") continue;
      const b = (r.primary as unknown as { getBounds?: () => L.LatLngBounds }).getBounds?.();
      if (b && b.isValid()) overview = zoom <= m.getBoundsZoom(b, false, L.point(32, 32)) + 0.3;
      break;
    }
    return { center: m.getCenter(), zoom, overview };
  }

  restoreView(s: { center: L.LatLng; zoom: number; overview: boolean }): void {
    this.map.invalidateSize({ pan: false });
    if (s.overview) this.fit();
    else this.map.setView(s.center, s.zoom, { animate: false });
  }

  /** Fits the map to the area of operations (or to everything drawn). */
  fit(): void {
    let b: L.LatLngBounds | null = null;
    const extend = (kind: FeatureKind | null) => {
      for (const r of this.rendered.values()) {
        if (kind && r.kind !== kind) continue;
        const lb = (r.primary as unknown as { getBounds?: () => L.LatLngBounds; getLatLng?: () => L.LatLng });
        const rb = lb.getBounds ? lb.getBounds() : lb.getLatLng ? L.latLngBounds([lb.getLatLng()]) : null;
        if (rb && rb.isValid()) b = b ? b.extend(rb) : L.latLngBounds(rb.getSouthWest(), rb.getNorthEast());
      }
    };
    extend("area_of_operations");
    if (!b) extend(null);
    if (b) this.map.fitBounds(b, { padding: [16, 16], animate: false });
  }

  /**
   * Brings a feature into view without changing the zoom: points are panned
   * just inside the edge, areas and lines only when entirely out of view.
   */
  reveal(id: string): void {
    const r = this.rendered.get(id);
    if (!r) return;
    const l = r.primary as unknown as { getBounds?: () => L.LatLngBounds; getLatLng?: () => L.LatLng };
    if (l.getLatLng) {
      this.map.panInside(l.getLatLng(), { padding: [48, 48] });
    } else if (l.getBounds) {
      const b = l.getBounds();
      if (b.isValid() && !this.map.getBounds().intersects(b)) this.map.panTo(b.getCenter());
    }
  }

  private build(f: Feature): { layer: L.Layer; primary: L.Layer; label?: L.Tooltip } {
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
      const big = window.innerWidth >= 1700 && window.innerHeight >= 950;
      const size = crossing ? (big ? 34 : 30) : big ? 26 : 22;
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
    const primary = L.GeoJSON.geometryToLayer(geojson as unknown as GeoJSON.Feature, {
      ...opts,
      pointToLayer,
      markersInheritOptions: false,
    } as L.GeoJSONOptions);
    const parts: L.Layer[] = [primary];

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
      parts.unshift(halo);
    }

    const label = this.label(primary, f);
    if (label) parts.push(label);
    return { layer: parts.length === 1 ? primary : L.featureGroup(parts), primary, label: label ?? undefined };
  }

  /** Binds a hover tooltip, or returns a standalone permanent label. */
  private label(layer: L.Layer, f: Feature): L.Tooltip | null {
    const p = f.properties;
    const perm = (at: L.LatLng, content: string | HTMLElement, cls: string, dir: L.Direction = "center", offset: L.PointExpression = [0, 0]) =>
      L.tooltip({ permanent: true, direction: dir, className: `lbl ${cls}`, interactive: false, offset, opacity: 1 })
        .setLatLng(at)
        .setContent(content);
    const hover = (text: string) => {
      layer.bindTooltip(text, { sticky: false, direction: "top", className: "hover-tip", opacity: 1 });
      return null;
    };
    switch (p.kind) {
      case "admin_area": {
        const c = centerOf(layer);
        return c ? perm(c, p.name.replace(/\s+Governorate$/i, ""), "lbl-admin") : null;
      }
      case "sector": {
        // Sector names sit just outside the area's western edge, as callouts,
        // so that they do not cover the sites inside it.
        const at = westEdge(layer);
        if (!at) return null;
        const el = document.createElement("span");
        el.textContent = sectorLabel(f);
        el.style.borderLeftColor = this.partyColor.get(p.lead_party ?? "") ?? "#5a6b7d";
        return perm(at, el, "lbl-sector", "left", [-10, 0]);
      }
      case "route": {
        layer.bindTooltip(p.name, { direction: "top", sticky: true, className: "hover-tip", opacity: 1 });
        const along = alongLine(layer, 0.5);
        if (!along) return null;
        const el = document.createElement("span");
        el.className = "lbl-route-text";
        el.textContent = p.name;
        el.style.transform = `rotate(${along.angle.toFixed(1)}deg) translateY(-0.95em)`;
        return perm(along.at, el, "lbl-route");
      }
      case "site":
        if (p.site_kind === "crossing") {
          layer.bindTooltip(`${p.name} · ${label(STATUS_LABEL, p.status)}`, {
            permanent: true,
            direction: "right",
            className: `lbl lbl-crossing status-${p.status ?? "unknown"}`,
            interactive: false,
            offset: [6, 0],
            opacity: 1,
          });
          return null;
        }
        return hover(`${p.name}\n${label(SITE_KIND_LABEL, p.site_kind)} · ${label(STATUS_LABEL, p.status)}`);
      case "activity_area": {
        // Time-bound areas carry their window on the map, as a callout
        // just east of the area.
        layer.bindTooltip(`${KIND_SINGULAR[p.kind]}: ${p.name}`, { direction: "top", className: "hover-tip", opacity: 1 });
        const at = eastEdge(layer);
        if (!at) return null;
        const el = document.createElement("span");
        const n = document.createElement("b");
        n.textContent = p.name;
        const w = document.createElement("i");
        w.textContent = windowText(f) || "no window";
        el.append(n, w);
        return perm(at, el, "lbl-activity", "right", [8, 0]);
      }
      case "restricted_area": {
        const w = windowText(f);
        return hover(`${KIND_SINGULAR[p.kind]}: ${p.name}${w ? `\n${w}` : ""}`);
      }
      case "control_line":
        return hover(`${p.name}\n${label(LINE_VERSION_LABEL, p.line_version)}`);
      default:
        return null;
    }
  }
}

function centerOf(layer: L.Layer): L.LatLng | null {
  const l = layer as unknown as { getBounds?: () => L.LatLngBounds; getCenter?: () => L.LatLng };
  try {
    // Polygon.getCenter needs the layer on a map in Leaflet 1.9; use the
    // ring centroid ourselves.
    const rings = ringsOf(layer);
    if (rings.length) {
      let best = rings[0];
      for (const r of rings) if (r.length > best.length) best = r;
      return centroid(best);
    }
    return l.getBounds ? l.getBounds().getCenter() : null;
  } catch {
    return null;
  }
}

function ringsOf(layer: L.Layer): L.LatLng[][] {
  const out: L.LatLng[][] = [];
  const walk = (x: unknown) => {
    if (!Array.isArray(x) || !x.length) return;
    if (x[0] instanceof L.LatLng) out.push(x as L.LatLng[]);
    else {
      // Polygon: [outer, holes…]; MultiPolygon: [[outer, holes…], …]
      if (Array.isArray(x[0]) && x[0][0] instanceof L.LatLng) out.push(x[0] as L.LatLng[]);
      else for (const y of x) walk(y);
    }
  };
  const ll = (layer as unknown as { getLatLngs?: () => unknown }).getLatLngs?.();
  if (layer instanceof L.Polygon) walk(ll);
  return out;
}

/** Area-weighted centroid of a ring (planar; fine at mission scale). */
function centroid(ring: L.LatLng[]): L.LatLng {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const p = ring[i], q = ring[j];
    const k = q.lng * p.lat - p.lng * q.lat;
    a += k;
    cx += (q.lng + p.lng) * k;
    cy += (q.lat + p.lat) * k;
  }
  if (Math.abs(a) < 1e-12) return L.latLngBounds(ring).getCenter();
  return L.latLng(cy / (3 * a), cx / (3 * a));
}

/** The westmost crossing of the centroid's latitude with the area's outline. */
function westEdge(layer: L.Layer): L.LatLng | null {
  return edge(layer, -1);
}

function eastEdge(layer: L.Layer): L.LatLng | null {
  return edge(layer, 1);
}

function edge(layer: L.Layer, sign: 1 | -1): L.LatLng | null {
  const rings = ringsOf(layer);
  if (!rings.length) return null;
  const c = centerOf(layer);
  if (!c) return null;
  let best = -Infinity;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const p = r[i], q = r[j];
      if ((p.lat > c.lat) === (q.lat > c.lat)) continue;
      const lng = p.lng + ((c.lat - p.lat) / (q.lat - p.lat)) * (q.lng - p.lng);
      best = Math.max(best, sign * lng);
    }
  }
  return isFinite(best) ? L.latLng(c.lat, sign * best) : c;
}

/** The point at a fraction of a line's length, with its on-screen angle. */
function alongLine(layer: L.Layer, frac: number): { at: L.LatLng; angle: number } | null {
  const raw = (layer as unknown as { getLatLngs?: () => unknown }).getLatLngs?.();
  if (!Array.isArray(raw) || !raw.length) return null;
  let line = raw as L.LatLng[];
  if (!(raw[0] instanceof L.LatLng)) {
    // MultiLineString: label the longest part.
    line = (raw as L.LatLng[][]).reduce((a, b) => (b.length > a.length ? b : a), [] as L.LatLng[]);
  }
  if (line.length < 2) return null;
  const k = Math.cos((line[0].lat * Math.PI) / 180);
  const seg = (a: L.LatLng, b: L.LatLng) => Math.hypot((b.lng - a.lng) * k, b.lat - a.lat);
  let total = 0;
  for (let i = 1; i < line.length; i++) total += seg(line[i - 1], line[i]);
  let goal = total * frac;
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1], b = line[i];
    const d = seg(a, b);
    if (goal <= d || i === line.length - 1) {
      const t = d > 0 ? Math.min(1, goal / d) : 0;
      let angle = (-Math.atan2(b.lat - a.lat, (b.lng - a.lng) * k) * 180) / Math.PI;
      if (angle > 90) angle -= 180;
      if (angle < -90) angle += 180;
      return { at: L.latLng(a.lat + (b.lat - a.lat) * t, a.lng + (b.lng - a.lng) * t), angle };
    }
    goal -= d;
  }
  return null;
}
