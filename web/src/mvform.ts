// The movement request form: the route is drawn by clicking the map, the
// deconfliction engine checks the plan while it is drawn, and the
// findings are shown on the map and, grouped by severity, beside it.

import * as L from "leaflet";
import { api, type ApiError, type CheckResult, type Feature, type Movement, type MovementInput } from "./api";
import { bannerClass } from "./details";
import { append, clear, h, type Child } from "./dom";
import { duration, fromInputValue, parseTime, toInputValue, zClock, zShort } from "./format";
import {
  PURPOSE_LABEL,
  SEVERITIES,
  SEVERITY_LABEL,
  earliestBlock,
  fieldError,
  findingsList,
  lbl,
  lineKm,
  markFinding,
  partyChip,
  safetyNotice,
  severityCounts,
} from "./mvcommon";
import type { MvContext } from "./mvctx";
import { between, linesOf, metres, polygonContains, project, type LngLat } from "./mvgeo";
import type { DraftPoint } from "./mvmap";
import { MarkingPicker } from "./mvmarking";

const HOUR = 3600_000;
/** How near (m) both ends of a stretch must be to a corridor to follow it. */
const CORRIDOR_NEAR_M = 400;
/** How near (m) a click on a corridor snaps onto it. */
const SNAP_M = 120;

const VEHICLE_TYPES = ["Truck", "Pickup", "Armoured vehicle", "SUV", "Ambulance", "Minibus", "Bus", "Tanker", "Flatbed", "Van"];

interface Corridor {
  f: Feature;
  line: LngLat[];
  a: ReturnType<typeof project>;
  b: ReturnType<typeof project>;
}

export interface FormCallbacks {
  onClose: () => void;
  onSaved: (m: Movement, created: boolean) => void;
}

export class MovementForm {
  readonly panel: HTMLElement;
  readonly side: HTMLElement;
  private points: DraftPoint[] = [];
  private drawing = true;
  private active = false;
  private checkTimer = 0;
  private checkSeq = 0;
  private last: CheckResult | null = null;
  private marking: MarkingPicker;
  private slots = new Map<string, HTMLElement>();
  private saving = false;

  // Form controls.
  private purpose!: HTMLSelectElement;
  private depart!: HTMLInputElement;
  private arrive!: HTMLInputElement;
  private emergency!: HTMLInputElement;
  private personnel!: HTMLInputElement;
  private notes!: HTMLTextAreaElement;
  private vehicles!: HTMLElement;
  private contacts!: HTMLElement;
  private error!: HTMLElement;
  private submit!: HTMLButtonElement;
  private drawBtn!: HTMLButtonElement;
  private doneBtn!: HTMLButtonElement;
  private followBtn!: HTMLButtonElement;
  private fitBtn!: HTMLButtonElement;
  private undoBtn!: HTMLButtonElement;
  private clearBtn!: HTMLButtonElement;
  private pointsEl!: HTMLElement;
  private routeInfo!: HTMLElement;
  private corridorOffer!: HTMLElement;
  private sitesEl!: HTMLElement;
  private leadEl!: HTMLElement;
  private departRel!: HTMLElement;
  private arriveRel!: HTMLElement;
  private drawHint!: HTMLElement;

  // Check panel.
  private checkStatus!: HTMLElement;
  private checkSummary!: HTMLElement;
  private checkAcks!: HTMLElement;
  private checkEarliest!: HTMLElement;
  private findingsHost!: HTMLElement;
  private sideBanner!: HTMLElement;

  constructor(
    private ctx: MvContext,
    readonly editing: Movement | null,
    private cb: FormCallbacks,
  ) {
    const owner = editing?.marking.owner ?? ctx.party;
    const ownParty = ctx.dir.parties.get(owner);
    this.marking = new MarkingPicker(
      ctx.dir,
      owner,
      editing ? { rel: editing.marking.rel ?? [], caveats: editing.marking.caveats ?? [] } : { rel: ownParty?.groups ?? [], caveats: [] },
      "mv-marking",
    );
    this.marking.onChecked = (c) => {
      if (c) {
        this.sideBanner.textContent = c.banner;
        this.sideBanner.className = `marking-banner ${bannerClass(c.banner)}`;
      }
      if (this.last) this.renderAckParties(this.last);
    };
    this.panel = this.buildPanel();
    this.side = this.buildSide();
    if (editing) this.prefill(editing);
    else {
      this.addVehicle();
      this.addContact();
    }
    this.updateRoute(false);
    this.updateLead();
    this.showCheckIdle();
  }

  // ------------------------------------------------------------ building

  private slot(field: string): HTMLElement {
    const el = h("div", { class: "field-error-slot", "data-field": field });
    this.slots.set(field, el);
    return el;
  }

  private buildPanel(): HTMLElement {
    const ctx = this.ctx;
    const rules = ctx.info.rules;
    const purposes = ctx.info.purposes?.length ? ctx.info.purposes : Object.keys(PURPOSE_LABEL);

    this.purpose = h("select", { id: "mv-purpose", name: "purpose", required: true }, purposes.map((p) => h("option", { value: p }, lbl(PURPOSE_LABEL, p))));
    this.depart = h("input", { id: "mv-depart", name: "depart", type: "datetime-local", step: 60, required: true, "aria-describedby": "mv-lead" });
    this.arrive = h("input", { id: "mv-arrive", name: "arrive", type: "datetime-local", step: 60, required: true });
    this.emergency = h("input", { id: "mv-emergency", name: "emergency", type: "checkbox" });
    this.personnel = h("input", { id: "mv-personnel", name: "personnel", type: "number", min: 0, max: 10000, step: 1, value: 0, inputmode: "numeric" });
    this.notes = h("textarea", { id: "mv-notes", name: "notes", rows: 3, maxlength: 5000, placeholder: "Cargo, convoy order, call signs, anything the parties should know" });
    this.vehicles = h("div", { class: "mv-rows", id: "mv-vehicles" });
    this.contacts = h("div", { class: "mv-rows", id: "mv-contacts" });
    this.error = h("div", { id: "mv-error", class: "form-error", role: "alert", "aria-live": "assertive", hidden: true });
    this.submit = h("button", { id: "mv-submit", type: "submit", class: "btn btn-primary" }, this.editing ? "Save changes" : "Notify movement");

    this.drawBtn = h("button", { id: "mv-draw", type: "button", class: "btn btn-small btn-toggle", "aria-pressed": "true", title: "Click the map to add waypoints" }, "✎ Draw route");
    this.doneBtn = h("button", { id: "mv-draw-done", type: "button", class: "btn btn-small", title: "Stop adding points (map clicks select features again)" }, "Done");
    this.undoBtn = h("button", { id: "mv-undo", type: "button", class: "btn btn-small", title: "Remove the last point" }, "Remove last point");
    this.clearBtn = h("button", { id: "mv-clear", type: "button", class: "btn btn-small", title: "Remove every point" }, "Clear");
    this.followBtn = h("button", { id: "mv-follow", type: "button", class: "btn btn-small", disabled: true, title: "Insert the corridor's own course between the last two points" }, "Follow corridor");
    this.pointsEl = h("b", { id: "mv-points" }, "0");
    this.routeInfo = h("span", { class: "mv-route-len muted" });
    this.corridorOffer = h("div", { class: "mv-offer", hidden: true });
    this.sitesEl = h("div", { class: "mv-sites", hidden: true });
    this.drawHint = h("p", { class: "mv-hint" });
    this.leadEl = h("div", { id: "mv-lead", class: "mv-lead" });
    this.departRel = h("span", { class: "mv-rel muted" });
    this.arriveRel = h("span", { class: "mv-rel muted" });

    this.drawBtn.addEventListener("click", () => this.setDrawing(true));
    this.doneBtn.addEventListener("click", () => this.setDrawing(false));
    this.undoBtn.addEventListener("click", () => {
      this.points.pop();
      this.updateRoute();
    });
    this.clearBtn.addEventListener("click", () => {
      this.points = [];
      this.updateRoute();
    });
    this.followBtn.addEventListener("click", () => this.follow());
    this.fitBtn = h("button", { id: "mv-fit", type: "button", class: "btn btn-small", title: "Zoom the map to the route", disabled: true }, "⤢ Zoom to route");
    this.fitBtn.addEventListener("click", () => this.ctx.overlay.fitLines([{ type: "LineString", coordinates: this.coords() }], [60, 60], 15));
    for (const el of [this.depart, this.arrive]) {
      el.addEventListener("input", () => this.timesChanged());
      el.addEventListener("change", () => this.timesChanged());
    }
    this.emergency.addEventListener("change", () => {
      this.updateLead();
      this.scheduleCheck();
    });
    this.purpose.addEventListener("change", () => this.scheduleCheck());

    const vAdd = h("button", { id: "mv-vehicles-add", type: "button", class: "btn btn-small btn-add" }, "+ Add vehicle");
    vAdd.addEventListener("click", () => this.addVehicle(undefined, true));
    const cAdd = h("button", { id: "mv-contacts-add", type: "button", class: "btn btn-small btn-add" }, "+ Add contact");
    cAdd.addEventListener("click", () => this.addContact(undefined, true));
    const cancel = h("button", { type: "button", class: "btn", id: "mv-form-cancel" }, this.editing ? "Discard changes" : "Discard");
    cancel.addEventListener("click", () => this.cb.onClose());
    const close = h("button", { class: "icon-btn", type: "button", title: "Close the form", "aria-label": "Close the form" }, "✕");
    close.addEventListener("click", () => this.cb.onClose());

    const section = (title: string, ...c: Child[]) => h("section", { class: "mv-fsec" }, h("h3", null, title), ...c);
    const field = (label: string, forId: string, control: Child, fieldName: string, extra?: Child) =>
      h("div", { class: "mv-field", "data-field-wrap": fieldName }, h("label", { for: forId }, label), control, extra ?? null, this.slot(fieldName));

    const form = h(
      "form",
      { class: "mv-form", id: "mv-form", novalidate: true, autocomplete: "off" },
      section(
        "Route",
        h(
          "div",
          { class: "mv-toolbar" },
          h("div", { class: "btn-group" }, this.drawBtn, this.doneBtn),
          this.undoBtn,
          this.clearBtn,
          this.followBtn,
          this.fitBtn,
          h("span", { class: "mv-count" }, this.pointsEl, h("span", null, " points"), this.routeInfo),
        ),
        this.drawHint,
        this.corridorOffer,
        this.sitesEl,
        this.slot("route"),
        this.slot("sites"),
        this.slot("corridors"),
      ),
      section(
        "When",
        h(
          "div",
          { class: "mv-grid2" },
          field("Departure", "mv-depart", h("div", { class: "dt-wrap" }, this.depart, h("span", { class: "utc" }, "UTC")), "depart", this.departRel),
          field("Arrival", "mv-arrive", h("div", { class: "dt-wrap" }, this.arrive, h("span", { class: "utc" }, "UTC")), "arrive", this.arriveRel),
        ),
        h(
          "label",
          { class: "mv-check-row", for: "mv-emergency" },
          this.emergency,
          h("span", null, h("b", null, "Emergency movement"), ` — ${rules.emergency_lead_time_hours} h lead time instead of ${rules.lead_time_hours} h`),
        ),
        this.leadEl,
        this.slot("emergency"),
      ),
      section(
        "Movement",
        h("div", { class: "mv-grid2" }, field("Purpose", "mv-purpose", this.purpose, "purpose"), field("Personnel", "mv-personnel", this.personnel, "personnel")),
        h("div", { class: "mv-subhead" }, h("span", null, "Vehicles"), vAdd),
        h("div", { class: "mv-rows-head mv-v-grid", "aria-hidden": "true" }, h("span", null, "Plate"), h("span", null, "Type"), h("span", null, "Markings"), h("span", null, "")),
        this.vehicles,
        this.slot("vehicles"),
        h("div", { class: "mv-subhead" }, h("span", null, "Contacts"), cAdd),
        h("div", { class: "mv-rows-head mv-c-grid", "aria-hidden": "true" }, h("span", null, "Name"), h("span", null, "Phone"), h("span", null, "Radio"), h("span", null, "")),
        this.contacts,
        this.slot("contacts"),
        field("Notes", "mv-notes", this.notes, "notes"),
        this.slot("consignments"),
      ),
      section("Marking", this.marking.el, this.slot("marking")),
      h(
        "div",
        { class: "mv-form-foot" },
        this.error,
        h("div", { class: "mv-form-actions" }, cancel, h("span", { class: "topbar-spacer" }), this.submit),
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.save();
    });
    const dl = h("datalist", { id: "mv-vehicle-types" }, VEHICLE_TYPES.map((t) => h("option", { value: t })));

    return h(
      "div",
      { class: "mv-form-panel", id: "mv-form-panel" },
      h(
        "div",
        { class: "mv-form-head" },
        h("div", null, h("div", { class: "details-kind" }, this.editing ? `Change · version ${this.editing.version}` : "New request"), h("h2", null, this.editing ? this.editing.reference : "Movement notification")),
        close,
      ),
      safetyNotice(),
      form,
      dl,
    );
  }

  private buildSide(): HTMLElement {
    this.sideBanner = h("div", { class: "marking-banner m-restricted" }, "…");
    this.checkStatus = h("div", { class: "mv-check-status" });
    this.checkSummary = h("div", { class: "mv-sev-summary" });
    this.checkAcks = h("div", { class: "mv-ackparties" });
    this.checkEarliest = h("div", { class: "mv-earliest-host" });
    this.findingsHost = h("div", { class: "mv-findings-host" });
    return h(
      "aside",
      { id: "mv-check", class: "details mv-aside", "aria-label": "Deconfliction findings" },
      this.sideBanner,
      h(
        "div",
        { class: "details-head" },
        h("div", { class: "details-title" }, h("div", { class: "details-kind" }, "Deconfliction check"), h("h2", null, "Findings while you draw")),
      ),
      h("div", { class: "details-body" }, this.checkStatus, this.checkSummary, this.checkAcks, this.checkEarliest, this.findingsHost),
    );
  }

  private row(kind: "vehicle" | "contact", values: string[], focus: boolean): HTMLElement {
    const host = kind === "vehicle" ? this.vehicles : this.contacts;
    const names = kind === "vehicle" ? ["plate", "type", "markings"] : ["name", "phone", "radio"];
    const ph = kind === "vehicle" ? ["e.g. UN-4471", "e.g. Truck", "e.g. WFP flag, blue roof"] : ["Full name", "+972 …", "Channel / call sign"];
    const inputs = names.map((n, i) =>
      h("input", {
        class: `mv-${kind === "vehicle" ? "v" : "c"}-${n}`,
        name: `${kind}-${n}`,
        value: values[i] ?? "",
        placeholder: ph[i],
        "aria-label": `${kind === "vehicle" ? "Vehicle" : "Contact"} ${n}`,
        list: kind === "vehicle" && n === "type" ? "mv-vehicle-types" : null,
        type: kind === "contact" && n === "phone" ? "tel" : "text",
      }),
    );
    const rm = h("button", { type: "button", class: "icon-btn mv-row-remove", title: "Remove", "aria-label": `Remove ${kind}` }, "✕");
    const row = h("div", { class: `mv-row mv-${kind} ${kind === "vehicle" ? "mv-v-grid" : "mv-c-grid"}` }, inputs, rm);
    rm.addEventListener("click", () => row.remove());
    host.append(row);
    if (focus) inputs[0].focus();
    return row;
  }

  private addVehicle(v?: { plate: string; type: string; markings?: string }, focus = false): void {
    this.row("vehicle", v ? [v.plate, v.type, v.markings ?? ""] : [], focus);
  }

  private addContact(c?: { name: string; phone?: string; radio?: string }, focus = false): void {
    this.row("contact", c ? [c.name, c.phone ?? "", c.radio ?? ""] : [], focus);
  }

  private prefill(m: Movement): void {
    this.purpose.value = m.purpose;
    const d = parseTime(m.depart);
    const a = parseTime(m.arrive);
    if (d) this.depart.value = toInputValue(d);
    if (a) this.arrive.value = toInputValue(a);
    this.emergency.checked = !!m.emergency;
    this.personnel.value = String(m.personnel ?? 0);
    this.notes.value = m.notes ?? "";
    for (const v of m.vehicles ?? []) this.addVehicle(v);
    for (const c of m.contacts ?? []) this.addContact(c);
    if (!(m.vehicles ?? []).length) this.addVehicle();
    if (!(m.contacts ?? []).length) this.addContact();
    this.points = (m.route?.coordinates ?? []).map((c) => ({ lng: c[0], lat: c[1] }));
    // Re-attach the sites and corridors the movement names to its points.
    for (const id of m.sites ?? []) {
      const f = this.ctx.feature(id);
      const c = f?.geometry.type === "Point" ? (f.geometry.coordinates as LngLat) : null;
      if (!c) continue;
      for (const p of this.points) if (metres([p.lng, p.lat], c) < 10) p.site = id;
    }
    for (const id of m.corridors ?? []) {
      const f = this.ctx.feature(id);
      if (!f) continue;
      for (const line of linesOf(f.geometry)) {
        for (const p of this.points) {
          const pr = project([p.lng, p.lat], line);
          if (pr && pr.d < 25) p.corridor = id;
        }
      }
    }
  }

  // ------------------------------------------------------------ lifecycle

  /** Called when the form is shown (true) or hidden by a view switch. */
  setActive(on: boolean): void {
    this.active = on;
    this.applyDrawing();
    if (on) {
      this.renderDraft();
      if (this.last) this.ctx.overlay.showFindings(this.last.findings ?? []);
      this.bindOverlay();
    }
  }

  destroy(): void {
    this.active = false;
    window.clearTimeout(this.checkTimer);
    this.checkSeq++;
    this.marking.destroy();
    this.applyDrawing();
    this.ctx.overlay.clearDraft();
    this.ctx.overlay.clearFindings();
    this.ctx.overlay.onFindingHover = null;
    this.ctx.overlay.onFindingPick = null;
  }

  private bindOverlay(): void {
    const ov = this.ctx.overlay;
    ov.onFindingHover = (i) => {
      ov.highlight(i);
      markFinding(this.findingsHost, i);
    };
    ov.onFindingPick = (i) => {
      const el = this.findingsHost.querySelector(`.finding[data-finding-index="${i}"]`);
      el?.scrollIntoView({ block: "nearest", behavior: "smooth" });
    };
  }

  private setDrawing(on: boolean): void {
    this.drawing = on;
    this.applyDrawing();
    this.renderDraft();
  }

  private applyDrawing(): void {
    const on = this.active && this.drawing;
    this.ctx.setHook(on ? (at, f) => this.onMapClick(at, f) : null);
    const c = this.ctx.mm.map.getContainer();
    c.classList.toggle("mv-drawing", on);
    if (on) this.ctx.mm.map.doubleClickZoom.disable();
    else this.ctx.mm.map.doubleClickZoom.enable();
    this.drawBtn.setAttribute("aria-pressed", String(this.drawing));
    this.drawBtn.classList.toggle("is-on", this.drawing);
    this.doneBtn.disabled = !this.drawing;
    this.drawHint.textContent = this.drawing
      ? "Click the map to add waypoints, from departure (A) to arrival (B). Drag a point to move it. Click a site symbol to route via that site."
      : "Drawing is off: map clicks select features. Press “Draw route” to add points again.";
  }

  // ------------------------------------------------------------ drawing

  private onMapClick(at: L.LatLng, f: Feature | null): boolean {
    if (!this.active || !this.drawing) return false;
    let p: DraftPoint = { lat: at.lat, lng: at.lng };
    if (f && f.properties.kind === "site" && f.geometry.type === "Point") {
      const c = f.geometry.coordinates as LngLat;
      p = { lat: c[1], lng: c[0], site: f.id };
      const prev = this.points[this.points.length - 1];
      if (prev && prev.site === f.id) return true;
    } else if (f && f.properties.kind === "route") {
      let best: ReturnType<typeof project> = null;
      for (const line of linesOf(f.geometry)) {
        const pr = project([at.lng, at.lat], line);
        if (pr && (!best || pr.d < best.d)) best = pr;
      }
      if (best && best.d < SNAP_M) p = { lat: best.at[1], lng: best.at[0] };
    }
    this.points.push(p);
    this.updateRoute();
    return true;
  }

  private onMove(i: number, at: L.LatLng): void {
    const p = this.points[i];
    if (!p) return;
    this.points[i] = { lat: at.lat, lng: at.lng };
    this.updateRoute();
  }

  private renderDraft(): void {
    if (!this.active) return;
    this.ctx.overlay.setDraft(this.points, this.drawing, (i, at) => this.onMove(i, at));
  }

  private coords(): [number, number][] {
    return this.points.map((p) => [round6(p.lng), round6(p.lat)]);
  }

  /** Everything that follows a change of the points. */
  private updateRoute(check = true): void {
    this.renderDraft();
    const n = this.points.length;
    this.pointsEl.textContent = String(n);
    const km = lineKm(this.coords());
    this.routeInfo.textContent = n >= 2 ? ` · ${km.toFixed(1)} km` : "";
    this.undoBtn.disabled = n === 0;
    this.clearBtn.disabled = n === 0;
    this.fitBtn.disabled = n < 2;
    // The corridor offer.
    const c = this.corridor();
    this.followBtn.disabled = !c;
    this.followBtn.textContent = c ? `Follow ${c.f.properties.name}` : "Follow corridor";
    clear(this.corridorOffer);
    if (c) {
      this.corridorOffer.hidden = false;
      this.corridorOffer.append(
        h("span", null, "The last two points lie along ", h("b", null, c.f.properties.name), ". Follow the corridor between them instead of a straight line?"),
      );
      const b = h("button", { type: "button", class: "btn btn-small" }, "Follow corridor");
      b.addEventListener("click", () => this.follow());
      this.corridorOffer.append(b);
    } else this.corridorOffer.hidden = true;
    // Sites and corridors named.
    const sites = this.siteIds();
    const corridors = this.corridorIds();
    clear(this.sitesEl);
    this.sitesEl.hidden = !sites.length && !corridors.length;
    if (sites.length)
      append(this.sitesEl, [h("span", { class: "mv-sites-label" }, "Via sites:"), sites.map((id) => h("span", { class: "mv-tag" }, this.ctx.feature(id)?.properties.name ?? id))]);
    if (corridors.length)
      append(this.sitesEl, [
        h("span", { class: "mv-sites-label" }, "Corridors:"),
        corridors.map((id) => h("span", { class: "mv-tag mv-tag-corridor" }, this.ctx.feature(id)?.properties.name ?? id)),
      ]);
    this.clearSlot("route");
    if (check) this.scheduleCheck();
  }

  private siteIds(): string[] {
    return [...new Set(this.points.map((p) => p.site).filter((x): x is string => !!x))];
  }

  private corridorIds(): string[] {
    return [...new Set(this.points.map((p) => p.corridor).filter((x): x is string => !!x))];
  }

  /** The corridor both of the last two points lie along, if any. */
  private corridor(): Corridor | null {
    const n = this.points.length;
    if (n < 2) return null;
    const a: LngLat = [this.points[n - 2].lng, this.points[n - 2].lat];
    const b: LngLat = [this.points[n - 1].lng, this.points[n - 1].lat];
    let best: Corridor | null = null;
    let score = Infinity;
    for (const f of this.ctx.features()) {
      if (f.properties.kind !== "route") continue;
      for (const line of linesOf(f.geometry)) {
        const pa = project(a, line);
        const pb = project(b, line);
        if (!pa || !pb || pa.d > CORRIDOR_NEAR_M || pb.d > CORRIDOR_NEAR_M) continue;
        // Worth following only if the corridor bends between the points.
        const inner = Math.abs(pb.seg - pa.seg);
        if (inner === 0 || metres(pa.at, pb.at) < 50) continue;
        const s = pa.d + pb.d;
        if (s < score) {
          score = s;
          best = { f, line, a: pa, b: pb };
        }
      }
    }
    return best;
  }

  /** Inserts the corridor's course between the last two points. */
  private follow(): void {
    const c = this.corridor();
    if (!c || !c.a || !c.b) return;
    const n = this.points.length;
    const a = this.points[n - 2];
    const b = this.points[n - 1];
    let seq = between(c.line, c.a, c.b);
    if (seq.length && metres(seq[0], [a.lng, a.lat]) < 15) seq = seq.slice(1);
    if (seq.length && metres(seq[seq.length - 1], [b.lng, b.lat]) < 15) seq = seq.slice(0, -1);
    const inserted: DraftPoint[] = seq.slice(0, 1500).map((p) => ({ lng: p[0], lat: p[1], corridor: c.f.id }));
    this.points.splice(n - 1, 0, ...inserted);
    this.updateRoute();
    this.ctx.notice(`The route now follows ${c.f.properties.name} between the last two points (${inserted.length} points inserted).`, "info");
  }

  // ------------------------------------------------------------ times

  private timesChanged(): void {
    this.clearSlot("depart");
    this.clearSlot("arrive");
    this.updateLead();
    this.scheduleCheck();
  }

  private times(): { depart: Date | null; arrive: Date | null } {
    return { depart: fromInputValue(this.depart.value), arrive: fromInputValue(this.arrive.value) };
  }

  private leadHours(): number {
    const r = this.ctx.info.rules;
    return this.emergency.checked ? r.emergency_lead_time_hours : r.lead_time_hours;
  }

  private updateLead(): void {
    const r = this.ctx.info.rules;
    const lead = this.leadHours();
    const earliest = new Date(Date.now() + lead * HOUR);
    const { depart, arrive } = this.times();
    clear(this.leadEl);
    const use = h("button", { type: "button", class: "btn btn-small", title: "Set the departure to the first full hour the lead-time rule allows" }, "Use");
    use.addEventListener("click", () => this.useEarliest());
    const short = depart && depart < earliest;
    this.leadEl.className = `mv-lead${short ? " is-short" : ""}`;
    append(this.leadEl, [
      h(
        "div",
        null,
        `Notify at least ${r.lead_time_hours} h before departure (${r.emergency_lead_time_hours} h for an emergency), so that every party can acknowledge. The window may be at most ${r.max_window_hours} h. `,
      ),
      h("div", { class: "mv-lead-row" }, h("span", null, "Earliest departure now: ", h("b", null, zShort(earliest))), use),
      short
        ? h("div", { class: "mv-lead-warn" }, `This departure gives ${duration(depart.getTime() - Date.now())} notice, less than ${lead} h: the check will report it as blocking.`)
        : null,
    ]);
    this.departRel.textContent = depart ? relativeText(depart) : "";
    this.arriveRel.textContent =
      arrive && depart && arrive > depart ? `${duration(arrive.getTime() - depart.getTime())} after departure` : arrive ? relativeText(arrive) : "";
  }

  private useEarliest(): void {
    const t = Date.now() + this.leadHours() * HOUR;
    const d = new Date(Math.ceil(t / HOUR) * HOUR);
    const { depart, arrive } = this.times();
    const len = depart && arrive && arrive > depart ? arrive.getTime() - depart.getTime() : 3 * HOUR;
    this.depart.value = toInputValue(d);
    this.arrive.value = toInputValue(new Date(d.getTime() + len));
    this.timesChanged();
  }

  private useWindow(depart: string, arrive: string): void {
    const d = parseTime(depart);
    const a = parseTime(arrive);
    if (!d || !a) return;
    this.depart.value = toInputValue(d);
    this.arrive.value = toInputValue(a);
    this.timesChanged();
  }

  // ------------------------------------------------------------ checking

  private scheduleCheck(): void {
    window.clearTimeout(this.checkTimer);
    this.checkTimer = window.setTimeout(() => void this.runCheck(), 300);
  }

  /** Why the plan cannot be checked yet, or null. */
  private precheck(): string | null {
    const { depart, arrive } = this.times();
    const n = this.points.length;
    if (n < 2 && (!depart || !arrive)) return "Draw the route (at least two points) and set the departure and arrival to check it.";
    if (n < 2) return "Draw the route: click at least two points on the map.";
    if (!depart || !arrive) return "Set the departure and arrival (UTC) to check the route.";
    if (arrive <= depart) return "The arrival must be after the departure.";
    const maxH = this.ctx.info.rules.max_window_hours;
    if (maxH && arrive.getTime() - depart.getTime() > maxH * HOUR) return `The window is ${duration(arrive.getTime() - depart.getTime())} long; at most ${maxH} h.`;
    if (lineKm(this.coords()) === 0) return "The route has no length: its points are all the same.";
    const aos = [...this.ctx.features()].filter((f) => f.properties.kind === "area_of_operations");
    if (aos.length) {
      for (const [i, p] of this.points.entries()) {
        if (!aos.some((f) => polygonContains(f.geometry, [p.lng, p.lat])))
          return `Point ${i + 1} is outside the area of operations: move or remove it.`;
      }
    }
    return null;
  }

  private body(): MovementInput {
    const { depart, arrive } = this.times();
    const rows = (host: HTMLElement, cls: string[]) =>
      [...host.querySelectorAll(".mv-row")].map((r) => cls.map((c) => (r.querySelector(`.${c}`) as HTMLInputElement | null)?.value.trim() ?? ""));
    const vehicles = rows(this.vehicles, ["mv-v-plate", "mv-v-type", "mv-v-markings"])
      .filter((v) => v.some((x) => x))
      .map(([plate, type, markings]) => ({ plate, type, ...(markings ? { markings } : {}) }));
    const contacts = rows(this.contacts, ["mv-c-name", "mv-c-phone", "mv-c-radio"])
      .filter((v) => v.some((x) => x))
      .map(([name, phone, radio]) => ({ name, ...(phone ? { phone } : {}), ...(radio ? { radio } : {}) }));
    const personnel = Number(this.personnel.value || "0");
    return {
      purpose: this.purpose.value,
      route: { type: "LineString", coordinates: this.coords() },
      sites: this.siteIds(),
      corridors: this.corridorIds(),
      depart: depart ? depart.toISOString().replace(/\.\d{3}Z$/, "Z") : "",
      arrive: arrive ? arrive.toISOString().replace(/\.\d{3}Z$/, "Z") : "",
      vehicles,
      personnel: Number.isFinite(personnel) ? Math.round(personnel) : 0,
      contacts,
      consignments: this.editing?.consignments ?? [],
      emergency: this.emergency.checked,
      notes: this.notes.value.trim(),
      marking: this.marking.value(),
    };
  }

  private async runCheck(): Promise<void> {
    const seq = ++this.checkSeq;
    const why = this.precheck();
    if (why) {
      this.last = null;
      this.ctx.overlay.clearFindings();
      this.showCheckIdle(why);
      return;
    }
    const b = this.body();
    // Only the plan matters to the engine: send it without the details
    // that are still being typed.
    const plan: MovementInput = { ...b, vehicles: [], contacts: [], personnel: 0, notes: "", sites: [], corridors: [] };
    this.checkStatus.className = "mv-check-status is-busy";
    this.checkStatus.textContent = "Checking the route against areas, lines, sectors, sites and other movements…";
    this.side.setAttribute("aria-busy", "true");
    let r: CheckResult;
    try {
      r = await api.checkMovement(plan);
    } catch (e) {
      if (seq !== this.checkSeq) return;
      this.side.removeAttribute("aria-busy");
      this.last = null;
      this.ctx.overlay.clearFindings();
      const err = e as ApiError;
      this.showCheckIdle(`The route cannot be checked: ${err.message}`, true);
      return;
    }
    if (seq !== this.checkSeq || !this.active) return;
    this.side.removeAttribute("aria-busy");
    this.last = r;
    this.renderCheck(r);
  }

  private showCheckIdle(text = "Draw the route (at least two points) and set the departure and arrival to check it.", error = false): void {
    this.checkStatus.className = `mv-check-status${error ? " is-error" : ""}`;
    this.checkStatus.textContent = text;
    clear(this.checkSummary);
    clear(this.checkAcks);
    clear(this.checkEarliest);
    clear(this.findingsHost);
    this.findingsHost.append(findingsList([], { id: "mv-findings", parties: this.ctx.dir.parties, empty: "Findings appear here, and on the map, as you draw." }));
  }

  private renderCheck(r: CheckResult): void {
    const fs = r.findings ?? [];
    const ov = this.ctx.overlay;
    ov.showFindings(fs);
    this.bindOverlay();
    this.checkStatus.className = "mv-check-status";
    this.checkStatus.textContent = `Checked at ${zClock(new Date())} · route ${r.length_km.toFixed(1)} km · ${fs.length} finding${fs.length === 1 ? "" : "s"}`;
    const c = severityCounts(fs);
    clear(this.checkSummary);
    this.checkSummary.append(
      ...SEVERITIES.map((s) =>
        h("span", { class: `sev-chip sev-${s}${c[s] ? "" : " is-zero"}`, title: SEVERITY_LABEL[s] }, h("b", null, String(c[s])), ` ${SEVERITY_LABEL[s].toLowerCase()}`),
      ),
    );
    if (!fs.length)
      this.checkSummary.append(h("p", { class: "mv-clear-note" }, "No findings for this plan. It still has to be transmitted and acknowledged; no route is declared safe."));
    this.renderAckParties(r);
    clear(this.checkEarliest);
    const eb = earliestBlock(r.earliest, (d, a) => this.useWindow(d, a));
    if (eb) this.checkEarliest.append(eb);
    clear(this.findingsHost);
    this.findingsHost.append(
      findingsList(fs, {
        id: "mv-findings",
        parties: this.ctx.dir.parties,
        onHover: (i) => ov.highlight(i),
        onPick: (i) => ov.reveal(i),
        empty: "No findings.",
      }),
    );
  }

  private renderAckParties(r: CheckResult): void {
    clear(this.checkAcks);
    const parties = r.ack_parties ?? [];
    if (!parties.length) return;
    const rec = this.marking.checked?.recipients ?? null;
    append(this.checkAcks, [
      h("span", { class: "mv-ack-label" }, "Needs acknowledgement from: "),
      h("span", { class: "mv-ack-list" }, parties.map((p, i) => [i ? ", " : "", h("b", null, p)])),
      rec
        ? h(
            "div",
            { class: "mv-ack-detail" },
            parties.map((p) => {
              const direct = rec.includes(p);
              return h(
                "div",
                { class: "mv-ack-who" },
                partyChip(p, this.ctx.dir.parties, true),
                h("span", { class: `mv-ack-how ${direct ? "direct" : "relayed"}` }, direct ? "sees the request" : "relayed, sanitized, by the coordination center"),
              );
            }),
          )
        : null,
    ]);
  }

  // ------------------------------------------------------------ saving

  private clearSlot(field: string): void {
    const s = this.slots.get(field);
    if (s) clear(s);
    s?.closest(".mv-field")?.classList.remove("has-error");
  }

  private clearErrors(): void {
    for (const k of this.slots.keys()) this.clearSlot(k);
    this.error.hidden = true;
    clear(this.error);
  }

  private showErrors(detail: string, fields: { field: string; reason: string }[]): void {
    const unplaced: string[] = [];
    for (const fe of fields) {
      const key = this.slots.has(fe.field) ? fe.field : fe.field.startsWith("marking") ? "marking" : "";
      const s = key ? this.slots.get(key) : undefined;
      if (!s) {
        unplaced.push(`${fe.field}: ${fe.reason}`);
        continue;
      }
      s.append(fieldError(fieldSentence(fe.field, fe.reason)));
      s.closest(".mv-field")?.classList.add("has-error");
    }
    clear(this.error);
    this.error.append(h("b", null, detail));
    if (unplaced.length) this.error.append(h("ul", null, unplaced.map((u) => h("li", null, u))));
    this.error.hidden = false;
    const first = this.panel.querySelector(".field-error");
    (first ?? this.error).scrollIntoView({ block: "center", behavior: "smooth" });
  }

  private async save(): Promise<void> {
    if (this.saving) return;
    this.clearErrors();
    const b = this.body();
    const local: { field: string; reason: string }[] = [];
    if (b.route.coordinates.length < 2) local.push({ field: "route", reason: "needs at least 2 points: click the map to draw it" });
    if (!b.depart) local.push({ field: "depart", reason: "is required" });
    if (!b.arrive) local.push({ field: "arrive", reason: "is required" });
    if (local.length) {
      this.showErrors("The movement cannot be notified yet.", local);
      return;
    }
    if (this.editing) b.version = this.editing.version;
    this.saving = true;
    this.submit.disabled = true;
    this.submit.textContent = this.editing ? "Saving…" : "Notifying…";
    try {
      const m = this.editing ? await api.updateMovement(this.editing.id, b) : await api.createMovement(b);
      this.cb.onSaved(m, !this.editing);
    } catch (e) {
      const err = e as ApiError;
      let detail = err.message;
      if (err.status === 409) detail = `${detail} (someone changed the movement meanwhile: close the form and open it again)`;
      if (err.status === 403) detail = `Not allowed: ${detail}`;
      this.showErrors(detail.charAt(0).toUpperCase() + detail.slice(1), err.fields);
    } finally {
      this.saving = false;
      this.submit.disabled = false;
      this.submit.textContent = this.editing ? "Save changes" : "Notify movement";
    }
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function relativeText(t: Date): string {
  const ms = t.getTime() - Date.now();
  return ms >= 0 ? `in ${duration(ms)}` : `${duration(-ms)} ago`;
}

const FIELD_NAME: Record<string, string> = {
  route: "route",
  depart: "departure",
  arrive: "arrival",
  purpose: "purpose",
  personnel: "personnel",
  vehicles: "vehicles",
  contacts: "contacts",
  notes: "notes",
  sites: "sites",
  corridors: "corridors",
  emergency: "emergency flag",
  "marking.rel": "releasable to",
  "marking.owner": "owner",
  "marking.caveats": "caveats",
};

/** "The route needs …" when the reason reads on, else "Arrival: the window …". */
function fieldSentence(f: string, reason: string): string {
  const name = FIELD_NAME[f] ?? f;
  if (/^(is|are|must|needs|has|have)\b/.test(reason)) return `The ${name} ${reason}`;
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}: ${reason}`;
}
