// One consignment: its header and cargo, where its goods are now, the
// closures of its crossing that held it up, and its stage timeline —
// every event kept as evidence, corrections shown beside the events they
// superseded (struck through). Parties who may record a stage get a small
// form; the server checks every rule and its refusal is shown as it says.

import type { ApiError, Session } from "./api";
import { aidApi, type ConsignmentView, type Crossing, type Qty, type StageEvent, type StageInput } from "./aidapi";
import { CATEGORY_LABEL, KIND_LABEL, STAGE_LABEL, lbl, num, qtyEl, qtyText, stageChip } from "./aidfmt";
import { bannerClass, type Directory } from "./details";
import { append, clear, h } from "./dom";
import { fromInputValue, zShort } from "./format";
import { partyChip, zRange } from "./mvcommon";
import { rolesOf } from "./mvctx";

/** Stages the crossing's operator records (the server's authority stages). */
const AUTHORITY_STAGES = ["cleared", "rejected", "arrived_at_crossing", "inspected", "offloaded"];
/** Stages a form may record, in pipeline order (registration is creation). */
const FORM_STAGES = [
  "submitted_for_clearance",
  "cleared",
  "rejected",
  "dispatched",
  "arrived_at_crossing",
  "inspected",
  "offloaded",
  "collected",
  "in_transit",
  "delivered",
  "intercepted",
  "returned",
  "cancelled",
];
/** The usual next stage after a status. */
const NEXT: Record<string, string> = {
  registered: "submitted_for_clearance",
  submitted_for_clearance: "cleared",
  cleared: "dispatched",
  dispatched: "arrived_at_crossing",
  arrived_at_crossing: "inspected",
  inspected: "offloaded",
  offloaded: "collected",
  collected: "in_transit",
  in_transit: "delivered",
};
/** The stage whose goods a flow stage takes (to prefill its quantity). */
const FROM: Record<string, string> = {
  arrived_at_crossing: "dispatched",
  inspected: "arrived_at_crossing",
  offloaded: "inspected",
  collected: "offloaded",
  in_transit: "collected",
  delivered: "in_transit",
  intercepted: "in_transit",
};
const NO_QTY = new Set(["registered", "submitted_for_clearance", "cleared", "rejected", "cancelled"]);
const NEEDS_REASON = new Set(["rejected", "returned", "cancelled"]);

export interface DetailHost {
  session: Session;
  dir: Directory;
  crossing: (id: string) => Crossing | undefined;
  siteName: (id: string) => string | undefined;
  /** After a stage event was recorded (the dashboard and list reload). */
  onRecorded: (v: ConsignmentView) => void;
  onClose: () => void;
}

/** Whether the viewer may record a stage on v — the server's rule, so that
 * the form offers only what would be accepted (the server still decides). */
export function mayRecord(s: Session, v: ConsignmentView, stage: string, operator: string): boolean {
  const { canWrite, isCMCC } = rolesOf(s);
  if (isCMCC) return true;
  if (!canWrite) return false;
  if (AUTHORITY_STAGES.includes(stage)) return s.party.code === operator;
  return [v.sender, v.implementer, v.marking?.owner].includes(s.party.code);
}

export class ConsignmentDetail {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private current = "";
  private seq = 0;
  private dirty = false;
  private version = 0;
  private staleNote: HTMLElement;

  constructor(private host: DetailHost) {
    const close = h("button", { id: "aid-detail-close", type: "button", class: "btn btn-small", title: "Back to the consignment list (Esc)" }, "← Consignments");
    close.addEventListener("click", () => host.onClose());
    this.staleNote = h("div", { class: "aid-stale", role: "status", hidden: true });
    this.body = h("div", { class: "aid-detail-body" });
    this.el = h("section", { id: "aid-detail", class: "aid-panel aid-detail", "aria-label": "Consignment", hidden: true }, h("div", { class: "aid-detail-bar" }, close, this.staleNote), this.body);
  }

  get id(): string {
    return this.current;
  }

  /** Opens a consignment by id (or shows why it cannot). */
  async open(id: string): Promise<void> {
    const seq = ++this.seq;
    this.current = id;
    this.dirty = false;
    this.version = 0;
    this.staleNote.hidden = true;
    this.el.hidden = false;
    this.el.dataset.ready = "0";
    this.el.dataset.consignmentId = id;
    clear(this.body);
    this.body.append(h("p", { class: "muted aid-pad" }, "Loading the consignment…"));
    try {
      const v = await aidApi.get(id);
      if (seq !== this.seq) return;
      this.show(v);
    } catch (e) {
      if (seq !== this.seq) return;
      const err = e as ApiError;
      clear(this.body);
      const msg = err.status === 404 ? `${capital(err.message)}: it does not exist, or it is not released to your organisation.` : `Could not load the consignment: ${err.message}`;
      this.body.append(h("p", { id: "aid-detail-error", class: "aid-error aid-pad", role: "alert", "data-status": err.status }, msg));
      this.el.dataset.ready = "1";
    }
  }

  close(): void {
    this.seq++;
    this.current = "";
    this.el.hidden = true;
    delete this.el.dataset.consignmentId;
  }

  /** Something changed on the server: reload, unless the form holds input.
   * A consignment event names its version; one already shown is ignored
   * (the answer to this form's own request came first). */
  changed(version = 0): void {
    if (!this.current) return;
    if (version && version <= this.version) return;
    if (this.dirty) {
      clear(this.staleNote);
      const b = h("button", { type: "button", class: "btn btn-small" }, "Reload");
      b.addEventListener("click", () => void this.open(this.current));
      this.staleNote.append("Changed since you opened it. ", b);
      this.staleNote.hidden = false;
      return;
    }
    void this.refresh();
  }

  /** Reloads the open consignment in place (no "loading" flash). */
  private async refresh(): Promise<void> {
    const seq = ++this.seq;
    const id = this.current;
    try {
      const v = await aidApi.get(id);
      if (seq !== this.seq || this.dirty) return;
      this.show(v);
    } catch {
      if (seq !== this.seq) return;
      // Gone from view (withdrawn, or no longer released): say so.
      void this.open(id);
    }
  }

  private show(v: ConsignmentView): void {
    this.dirty = false;
    this.staleNote.hidden = true;
    const { dir } = this.host;
    const crossing = this.host.crossing(v.crossing);
    const dest = v.destination ? this.host.siteName(v.destination) ?? "A site not on your map" : "—";
    clear(this.body);
    const bc = bannerClass(v.banner ?? "");
    const refs = Object.entries(v.external_refs ?? {});
    const at = Object.entries(v.at_stage ?? {});
    append(this.body, [
      h("div", { class: `marking-banner ${bc}`, title: "Who may see this consignment" }, h("span", { id: "aid-detail-banner" }, v.banner || "UNMARKED")),
      h(
        "header",
        { class: "aid-detail-head" },
        h("div", { class: "aid-detail-title" }, h("h2", { id: "aid-detail-ref" }, v.ref), stageChip(v.status, false)),
        h(
          "div",
          { class: "aid-detail-sub" },
          `${lbl(CATEGORY_LABEL, v.category)} · priority ${v.priority} · `,
          h("span", { class: "mono small", title: "Consignment id" }, v.id),
        ),
      ),
      h(
        "dl",
        { class: "aid-facts" },
        fact("Sender", partyChip(v.sender, dir.parties, true)),
        fact("Implementer", partyChip(v.implementer, dir.parties, true)),
        fact("Crossing", crossing ? `${crossing.name}${crossing.open ? "" : " (closed)"}` : "A crossing not on your map"),
        fact("Destination", `${dest}${v.region ? ` (${v.region})` : ""}`),
        fact("Origin", [v.origin, v.corridor ? `corridor ${v.corridor}` : ""].filter(Boolean).join(" · ") || "—"),
        fact("Planned", qtyText(v.planned)),
        refs.length ? fact("References", refs.map(([k, val]) => h("span", { class: "aid-extref" }, h("span", { class: "muted" }, `${k} `), val))) : null,
      ),
      at.length
        ? h(
            "div",
            { id: "aid-at-stage", class: "aid-at-stage" },
            h("h3", null, "Where the goods are now"),
            h(
              "ul",
              null,
              at.map(([st, q]) => h("li", { "data-stage": st }, stageChip(st), " ", qtyText(q))),
            ),
          )
        : null,
      (v.crossing_closures ?? []).length
        ? h(
            "div",
            { id: "aid-closures", class: "aid-closures", role: "note" },
            h("h3", null, "Crossing closures since registration"),
            h(
              "ul",
              null,
              (v.crossing_closures ?? []).map((c) =>
                h("li", null, h("b", null, zRange(c.from, c.to)), c.to ? "" : " (still closed)", ` — ${c.reason || "no reason given"}`),
              ),
            ),
          )
        : null,
      (v.lines ?? []).length ? this.cargo(v) : null,
      h("h3", { class: "aid-section-title" }, "Timeline", h("span", { class: "panel-hint" }, `${(v.timeline ?? []).length} events${(v.superseded ?? []).length ? ` · ${(v.superseded ?? []).length} superseded` : ""}`)),
      this.timeline(v),
      this.form(v, crossing?.operator ?? ""),
    ]);
    this.el.dataset.ready = "1";
    this.el.dataset.version = String(v.version);
    this.version = v.version;
  }

  private cargo(v: ConsignmentView): HTMLElement {
    return h(
      "details",
      { class: "aid-cargo" },
      h("summary", null, h("h3", null, "Cargo", h("span", { class: "panel-hint" }, `${(v.lines ?? []).length} line${(v.lines ?? []).length === 1 ? "" : "s"}`))),
      h(
        "table",
        { class: "aid-table" },
        h("thead", null, h("tr", null, h("th", null, "Item"), h("th", null, "Category"), h("th", { class: "num" }, "Quantity"), h("th", null, "Notes"))),
        h(
          "tbody",
          null,
          (v.lines ?? []).map((l) =>
            h(
              "tr",
              null,
              h("td", null, h("b", null, l.item_name), l.item_code ? h("div", { class: "muted small mono" }, l.item_code) : null),
              h("td", null, lbl(CATEGORY_LABEL, l.category)),
              h("td", { class: "num" }, `${num(l.quantity, 2)} ${l.unit}`),
              h(
                "td",
                { class: "small" },
                [l.lot ? `lot ${l.lot}` : "", l.expiry ? `expires ${l.expiry}` : "", l.dual_use ? `dual-use, clearance ${l.clearance_ref ?? "—"}` : ""].filter(Boolean).join(" · ") || "—",
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** Effective and superseded events in time order; corrections beside what they replaced. */
  private timeline(v: ConsignmentView): HTMLElement {
    const eff = v.timeline ?? [];
    const sup = v.superseded ?? [];
    const all = [...eff.map((e) => ({ e, s: false })), ...sup.map((e) => ({ e, s: true }))];
    all.sort((a, b) => a.e.at.localeCompare(b.e.at) || FORM_STAGES.indexOf(a.e.stage) - FORM_STAGES.indexOf(b.e.stage));
    const byId = new Map(all.map((x) => [x.e.id, x.e]));
    const supersededBy = new Map<string, StageEvent>();
    for (const { e } of all) if (e.supersedes) supersededBy.set(e.supersedes, e);
    const { dir } = this.host;
    return h(
      "ol",
      { id: "aid-timeline", class: "aid-timeline" },
      all.map(({ e, s }) => {
        const by = supersededBy.get(e.id);
        const corrects = e.supersedes ? byId.get(e.supersedes) : undefined;
        return h(
          "li",
          {
            class: `aid-ev st-${e.stage}${s ? " is-superseded" : ""}${e.supersedes ? " is-correction" : ""}`,
            "data-event-id": e.id,
            "data-stage": e.stage,
            "data-superseded": String(s),
          },
          h("span", { class: "aid-ev-dot", "aria-hidden": "true" }),
          h(
            "div",
            { class: "aid-ev-head" },
            h("span", { class: "aid-ev-stage" }, lbl(STAGE_LABEL, e.stage)),
            h("time", { class: "aid-ev-time", datetime: e.at }, zShort(e.at)),
          ),
          h(
            "div",
            { class: "aid-ev-who" },
            partyChip(e.party, dir.parties),
            h("span", { class: "aid-ev-actor" }, e.actor),
            e.place ? h("span", { class: "aid-ev-place" }, `at ${e.place}`) : null,
          ),
          !NO_QTY.has(e.stage) || hasQty(e.qty) ? h("div", { class: "aid-ev-qty" }, qtyEl(e.qty)) : null,
          e.from ? h("div", { class: "aid-ev-note" }, `Returned from ${lbl(STAGE_LABEL, e.from).toLowerCase()}`) : null,
          e.kind ? h("div", { class: "aid-ev-note" }, `Intercepted ${lbl(KIND_LABEL, e.kind)}`) : null,
          e.reason ? h("div", { class: "aid-ev-note" }, h("span", { class: "muted" }, "Reason: "), e.reason) : null,
          (e.items ?? []).length ? h("div", { class: "aid-ev-note" }, h("span", { class: "muted" }, "Items: "), (e.items ?? []).join(", ")) : null,
          e.evidence ? h("div", { class: "aid-ev-note aid-ev-evidence" }, h("span", { class: "muted" }, "Evidence: "), e.evidence) : null,
          corrects
            ? h("div", { class: "aid-ev-link" }, `Corrects the ${lbl(STAGE_LABEL, corrects.stage).toLowerCase()} event of ${zShort(corrects.at)} (${qtyText(corrects.qty)})`)
            : null,
          s
            ? h(
                "div",
                { class: "aid-ev-link aid-ev-superseded-by" },
                by ? `Superseded by ${by.party}'s correction of ${zShort(by.at)}: ${qtyText(by.qty)}${by.reason ? ` — “${by.reason}”` : ""}` : "Superseded by a later correction",
              )
            : null,
        );
      }),
    );
  }

  /** The form to record a stage, for parties who may record one. */
  private form(v: ConsignmentView, operator: string): HTMLElement | null {
    const s = this.host.session;
    const stages = FORM_STAGES.filter((st) => mayRecord(s, v, st, operator));
    if (!stages.length || v.status === "cancelled") return null;
    const stage = h("select", { id: "aid-form-stage", name: "stage" }, stages.map((st) => h("option", { value: st }, lbl(STAGE_LABEL, st))));
    const next = NEXT[v.status];
    stage.value = next && stages.includes(next) ? next : stages[0];
    const qIn = (name: keyof Qty, text: string) => {
      const el = h("input", { id: `aid-form-${name}`, name, type: "number", min: 0, step: "any", inputmode: "decimal" });
      return { el, row: h("label", { class: "aid-field aid-field-num", for: `aid-form-${name}` }, h("span", null, text), el) };
    };
    const trucks = qIn("trucks", "Trucks");
    const tonnes = qIn("tonnes", "Tonnes");
    const pallets = qIn("pallets", "Pallets");
    const litres = qIn("litres", "Litres");
    const damaged = qIn("damaged_tonnes", "Damaged t");
    const reason = h("input", { id: "aid-form-reason", name: "reason", type: "text", maxlength: 500 });
    const kind = h("select", { id: "aid-form-kind", name: "kind" }, h("option", { value: "crowd" }, "By a crowd"), h("option", { value: "armed" }, "By armed men"));
    const items = h("input", { id: "aid-form-items", name: "items", type: "text", placeholder: "comma-separated" });
    const evidence = h("input", { id: "aid-form-evidence", name: "evidence", type: "text", maxlength: 1000, placeholder: "waybill photo, receipt no., attachment ref" });
    const place = h("input", { id: "aid-form-place", name: "place", type: "text", maxlength: 200 });
    const when = h("input", { id: "aid-form-at", name: "at", type: "datetime-local", step: 60 });
    const corrects = h("select", { id: "aid-form-supersedes", name: "supersedes" });
    const err = h("div", { id: "aid-form-error", class: "aid-error", role: "alert", hidden: true });
    const submit = h("button", { id: "aid-form-submit", type: "submit", class: "btn btn-primary" }, "Record stage");
    const field = (id: string, text: string, el: HTMLElement, extra = "") => h("label", { class: `aid-field ${extra}`, for: id }, h("span", null, text), el);
    const qtyRow = h("div", { class: "aid-form-qty" }, trucks.row, tonnes.row, pallets.row, litres.row, damaged.row);
    const reasonRow = field("aid-form-reason", "Reason", reason, "aid-field-wide");
    const kindRow = field("aid-form-kind", "Intercepted", kind);
    const itemsRow = field("aid-form-items", "Rejected items", items, "aid-field-wide");
    const correctsRow = field("aid-form-supersedes", "Corrects", corrects, "aid-field-wide");
    const form = h(
      "form",
      { id: "aid-stage-form", class: "aid-stage-form", novalidate: true, "aria-label": "Record a stage event" },
      h("h3", null, "Record a stage event", h("span", { class: "panel-hint" }, "appended to the timeline; a correction supersedes, never edits")),
      h("div", { class: "aid-form-row" }, field("aid-form-stage", "Stage", stage), correctsRow),
      qtyRow,
      h("div", { class: "aid-form-row" }, kindRow, reasonRow),
      itemsRow,
      h("div", { class: "aid-form-row" }, field("aid-form-place", "Place", place), field("aid-form-at", "Time (UTC; empty = now)", when)),
      field("aid-form-evidence", "Evidence", evidence, "aid-field-wide"),
      err,
      h("div", { class: "aid-form-actions" }, submit),
    );
    const setQty = (q: Qty | undefined) => {
      trucks.el.value = q?.trucks ? String(q.trucks) : "";
      tonnes.el.value = q?.tonnes ? String(q.tonnes) : "";
      pallets.el.value = q?.pallets ? String(q.pallets) : "";
      litres.el.value = q?.litres ? String(q.litres) : "";
      damaged.el.value = "";
    };
    const sync = () => {
      const st = stage.value;
      qtyRow.hidden = NO_QTY.has(st);
      damaged.row.hidden = !["collected", "delivered", "offloaded", "arrived_at_crossing"].includes(st);
      kindRow.hidden = st !== "intercepted";
      itemsRow.hidden = st !== "rejected";
      reason.required = NEEDS_REASON.has(st);
      reasonRow.querySelector("span")!.textContent = NEEDS_REASON.has(st) ? "Reason (required)" : "Reason (optional)";
      clear(corrects);
      corrects.append(h("option", { value: "" }, "— a new event —"));
      for (const e of v.timeline ?? []) if (e.stage === st) corrects.append(h("option", { value: e.id }, `${lbl(STAGE_LABEL, e.stage)} of ${zShort(e.at)} (${qtyText(e.qty)})`));
      correctsRow.hidden = corrects.options.length === 1;
      const from = FROM[st];
      setQty(st === "dispatched" ? v.planned : from ? v.at_stage?.[from] : undefined);
      err.hidden = true;
    };
    stage.addEventListener("change", sync);
    corrects.addEventListener("change", () => {
      const e = (v.timeline ?? []).find((x) => x.id === corrects.value);
      if (e) setQty(e.qty);
    });
    form.addEventListener("input", () => {
      this.dirty = true;
    });
    sync();
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const st = stage.value;
      const body: StageInput = { stage: st };
      if (!NO_QTY.has(st)) {
        const q: Partial<Qty> = {};
        for (const [k, inp] of [["trucks", trucks.el], ["tonnes", tonnes.el], ["pallets", pallets.el], ["litres", litres.el], ["damaged_tonnes", damaged.el]] as [keyof Qty, HTMLInputElement][]) {
          if (inp.value.trim() === "" || (inp.closest("label") as HTMLElement).hidden) continue;
          const n = Number(inp.value);
          if (!isFinite(n)) {
            showErr(`${capital(k.replace(/_/g, " "))} must be a number.`);
            inp.focus();
            return;
          }
          q[k] = n;
        }
        body.qty = q;
      }
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (st === "intercepted") body.kind = kind.value;
      if (st === "rejected" && items.value.trim()) body.items = items.value.split(",").map((x) => x.trim()).filter(Boolean);
      if (evidence.value.trim()) body.evidence = evidence.value.trim();
      if (place.value.trim()) body.place = place.value.trim();
      if (corrects.value && !correctsRow.hidden) body.supersedes = corrects.value;
      if (when.value) {
        const d = fromInputValue(when.value);
        if (!d) {
          showErr("The time is not a valid date and time.");
          return;
        }
        body.at = d.toISOString();
      }
      if (NEEDS_REASON.has(st) && !body.reason) {
        showErr(`A ${lbl(STAGE_LABEL, st).toLowerCase()} event needs a reason.`);
        reason.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = "Recording…";
      err.hidden = true;
      try {
        const nv = await aidApi.append(v.id, body);
        this.dirty = false;
        this.show(nv);
        this.host.onRecorded(nv);
      } catch (e) {
        showErr((e as ApiError).message);
        submit.disabled = false;
        submit.textContent = "Record stage";
      }
    });
    function showErr(text: string): void {
      err.textContent = capital(text);
      err.hidden = false;
    }
    return form;
  }
}

function fact(label: string, value: HTMLElement | string | (HTMLElement | string)[]): HTMLElement {
  return h("div", { class: "aid-fact" }, h("dt", null, label), h("dd", null, value));
}

function hasQty(q: Qty | undefined): boolean {
  return !!q && (q.trucks > 0 || q.tonnes > 0 || q.pallets > 0 || q.litres > 0);
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
