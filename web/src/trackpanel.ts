// The track panel: what is known about one track — its marking banner
// first, then the last report and its age, position, speed and course,
// owner, source, the movement it belongs to, its trail and its alerts.

import type { Alert, Track } from "./copapi";
import { UNKNOWN_ERROR } from "./copapi";
import { bannerClass, type Directory } from "./details";
import { clear, h, svg, type Child } from "./dom";
import { zClock, zShort } from "./format";
import { describeType, trackSymbol } from "./symbols";

/** Trail lengths offered, in minutes (0: none). */
export const TRAIL_MINUTES = [5, 15, 60, 0];

const SOURCE_LABEL: Record<string, string> = {
  tak: "TAK device (Cursor-on-Target)",
  http: "HTTP position report",
  sim: "Exercise simulator",
};

const COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"];

export function compass(deg: number): string {
  return COMPASS[Math.round((((deg % 360) + 360) % 360) / 22.5) % 16];
}

/** "8 s", "4 min 10 s", "2 h 5 min", "3 d". */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m} min ${s % 60} s`;
  if (m < 60) return `${m} min`;
  const hr = Math.floor(m / 60);
  if (hr < 48) return `${hr} h ${m % 60} min`;
  return `${Math.floor(hr / 24)} d`;
}

export function latLonText(lat: number, lon: number): string {
  return `${Math.abs(lat).toFixed(5)}° ${lat >= 0 ? "N" : "S"}, ${Math.abs(lon).toFixed(5)}° ${lon >= 0 ? "E" : "W"}`;
}

export interface TrackPanelHost {
  dir: Directory;
  /** Local time of a server time (corrects the browser's clock). */
  localTime(t: string): number;
  isStale(uid: string): boolean;
  alertsFor(uid: string): Alert[];
  onClose(): void;
  onTrail(minutes: number): void;
  onCentre(): void;
  onFollow(on: boolean): void;
  onAlert(a: Alert): void;
  openMovement(id: string): void;
}

export class TrackPanel {
  readonly el: HTMLElement;
  private uid: string | null = null;
  private ageEl: HTMLElement | null = null;
  private track: Track | null = null;
  private layout = "";
  private routeText = "";
  trailMinutes = 15;
  following = false;

  constructor(private host: TrackPanelHost) {
    this.el = h("aside", { id: "track-panel", class: "details track-panel", "aria-label": "Track details", hidden: true });
  }

  get current(): string | null {
    return this.uid;
  }

  close(): void {
    this.layout = "";
    this.routeText = "";
    this.uid = null;
    this.track = null;
    this.ageEl = null;
    this.following = false;
    this.el.hidden = true;
    clear(this.el);
    document.body.classList.remove("track-open");
  }

  /**
   * Shows t. A newer report of the track on show only updates the values
   * that change with each report, so that nothing flickers or loses focus.
   */
  show(t: Track): void {
    if (this.uid !== t.uid) {
      this.following = false;
      this.routeText = "";
    }
    this.uid = t.uid;
    this.track = t;
    const layout = this.layoutKey(t);
    if (layout === this.layout && !this.el.hidden) {
      for (const [id, v] of Object.entries(this.values(t))) {
        const el = this.el.querySelector(`#${id}`);
        if (el && el.textContent !== v) el.textContent = v;
      }
      this.tick();
      return;
    }
    this.layout = layout;
    const scroll = this.el.querySelector(".details-body")?.scrollTop ?? 0;
    clear(this.el);
    this.el.hidden = false;
    document.body.classList.add("track-open");
    this.el.append(...this.render(t));
    const body = this.el.querySelector(".details-body");
    if (body) body.scrollTop = scroll;
    this.tick();
  }

  /** Keeps the age of the last report current (call every second). */
  tick(): void {
    if (!this.track || !this.ageEl) return;
    const t = this.track;
    const ms = Date.now() - this.host.localTime(t.time);
    this.ageEl.textContent = `${age(ms)} ago`;
    const stale = this.host.isStale(t.uid);
    const st = this.el.querySelector<HTMLElement>("#track-state");
    if (st && st.dataset.stale !== String(stale)) this.show(t);
  }

  /** What the panel's structure depends on (anything else is patched in place). */
  private layoutKey(t: Track): string {
    const alerts = this.host
      .alertsFor(t.uid)
      .slice(0, 6)
      .map((a) => `${a.id}:${a.version}`)
      .join(",");
    return JSON.stringify([t.uid, this.host.isStale(t.uid), t.movement_id, t.sidc, t.type, t.callsign, t.banner, t.source, t.source_user, t.marking?.owner, t.hae === UNKNOWN_ERROR, t.ce === UNKNOWN_ERROR, alerts]);
  }

  /** The values that change with every report, by element id. */
  private values(t: Track): Record<string, string> {
    return {
      "track-time": zSeconds(t.time),
      "track-stale-at": t.stale ? zClock(t.stale) : "—",
      "track-received": zClock(t.received),
      "track-position": latLonText(t.lat, t.lon),
      "track-speed": t.speed !== undefined ? `${(t.speed * 3.6).toFixed(t.speed * 3.6 < 10 ? 1 : 0)} km/h` : "not reported",
      "track-course": t.course !== undefined ? `${Math.round(t.course)}° (${compass(t.course)})` : "not reported",
      "track-height": t.hae !== UNKNOWN_ERROR ? `${Math.round(t.hae)} m above the ellipsoid` : "",
      "track-accuracy": t.ce !== UNKNOWN_ERROR ? `± ${Math.round(t.ce)} m` : "",
    };
  }

  private party(code: string): Child {
    const p = this.host.dir.parties.get(code);
    return h(
      "span",
      { class: "party-ref", title: p?.name ?? code },
      h("span", { class: "swatch", style: `background:${p?.color ?? "#888"}` }),
      h("b", null, code || "—"),
      p ? ` ${p.name}` : "",
    );
  }

  private render(t: Track): Node[] {
    const stale = this.host.isStale(t.uid);
    const banner = t.banner || "UNMARKED";
    const bc = bannerClass(banner);
    const sym = trackSymbol(t.sidc, 34);
    const close = h("button", { type: "button", class: "icon-btn", id: "track-close", title: "Close (Esc)", "aria-label": "Close track details" }, "×");
    close.addEventListener("click", () => this.host.onClose());
    const state = h(
      "div",
      { id: "track-state", class: `trk-statepill ${stale ? "is-stale" : "is-current"}`, "data-stale": String(stale) },
      stale ? "Stale — no current report" : "Current",
    );
    const head = h(
      "div",
      { class: "details-head" },
      h("span", { class: "details-icon trk-panel-sym" }, svg(sym.svg)),
      h(
        "div",
        { class: "details-title" },
        h("div", { class: "details-kind" }, "Track · ", describeType(t.type)),
        h("h2", { id: "track-callsign" }, t.callsign || t.uid),
        state,
      ),
      close,
    );

    this.ageEl = h("span", { id: "track-age", class: "trk-age" });
    const v = this.values(t);
    const val = (id: string, cls = "") => h("span", { id, class: cls || null }, v[id]);
    const report = section(
      "Last report",
      kv([
        ["Reported", h("span", null, val("track-time", "mono"), " · ", this.ageEl)],
        [stale ? "Stale since" : "Stale at", val("track-stale-at", "mono")],
        ["Received", val("track-received", "mono")],
      ]),
    );

    const rows: [string, Child][] = [
      ["Position", val("track-position", "mono")],
      ["Speed", val("track-speed")],
      ["Course", val("track-course")],
    ];
    if (t.hae !== UNKNOWN_ERROR) rows.push(["Height", val("track-height")]);
    if (t.ce !== UNKNOWN_ERROR) rows.push(["Accuracy", val("track-accuracy")]);
    const pos = section("Position and movement", kv(rows));

    const ident = section(
      "Identity",
      kv([
        ["Owner", this.party(t.marking?.owner ?? "")],
        ["UID", h("span", { id: "track-uid", class: "mono" }, t.uid)],
        ["Type", h("span", null, h("span", { class: "mono" }, t.type), t.sidc ? h("span", { class: "muted" }, ` · SIDC ${t.sidc}`) : null)],
        ["Source", h("span", { id: "track-source" }, SOURCE_LABEL[t.source] ?? t.source, t.source_user ? h("span", { class: "muted" }, ` · ${t.source_user}`) : null)],
      ]),
    );

    const parts: Node[] = [h("div", { class: `marking-banner ${bc}` }, h("span", { id: "track-banner" }, banner)), head];
    const body = h("div", { class: "details-body" }, report, pos, ident);

    if (t.movement_id) {
      const open = h("button", { type: "button", class: "btn btn-small", id: "track-movement", "data-movement-id": t.movement_id }, "Open the movement");
      open.addEventListener("click", () => this.host.openMovement(t.movement_id!));
      body.append(
        section(
          "Movement",
          h("p", { class: "trk-mv" }, "This track is a vehicle of a notified movement in progress; its route is watched for deviations. ", h("span", { id: "track-route-info" }, this.routeText), " ", open),
        ),
      );
    }

    // Trail length and map actions.
    const trailBtns = TRAIL_MINUTES.map((m) => {
      const b = h("button", { type: "button", class: `cop-seg-btn${m === this.trailMinutes ? " is-on" : ""}`, "data-trail": String(m), "aria-pressed": String(m === this.trailMinutes) }, m ? `${m} min` : "Off");
      b.addEventListener("click", () => {
        this.trailMinutes = m;
        for (const x of this.el.querySelectorAll<HTMLElement>("[data-trail]")) {
          const on = x.dataset.trail === String(m);
          x.classList.toggle("is-on", on);
          x.setAttribute("aria-pressed", String(on));
        }
        this.host.onTrail(m);
      });
      return b;
    });
    const centre = h("button", { type: "button", class: "btn btn-small", id: "track-centre" }, "Centre on map");
    centre.addEventListener("click", () => this.host.onCentre());
    const follow = h("button", { type: "button", class: `btn btn-small${this.following ? " is-on" : ""}`, id: "track-follow", "aria-pressed": String(this.following) }, this.following ? "Following" : "Follow");
    follow.addEventListener("click", () => {
      this.following = !this.following;
      follow.classList.toggle("is-on", this.following);
      follow.setAttribute("aria-pressed", String(this.following));
      follow.textContent = this.following ? "Following" : "Follow";
      this.host.onFollow(this.following);
    });
    body.append(
      section(
        "Trail",
        h("div", { class: "cop-seg", role: "group", "aria-label": "Trail length" }, trailBtns),
        h("div", { id: "track-trail-info", class: "muted small" }),
        h("div", { class: "trk-actions" }, centre, follow),
      ),
    );

    const alerts = this.host.alertsFor(t.uid).slice(0, 6);
    if (alerts.length) {
      body.append(
        section(
          "Recent alerts",
          h(
            "ul",
            { class: "trk-alerts" },
            alerts.map((a) => {
              const li = h(
                "li",
                { class: `trk-alert al-${a.severity}${a.status === "acknowledged" ? " is-acked" : ""}`, "data-alert-id": a.id, tabindex: "0" },
                h("span", { class: "mono" }, zClock(a.at)),
                " ",
                a.message,
              );
              li.addEventListener("click", () => this.host.onAlert(a));
              return li;
            }),
          ),
        ),
      );
    }
    parts.push(body);
    return parts;
  }

  /** Says that the movement's route is drawn. */
  routeInfo(text: string): void {
    this.routeText = text;
    const el = this.el.querySelector("#track-route-info");
    if (el) el.textContent = text;
  }

  /** Says how many reports the trail shows. */
  trailInfo(text: string): void {
    const el = this.el.querySelector("#track-trail-info");
    if (el) el.textContent = text;
  }
}

/** "1 Dec 17:58:04Z" */
function zSeconds(t: string): string {
  return `${zShort(t).replace(/ \d\d:\d\dZ$/, "")} ${zClock(t)}`;
}

function section(title: string, ...children: Child[]): HTMLElement {
  return h("div", { class: "details-section" }, h("h3", null, title), ...children);
}

function kv(rows: [string, Child][]): HTMLElement {
  return h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}
