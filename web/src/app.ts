// Concord web UI: login, then the common operating picture.

import "leaflet/dist/leaflet.css";
import "./app.css";

import { AidUI } from "./aid";
import { AidOverlay } from "./aidmap";
import { ApiError, api, type ClientConfig, type DeconflictInfo, type Feature, type FeatureKind, type Session, type StreamEvent } from "./api";
import { AsOfControl } from "./asof";
import { LivePicture } from "./cop";
import { DetailsPanel, type Directory } from "./details";
import { byId, clear, h, svg } from "./dom";
import { ForceGenUI } from "./forcegen";
import { KIND_LABEL, LINE_VERSION_LABEL, SITE_KIND_LABEL, STATUS_LABEL, humanize, label, parseTime } from "./format";
import { STATUS_COLOR, siteSymbol } from "./icons";
import { LiveFeed, LiveStream, type StreamState } from "./live";
import { KINDS, LINE_STYLE, MissionMap } from "./map";
import { MovementsUI } from "./movements";
import { SAFETY_NOTICE } from "./mvcommon";
import { rolesOf, type MvContext } from "./mvctx";
import { MovementOverlay, protectedSymbol } from "./mvmap";

declare global {
  interface Window {
    concordDebug: {
      features: () => number;
      /** Page pixel position of a longitude/latitude on the map (for tests). */
      mapPoint?: (lng: number, lat: number) => { x: number; y: number };
    };
  }
}

const EXERCISE_KEY = "concord.exercise";
const root = byId("root");

window.concordDebug = { features: () => 0 };

function rememberExercise(label: string | undefined): void {
  try {
    if (label) sessionStorage.setItem(EXERCISE_KEY, label);
  } catch {
    /* storage may be off */
  }
}

function knownExercise(): string {
  try {
    return sessionStorage.getItem(EXERCISE_KEY) ?? "";
  } catch {
    return "";
  }
}

function exerciseBanner(text: string): HTMLElement {
  return h("div", { class: "exercise-banner", role: "note", hidden: !text }, h("span", { id: "exercise-label" }, text));
}

// ---------------------------------------------------------------- login

function showLogin(message = ""): void {
  document.body.className = "page-login";
  delete document.body.dataset.ready;
  document.title = "Concord — log in";
  clear(root);
  const user = h("input", { id: "login-username", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const pass = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = h("div", { id: "login-error", class: "login-error", role: "alert", "aria-live": "assertive" }, message);
  err.hidden = !message;
  const submit = h("button", { id: "login-submit", type: "submit", class: "btn btn-primary btn-block" }, "Log in");
  const form = h(
    "form",
    { class: "login-card", novalidate: true, "aria-labelledby": "login-title" },
    h("div", { class: "login-brand" }, h("span", { class: "brand-mark" }, logoMark()), h("div", null, h("h1", { id: "login-title" }, "Concord"), h("div", { class: "login-sub" }, "Mission coordination · common operating picture"))),
    h("label", { for: "login-username" }, "Username"),
    user,
    h("label", { for: "login-password" }, "Password"),
    pass,
    err,
    submit,
    h("p", { class: "login-foot" }, "Every party sees only what it is entitled to see. Use your own account."),
  );
  const ex = knownExercise();
  root.append(exerciseBanner(ex), h("div", { class: "login-wrap" }, form));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const u = user.value.trim();
    if (!u || !pass.value) {
      err.textContent = "Enter your username and password.";
      err.hidden = false;
      (u ? pass : user).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Logging in…";
    err.hidden = true;
    try {
      const s = await api.login(u, pass.value);
      rememberExercise(s.exercise);
      await startApp(s);
    } catch (ex) {
      const e2 = ex as ApiError;
      let msg = e2.message || "Login failed.";
      msg = msg.charAt(0).toUpperCase() + msg.slice(1);
      if (e2.status === 429 && e2.retryAfter) msg = `${msg} (try again in ${e2.retryAfter} s)`;
      err.textContent = msg;
      err.hidden = false;
      submit.disabled = false;
      submit.textContent = "Log in";
      pass.select();
    }
  });
  (user.value ? pass : user).focus();
}

function logoMark(): SVGSVGElement {
  return svg(
    `<svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true"><circle cx="16" cy="16" r="13" fill="none" stroke="currentColor" stroke-width="2.5"/><circle cx="16" cy="16" r="5" fill="currentColor"/><path d="M16 1v7M16 24v7M1 16h7M24 16h7" stroke="currentColor" stroke-width="2.5"/></svg>`,
  );
}

// ---------------------------------------------------------------- app

let teardown: (() => void) | null = null;

async function startApp(session: Session): Promise<void> {
  teardown?.();
  teardown = null;
  let config: ClientConfig;
  let dir: Directory;
  let info: DeconflictInfo;
  try {
    const [c, p, g, d] = await Promise.all([
      api.config(),
      api.parties(),
      api.groups(),
      // Deconfliction may be off on an instance: the movement screens then
      // explain it instead of failing the whole app.
      api.deconfliction().catch((e: ApiError) => {
        console.warn("deconfliction rules unavailable:", e.message);
        return null;
      }),
    ]);
    config = c;
    info = d ?? {
      notice: SAFETY_NOTICE,
      rules: { buffer_m: 250, corridor_capacity: 3, lead_time_hours: 48, emergency_lead_time_hours: 24, max_window_hours: 168 },
      purposes: [],
      statuses: [],
    };
    dir = {
      parties: new Map(p.parties.map((x) => [x.code, x])),
      groups: new Map(g.groups.map((x) => [x.code, x])),
      caveats: new Map((g.caveats ?? []).map((x) => [x.code, x])),
    };
  } catch (e) {
    const err = e as ApiError;
    showLogin(err.status === 401 ? "Your session has ended. Log in again." : `Cannot start: ${err.message}`);
    return;
  }
  const exercise = config.exercise || session.exercise || "";
  rememberExercise(exercise);
  new App(session, config, dir, exercise, info);
}

class App {
  private features = new Map<string, Feature>();
  private map!: MissionMap;
  private details!: DetailsPanel;
  private asOf!: AsOfControl;
  private stream!: LiveStream;
  private feed!: LiveFeed;
  private loadSeq = 0;
  private loading = false;
  private pending: [string, StreamEvent][] = [];
  private firstLoad = true;
  private timers: number[] = [];
  private notice!: HTMLElement;
  private noticeTimer = 0;
  private movements!: MovementsUI;
  private overlay!: MovementOverlay;
  private view: View = "map";
  private forcegen: ForceGenUI | null = null;
  private aid!: AidUI;
  private aidOverlay!: AidOverlay;
  private live!: LivePicture;

  constructor(
    private session: Session,
    private config: ClientConfig,
    private dir: Directory,
    private exercise: string,
    private info: DeconflictInfo,
  ) {
    this.build();
    teardown = () => this.destroy();
    window.concordDebug = {
      features: () => this.features.size,
      mapPoint: (lng, lat) => {
        const p = this.map.map.latLngToContainerPoint([lat, lng]);
        const r = this.map.map.getContainer().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
    };
    void this.load();
    this.stream.start();
    // While following the clock, move the picture on every minute so that
    // validity windows open and close by themselves.
    this.timers.push(
      window.setInterval(() => {
        this.asOf.tick();
        if (this.asOf.isLive()) void this.load();
      }, 60_000),
    );
  }

  private destroy(): void {
    this.stream.stop();
    this.live.destroy();
    this.movements.destroy();
    this.forcegen?.destroy();
    this.aid.destroy();
    this.aidOverlay.destroy();
    for (const t of this.timers) window.clearInterval(t);
    document.removeEventListener("keydown", this.onKey);
    this.map.map.remove();
    window.concordDebug = { features: () => 0 };
  }

  private onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    if (this.live.escape()) return;
    if (this.view === "aid") {
      if (!(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement)) this.aid.escape();
      return;
    }
    if (this.details.id) this.select(null);
    else if (this.view === "movements" && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement))
      this.movements.escape();
  };

  // ------------------------------------------------------------ layout

  private build(): void {
    const s = this.session;
    const party = s.party;
    document.body.className = "page-app";
    delete document.body.dataset.ready;
    document.title = `Concord — ${party.code}`;
    clear(root);

    const liveStatus = h("span", { id: "live-status", class: "live-status s-reconnecting", role: "status", title: "Live stream" }, "reconnecting");
    const logout = h("button", { id: "logout", type: "button", class: "btn btn-ghost" }, "Log out");
    logout.addEventListener("click", () => void this.logout());

    const header = h(
      "header",
      { class: "topbar" },
      h("div", { class: "brand" }, h("span", { class: "brand-mark" }, logoMark()), h("span", { class: "brand-name" }, "CONCORD"), h("span", { class: "brand-sub" }, "Common operating picture")),
      this.viewTabs(),
      h("div", { class: "topbar-spacer" }),
      h(
        "div",
        { id: "viewer-party", class: "viewer-party", title: `Viewing as ${party.name} (${humanKind(party.kind)})` },
        h("span", { class: "swatch", style: `background:${party.color}` }),
        h("span", { class: "vp-label" }, "Viewing as"),
        h("b", { class: "vp-code" }, party.code),
        h("span", { class: "vp-name" }, party.name),
      ),
      h("div", { class: "viewer-user", title: `Roles: ${s.user.roles.join(", ")}` }, h("span", { class: "vu-name" }, s.user.display_name || s.user.username), h("span", { class: "vu-roles" }, s.user.roles.join(", "))),
      h("div", { class: "live-wrap" }, h("span", { class: "live-dot" }), liveStatus),
      logout,
    );

    this.asOf = new AsOfControl(() => void this.load());

    const layers = h("section", { class: "panel panel-layers", "aria-label": "Layers" }, h("h2", null, "Layers"), h("ul", { class: "layer-list" }, KINDS.map((k) => this.layerRow(k))));
    const legend = this.legend();
    const notifiedCb = h("input", { type: "checkbox", id: "overlay-notified", "data-overlay": "notified_site", checked: true });
    notifiedCb.addEventListener("change", () => this.overlay.setNotifiedVisible(notifiedCb.checked));
    layers.append(
      h(
        "div",
        { class: "layer-row layer-overlay" },
        h("label", { for: "overlay-notified" }, notifiedCb, h("span", { class: "layer-swatch" }, svg(protectedSymbol("other", 16, false))), h("span", { class: "layer-name" }, "Notified sites (protected)")),
      ),
    );
    const aidCb = h("input", { type: "checkbox", id: "overlay-aid", "data-overlay": "aid", checked: true });
    aidCb.addEventListener("change", () => this.aidOverlay.setVisible(aidCb.checked));
    layers.append(
      h(
        "div",
        { class: "layer-row layer-overlay" },
        h(
          "label",
          { for: "overlay-aid", title: "Crossings sized by the trucks entered in the last 7 days, red when closed, with the consignments awaiting collection" },
          aidCb,
          h("span", { class: "layer-swatch" }, svg(AID_SWATCH)),
          h("span", { class: "layer-name" }, "Aid pipeline (7 days)"),
        ),
      ),
    );
    const feedList = h("ol", { id: "live-feed", class: "live-feed", "aria-live": "polite" });
    const livePanel = h("section", { class: "panel panel-live", "aria-label": "Live changes" }, h("h2", null, "Live", h("span", { class: "panel-hint" }, "newest first")), feedList);

    const mapEl = h("div", { id: "map", class: "map", role: "application", "aria-label": "Mission map" });
    this.notice = h("div", { class: "map-notice", role: "status", hidden: true });
    const details = h("aside", { id: "details", class: "details", "aria-label": "Feature details", hidden: true });
    const mvHost = h("div", { class: "mv-host" });
    const stageBody = h("div", { class: "stage-body" }, h("div", { class: "map-wrap" }, mapEl, this.notice), details);

    const defs = svg(
      `<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>` +
        `<pattern id="cc-hatch-red" patternUnits="userSpaceOnUse" width="9" height="9" patternTransform="rotate(45)">` +
        `<rect width="9" height="9" fill="#d32f2f" fill-opacity="0.12"/><rect width="2.4" height="9" fill="#c62828" fill-opacity="0.55"/></pattern>` +
        `</defs></svg>`,
    );

    root.append(
      defs,
      exerciseBanner(this.exercise),
      header,
      h(
        "div",
        { class: "workspace" },
        h("aside", { class: "sidebar" }, layers, legend, mvHost, livePanel),
        h("main", { class: "stage" }, this.asOf.render(), stageBody),
      ),
    );

    this.map = new MissionMap(mapEl, (id) => this.select(id));
    this.map.setParties([...this.dir.parties.values()]);
    if (this.config.basemap_url) this.map.setBasemap(this.config.basemap_url, this.config.basemap_attribution ?? "");
    this.details = new DetailsPanel(this.dir, () => this.select(null), () => this.asOf.value());
    this.feed = new LiveFeed(feedList, (id, ref) => {
      if (ref === "feature") {
        this.select(id, true);
        return;
      }
      this.setView("movements");
      void this.movements.open(id, ref);
    });
    this.overlay = new MovementOverlay(this.map);
    const roles = rolesOf(s);
    const ctx: MvContext = {
      session: s,
      dir: this.dir,
      info: this.info,
      mm: this.map,
      overlay: this.overlay,
      features: () => this.features.values(),
      feature: (id) => this.features.get(id),
      notice: (text, kind = "info") => this.showNotice(text, kind, kind === "info" ? 6000 : 0),
      setHook: (fn) => {
        this.map.clickHook = fn;
      },
      closeFeatureDetails: () => {
        if (this.details.id) this.select(null);
      },
      party: party.code,
      ...roles,
    };
    this.movements = new MovementsUI(ctx, this.feed, stageBody, details, (n, title) => this.setBadge(n, title));
    this.movements.onRequestView = () => this.setView("movements");
    mvHost.append(this.movements.panel);
    if (ForceGenUI.allowed(party)) {
      this.forcegen = new ForceGenUI(s, this.dir);
      root.querySelector(".workspace")?.append(this.forcegen.el);
    }
    this.aid = new AidUI({ session: s, dir: this.dir, siteName: (id) => this.features.get(id)?.properties.name });
    root.querySelector(".workspace")?.append(this.aid.el);
    this.aidOverlay = new AidOverlay(this.map);
    this.aidOverlay.onPick = (id) => {
      this.setView("aid");
      this.aid.showCrossing(id);
    };
    void this.aidOverlay.load();
    this.live = new LivePicture({
      session: s,
      dir: this.dir,
      mm: this.map,
      layersPanel: layers,
      stageBody,
      closeFeatureDetails: () => {
        if (this.details.id) this.select(null);
      },
      openMovement: (id) => {
        this.setView("movements");
        void this.movements.open(id, "movement");
      },
      notice: (text, kind = "info") => this.showNotice(text, kind, kind === "info" ? 6000 : 0),
      checkSession: () => this.checkSession(),
    });
    this.setView("map");
    this.stream = new LiveStream(
      (t, ev) => this.onStream(t, ev as StreamEvent),
      (st) => this.setLive(st),
      () => this.checkSession(),
    );
    document.addEventListener("keydown", this.onKey);
    // The map sizes itself to its box once the layout has settled.
    requestAnimationFrame(() => this.map.map.invalidateSize());
  }

  private layerRow(k: FeatureKind): HTMLElement {
    const cb = h("input", { type: "checkbox", "data-layer": k, checked: true, id: `layer-${k}` });
    cb.addEventListener("change", () => this.map.setVisible(k, cb.checked));
    return h(
      "li",
      { class: "layer-row" },
      h("label", { for: `layer-${k}` }, cb, h("span", { class: "layer-swatch" }, layerSwatch(k)), h("span", { class: "layer-name" }, KIND_LABEL[k])),
      h("span", { class: "layer-count", "data-layer-count": k }, "0"),
    );
  }

  private legend(): HTMLElement {
    const sites = (this.config.site_kinds?.length ? this.config.site_kinds : Object.keys(SITE_KIND_LABEL)).map((k) =>
      h("li", null, svg(siteSymbol(k, "legend", k === "crossing" ? 20 : 18)), h("span", null, label(SITE_KIND_LABEL, k))),
    );
    const statuses = (this.config.site_statuses?.length ? this.config.site_statuses : Object.keys(STATUS_COLOR)).map((s) =>
      h("li", null, h("span", { class: "dot", style: `background:${(STATUS_COLOR[s] ?? STATUS_COLOR.unknown).bg}` }), label(STATUS_LABEL, s)),
    );
    const lines = Object.entries(LINE_STYLE).map(([v, st]) =>
      h(
        "li",
        null,
        svg(
          `<svg width="40" height="12" viewBox="0 0 44 12" aria-hidden="true"><path d="M3 6H41" stroke="#3b2f00" stroke-opacity=".55" stroke-width="7" stroke-linecap="${st.cap}"${st.dash ? ` stroke-dasharray="${st.dash}"` : ""}/><path d="M3 6H41" stroke="${st.color}" stroke-width="4" stroke-linecap="${st.cap}"${st.dash ? ` stroke-dasharray="${st.dash}"` : ""}/></svg>`,
        ),
        h("span", { title: label(LINE_VERSION_LABEL, v) }, humanize(v)),
      ),
    );
    const el = h(
      "details",
      { class: "panel panel-legend", open: true },
      h("summary", null, h("h2", null, "Legend")),
      h("h4", null, "Sites — symbol by type"),
      h("ul", { class: "legend-sites" }, sites),
      h("h4", null, "Site status — fill colour"),
      h("ul", { class: "legend-status" }, statuses),
      h("h4", null, "Control line versions"),
      h("ul", { class: "legend-lines" }, lines),
    );
    return el;
  }

  private setLive(st: StreamState): void {
    const el = document.getElementById("live-status");
    if (!el) return;
    const live = st === "live";
    el.textContent = live ? "live" : "reconnecting";
    el.className = `live-status s-${live ? "live" : "reconnecting"}`;
    el.title = live ? "Live stream connected: changes appear as they happen" : "Live stream interrupted: reconnecting, missed changes will be replayed";
    el.parentElement?.classList.toggle("is-live", live);
    this.live.setEventsState(st);
  }

  private showNotice(text: string, kind: "error" | "info" = "error", clearAfter = 0): void {
    window.clearTimeout(this.noticeTimer);
    this.notice.textContent = text;
    this.notice.className = `map-notice ${kind}`;
    this.notice.hidden = !text;
    if (text && clearAfter) this.noticeTimer = window.setTimeout(() => this.showNotice(""), clearAfter);
  }

  // ------------------------------------------------------------ views

  private viewTabs(): HTMLElement {
    const tab = (id: string, view: View, text: string, title: string, extra?: HTMLElement) => {
      const b = h("button", { id, type: "button", role: "tab", class: "view-tab", "data-view": view, title, "aria-selected": "false" }, text, extra ?? null);
      b.addEventListener("click", () => this.setView(view));
      return b;
    };
    const badge = h("span", { id: "nav-movements-badge", class: "view-badge", hidden: true });
    return h(
      "nav",
      { class: "view-tabs", role: "tablist", "aria-label": "Views" },
      tab("nav-map", "map", "Map", "The common operating picture: layers, legend and feature details"),
      tab("nav-movements", "movements", "Movements", "Humanitarian movement notifications, acknowledgements and notified sites", badge),
      ForceGenUI.allowed(this.session.party) ? tab("nav-forcegen", "forcegen", "Force generation", "Requirements per sector, national pledges and caveats, and the assignment") : null,
      tab("nav-aid", "aid", "Aid pipeline", "Consignments from registration to delivery, crossings and the pipeline's indicators"),
    );
  }

  private setView(v: View): void {
    const changed = this.view !== v;
    const snap = changed ? this.map.snapshotView() : null;
    this.view = v;
    document.body.classList.toggle("view-movements", v === "movements");
    document.body.classList.toggle("view-map", v === "map");
    document.body.classList.toggle("view-forcegen", v === "forcegen");
    document.body.classList.toggle("view-aid", v === "aid");
    for (const b of document.querySelectorAll<HTMLElement>(".view-tab")) {
      const on = b.dataset.view === v;
      b.classList.toggle("is-on", on);
      b.setAttribute("aria-selected", String(on));
    }
    this.movements.setActive(v === "movements");
    this.live?.setView(v);
    this.forcegen?.setActive(v === "forcegen");
    this.aid.setActive(v === "aid");
    // The side panel changes width: keep the picture steady.
    if (snap) this.map.restoreView(snap);
  }

  private setBadge(n: number, title: string): void {
    const b = document.getElementById("nav-movements-badge");
    if (!b) return;
    b.textContent = String(n);
    b.hidden = !n;
    b.title = title;
  }

  // ------------------------------------------------------------ data

  private async load(): Promise<void> {
    const seq = ++this.loadSeq;
    const t = this.asOf.value();
    this.loading = true;
    document.body.classList.add("is-loading");
    let list: Feature[];
    try {
      list = await api.features(t);
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.loading = false;
      document.body.classList.remove("is-loading");
      const err = e as ApiError;
      if (err.status === 401) {
        this.sessionGone();
        return;
      }
      this.showNotice(`Could not load the map features: ${err.message}`);
      this.flushPending();
      return;
    }
    if (seq !== this.loadSeq) return;
    this.showNotice("");
    this.features = new Map(list.map((f) => [f.id, f]));
    this.map.setFeatures(list);
    this.loading = false;
    document.body.classList.remove("is-loading");
    this.flushPending();
    this.updateCounts();
    if (this.firstLoad) {
      this.firstLoad = false;
      this.map.map.invalidateSize();
      this.map.fit();
      document.body.dataset.ready = "1";
    }
    // Keep the details panel in step with the new picture.
    const sel = this.details.id;
    if (sel) {
      const f = this.features.get(sel);
      if (f) this.details.show(f, false);
      else this.select(null);
    }
  }

  private flushPending(): void {
    const p = this.pending;
    this.pending = [];
    for (const [t, ev] of p) this.apply(t, ev, false);
  }

  private updateCounts(): void {
    const n = new Map<string, number>();
    for (const f of this.features.values()) n.set(f.properties.kind, (n.get(f.properties.kind) ?? 0) + 1);
    for (const k of KINDS) {
      const el = document.querySelector(`[data-layer-count="${k}"]`);
      if (el) el.textContent = String(n.get(k) ?? 0);
    }
  }

  private activeAt(f: Feature, t: Date): boolean {
    const from = parseTime(f.properties.valid_from);
    const to = parseTime(f.properties.valid_to);
    if (from && t < from) return false;
    if (to && t >= to) return false;
    return true;
  }

  private onStream(type: string, ev: StreamEvent): void {
    if (type === "stream.reset") {
      // The server could not replay everything missed while disconnected.
      void this.load();
      this.live.reload();
      this.movements.reload();
      this.forcegen?.reload();
      this.aid.reload();
      this.aidOverlay.changed();
      return;
    }
    if (type.startsWith("alert.")) {
      this.live.onAlertEvent(type, ev as StreamEvent<unknown>);
      return;
    }
    if (type.startsWith("consignment.") || type.startsWith("crossing_ops.")) {
      this.aid.onEvent(type, ev as StreamEvent<unknown>);
      this.aidOverlay.changed();
      return;
    }
    if (type.startsWith("fg_")) {
      this.forcegen?.onEvent(type);
      return;
    }
    if (type.startsWith("movement.") || type.startsWith("relay.") || type.startsWith("site_notification.")) {
      this.movements.onEvent(type, ev as StreamEvent<unknown>);
      return;
    }
    if (!type.startsWith("feature.")) {
      console.debug("concord stream:", type, ev.record_id);
      return;
    }
    const held = this.features.get(ev.record_id);
    const name = ev.data?.properties?.name ?? held?.properties.name ?? "(record no longer visible)";
    const party = ev.actor_party ?? "";
    this.feed.add({
      at: ev.at,
      party,
      partyColor: this.dir.parties.get(party)?.color ?? "#888",
      verb: ev.verb,
      name,
      id: ev.record_id,
    });
    if (this.loading) {
      this.pending.push([type, ev]);
      return;
    }
    this.apply(type, ev, true);
  }

  private apply(_type: string, ev: StreamEvent, flash: boolean): void {
    const id = ev.record_id;
    const held = this.features.get(id);
    if (ev.verb === "deleted" || ev.verb === "withdrawn") {
      if (held && ev.version && held.properties.version > ev.version) return;
      this.features.delete(id);
      this.map.remove(id);
      if (this.details.id === id) {
        this.select(null);
        this.showNotice(`“${held?.properties.name ?? "The selected record"}” was ${ev.verb === "deleted" ? "deleted" : "withdrawn from your view"}.`, "info");
        window.setTimeout(() => this.showNotice(""), 6000);
      }
      this.updateCounts();
      return;
    }
    const f = ev.data;
    if (!f || !f.properties) return;
    if (!f.id) f.id = id;
    if (held && held.properties.version > f.properties.version) return;
    if (!this.activeAt(f, this.asOf.value())) {
      if (held) {
        this.features.delete(id);
        this.map.remove(id);
        if (this.details.id === id) this.select(null);
        this.updateCounts();
      }
      return;
    }
    this.features.set(id, f);
    this.map.upsert(f);
    this.updateCounts();
    if (flash) this.map.flash(id);
    if (this.details.id === id) {
      this.details.show(f, false);
      this.details.refreshHistory(f);
    }
  }

  private select(id: string | null, reveal = false): void {
    if (!id) {
      this.map.select(null);
      this.details.close();
      return;
    }
    const f = this.features.get(id);
    if (!f) {
      this.showNotice("That record is not on the map at the chosen time.", "info");
      window.setTimeout(() => this.showNotice(""), 4000);
      return;
    }
    this.live.closePanel();
    this.map.select(id);
    const opening = !this.details.id;
    this.details.show(f, true);
    // Opening the panel narrows the map; once it has, make sure the chosen
    // feature is still on screen.
    if (reveal || opening) requestAnimationFrame(() => requestAnimationFrame(() => this.map.reveal(id)));
  }

  // ------------------------------------------------------------ session

  private async checkSession(): Promise<boolean> {
    try {
      const s = await api.session();
      if (!s.authenticated) {
        this.sessionGone();
        return false;
      }
      return true;
    } catch {
      return true; // the server is unreachable; the stream keeps retrying
    }
  }

  private sessionGone(): void {
    teardown?.();
    teardown = null;
    showLogin("Your session has ended. Log in again.");
  }

  private async logout(): Promise<void> {
    try {
      await api.logout();
    } catch (e) {
      console.warn("logout:", (e as ApiError).message);
    }
    teardown?.();
    teardown = null;
    showLogin();
  }
}

type View = "map" | "movements" | "forcegen" | "aid";

/** The aid layer's sample in the layer list: an open crossing's circle and its count. */
const AID_SWATCH =
  `<svg width="22" height="16" viewBox="0 0 22 16" aria-hidden="true"><circle cx="9" cy="9" r="6" fill="#2e9d57" fill-opacity=".3" stroke="#1b6e3a" stroke-width="1.8"/>` +
  `<rect x="12" y="0.5" width="9.5" height="8" rx="3" fill="#b85a00"/><text x="16.75" y="6.9" font-size="6.5" font-weight="700" text-anchor="middle" fill="#fff" font-family="sans-serif">3</text></svg>`;

function humanKind(k: string): string {
  return k.replace(/_/g, " ");
}

/** A small sample of how a layer is drawn, for the layer list. */
function layerSwatch(k: FeatureKind): SVGSVGElement {
  const box = (fill: string, stroke: string, extra = "") =>
    `<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true"><rect x="1" y="1" width="20" height="12" rx="2" fill="${fill}" stroke="${stroke}" stroke-width="1.6"${extra}/></svg>`;
  switch (k) {
    case "area_of_operations":
      return svg(box("#efe9da", "#4d4436"));
    case "admin_area":
      return svg(box("none", "#6f6658", ' stroke-dasharray="4 2 1 2"'));
    case "sector":
      return svg(box("#1b7a3e33", "#1b7a3e"));
    case "restricted_area":
      return svg(box("url(#cc-hatch-red)", "#c62828"));
    case "activity_area":
      return svg(box("#fb8c0038", "#e65100", ' stroke-dasharray="4 2"'));
    case "control_line":
      return svg(`<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true"><path d="M1 7H21" stroke="#3b2f00" stroke-opacity=".55" stroke-width="6"/><path d="M1 7H21" stroke="#ffd21f" stroke-width="3.5"/></svg>`);
    case "route":
      return svg(`<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true"><path d="M2 7H20" stroke="#8a6a48" stroke-width="5" stroke-linecap="round"/></svg>`);
    case "site":
      return svg(siteSymbol("distribution_point", "open", 16));
  }
}

// ---------------------------------------------------------------- boot

async function boot(): Promise<void> {
  try {
    const s = await api.session();
    rememberExercise(s.exercise);
    if (!s.authenticated || !s.user || !s.party) {
      showLogin();
      return;
    }
    await startApp({ user: s.user, party: s.party, exercise: s.exercise });
  } catch (e) {
    const err = e as ApiError;
    showLogin(err.status === 401 || err.status === 0 ? (err.status === 0 ? err.message : "") : err.message);
  }
}

void boot();
