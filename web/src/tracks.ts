// Live tracks on the mission map: a MIL-STD-2525 symbol and a callsign
// label per track, clustered at low zoom (leaflet.markercluster), a short
// live tail behind every track and the trail of the selected one, and the
// filters of the layer panel. It draws only what the API sent: tracks go
// away when the stream withdraws them.

import * as L from "leaflet";
import "leaflet.markercluster";
import "leaflet.markercluster/dist/MarkerCluster.css";

import type { Track, TrackPoint } from "./copapi";
import { AFFILIATION_COLOR, affiliationOf, categoryOf, trackSymbol, type Affiliation, type Category } from "./symbols";

// leaflet.markercluster extends the global Leaflet object (the bundle's
// namespace import is a snapshot taken before the plugin ran).
const LG = (globalThis as unknown as { L: typeof L }).L;

/** From this zoom on, every track shows its own symbol. */
const CLUSTER_OFF_ZOOM = 16;

/** How much of every track's recent path is drawn behind it. */
export const TAIL_MS = 2 * 60_000;
const TAIL_MAX_POINTS = 20;

// Tracks sit above the tooltip pane (650), so that the names of sites and
// routes never hide a live track.
const PANES: [string, number][] = [
  ["cc-track-tail", 600],
  ["cc-track-trail", 605],
  ["cc-tracks", 660],
];

/** Darker tones of the identity colours, for lines on the light map. */
const LINE_COLOR: Record<Affiliation, string> = {
  friend: "#0b6ea8",
  neutral: "#1f7a32",
  unknown: "#8a7400",
  hostile: "#c62828",
};

export interface TrackFilter {
  /** Tracks as a whole (the layer's checkbox). */
  on: boolean;
  hideStale: boolean;
  hiddenParties: Set<string>;
  hiddenAffiliations: Set<Affiliation>;
  hiddenCategories: Set<Category>;
}

export function newFilter(): TrackFilter {
  return { on: true, hideStale: false, hiddenParties: new Set(), hiddenAffiliations: new Set(), hiddenCategories: new Set() };
}

interface Held {
  t: Track;
  marker: L.Marker;
  key: string;
  stale: boolean;
  shown: boolean;
  tail: { at: number; ll: L.LatLng }[];
  tailLine: L.Polyline | null;
}

export interface TrackSummary {
  total: number;
  shown: number;
  stale: number;
  parties: Map<string, number>;
  affiliations: Map<Affiliation, number>;
  categories: Map<Category, number>;
}

export class TrackLayer {
  private held = new Map<string, Held>();
  private group: L.MarkerClusterGroup;
  private tails = L.layerGroup();
  private trail = L.layerGroup();
  private route = L.layerGroup();
  private trailPoints: L.LatLng[] = [];
  private trailLine: L.Polyline | null = null;
  private trailCasing: L.Polyline | null = null;
  private selectedUID: string | null = null;
  private offsets: number[] = [];
  private big: boolean;
  readonly filter = newFilter();
  /** A track's symbol or label was clicked. */
  onSelect: (uid: string) => void = () => {};
  /** The set of tracks or what the filters let through changed. */
  onChange: () => void = () => {};

  constructor(
    private map: L.Map,
    opts: { big?: boolean } = {},
  ) {
    this.big = !!opts.big;
    for (const [name, z] of PANES) {
      const pane = map.createPane(name);
      pane.style.zIndex = String(z);
    }
    map.getPane("cc-track-tail")!.style.pointerEvents = "none";
    map.getPane("cc-track-trail")!.style.pointerEvents = "none";
    this.group = LG.markerClusterGroup({
      clusterPane: "cc-tracks",
      // Tracks a few pixels apart merge; from street level on, each shows.
      maxClusterRadius: (z: number) => (this.big ? 64 : z >= 14 ? 24 : 44),
      disableClusteringAtZoom: CLUSTER_OFF_ZOOM,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      zoomToBoundsOnClick: true,
      removeOutsideVisibleBounds: true,
      animate: true,
      iconCreateFunction: (c) => this.clusterIcon(c),
    });
    this.tails.addTo(map);
    this.route.addTo(map);
    this.trail.addTo(map);
    this.group.addTo(map);
    this.group.on("animationend", () => this.syncTails());
    map.on("zoomend moveend", () => this.syncTails());
  }

  destroy(): void {
    this.group.clearLayers();
    this.map.removeLayer(this.group);
    this.map.removeLayer(this.tails);
    this.map.removeLayer(this.trail);
    this.map.removeLayer(this.route);
    this.held.clear();
  }

  get selected(): string | null {
    return this.selectedUID;
  }

  get(uid: string): Track | undefined {
    return this.held.get(uid)?.t;
  }

  isStale(uid: string): boolean {
    return this.held.get(uid)?.stale ?? false;
  }

  all(): Track[] {
    return [...this.held.values()].map((x) => x.t);
  }

  isShown(uid: string): boolean {
    return this.held.get(uid)?.shown ?? false;
  }

  /** The tracks the filters let through. */
  shown(): Track[] {
    return [...this.held.values()].filter((x) => x.shown).map((x) => x.t);
  }

  /** Server time minus local time, as far as the reports tell (ms). */
  get clockOffset(): number {
    return this.offsets.length ? Math.max(...this.offsets) : 0;
  }

  /** The local time at which a server time t arrives. */
  localTime(t: string): number {
    return Date.parse(t) - this.clockOffset;
  }

  // ------------------------------------------------------------ data

  /** Replaces every track with the stream's snapshot. */
  snapshot(ts: Track[]): void {
    const keep = new Set(ts.map((t) => t.uid));
    const gone = [...this.held.keys()].filter((uid) => !keep.has(uid));
    this.withdraw(gone, false);
    this.apply(ts, false);
  }

  update(ts: Track[]): void {
    const now = Date.now();
    for (const t of ts) {
      const rec = Date.parse(t.received);
      if (Number.isFinite(rec)) this.offsets.push(rec - now);
    }
    if (this.offsets.length > 30) this.offsets.splice(0, this.offsets.length - 30);
    this.apply(ts, true);
  }

  /** Removes tracks the viewer may no longer see (or that went away). */
  withdraw(uids: string[], notify = true): void {
    const out: L.Layer[] = [];
    for (const uid of uids) {
      const x = this.held.get(uid);
      if (!x) continue;
      if (x.shown) out.push(x.marker);
      if (x.tailLine) this.tails.removeLayer(x.tailLine);
      this.held.delete(uid);
      if (this.selectedUID === uid) this.clearTrail();
    }
    if (out.length) this.group.removeLayers(out);
    if (uids.length && notify) this.onChange();
  }

  private apply(ts: Track[], live: boolean): void {
    const touched: Held[] = [];
    for (const t of ts) {
      let x = this.held.get(t.uid);
      if (x && Date.parse(x.t.time) > Date.parse(t.time)) continue; // an older report
      const ll = L.latLng(t.lat, t.lon);
      if (!x) {
        const marker = L.marker(ll, { pane: "cc-tracks", keyboard: true, title: "", alt: t.callsign || t.uid, riseOnHover: true });
        marker.on("click", () => this.onSelect(t.uid));
        x = { t, marker, key: "", stale: false, shown: false, tail: [], tailLine: null };
        this.held.set(t.uid, x);
      } else if (!x.marker.getLatLng().equals(ll, 1e-9)) {
        x.marker.setLatLng(ll);
      }
      x.t = t;
      x.stale = this.computeStale(t);
      this.restyle(x);
      this.addTail(x, live);
      if (t.uid === this.selectedUID && live) this.extendTrail(ll);
      touched.push(x);
    }
    this.place(touched);
  }

  /**
   * Puts each track into the cluster group or takes it out, as the filters
   * say, in one batch (the group re-clusters once).
   */
  private place(xs: Iterable<Held>): void {
    const add: L.Layer[] = [];
    const remove: L.Layer[] = [];
    for (const x of xs) {
      const pass = this.passes(x);
      if (pass && !x.shown) add.push(x.marker);
      if (!pass && x.shown) remove.push(x.marker);
      x.shown = pass;
    }
    if (remove.length) this.group.removeLayers(remove);
    if (add.length) this.group.addLayers(add);
    this.syncTails();
    this.onChange();
  }

  private computeStale(t: Track): boolean {
    if (t.is_stale) return true;
    const st = Date.parse(t.stale);
    return Number.isFinite(st) && Date.now() + this.clockOffset >= st;
  }

  /** Re-evaluates staleness against the clock (call every few seconds). */
  tick(): void {
    const changed: Held[] = [];
    for (const x of this.held.values()) {
      const st = this.computeStale(x.t);
      if (st === x.stale) continue;
      x.stale = st;
      this.restyle(x);
      changed.push(x);
    }
    if (!changed.length) return;
    this.group.refreshClusters();
    this.place(changed);
  }

  // ------------------------------------------------------------ filters

  private passes(x: Held): boolean {
    const f = this.filter;
    if (!f.on) return false;
    if (f.hideStale && x.stale) return false;
    if (f.hiddenParties.has(x.t.marking?.owner ?? "")) return false;
    if (f.hiddenAffiliations.has(affiliationOf(x.t.type))) return false;
    if (f.hiddenCategories.has(categoryOf(x.t.type))) return false;
    return true;
  }

  /** Applies the filter after it changed. */
  refilter(): void {
    this.place(this.held.values());
  }

  summary(): TrackSummary {
    const s: TrackSummary = { total: 0, shown: 0, stale: 0, parties: new Map(), affiliations: new Map(), categories: new Map() };
    const inc = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const x of this.held.values()) {
      s.total++;
      if (x.shown) s.shown++;
      if (x.stale) s.stale++;
      inc(s.parties, x.t.marking?.owner ?? "");
      inc(s.affiliations, affiliationOf(x.t.type));
      inc(s.categories, categoryOf(x.t.type));
    }
    return s;
  }

  // ------------------------------------------------------------ drawing

  private symbolSize(): number {
    if (this.big) return 28;
    return window.innerWidth >= 1700 && window.innerHeight >= 950 ? 26 : 22;
  }

  private restyle(x: Held): void {
    const t = x.t;
    const moving = (t.speed ?? 0) >= 0.5 && t.course !== undefined;
    const size = this.symbolSize();
    const sym = trackSymbol(t.sidc, size, moving && !x.stale ? t.course : undefined);
    const sel = t.uid === this.selectedUID;
    const key = `${sym.svg.length}|${t.sidc}|${size}|${moving ? Math.round((t.course ?? 0) / 10) : "-"}|${x.stale}|${sel}|${t.callsign}`;
    if (key === x.key) return;
    x.key = key;
    const aff = affiliationOf(t.type);
    const root = document.createElement("div");
    root.className = `trk aff-${aff}${x.stale ? " is-stale" : ""}${sel ? " is-selected" : ""}`;
    root.dataset.trackUid = t.uid;
    root.dataset.stale = String(x.stale);
    const s = document.createElement("span");
    s.className = "trk-sym";
    s.style.left = `${-sym.anchor.x}px`;
    s.style.top = `${-sym.anchor.y}px`;
    s.style.width = `${sym.width}px`;
    s.style.height = `${sym.height}px`;
    s.innerHTML = sym.svg; // generated by milsymbol from a validated code, not user text
    const label = document.createElement("span");
    label.className = "trk-label";
    label.style.left = `${sym.frameHalf + 5}px`;
    label.textContent = t.callsign || t.uid;
    label.style.borderLeftColor = LINE_COLOR[aff];
    root.append(s, label);
    if (sel) {
      const ring = document.createElement("span");
      ring.className = "trk-ring";
      const r = Math.max(sym.frameHalf, size * 0.6) + 7;
      ring.style.cssText = `left:${-r}px;top:${-r}px;width:${2 * r}px;height:${2 * r}px`;
      root.prepend(ring);
    }
    x.marker.setIcon(L.divIcon({ className: "trk-icon", html: root, iconSize: [0, 0], iconAnchor: [0, 0] }));
    x.marker.setZIndexOffset(sel ? 2000 : x.stale ? -500 : 0);
    x.tailLine?.setStyle({ color: LINE_COLOR[aff], opacity: x.stale ? 0.3 : 0.75 });
  }

  private clusterIcon(c: L.MarkerCluster): L.DivIcon {
    const ms = c.getAllChildMarkers();
    const n = ms.length;
    const counts = new Map<Affiliation, number>();
    let stale = 0;
    for (const m of ms) {
      const el = (m.options.icon?.options as L.DivIconOptions | undefined)?.html;
      const uid = el instanceof HTMLElement ? el.dataset.trackUid : undefined;
      const x = uid ? this.held.get(uid) : undefined;
      if (!x) continue;
      const a = affiliationOf(x.t.type);
      counts.set(a, (counts.get(a) ?? 0) + 1);
      if (x.stale) stale++;
    }
    // A ring split by identity: how many friends, neutrals, unknowns.
    let acc = 0;
    const stops: string[] = [];
    for (const a of ["friend", "neutral", "unknown", "hostile"] as Affiliation[]) {
      const k = counts.get(a) ?? 0;
      if (!k) continue;
      const from = (acc / n) * 360;
      acc += k;
      stops.push(`${AFFILIATION_COLOR[a]} ${from.toFixed(1)}deg ${((acc / n) * 360).toFixed(1)}deg`);
    }
    const d = this.big ? 50 : n >= 100 ? 46 : n >= 10 ? 40 : 36;
    const html = document.createElement("div");
    html.className = `trk-cluster${stale === n ? " is-stale" : ""}`;
    html.dataset.count = String(n);
    html.style.cssText = `width:${d}px;height:${d}px;background:conic-gradient(${stops.join(",") || "#ccc 0deg 360deg"})`;
    const inner = document.createElement("span");
    inner.textContent = String(n);
    html.append(inner);
    html.title = `${n} tracks: click to expand`;
    return L.divIcon({ className: "trk-cluster-icon", html, iconSize: [d, d], iconAnchor: [d / 2, d / 2] });
  }

  private addTail(x: Held, live: boolean): void {
    const at = Date.parse(x.t.time);
    const ll = x.marker.getLatLng();
    const last = x.tail[x.tail.length - 1];
    if (!last || at > last.at) {
      if (!last || !last.ll.equals(ll, 1e-9)) x.tail.push({ at, ll });
      else last.at = at;
    }
    const cut = at - TAIL_MS;
    while (x.tail.length > 1 && (x.tail[0].at < cut || x.tail.length > TAIL_MAX_POINTS)) x.tail.shift();
    if (!live && x.tail.length < 2) return;
    const pts = x.tail.map((p) => p.ll);
    if (!x.tailLine) {
      x.tailLine = L.polyline(pts, {
        pane: "cc-track-tail",
        color: LINE_COLOR[affiliationOf(x.t.type)],
        weight: this.big ? 4 : 3,
        opacity: 0.75,
        lineCap: "round",
        lineJoin: "round",
        interactive: false,
        className: "trk-tail",
      });
    } else x.tailLine.setLatLngs(pts);
  }

  /** Shows each tail only while its own symbol is on the map (not in a cluster). */
  private syncTails(): void {
    for (const x of this.held.values()) {
      if (!x.tailLine) continue;
      let on = x.shown && x.tail.length > 1;
      if (on) {
        const parent = this.group.getVisibleParent(x.marker);
        on = parent === null || parent === x.marker;
      }
      const has = this.tails.hasLayer(x.tailLine);
      if (on && !has) this.tails.addLayer(x.tailLine);
      if (!on && has) this.tails.removeLayer(x.tailLine);
    }
  }

  // ------------------------------------------------------------ selection

  select(uid: string | null): void {
    const prev = this.selectedUID;
    this.selectedUID = uid;
    for (const id of [prev, uid]) {
      const x = id ? this.held.get(id) : undefined;
      if (x) this.restyle(x);
    }
    if (prev !== uid) {
      this.clearTrail();
      this.route.clearLayers();
    }
  }

  /** Draws the approved route of the selected track's movement, dashed. */
  showRoute(uid: string, line: [number, number][]): void {
    if (uid !== this.selectedUID) return;
    this.route.clearLayers();
    const pts = line.map(([lon, lat]) => L.latLng(lat, lon));
    if (pts.length < 2) return;
    this.route.addLayer(L.polyline(pts, { pane: "cc-track-tail", color: "#ffffff", weight: this.big ? 8 : 6, opacity: 0.7, interactive: false }));
    this.route.addLayer(
      L.polyline(pts, { pane: "cc-track-tail", color: "#1f5fa8", weight: this.big ? 4 : 3, opacity: 0.9, dashArray: "10 7", interactive: false, className: "trk-route" }),
    );
  }

  /** Makes sure the track's own symbol is on screen (opening its cluster). */
  reveal(uid: string, pan = true): void {
    const x = this.held.get(uid);
    if (!x) return;
    if (!x.shown) {
      this.map.panTo(x.marker.getLatLng());
      return;
    }
    // Without animation: a zoom animation that a layout change (the panel
    // opening) interrupts leaves Leaflet's vector layers out of place.
    const parent = this.group.getVisibleParent(x.marker);
    if (parent !== x.marker) this.map.setView(x.marker.getLatLng(), Math.max(this.map.getZoom(), CLUSTER_OFF_ZOOM), { animate: false });
    else if (pan) this.map.panInside(x.marker.getLatLng(), { padding: [60, 60], animate: false });
  }

  position(uid: string): L.LatLng | null {
    return this.held.get(uid)?.marker.getLatLng() ?? null;
  }

  /** Draws the selected track's trail from its history. */
  showTrail(uid: string, points: TrackPoint[]): void {
    if (uid !== this.selectedUID) return;
    this.clearTrail();
    const x = this.held.get(uid);
    this.trailPoints = points.map((p) => L.latLng(p.lat, p.lon));
    if (x) {
      const cur = x.marker.getLatLng();
      const last = this.trailPoints[this.trailPoints.length - 1];
      if (!last || !last.equals(cur, 1e-9)) this.trailPoints.push(cur);
    }
    if (this.trailPoints.length < 2) return;
    this.trailCasing = L.polyline(this.trailPoints, { pane: "cc-track-trail", color: "#ffffff", weight: this.big ? 9 : 7, opacity: 0.85, interactive: false, className: "trk-trail-casing" });
    this.trailLine = L.polyline(this.trailPoints, {
      pane: "cc-track-trail",
      color: "#14212f",
      weight: this.big ? 4.5 : 3.5,
      opacity: 0.95,
      dashArray: "1 7",
      lineCap: "round",
      interactive: false,
      className: "trk-trail",
    });
    this.trail.addLayer(this.trailCasing);
    this.trail.addLayer(this.trailLine);
    // Dots mark the reports (a sample of them on long trails).
    const step = Math.max(1, Math.ceil(this.trailPoints.length / 120));
    for (let i = 0; i < this.trailPoints.length - 1; i += step) {
      this.trail.addLayer(
        L.circleMarker(this.trailPoints[i], { pane: "cc-track-trail", radius: 2.6, color: "#14212f", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false, className: "trk-trail-dot" }),
      );
    }
  }

  private extendTrail(ll: L.LatLng): void {
    if (!this.trailLine || !this.trailCasing) return;
    const last = this.trailPoints[this.trailPoints.length - 1];
    if (last && last.equals(ll, 1e-9)) return;
    this.trailPoints.push(ll);
    this.trailLine.setLatLngs(this.trailPoints);
    this.trailCasing.setLatLngs(this.trailPoints);
    if (last) this.trail.addLayer(L.circleMarker(last, { pane: "cc-track-trail", radius: 2.6, color: "#14212f", weight: 1, fillColor: "#ffffff", fillOpacity: 1, interactive: false, className: "trk-trail-dot" }));
  }

  clearTrail(): void {
    this.trail.clearLayers();
    this.trailLine = this.trailCasing = null;
    this.trailPoints = [];
  }

  /** The bounds of the tracks the filters let through, or null. */
  bounds(): L.LatLngBounds | null {
    let b: L.LatLngBounds | null = null;
    for (const x of this.held.values()) {
      if (!x.shown) continue;
      const ll = x.marker.getLatLng();
      b = b ? b.extend(ll) : L.latLngBounds(ll, ll);
    }
    return b;
  }
}
