// The aid pipeline on the mission map: each crossing a circle sized by the
// trucks that entered through it in the last 7 days, green while open and
// red while closed, with the number of consignments lying offloaded and
// awaiting collection beside it. The figures are the server's KPIs for the
// viewer, so the layer shows only what the viewer may see.

import * as L from "leaflet";
import { aidApi, type Crossing, type CrossingTotal } from "./aidapi";
import { MODE_LABEL, addDays, isoDay, lbl, num } from "./aidfmt";
import type { MissionMap } from "./map";

/** Days the circles' throughput covers, today included. */
export const AID_MAP_DAYS = 7;
const RELOAD_DELAY = 3000;
const MIN_R = 7;
const MAX_R = 30;

export class AidOverlay {
  private group = L.layerGroup();
  private on = true;
  private seq = 0;
  private timer = 0;
  /** Called when a crossing's circle is clicked. */
  onPick: ((crossing: string) => void) | null = null;

  constructor(private mm: MissionMap) {
    const map = mm.map;
    // Under the site symbols (610), so that the crossing's own symbol stays
    // clickable in the middle of its circle; the counts go above them.
    map.createPane("cc-aid").style.zIndex = "600";
    map.createPane("cc-aid-count").style.zIndex = "612";
    this.group.addTo(map);
  }

  setVisible(on: boolean): void {
    this.on = on;
    const map = this.mm.map;
    if (on && !map.hasLayer(this.group)) this.group.addTo(map);
    if (!on && map.hasLayer(this.group)) map.removeLayer(this.group);
    if (on) this.changed(0);
  }

  visible(): boolean {
    return this.on;
  }

  /** Consignments or crossings changed: reload soon (once for a burst). */
  changed(delay = RELOAD_DELAY): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), delay);
  }

  destroy(): void {
    window.clearTimeout(this.timer);
    this.seq++;
  }

  async load(): Promise<void> {
    if (!this.on) return;
    const seq = ++this.seq;
    const to = addDays(isoDay(new Date()), 1);
    try {
      const [cs, k] = await Promise.all([aidApi.crossings(), aidApi.kpis({ from: addDays(to, -AID_MAP_DAYS), to, crossing: "", category: "", org: "" })]);
      if (seq !== this.seq) return;
      this.draw(cs.crossings ?? [], new Map((k.by_crossing ?? []).map((c) => [c.crossing, c])));
    } catch (e) {
      console.warn("aid pipeline layer:", (e as Error).message);
    }
  }

  private draw(crossings: Crossing[], totals: Map<string, CrossingTotal>): void {
    this.group.clearLayers();
    const max = Math.max(1, ...[...totals.values()].map((t) => t.entered.trucks));
    for (const c of crossings) {
      const t = totals.get(c.id);
      const trucks = t?.entered.trucks ?? 0;
      const awaiting = t?.awaiting ?? 0;
      const r = MIN_R + (MAX_R - MIN_R) * Math.sqrt(trucks / max);
      const at = L.latLng(c.lat, c.lon);
      const color = c.open ? "#1b6e3a" : "#b71c1c";
      const circle = L.circleMarker(at, {
        pane: "cc-aid",
        radius: r,
        color,
        weight: 2,
        fillColor: c.open ? "#2e9d57" : "#d9412f",
        fillOpacity: 0.28,
        dashArray: c.open ? undefined : "5 3",
        className: `aid-map-crossing ${c.open ? "is-open" : "is-closed"}`,
      });
      const last = (c.history ?? [])[(c.history ?? []).length - 1];
      const tip = [
        `${c.name} — ${c.open ? "OPEN" : "CLOSED"}${!c.open && last?.reason ? ` (${last.reason})` : ""}`,
        `Entered, last ${AID_MAP_DAYS} days: ${num(trucks)} trucks · ${num(t?.entered.tonnes ?? 0)} t`,
        `Collected, last ${AID_MAP_DAYS} days: ${num(t?.collected.trucks ?? 0)} trucks`,
        `Awaiting collection now: ${num(awaiting)} consignment${awaiting === 1 ? "" : "s"}`,
        `Pending (not yet offloaded): ${num(c.pending)}${c.held ? " — held up by the closure" : ""}`,
        `Capacity ${c.capacity_trucks ? `${num(c.capacity_trucks)} trucks/day` : "not set"} · ${lbl(MODE_LABEL, c.inspection_mode)}`,
      ].join("\n");
      circle.bindTooltip(tip, { direction: "top", className: "hover-tip", opacity: 1, offset: [0, -r] });
      circle.on("add", () => {
        const el = circle.getElement();
        if (!el) return;
        el.setAttribute("data-aid-crossing", c.id);
        el.setAttribute("data-open", String(c.open));
        el.setAttribute("data-trucks", String(trucks));
        el.setAttribute("data-awaiting", String(awaiting));
      });
      circle.on("click", (e: L.LeafletMouseEvent) => {
        L.DomEvent.stopPropagation(e);
        if (this.mm.clickHook?.(e.latlng, null)) return;
        this.onPick?.(c.id);
      });
      circle.addTo(this.group);
      if (awaiting > 0) {
        const badge = L.marker(at, {
          pane: "cc-aid-count",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({
            className: "aid-map-count",
            html: `<span title="awaiting collection">${num(awaiting)}</span>`,
            iconSize: [0, 0],
            // Left of the circle: the crossing's name label is on its right.
            iconAnchor: [r + 3, 0],
          }),
        });
        badge.on("add", () => badge.getElement()?.setAttribute("data-aid-awaiting", c.id));
        badge.addTo(this.group);
      }
    }
  }
}
