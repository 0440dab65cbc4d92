// Movements on the mission map: the route being drawn (with draggable
// waypoints), a selected movement's route, the findings as highlighted
// segments coloured by severity, relayed route parts, and the notified
// (protected) sites.

import * as L from "leaflet";
import type { Finding, LineString, SiteNotification } from "./api";
import { CATEGORY_LABEL, CHECK_LABEL, SEVERITIES, SEVERITY_COLOR, SEVERITY_LABEL, lbl } from "./mvcommon";
import type { MissionMap } from "./map";
import { zShort } from "./format";

export interface DraftPoint {
  lat: number;
  lng: number;
  /** The site (feature id) the point stands for, when picked on a site. */
  site?: string;
  /** The corridor (route feature id) the point was placed on or follows. */
  corridor?: string;
}

const PANES: [string, number][] = [
  // Findings are bands under the route line, so that both stay visible.
  ["cc-mv-find", 448],
  ["cc-mv-route", 450],
  ["cc-notified", 615],
  ["cc-mv-handles", 650],
];

/** The pixel length under which a finding segment also gets a ring. */
const SHORT_PX = 14;

function toLatLngs(l: LineString | null | undefined): L.LatLng[] {
  if (!l || !Array.isArray(l.coordinates)) return [];
  return l.coordinates.map((c) => L.latLng(c[1], c[0]));
}

export class MovementOverlay {
  private ctx = L.layerGroup();
  private draft = L.layerGroup();
  private findings = L.layerGroup();
  private notified = L.layerGroup();
  private pick = L.layerGroup();
  private findingLayers: L.Polyline[] = [];
  private findingRings: L.CircleMarker[] = [];
  private hot: number | null = null;
  private shown = true;
  private contextOn = true;
  private notifiedOn = true;
  /** Called when a finding segment is hovered (index) or left (null). */
  onFindingHover: ((i: number | null) => void) | null = null;
  onFindingPick: ((i: number) => void) | null = null;
  onNotifiedPick: ((id: string) => void) | null = null;

  constructor(private mm: MissionMap) {
    const map = mm.map;
    for (const [name, z] of PANES) {
      const pane = map.createPane(name);
      pane.style.zIndex = String(z);
    }
    map.getPane("cc-mv-find")!.classList.add("mv-find-pane");
    this.ctx.addTo(map);
    this.draft.addTo(map);
    this.findings.addTo(map);
    this.notified.addTo(map);
    this.pick.addTo(map);
    map.on("zoomend", () => this.updateRings());
  }

  get map(): L.Map {
    return this.mm.map;
  }

  /** Shows or hides the movement layers (not the notified sites). */
  setShown(on: boolean): void {
    this.shown = on;
    this.sync();
  }

  /** Shows or hides the selected movement (route and findings) only. */
  setContextShown(on: boolean): void {
    this.contextOn = on;
    this.sync();
  }

  private sync(): void {
    const want = (g: L.LayerGroup) => this.shown && (this.contextOn || (g !== this.ctx && g !== this.findings));
    for (const g of [this.ctx, this.draft, this.findings, this.pick]) {
      const on = want(g);
      if (on && !this.map.hasLayer(g)) g.addTo(this.map);
      if (!on && this.map.hasLayer(g)) this.map.removeLayer(g);
    }
  }

  isShown(): boolean {
    return this.shown;
  }

  // ------------------------------------------------------------ routes

  clearContext(): void {
    this.ctx.clearLayers();
  }

  /** Draws a movement's route (not being edited). */
  showRoute(route: LineString | null | undefined, kind: "selected" | "relay" = "selected"): void {
    this.ctx.clearLayers();
    const ll = toLatLngs(route);
    if (ll.length < 2) return;
    L.polyline(ll, { pane: "cc-mv-route", className: "mv-route-casing", color: "#ffffff", weight: 6, opacity: 0.9, lineCap: "round", lineJoin: "round", interactive: false }).addTo(this.ctx);
    L.polyline(ll, { pane: "cc-mv-route", className: `mv-route mv-route-${kind}`, color: "#0b3d91", weight: 3.5, opacity: 1, lineCap: "round", lineJoin: "round", interactive: false }).addTo(this.ctx);
    this.endMarkers(ll, this.ctx);
  }

  /** Draws the parts of a route relayed to a party (no full route). */
  showRelayParts(parts: LineString[], label = ""): void {
    this.ctx.clearLayers();
    let labelled = false;
    for (const p of parts) {
      const ll = toLatLngs(p);
      if (!ll.length) continue;
      L.polyline(ll, { pane: "cc-mv-route", className: "mv-relay-casing", color: "#ffffff", weight: 11, opacity: 0.95, lineCap: "round", interactive: false }).addTo(this.ctx);
      L.polyline(ll, { pane: "cc-mv-route", className: "mv-relay-part", color: "#6a1b9a", weight: 6, opacity: 1, lineCap: "round", interactive: false }).addTo(this.ctx);
      const mid = ll[Math.floor(ll.length / 2)];
      L.circleMarker(mid, { pane: "cc-mv-route", className: "mv-relay-ring", radius: 13, color: "#6a1b9a", weight: 2.5, fill: false, dashArray: "4 3", interactive: false }).addTo(this.ctx);
      if (label && !labelled) {
        labelled = true;
        L.tooltip({ permanent: true, direction: "right", className: "lbl lbl-relay", interactive: false, offset: [16, 0], opacity: 1 })
          .setLatLng(mid)
          .setContent(label)
          .addTo(this.ctx);
      }
    }
  }

  private endMarkers(ll: L.LatLng[], group: L.LayerGroup): void {
    const mk = (at: L.LatLng, cls: string, text: string, title: string) =>
      L.marker(at, {
        pane: "cc-mv-handles",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: `mv-end ${cls}`, html: `<span>${text}</span>`, iconSize: [20, 20], iconAnchor: [10, 10] }),
        title,
      }).addTo(group);
    mk(ll[0], "mv-end-start", "A", "Departure");
    mk(ll[ll.length - 1], "mv-end-end", "B", "Arrival");
  }

  /** Fits the view to lines (keeps the zoom sensible for short parts). */
  fitLines(lines: (LineString | null | undefined)[], padding: L.PointExpression = [40, 40], maxZoom = 13.5): void {
    let b: L.LatLngBounds | null = null;
    for (const l of lines) {
      for (const p of toLatLngs(l)) b = b ? b.extend(p) : L.latLngBounds(p, p);
    }
    if (!b || !b.isValid()) return;
    // The side panels may just have changed the map's size.
    this.map.invalidateSize({ pan: false });
    this.map.fitBounds(b, { padding, maxZoom, animate: false });
  }

  // ------------------------------------------------------------ findings

  clearFindings(): void {
    this.findings.clearLayers();
    this.findingLayers = [];
    this.findingRings = [];
    this.hot = null;
  }

  /**
   * Draws each finding's segment as an SVG path with class
   * finding-<severity> and data-finding-check; the most serious on top.
   */
  showFindings(fs: Finding[]): void {
    this.clearFindings();
    const order = fs.map((f, i) => [f, i] as const).sort((a, b) => SEVERITIES.indexOf(b[0].severity) - SEVERITIES.indexOf(a[0].severity));
    this.findingLayers = new Array(fs.length);
    this.findingRings = new Array(fs.length);
    for (const [f, i] of order) {
      const ll = toLatLngs(f.route);
      if (!ll.length) continue;
      if (ll.length === 1) ll.push(ll[0]);
      const color = SEVERITY_COLOR[f.severity] ?? "#888";
      const line = L.polyline(ll, {
        pane: "cc-mv-find",
        className: `finding-seg finding-${f.severity}`,
        color,
        weight: f.severity === "blocking" ? 22 : f.severity === "info" ? 15 : 18,
        opacity: f.severity === "blocking" ? 1 : 0.9,
        lineCap: "round",
        lineJoin: "round",
      });
      line.bindTooltip(`${SEVERITY_LABEL[f.severity] ?? f.severity}: ${f.record_name || lbl(CHECK_LABEL, f.check)}`, { sticky: true, direction: "top", className: "hover-tip", opacity: 1 });
      line.on("add", () => {
        const el = line.getElement();
        if (el) {
          el.setAttribute("data-finding-check", f.check);
          el.setAttribute("data-finding-index", String(i));
          el.setAttribute("data-severity", f.severity);
        }
      });
      line.on("mouseover", () => this.onFindingHover?.(i));
      line.on("mouseout", () => this.onFindingHover?.(null));
      line.on("click", (e: L.LeafletMouseEvent) => {
        L.DomEvent.stopPropagation(e);
        if (this.mm.clickHook?.(e.latlng, null)) return;
        this.onFindingPick?.(i);
      });
      line.addTo(this.findings);
      this.findingLayers[i] = line;
      // Crossings are points: a ring makes them visible at any zoom.
      const ring = L.circleMarker(ll[Math.floor((ll.length - 1) / 2)], {
        pane: "cc-mv-find",
        className: `finding-ring ring-${f.severity}`,
        radius: 11,
        color,
        weight: 3,
        fill: false,
        interactive: false,
      });
      this.findingRings[i] = ring;
    }
    this.updateRings();
  }

  private updateRings(): void {
    for (let i = 0; i < this.findingLayers.length; i++) {
      const line = this.findingLayers[i];
      const ring = this.findingRings[i];
      if (!line || !ring) continue;
      const ll = line.getLatLngs() as L.LatLng[];
      let px = 0;
      for (let k = 1; k < ll.length; k++) px += this.map.latLngToLayerPoint(ll[k - 1]).distanceTo(this.map.latLngToLayerPoint(ll[k]));
      const want = px < SHORT_PX;
      if (want && !this.findings.hasLayer(ring)) ring.addTo(this.findings);
      if (!want && this.findings.hasLayer(ring)) this.findings.removeLayer(ring);
    }
  }

  /** Emphasises finding i's segment (and dims the others), or clears. */
  highlight(i: number | null): void {
    if (this.hot === i) return;
    const pane = this.map.getPane("cc-mv-find");
    for (const [k, l] of this.findingLayers.entries()) {
      if (!l) continue;
      const el = l.getElement();
      el?.classList.toggle("is-hot", k === i);
      const r = this.findingRings[k]?.getElement?.();
      r?.classList.toggle("is-hot", k === i);
    }
    pane?.classList.toggle("has-hot", i !== null && !!this.findingLayers[i]);
    if (i !== null) this.findingLayers[i]?.bringToFront();
    this.hot = i;
  }

  /** Brings finding i's segment into view. */
  reveal(i: number): void {
    const l = this.findingLayers[i];
    if (!l) return;
    const b = l.getBounds();
    if (b.isValid() && !this.map.getBounds().contains(b)) this.map.panTo(b.getCenter());
  }

  // ------------------------------------------------------------ draft

  /**
   * Draws the route being drawn: the line, and a draggable handle per
   * waypoint. onMove is called when a handle was dragged.
   */
  setDraft(points: DraftPoint[], editable: boolean, onMove: (i: number, at: L.LatLng) => void): void {
    this.draft.clearLayers();
    if (!points.length) return;
    const ll = points.map((p) => L.latLng(p.lat, p.lng));
    const casing = L.polyline(ll, { pane: "cc-mv-route", className: "mv-draft-casing", color: "#ffffff", weight: 6, opacity: 0.9, lineCap: "round", lineJoin: "round", interactive: false }).addTo(this.draft);
    const line = L.polyline(ll, { pane: "cc-mv-route", className: `mv-draft-line${editable ? " is-editable" : ""}`, color: "#0b3d91", weight: 3.5, opacity: 1, lineCap: "round", lineJoin: "round", interactive: false }).addTo(this.draft);
    points.forEach((p, i) => {
      const first = i === 0;
      const last = i === points.length - 1 && points.length > 1;
      const cls = `mv-vertex${first ? " is-start" : ""}${last ? " is-end" : ""}${p.site ? " is-site" : ""}`;
      const label = first ? "A" : last ? "B" : "";
      const size = first || last ? 20 : 14;
      const m = L.marker([p.lat, p.lng], {
        pane: "cc-mv-handles",
        draggable: editable,
        keyboard: false,
        icon: L.divIcon({ className: cls, html: label ? `<span>${label}</span>` : "", iconSize: [size, size], iconAnchor: [size / 2, size / 2] }),
        title: `${first ? "Departure" : last ? "Arrival" : `Waypoint ${i + 1}`}${editable ? " — drag to move" : ""}`,
      });
      m.on("click", (e: L.LeafletMouseEvent) => L.DomEvent.stopPropagation(e));
      m.on("drag", () => {
        const at = m.getLatLng();
        const cur = line.getLatLngs() as L.LatLng[];
        cur[i] = at;
        line.setLatLngs(cur);
        casing.setLatLngs(cur);
      });
      m.on("dragend", () => onMove(i, m.getLatLng()));
      m.addTo(this.draft);
    });
  }

  clearDraft(): void {
    this.draft.clearLayers();
  }

  /** A marker for a location being picked (site notification form). */
  setPick(at: L.LatLng | null): void {
    this.pick.clearLayers();
    if (!at) return;
    L.marker(at, {
      pane: "cc-mv-handles",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "notified-pick", html: protectedSymbol("other", 30, true), iconSize: [30, 34], iconAnchor: [15, 17] }),
    }).addTo(this.pick);
  }

  // ------------------------------------------------------------ notified sites

  setNotifiedVisible(on: boolean): void {
    this.notifiedOn = on;
    if (on && !this.map.hasLayer(this.notified)) this.notified.addTo(this.map);
    if (!on && this.map.hasLayer(this.notified)) this.map.removeLayer(this.notified);
  }

  notifiedVisible(): boolean {
    return this.notifiedOn;
  }

  /** Draws the active notified sites with the protected-site symbol. */
  setNotified(list: SiteNotification[], own: string): void {
    this.notified.clearLayers();
    const now = Date.now();
    for (const n of list) {
      if (n.status !== "active") continue;
      const exp = Date.parse(n.expires_at);
      if (!isNaN(exp) && exp <= now) continue;
      const g = n.geometry;
      let at: L.LatLng | null = null;
      let poly: L.Polygon | null = null;
      if (g?.type === "Point" && Array.isArray(g.coordinates)) {
        const c = g.coordinates as number[];
        at = L.latLng(c[1], c[0]);
      } else if (g?.type === "Polygon" && Array.isArray(g.coordinates)) {
        const rings = (g.coordinates as number[][][]).map((r) => r.map((c) => L.latLng(c[1], c[0])));
        poly = L.polygon(rings, { pane: "cc-notified", className: "notified-area", color: "#00695c", weight: 2, dashArray: "5 4", fillColor: "#26a69a", fillOpacity: 0.15, interactive: false });
        poly.addTo(this.notified);
        at = poly.getBounds().getCenter();
      }
      if (!at) continue;
      const size = 26;
      const m = L.marker(at, {
        pane: "cc-notified",
        keyboard: true,
        alt: n.name,
        icon: L.divIcon({
          className: `notified-site${n.marking?.owner === own ? " is-own" : ""}`,
          html: protectedSymbol(n.category, size, false),
          iconSize: [size, size + 4],
          iconAnchor: [size / 2, (size + 4) / 2],
          tooltipAnchor: [size / 2, 0],
        }),
      });
      m.bindTooltip(`${n.name}\nNotified site · ${lbl(CATEGORY_LABEL, n.category)}\nOwner ${n.marking?.owner ?? "—"} · reconfirm by ${zShort(n.expires_at)}`, {
        direction: "top",
        className: "hover-tip",
        opacity: 1,
      });
      m.on("add", () => m.getElement()?.setAttribute("data-notification-id", n.id));
      m.on("click", (e: L.LeafletMouseEvent) => {
        L.DomEvent.stopPropagation(e);
        if (this.mm.clickHook?.(e.latlng, null)) return;
        this.onNotifiedPick?.(n.id);
      });
      m.addTo(this.notified);
    }
  }
}

/**
 * The protected-site symbol: a teal shield with a ring. (Deliberately no
 * cross or crescent: the protective emblems are not for general use.)
 */
export function protectedSymbol(_category: string, size: number, pick: boolean): string {
  const fill = pick ? "#ffffff" : "#00695c";
  const fg = pick ? "#00695c" : "#ffffff";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${Math.round(size * 1.15)}" viewBox="0 0 26 30" aria-hidden="true">` +
    `<path d="M13 1.5 24 5.5v8.2c0 7-4.6 12.2-11 14.8C6.6 25.9 2 20.7 2 13.7V5.5z" fill="${fill}" stroke="${pick ? "#00695c" : "#ffffff"}" stroke-width="2.2" stroke-linejoin="round"/>` +
    `<circle cx="13" cy="13.5" r="5.2" fill="none" stroke="${fg}" stroke-width="2.4"/><circle cx="13" cy="13.5" r="1.8" fill="${fg}"/>` +
    `</svg>`
  );
}
