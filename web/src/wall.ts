// Big-screen mode for the coordination center's wall display (?wall=1): no
// controls or side panels, the map fitted to the area of operations and
// following the tracks, large symbols and labels, the exercise banner, the
// viewer's releasability line, a UTC clock, the live state and a compact
// ticker of the alerts that need attention. Escape leaves it.

import * as L from "leaflet";
import type { Party } from "./api";
import type { AlertFeed } from "./alerts";
import { SEVERITY_LABEL, TYPE_LABEL } from "./alerts";
import { h } from "./dom";
import type { StreamState } from "./live";
import type { MissionMap } from "./map";
import type { TrackLayer } from "./tracks";

/** Whether the page was opened as the wall display. */
export function wallRequested(): boolean {
  const v = new URLSearchParams(location.search).get("wall");
  return v === "1" || v === "true";
}

/** The address of the page in wall mode (on) or normal mode (off). */
export function wallURL(on: boolean): string {
  const u = new URL(location.href);
  if (on) u.searchParams.set("wall", "1");
  else u.searchParams.delete("wall");
  return u.pathname + u.search + u.hash;
}

const TICKER_ROWS = 6;
const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");

export class WallMode {
  private head: HTMLElement;
  private ticker: HTMLElement;
  private clock: HTMLElement;
  private date: HTMLElement;
  private state: HTMLElement;
  private counts: HTMLElement;
  private timers: number[] = [];
  private lastFit = 0;
  private states = { events: "connecting" as StreamState, tracks: "connecting" as StreamState };

  constructor(
    private mm: MissionMap,
    private tracks: TrackLayer,
    private alerts: AlertFeed,
    party: Party,
  ) {
    document.body.classList.add("wall-mode");
    this.clock = h("span", { id: "wall-clock", class: "wall-clock" });
    this.date = h("span", { class: "wall-date" });
    this.state = h("span", { id: "wall-live", class: "wall-live s-connecting" }, "connecting");
    this.counts = h("span", { id: "wall-counts", class: "wall-counts" });
    this.head = h(
      "header",
      { id: "wall-head", class: "wall-head" },
      h("div", { class: "wall-brand" }, h("b", null, "CONCORD"), h("span", null, "Common operating picture")),
      h(
        "div",
        { id: "wall-marking", class: "wall-marking", title: "Everything on this display is what this party may see: do not show it to others." },
        h("span", { class: "swatch", style: `background:${party.color}` }),
        `Shown to ${party.code} — ${party.name} · releasable to ${party.code} only`,
      ),
      this.counts,
      this.state,
      h("div", { class: "wall-time" }, this.clock, this.date),
    );
    this.ticker = h("div", { id: "wall-ticker", class: "wall-ticker", role: "log", "aria-label": "Alerts needing attention" });
    const root = document.getElementById("root");
    const workspace = root?.querySelector(".workspace");
    if (root && workspace) root.insertBefore(this.head, workspace);
    document.querySelector(".map-wrap")?.append(this.ticker);
    this.tick();
    this.timers.push(window.setInterval(() => this.tick(), 1000));
    this.timers.push(window.setInterval(() => this.follow(false), 5000));
    document.addEventListener("keydown", this.onKey);
    // Refit when the screen or the ticker changes size.
    mm.map.on("resize", this.refit);
    this.resize.observe(this.ticker);
    requestAnimationFrame(() => {
      mm.map.invalidateSize({ pan: false });
      this.follow(true);
    });
    this.renderTicker();
  }

  private tickerWidth = 0;
  private refit = () => this.follow(true);
  private resize = new ResizeObserver(() => {
    const w = this.ticker.offsetWidth;
    if (Math.abs(w - this.tickerWidth) < 8) return;
    this.tickerWidth = w;
    this.follow(true);
  });

  destroy(): void {
    this.resize.disconnect();
    this.mm.map.off("resize", this.refit);
    for (const t of this.timers) window.clearInterval(t);
    document.removeEventListener("keydown", this.onKey);
    this.head.remove();
    this.ticker.remove();
    document.body.classList.remove("wall-mode");
  }

  private onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") location.assign(wallURL(false));
  };

  setState(which: "events" | "tracks", s: StreamState): void {
    this.states[which] = s;
    const live = this.states.events === "live" && this.states.tracks === "live";
    this.state.textContent = live ? "live" : "reconnecting";
    this.state.className = `wall-live s-${live ? "live" : "reconnecting"}`;
    this.state.title = live ? "Both live streams connected" : "A live stream is interrupted: reconnecting";
  }

  private tick(): void {
    const d = new Date();
    this.clock.textContent = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}Z`;
    this.date.textContent = `${d.getUTCDate()} ${MON[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  }

  /** Called when tracks change: keeps them on the wall. */
  tracksChanged(): void {
    const s = this.tracks.summary();
    this.counts.textContent = `${s.shown} tracks${s.stale ? ` · ${s.stale} stale` : ""}`;
    if (Date.now() - this.lastFit > 1500) this.follow(false);
  }

  /**
   * Fits the area of operations and every track, clear of the alert
   * ticker; refits only when a track is out of view (or on force, or every
   * two minutes), so that the picture stays still otherwise.
   */
  follow(force: boolean): void {
    const map = this.mm.map;
    const tb = this.tracks.bounds();
    const view = map.getBounds().pad(-0.04);
    if (!force && (!tb || view.contains(tb)) && Date.now() - this.lastFit < 120_000) return;
    const b = this.aoBounds() ?? tb;
    if (!b) return;
    if (tb) b.extend(tb);
    this.lastFit = Date.now();
    // Room for the labels east of the area (crossings) besides the ticker.
    const right = this.ticker.offsetWidth ? this.ticker.offsetWidth + 220 : 24;
    map.fitBounds(b, { paddingTopLeft: [24, 24], paddingBottomRight: [right, 24], animate: false } as L.FitBoundsOptions);
  }

  /** The bounds of the area of operations as drawn on the map. */
  private aoBounds(): L.LatLngBounds | null {
    let b: L.LatLngBounds | null = null;
    this.mm.map.eachLayer((l) => {
      const pane = (l.options as { pane?: string } | undefined)?.pane;
      const getBounds = (l as unknown as { getBounds?: () => L.LatLngBounds }).getBounds;
      if (pane !== "cc-area_of_operations" || !getBounds) return;
      const x = getBounds.call(l);
      if (x.isValid()) b = b ? b.extend(x) : L.latLngBounds(x.getSouthWest(), x.getNorthEast());
    });
    return b;
  }

  /** Re-draws the ticker (call when alerts change). */
  renderTicker(): void {
    // Escalated first (nobody has taken them on), then critical, then newest.
    const rank = (a: { escalated_at?: string; severity: string }) => (a.escalated_at ? 0 : 2) + (a.severity === "critical" ? 0 : 1);
    const need = this.alerts.needingAttention().sort((a, b) => rank(a) - rank(b) || (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const rows = need.slice(0, TICKER_ROWS).map((a) =>
      h(
        "div",
        { class: `wall-alert al-${a.severity}${a.escalated_at ? " is-escalated" : ""}${a.id === this.alerts.lastCue ? " is-new" : ""}`, "data-alert-id": a.id },
        h(
          "div",
          { class: "wa-head" },
          h("span", { class: "wa-sev" }, SEVERITY_LABEL[a.severity]),
          a.escalated_at ? h("span", { class: "wa-esc" }, "Escalated") : null,
          h("span", { class: "wa-type" }, TYPE_LABEL[a.type] ?? a.type),
          h("span", { class: "wa-time" }, timeOf(a.at)),
        ),
        h("div", { class: "wa-msg" }, a.message),
      ),
    );
    const more = need.length > TICKER_ROWS ? h("div", { class: "wall-more" }, `+ ${need.length - TICKER_ROWS} more open`) : null;
    this.ticker.replaceChildren(
      h("div", { class: "wall-ticker-head" }, need.length ? `${need.length} open alert${need.length === 1 ? " needs" : "s need"} attention` : "No open critical or warning alerts"),
      ...rows,
      ...(more ? [more] : []),
    );
    this.ticker.classList.toggle("is-quiet", !need.length);
  }
}

function timeOf(s: string): string {
  const d = new Date(s);
  return isNaN(d.getTime()) ? "—" : `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}Z`;
}
