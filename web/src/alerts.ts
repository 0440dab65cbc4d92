// The alert feed: geofence alerts newest first, coloured by severity, each
// a plain sentence with its time, track and zone; acknowledgement with an
// optional note (for roles that may); and the cues of a new critical or
// warning alert — a flashing badge on the Map tab and on the panel, an
// aria-live announcement and a short sound.

import type { ApiError, StreamEvent } from "./api";
import { copApi, type Alert, type AlertSeverity, type AlertType } from "./copapi";
import type { AlertSound } from "./cue";
import { h, svg } from "./dom";
import { zClock, zShort } from "./format";
import { age } from "./trackpanel";

export const SEVERITY_LABEL: Record<AlertSeverity, string> = { critical: "Critical", warning: "Warning", info: "Info" };

export const TYPE_LABEL: Record<AlertType, string> = {
  enter: "Entered area",
  exit: "Left area",
  sector_change: "Sector change",
  cross: "Crossed line",
  off_route: "Off route",
  back_on_route: "Back on route",
  arrived: "Arrived",
  stale: "Silent",
};

const SEVERITIES: AlertSeverity[] = ["critical", "warning", "info"];
/** At most this many alerts are listed (the newest). */
const MAX_LISTED = 200;

export interface AlertFeedHost {
  canAck: boolean;
  sound: AlertSound;
  /** An alert was clicked: show where it happened. */
  onPick(a: Alert): void;
  /** Alerts were added or changed. */
  onChange(): void;
}

interface Item {
  version: number;
  el: HTMLElement;
}

const SPEAKER_ON = `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor"/><path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`;
const SPEAKER_OFF = `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor"/><path d="M16.5 9.5l5 5M21.5 9.5l-5 5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`;

export class AlertFeed {
  readonly panel: HTMLElement;
  private list: HTMLOListElement;
  private alerts = new Map<string, Alert>();
  private items = new Map<string, Item>();
  private ackOpen: string | null = null;
  private status: "all" | "open" = "all";
  private severities = new Set<AlertSeverity>(SEVERITIES);
  private countEl: HTMLElement;
  private navBadge: HTMLElement | null = null;
  private announcer: HTMLElement;
  private empty: HTMLElement;
  private muteBtn: HTMLButtonElement;
  private sevCounts = new Map<AlertSeverity, HTMLElement>();
  private loadSeq = 0;
  private flashTimer = 0;
  /** Alerts that just gave a cue: drawn with a highlight once. */
  private fresh = new Set<string>();
  /** Cues given for new alerts (visual and spoken), for tests and the wall. */
  cues = 0;
  /** The newest alert that gave a cue (the wall flashes it). */
  lastCue: string | null = null;

  constructor(private host: AlertFeedHost) {
    this.countEl = h("span", { id: "alerts-count", class: "al-count", title: "Open critical and warning alerts", hidden: true });
    this.muteBtn = h("button", { type: "button", id: "alerts-mute", class: "icon-btn al-mute" });
    this.muteBtn.addEventListener("click", () => {
      this.host.sound.muted = !this.host.sound.muted;
      this.syncMute();
    });
    this.syncMute();
    this.list = h("ol", { id: "alert-feed", class: "alert-feed" });
    this.empty = h("p", { class: "al-empty muted" }, "No alerts yet. The live picture raises them when a track enters or leaves an area, changes sector, crosses a control line, strays from its movement's route, arrives or goes silent.");
    this.announcer = h("div", { id: "alert-announcer", class: "sr-only", role: "alert", "aria-live": "assertive", "aria-atomic": "true" });

    const statusSeg = h(
      "div",
      { class: "cop-seg cop-seg-small", role: "group", "aria-label": "Alert status" },
      (["all", "open"] as const).map((s) => {
        const b = h("button", { type: "button", class: `cop-seg-btn${s === this.status ? " is-on" : ""}`, "data-alert-status": s, "aria-pressed": String(s === this.status) }, s === "all" ? "All" : "Open");
        b.addEventListener("click", () => {
          this.status = s;
          for (const x of statusSeg.querySelectorAll<HTMLElement>("[data-alert-status]")) {
            const on = x.dataset.alertStatus === s;
            x.classList.toggle("is-on", on);
            x.setAttribute("aria-pressed", String(on));
          }
          this.render();
        });
        return b;
      }),
    );
    const sevChips = SEVERITIES.map((s) => {
      const n = h("span", { class: "cop-chip-n" }, "0");
      this.sevCounts.set(s, n);
      const b = h("button", { type: "button", class: `cop-chip al-chip al-${s} is-on`, "data-alert-severity": s, "aria-pressed": "true", title: `Show ${s} alerts` }, h("span", { class: "al-dot" }), SEVERITY_LABEL[s], n);
      b.addEventListener("click", () => {
        const on = !this.severities.has(s);
        if (on) this.severities.add(s);
        else this.severities.delete(s);
        b.classList.toggle("is-on", on);
        b.setAttribute("aria-pressed", String(on));
        this.render();
      });
      return b;
    });
    this.panel = h(
      "section",
      { id: "alerts-panel", class: "panel panel-alerts", "aria-label": "Alerts" },
      h("h2", null, "Alerts", this.countEl, h("span", { class: "panel-hint" }, "newest first"), h("span", { class: "al-spacer" }), this.muteBtn),
      h("div", { class: "al-filters" }, statusSeg, h("div", { class: "al-sevs" }, sevChips)),
      this.host.canAck ? null : h("p", { class: "al-role muted small" }, "Your role may read alerts but not acknowledge them."),
      this.empty,
      this.list,
      this.announcer,
    );
    const nav = document.getElementById("nav-map");
    if (nav) {
      this.navBadge = h("span", { id: "nav-map-alerts", class: "view-badge alert-badge", hidden: true });
      nav.append(this.navBadge);
    }
  }

  destroy(): void {
    window.clearTimeout(this.flashTimer);
    this.navBadge?.remove();
    this.alerts.clear();
    this.items.clear();
  }

  private syncMute(): void {
    const m = this.host.sound.muted;
    this.muteBtn.replaceChildren(svg(m ? SPEAKER_OFF : SPEAKER_ON));
    this.muteBtn.title = m ? "Alert sound is off: click to turn it on" : "Alert sound is on: click to mute";
    this.muteBtn.setAttribute("aria-label", this.muteBtn.title);
    this.muteBtn.setAttribute("aria-pressed", String(m));
    this.muteBtn.classList.toggle("is-muted", m);
  }

  /** Loads the alerts afresh (after login or a stream reset). */
  async load(): Promise<void> {
    const seq = ++this.loadSeq;
    let list: Alert[];
    try {
      list = (await copApi.alerts()).alerts ?? [];
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.empty.textContent = `Could not load the alerts: ${(e as ApiError).message}`;
      this.empty.hidden = false;
      return;
    }
    if (seq !== this.loadSeq) return;
    this.alerts = new Map(list.map((a) => [a.id, a]));
    this.empty.textContent = this.empty.textContent?.startsWith("Could not") ? "No alerts yet." : this.empty.textContent;
    this.render();
    this.host.onChange();
  }

  /** An alert event from the live stream (alert.created, .acknowledged, .escalated, .withdrawn). */
  onEvent(type: string, ev: StreamEvent<unknown>): void {
    if (ev.verb === "withdrawn" || type === "alert.withdrawn") {
      this.alerts.delete(ev.record_id);
      this.render();
      this.host.onChange();
      return;
    }
    const a = ev.data as Alert | undefined;
    if (!a || !a.id) return;
    if (ev.marking?.banner) a.banner = ev.marking.banner;
    const held = this.alerts.get(a.id);
    if (held && held.version >= a.version) return;
    this.alerts.set(a.id, a);
    if (a.severity !== "info" && a.status === "open" && (ev.verb === "created" || ev.verb === "escalated") && (!held || ev.verb === "escalated")) {
      this.cue(a, ev.verb === "escalated");
    }
    this.render();
    this.host.onChange();
  }

  private cue(a: Alert, escalated: boolean): void {
    this.cues++;
    this.lastCue = a.id;
    this.host.sound.play(a.severity === "critical" ? "critical" : "warning");
    // Re-set the text so that a repeated message is announced again.
    const text = `${escalated ? "Escalated, still unacknowledged: " : ""}${SEVERITY_LABEL[a.severity]} alert at ${zClock(a.at)}: ${a.message}`;
    this.announcer.textContent = "";
    requestAnimationFrame(() => (this.announcer.textContent = text));
    for (const el of [this.countEl, this.navBadge]) {
      if (!el) continue;
      el.classList.remove("is-flashing");
      void el.getBoundingClientRect();
      el.classList.add("is-flashing");
    }
    this.panel.classList.add("has-new");
    window.clearTimeout(this.flashTimer);
    this.flashTimer = window.setTimeout(() => {
      this.countEl.classList.remove("is-flashing");
      this.navBadge?.classList.remove("is-flashing");
      this.panel.classList.remove("has-new");
    }, 12000);
    this.items.get(a.id)?.el.remove();
    this.items.delete(a.id);
    this.fresh.add(a.id);
  }

  /** Alerts newest first. */
  sorted(): Alert[] {
    return [...this.alerts.values()].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1));
  }

  /** Open critical and warning alerts, newest first. */
  needingAttention(): Alert[] {
    return this.sorted().filter((a) => a.status === "open" && a.severity !== "info");
  }

  forTrack(uid: string): Alert[] {
    return this.sorted().filter((a) => a.track_uid === uid);
  }

  get(id: string): Alert | undefined {
    return this.alerts.get(id);
  }

  get size(): number {
    return this.alerts.size;
  }

  /** Updates the ages shown (call every few seconds). */
  tick(): void {
    const now = Date.now();
    for (const el of this.list.querySelectorAll<HTMLElement>(".al-age[data-at]")) {
      el.textContent = `${age(now - Date.parse(el.dataset.at ?? ""))} ago`;
    }
  }

  // ------------------------------------------------------------ rendering

  private render(): void {
    const all = this.sorted();
    const open = all.filter((a) => a.status === "open" && a.severity !== "info").length;
    this.countEl.textContent = String(open);
    this.countEl.hidden = !open;
    if (this.navBadge) {
      this.navBadge.textContent = String(open);
      this.navBadge.hidden = !open;
      this.navBadge.title = `${open} open critical or warning alert${open === 1 ? "" : "s"}`;
    }
    for (const s of SEVERITIES) {
      const n = all.filter((a) => a.severity === s && (this.status === "all" || a.status === "open")).length;
      const el = this.sevCounts.get(s);
      if (el) el.textContent = String(n);
    }
    const shown = all.filter((a) => this.severities.has(a.severity) && (this.status === "all" || a.status === "open")).slice(0, MAX_LISTED);
    this.empty.hidden = shown.length > 0;
    if (!shown.length && all.length) this.empty.textContent = "No alert matches the filters.";
    else if (!all.length && !this.empty.textContent?.startsWith("Could not"))
      this.empty.textContent = "No alerts yet. The live picture raises them when a track enters or leaves an area, changes sector, crosses a control line, strays from its movement's route, arrives or goes silent.";
    const want: HTMLElement[] = [];
    const keep = new Set<string>();
    for (const a of shown) {
      keep.add(a.id);
      let it = this.items.get(a.id);
      const formOpen = this.ackOpen === a.id && a.status === "open";
      if (!it || (it.version !== a.version && !formOpen)) {
        const el = this.renderItem(a);
        it?.el.replaceWith(el);
        it = { version: a.version, el };
        this.items.set(a.id, it);
      }
      want.push(it.el);
    }
    for (const [id, it] of this.items) {
      if (!keep.has(id)) {
        it.el.remove();
        this.items.delete(id);
      }
    }
    // Put the elements in order, moving as few as possible (an open
    // acknowledgement form keeps its text and focus).
    for (let i = 0; i < want.length; i++) {
      if (this.list.children[i] !== want[i]) this.list.insertBefore(want[i], this.list.children[i] ?? null);
    }
    while (this.list.children.length > want.length) this.list.lastElementChild?.remove();
  }

  private renderItem(a: Alert): HTMLElement {
    const acked = a.status === "acknowledged";
    const isNew = this.fresh.delete(a.id);
    const li = h("li", {
      class: `alert-item al-${a.severity} status-${a.status}${a.escalated_at ? " is-escalated" : ""}${isNew ? " is-new" : ""}`,
      "data-alert-id": a.id,
      "data-status": a.status,
      "data-severity": a.severity,
      "data-type": a.type,
      "data-alert-track": a.track_uid,
      tabindex: "0",
      title: "Show on the map",
    });
    li.append(
      h(
        "div",
        { class: "al-head" },
        h("span", { class: "al-sev" }, SEVERITY_LABEL[a.severity]),
        h("span", { class: "al-type" }, TYPE_LABEL[a.type] ?? a.type),
        a.escalated_at ? h("span", { class: "al-esc-tag", title: `Escalated at ${zShort(a.escalated_at)}: nobody acknowledged it in time` }, "Escalated") : null,
        h("span", { class: "al-time mono", title: zShort(a.at) }, zClock(a.at)),
      ),
      h("div", { class: "al-msg" }, a.message),
      h(
        "div",
        { class: "al-refs" },
        h("span", { class: "al-track", title: `Track ${a.track_uid}` }, a.callsign || a.track_uid),
        a.zone_name ? h("span", { class: `al-zone zk-${a.zone_kind ?? "other"}`, title: a.zone_kind === "movement" ? "Movement" : (a.zone_kind ?? "").replace(/_/g, " ") }, a.zone_name) : null,
        a.distance_m ? h("span", { class: "al-dist" }, `${Math.round(a.distance_m)} m`) : null,
        h("span", { class: "al-age", "data-at": a.at }, `${age(Date.now() - Date.parse(a.at))} ago`),
      ),
    );
    if (acked && a.ack) {
      li.append(
        h(
          "div",
          { class: "al-acked" },
          h("span", { class: "al-check", "aria-hidden": "true" }, "✓"),
          h(
            "div",
            null,
            h("div", null, "Acknowledged by ", h("b", null, a.ack.by), ` (${a.ack.party}) at `, h("span", { class: "mono" }, zClock(a.ack.at))),
            a.ack.note ? h("q", { class: "al-note" }, a.ack.note) : null,
          ),
        ),
      );
    } else if (this.host.canAck) {
      li.append(this.ackControls(a));
    }
    li.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest("button, textarea, form, a")) return;
      this.host.onPick(a);
    });
    li.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target === li) this.host.onPick(a);
    });
    return li;
  }

  private ackControls(a: Alert): HTMLElement {
    const wrap = h("div", { class: "al-actions" });
    const open = h("button", { type: "button", class: "btn btn-small al-ack-btn", "data-ack": a.id }, "Acknowledge…");
    const note = h("textarea", { class: "al-note-input", rows: "2", maxlength: "2000", placeholder: "Note (optional): what was done, who was told", "aria-label": "Acknowledgement note (optional)" });
    const submit = h("button", { type: "submit", class: "btn btn-primary btn-small al-ack-submit" }, "Acknowledge");
    const cancel = h("button", { type: "button", class: "btn btn-small al-ack-cancel" }, "Cancel");
    const err = h("div", { class: "al-error", role: "alert", hidden: true });
    const form = h("form", { class: "al-ack-form", hidden: this.ackOpen !== a.id }, note, h("div", { class: "al-form-row" }, submit, cancel), err);
    open.hidden = this.ackOpen === a.id;
    open.addEventListener("click", () => {
      this.ackOpen = a.id;
      open.hidden = true;
      form.hidden = false;
      note.focus();
    });
    cancel.addEventListener("click", () => {
      this.ackOpen = null;
      form.hidden = true;
      open.hidden = false;
      err.hidden = true;
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      submit.disabled = cancel.disabled = true;
      submit.textContent = "Acknowledging…";
      err.hidden = true;
      try {
        const done = await copApi.ackAlert(a.id, note.value.trim());
        this.ackOpen = null;
        const held = this.alerts.get(a.id);
        if (!held || held.version < done.version) this.alerts.set(a.id, done);
        this.render();
        this.host.onChange();
      } catch (ex) {
        const e2 = ex as ApiError;
        submit.disabled = cancel.disabled = false;
        submit.textContent = "Acknowledge";
        err.textContent = e2.message.charAt(0).toUpperCase() + e2.message.slice(1);
        err.hidden = false;
        if (e2.status === 409 || e2.status === 404) {
          // Someone else was first (or the alert went out of sight): show the current state.
          this.ackOpen = null;
          window.setTimeout(() => void this.load(), 2500);
        }
      }
    });
    wrap.append(open, form);
    return wrap;
  }
}
