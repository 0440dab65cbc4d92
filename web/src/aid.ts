// The "Aid pipeline" view: how much enters, where it is stuck, what is
// rejected and why, what reaches people. A filter bar (dates, crossing,
// category, organisation) drives the dashboard — headline figures, the
// crossings' status, charts — the consignment list, and the HXL exports.
// A consignment opens with its stage timeline. Every figure comes from the
// server, computed over what the viewer may see; nothing is counted here.

import "./aid.css";

import type { ApiError, Session, StreamEvent } from "./api";
import { aidApi, type AidFilter, type ConsignmentSummary, type Crossing, type CrossingTotal, type KPIs } from "./aidapi";
import { AidCharts, shortCrossing } from "./aidcharts";
import { CrossingsPanel } from "./aidcrossings";
import { ConsignmentDetail } from "./aiddetail";
import { ImportPanel } from "./aidimport";
import { CATEGORY_LABEL, STAGE_LABEL, addDays, compact, hours, isoDay, lbl, num, pct, qtyText, stageChip } from "./aidfmt";
import { bannerClass, type Directory } from "./details";
import { clear, h, type Child } from "./dom";
import { rolesOf } from "./mvctx";
import { zShort } from "./format";

/** How long live changes are gathered before the view reloads once. */
const RELOAD_DELAY = 1500;
const PAGE = 50;
/** Organisations that send or implement consignments. */
const ORG_KINDS = new Set(["un_agency", "ngo"]);

export interface AidHost {
  session: Session;
  dir: Directory;
  /** The name of a site the viewer may see (destinations). */
  siteName: (id: string) => string | undefined;
}

/** The default range: the last 30 UTC days, today included (the API's default). */
export function defaultFilter(now = new Date()): AidFilter {
  const to = addDays(isoDay(now), 1);
  return { from: addDays(to, -30), to, crossing: "", category: "", org: "" };
}

export class AidUI {
  readonly el: HTMLElement;
  private active = false;
  private started = false;
  private stale = false;
  private filter: AidFilter = defaultFilter();
  private status = "";
  private crossings: Crossing[] = [];
  private crossingById = new Map<string, Crossing>();
  private cursors: string[] = [""];
  private next = "";
  private rows: ConsignmentSummary[] = [];
  private loadSeq = 0;
  private listSeq = 0;
  private reloadTimer = 0;
  private target = 600;

  private charts: AidCharts;
  private xings: CrossingsPanel;
  private detail: ConsignmentDetail;
  private importer: ImportPanel;
  private fromIn: HTMLInputElement;
  private toIn: HTMLInputElement;
  private crossingSel: HTMLSelectElement;
  private categorySel: HTMLSelectElement;
  private orgSel: HTMLSelectElement;
  private statusSel: HTMLSelectElement;
  private exports: Record<"consignments" | "events" | "kpis", HTMLAnchorElement>;
  private summaryEl: HTMLElement;
  private noticeEl: HTMLElement;
  private tilesEl: HTMLElement;
  private listPanel: HTMLElement;
  private listBody: HTMLElement;
  private listHint: HTMLElement;
  private pageEl: HTMLElement;
  private prevBtn: HTMLButtonElement;
  private nextBtn: HTMLButtonElement;

  constructor(host: AidHost) {
    const { dir } = host;
    this.fromIn = h("input", { id: "aid-from", type: "date", required: true });
    this.toIn = h("input", { id: "aid-to", type: "date", required: true, title: "The last day included" });
    this.crossingSel = h("select", { id: "aid-crossing" }, h("option", { value: "" }, "All crossings"));
    this.categorySel = h("select", { id: "aid-category" }, h("option", { value: "" }, "All categories"));
    const orgs = [...dir.parties.values()].filter((p) => ORG_KINDS.has(p.kind)).sort((a, b) => a.code.localeCompare(b.code));
    this.orgSel = h("select", { id: "aid-org" }, h("option", { value: "" }, "All organisations"), orgs.map((p) => h("option", { value: p.code, title: p.name }, `${p.code} — ${p.name}`)));
    const reset = h("button", { id: "aid-reset", type: "button", class: "btn btn-small", title: "The last 30 days, every crossing, category and organisation" }, "Reset");
    reset.addEventListener("click", () => this.setFilter(defaultFilter()));
    for (const el of [this.fromIn, this.toIn, this.crossingSel, this.categorySel, this.orgSel]) el.addEventListener("change", () => this.readFilter());

    const link = (what: "consignments" | "events" | "kpis", text: string, title: string) =>
      h("a", { id: `aid-export-${what}`, class: "btn btn-small aid-export", href: "#", download: `concord-${what}.csv`, title }, text);
    this.exports = {
      consignments: link("consignments", "Consignments", "Consignments with their cargo lines, as HXL-tagged CSV"),
      events: link("events", "Events", "Every stage event of the consignments, as HXL-tagged CSV"),
      kpis: link("kpis", "KPIs", "The daily indicators of the range, as HXL-tagged CSV"),
    };

    const field = (id: string, text: string, el: HTMLElement) => h("label", { class: "aid-filter", for: id }, h("span", null, text), el);
    const filters = h(
      "div",
      { id: "aid-filters", class: "aid-filters", role: "search", "aria-label": "Filter the aid pipeline" },
      field("aid-from", "From", this.fromIn),
      field("aid-to", "To (incl.)", this.toIn),
      field("aid-crossing", "Crossing", this.crossingSel),
      field("aid-category", "Category", this.categorySel),
      field("aid-org", "Organisation", this.orgSel),
      reset,
    );
    this.summaryEl = h("span", { id: "aid-summary", class: "aid-summary" }, "Loading…");
    this.noticeEl = h("div", { id: "aid-notice", class: "aid-notice", role: "status", "aria-live": "polite", hidden: true });
    this.tilesEl = h("div", { id: "aid-tiles", class: "aid-tiles", "aria-label": "Headline figures" });

    this.xings = new CrossingsPanel({
      session: host.session,
      dir,
      filter: (id) => this.setFilter({ ...this.filter, crossing: id }),
      changed: () => {
        void this.load(false);
        this.detail.changed();
      },
    });
    this.charts = new AidCharts();

    // The consignment list and, in its place, one consignment.
    this.statusSel = h("select", { id: "aid-status", "aria-label": "Status" }, h("option", { value: "" }, "Every status"));
    this.statusSel.addEventListener("change", () => {
      this.status = this.statusSel.value;
      this.cursors = [""];
      void this.loadList();
    });
    const openIn = h("input", { id: "aid-open-id", type: "text", placeholder: "Consignment id", spellcheck: "false", autocomplete: "off", "aria-label": "Consignment id" });
    const openForm = h("form", { id: "aid-open", class: "aid-open", role: "search", "aria-label": "Open a consignment by id" }, openIn, h("button", { id: "aid-open-btn", type: "submit", class: "btn btn-small" }, "Open"));
    openForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const id = openIn.value.trim();
      if (id) void this.openConsignment(id);
    });
    // Any account that records data may import; the server checks each row.
    const importBtn = rolesOf(host.session).canWrite
      ? h("button", { id: "aid-import-open", type: "button", class: "btn btn-small aid-import-open", title: "Import consignments or stage events from a CSV file" }, "Import")
      : null;
    importBtn?.addEventListener("click", () => this.openImport());
    this.listHint = h("span", { class: "panel-hint", id: "aid-list-hint" });
    this.listBody = h("tbody", null);
    this.prevBtn = h("button", { id: "aid-prev", type: "button", class: "btn btn-small", disabled: true }, "← Newer");
    this.nextBtn = h("button", { id: "aid-next", type: "button", class: "btn btn-small", disabled: true }, "Older →");
    this.pageEl = h("span", { id: "aid-page", class: "muted" });
    this.prevBtn.addEventListener("click", () => {
      if (this.cursors.length > 1) this.cursors.pop();
      void this.loadList();
    });
    this.nextBtn.addEventListener("click", () => {
      if (!this.next) return;
      this.cursors.push(this.next);
      void this.loadList();
    });
    this.listPanel = h(
      "section",
      { id: "aid-list", class: "aid-panel aid-list", "aria-label": "Consignments" },
      h("div", { class: "aid-panel-head" }, h("h2", null, "Consignments", this.listHint), this.statusSel),
      h("div", { class: "aid-list-tools" }, openForm, importBtn),
      h(
        "div",
        { class: "aid-list-scroll" },
        h(
          "table",
          { id: "aid-list-table", class: "aid-table aid-list-table" },
          h("thead", null, h("tr", null, h("th", null, "Consignment"), h("th", null, "Organisation · crossing"), h("th", null, "Planned"), h("th", null, "Status · last event"))),
          this.listBody,
        ),
      ),
      h("div", { class: "aid-pager" }, this.prevBtn, this.pageEl, this.nextBtn),
    );
    this.detail = new ConsignmentDetail({
      session: host.session,
      dir,
      crossing: (id) => this.crossingById.get(id),
      siteName: host.siteName,
      onRecorded: () => this.scheduleReload(),
      onClose: () => this.closeConsignment(),
    });

    this.importer = new ImportPanel({ onImported: () => this.scheduleReload(), onClose: () => this.closeImport() });

    this.el = h(
      "div",
      { id: "aid-board", class: "aid-board", "aria-label": "Aid pipeline", "data-ready": "0" },
      h(
        "div",
        { class: "aid-toolbar" },
        h("div", { class: "aid-title" }, h("h1", null, "Aid pipeline"), this.summaryEl),
        filters,
        h("div", { class: "aid-exports", role: "group", "aria-label": "Export as HXL CSV" }, h("span", { class: "aid-exports-label" }, "HXL CSV"), this.exports.consignments, this.exports.events, this.exports.kpis),
      ),
      this.noticeEl,
      h(
        "div",
        { class: "aid-body" },
        h("div", { class: "aid-main" }, this.tilesEl, this.xings.el, this.charts.el),
        h("div", { class: "aid-side" }, this.listPanel, this.detail.el, this.importer.el),
      ),
    );
    this.showFilter();
  }

  // ------------------------------------------------------------ lifecycle

  setActive(on: boolean): void {
    this.active = on;
    if (!on) return;
    if (!this.started) {
      this.started = true;
      void this.start();
    } else if (this.stale) {
      this.stale = false;
      void this.load(false);
      this.detail.changed();
    }
  }

  destroy(): void {
    window.clearTimeout(this.reloadTimer);
    this.charts.destroy();
  }

  /** A consignment or crossing event arrived on the live stream. */
  onEvent(_type: string, ev: StreamEvent<unknown>): void {
    if (!this.started) return;
    if (!this.active) {
      this.stale = true;
      return;
    }
    this.scheduleReload();
    if (ev.record_id === this.detail.id) this.detail.changed(ev.version ?? 0);
    else if (ev.kind === "crossing_ops") this.detail.changed();
  }

  /** Reloads everything (after the stream could not replay). */
  reload(): void {
    if (!this.started) return;
    if (this.active) this.scheduleReload();
    else this.stale = true;
  }

  /** Escape: closes the import panel or an open consignment; true when it did. */
  escape(): boolean {
    if (this.importer.open) {
      this.closeImport();
      return true;
    }
    if (!this.detail.id) return false;
    this.closeConsignment();
    return true;
  }

  /** Opens the view filtered by one crossing (from the map). */
  showCrossing(id: string): void {
    this.setFilter({ ...this.filter, crossing: id });
  }

  private scheduleReload(): void {
    window.clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => void this.load(false), RELOAD_DELAY);
  }

  private async start(): Promise<void> {
    try {
      const v = await aidApi.vocabulary();
      this.target = v.target_trucks;
      for (const c of v.categories) this.categorySel.append(h("option", { value: c }, lbl(CATEGORY_LABEL, c)));
      for (const s of v.stages) this.statusSel.append(h("option", { value: s }, lbl(STAGE_LABEL, s)));
      this.showFilter();
    } catch (e) {
      this.notice(`Could not load the pipeline's vocabulary: ${(e as ApiError).message}`);
    }
    await this.load(true);
  }

  // ------------------------------------------------------------ filters

  private showFilter(): void {
    const f = this.filter;
    this.fromIn.value = f.from;
    this.toIn.value = addDays(f.to, -1);
    this.crossingSel.value = f.crossing;
    this.categorySel.value = f.category;
    this.orgSel.value = f.org;
    for (const [what, a] of Object.entries(this.exports) as ["consignments" | "events" | "kpis", HTMLAnchorElement][]) a.href = aidApi.exportURL(what, f);
  }

  private readFilter(): void {
    const from = this.fromIn.value;
    const last = this.toIn.value;
    if (!from || !last) {
      this.notice("Choose both dates of the range.");
      return;
    }
    if (last < from) {
      this.notice("The range ends before it starts: choose a “To” day on or after the “From” day.");
      return;
    }
    this.setFilter({ from, to: addDays(last, 1), crossing: this.crossingSel.value, category: this.categorySel.value, org: this.orgSel.value });
  }

  private setFilter(f: AidFilter): void {
    this.filter = f;
    this.cursors = [""];
    this.showFilter();
    this.notice("");
    if (this.started) void this.load(true);
  }

  // ------------------------------------------------------------ data

  private async load(resetList: boolean): Promise<void> {
    const seq = ++this.loadSeq;
    const f = { ...this.filter };
    this.el.dataset.ready = "0";
    this.el.classList.add("is-loading");
    if (resetList) this.cursors = [""];
    const list = this.loadList();
    try {
      const [k, cs] = await Promise.all([aidApi.kpis(f), aidApi.crossings()]);
      if (seq !== this.loadSeq) return;
      this.setCrossings(cs.crossings ?? []);
      this.render(k, f);
      // The list may have arrived first: name its crossings now.
      if (this.listPanel.dataset.ready === "1") this.renderList(this.rows);
      this.el.dataset.from = f.from;
      this.el.dataset.to = f.to;
      this.el.dataset.crossing = f.crossing;
      this.el.dataset.category = f.category;
      this.el.dataset.org = f.org;
      this.el.dataset.ready = "1";
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.notice(`Could not load the dashboard: ${(e as ApiError).message}`);
    } finally {
      if (seq === this.loadSeq) this.el.classList.remove("is-loading");
    }
    await list;
  }

  private setCrossings(cs: Crossing[]): void {
    this.crossings = cs;
    this.crossingById = new Map(cs.map((c) => [c.id, c]));
    const cur = this.filter.crossing;
    clear(this.crossingSel);
    this.crossingSel.append(h("option", { value: "" }, "All crossings"), ...cs.map((c) => h("option", { value: c.id }, `${shortCrossing(c.name)}${c.open ? "" : " (closed)"}`)));
    this.crossingSel.value = cur;
  }

  private async loadList(): Promise<void> {
    const seq = ++this.listSeq;
    const f = { ...this.filter };
    const cursor = this.cursors[this.cursors.length - 1];
    this.listPanel.dataset.ready = "0";
    try {
      const r = await aidApi.list(f, this.status, cursor, PAGE);
      if (seq !== this.listSeq) return;
      this.next = r.next ?? "";
      this.renderList(r.consignments ?? []);
      this.listPanel.dataset.crossing = f.crossing;
      this.listPanel.dataset.from = f.from;
      this.listPanel.dataset.to = f.to;
      this.listPanel.dataset.status = this.status;
      this.listPanel.dataset.ready = "1";
    } catch (e) {
      if (seq !== this.listSeq) return;
      clear(this.listBody);
      this.listBody.append(h("tr", null, h("td", { colspan: 4, class: "aid-error" }, `Could not load the consignments: ${(e as ApiError).message}`)));
    }
  }

  // ------------------------------------------------------------ render

  private render(k: KPIs, f: AidFilter): void {
    const days = (k.days ?? []).length;
    const cross = f.crossing ? this.crossingById.get(f.crossing)?.name ?? "one crossing" : "all crossings";
    this.summaryEl.textContent = `${rangeText(f)} (${days} day${days === 1 ? "" : "s"}) · ${cross}${f.category ? ` · ${lbl(CATEGORY_LABEL, f.category)}` : ""}${f.org ? ` · ${f.org}` : ""}`;
    this.summaryEl.title = `Awaiting collection as of ${zShort(k.awaiting.at)}. Totals count only the consignments released to your organisation.`;
    this.renderTiles(k);
    const totals = new Map<string, CrossingTotal>((k.by_crossing ?? []).map((c) => [c.crossing, c]));
    this.xings.render(this.crossings, totals, f.crossing);
    this.charts.render(k, this.crossingById);
  }

  private renderTiles(k: KPIs): void {
    const days = (k.days ?? []).length || 1;
    const avg = k.entered.trucks / days;
    const target = k.target_trucks || this.target;
    const a = k.awaiting;
    const crowd = (k.interceptions ?? []).map((c) => `${c.n} ${c.label}`).join(" · ");
    const north = k.delivered_north.tonnes;
    const south = k.delivered_south.tonnes;
    const share = north + south > 0 ? (north / (north + south)) * 100 : 0;
    clear(this.tilesEl);
    this.tilesEl.append(
      tile("entered_trucks", "Trucks entered", k.entered.trucks, num(k.entered.trucks), "trucks", [
        `${num(avg)} a day against ${num(target)} a day`,
        h("span", { class: "aid-meter", title: `${Math.round((avg / target) * 100)} % of the daily target on average` }, h("span", { style: `width:${Math.min(100, (avg / target) * 100).toFixed(1)}%` })),
      ], avg >= target ? "good" : avg >= target * 0.8 ? "warn" : "bad"),
      tile("days_met_target", "Days target met", k.days_met_target, num(k.days_met_target), `of ${num(days)} days`, [`≥ ${num(target)} trucks entered that day`]),
      tile("entered_tonnes", "Tonnes entered", k.entered.tonnes, num(k.entered.tonnes), "t", [`${num(k.entered.pallets)} pallets`]),
      tile("fuel_litres", "Fuel entered", k.fuel_litres, compact(k.fuel_litres), "litres", [`${num(k.fuel_litres)} L`]),
      tile("awaiting", "Awaiting collection", a.consignments, num(a.consignments), "consignments", [
        qtyText({ trucks: a.qty.trucks, tonnes: a.qty.tonnes, pallets: 0, litres: 0 }, "nothing waiting"),
      ], a.age_p90_h > 72 ? "bad" : a.age_p90_h > 24 ? "warn" : "", a.consignments
        ? h(
            "dl",
            { class: "aid-ages", title: "How long the goods awaiting collection have waited since they were offloaded", "data-median": a.age_median_h, "data-p90": a.age_p90_h, "data-max": a.age_max_h },
            h("dt", null, "median"),
            h("dd", null, ageText(a.age_median_h)),
            h("dt", null, "p90"),
            h("dd", null, ageText(a.age_p90_h)),
            h("dt", null, "max"),
            h("dd", null, ageText(a.age_max_h)),
          )
        : null),
      titled("Collected ÷ entered, in tonnes; — when nothing entered", tile("collection_rate", "Collection rate", k.collection_rate, pct(k.collection_rate), "", ["collected ÷ entered, tonnes", `${num(k.collected.tonnes)} t collected`])),
      titled("Delivered ÷ collected, in tonnes; — when nothing was collected", tile("delivery_rate", "Delivery rate", k.delivery_rate, pct(k.delivery_rate), "", ["delivered ÷ collected, tonnes", `${num(k.delivered.tonnes)} t delivered`])),
      titled("Intercepted ÷ (delivered + intercepted), in tonnes; — when nothing was delivered or intercepted", tile("interception_rate", "Interception rate", k.interception_rate, pct(k.interception_rate), "", [
        `${num(k.intercepted.tonnes)} t intercepted`,
        crowd || "no interceptions",
      ], (k.interception_rate ?? 0) > 5 ? "bad" : (k.interception_rate ?? 0) > 2 ? "warn" : "")),
      h(
        "div",
        { class: "aid-tile aid-tile-split", "data-kpi": "north_south" },
        h("div", { class: "aid-tile-label" }, "Delivered north / south"),
        h(
          "div",
          { class: "aid-split-values" },
          h("span", { class: "aid-tile-value", "data-kpi-part": "delivered_north", "data-value": north }, num(north)),
          h("span", { class: "aid-tile-unit" }, "t"),
          h("span", { class: "aid-split-sep" }, "/"),
          h("span", { class: "aid-tile-value", "data-kpi-part": "delivered_south", "data-value": south }, num(south)),
          h("span", { class: "aid-tile-unit" }, "t"),
        ),
        h(
          "div",
          { class: `aid-split-bar${north + south > 0 ? "" : " is-empty"}`, title: `${share.toFixed(0)} % of the tonnes delivered went north of Wadi Gaza` },
          h("span", { class: "n", style: `width:${share.toFixed(1)}%` }),
          h("span", { class: "s" }),
        ),
        h("div", { class: "aid-tile-sub" }, north + south > 0 ? `${share.toFixed(0)} % north of Wadi Gaza` : "nothing delivered in the range"),
      ),
      tile("consignments", "Consignments", k.consignments, num(k.consignments), "active", [`with a stage event in the range`, `${num(k.returned.tonnes)} t returned`]),
    );
  }

  private renderList(list: ConsignmentSummary[]): void {
    this.rows = list;
    // A live reload re-renders the rows: keep the keyboard on its row.
    const focused = document.activeElement instanceof HTMLElement && this.listBody.contains(document.activeElement) ? document.activeElement.dataset.consignmentId : undefined;
    clear(this.listBody);
    const page = this.cursors.length;
    this.listHint.textContent = list.length ? `${(page - 1) * PAGE + 1}–${(page - 1) * PAGE + list.length}${this.next ? "" : " (end)"} · newest first` : "";
    this.pageEl.textContent = `Page ${page}`;
    this.prevBtn.disabled = page <= 1;
    this.nextBtn.disabled = !this.next;
    if (!list.length) {
      this.listBody.append(h("tr", null, h("td", { colspan: 4, class: "aid-empty" }, "No consignment matches these filters — or none is released to your organisation.")));
      return;
    }
    const open = this.detail.id;
    for (const c of list) {
      const xing = this.crossingById.get(c.crossing);
      const row = h(
        "tr",
        { class: `aid-row${c.id === open ? " is-selected" : ""}`, tabindex: 0, "data-consignment-id": c.id, "data-status": c.status, "aria-label": `Consignment ${c.ref}` },
        h("td", null, h("div", { class: "aid-ref" }, c.ref), h("span", { class: `aid-banner-mini ${bannerClass(c.banner)}`, title: "Marking" }, c.banner)),
        h(
          "td",
          null,
          h("div", null, h("b", null, c.sender), c.implementer && c.implementer !== c.sender ? ` → ${c.implementer}` : ""),
          h("div", { class: "sub" }, `${xing ? shortCrossing(xing.name) : "—"} · ${lbl(CATEGORY_LABEL, c.category)}`),
        ),
        h("td", { class: "nowrap" }, h("div", null, `${num(c.planned.trucks)} trucks`), h("div", { class: "sub" }, c.planned.litres ? `${num(c.planned.litres)} L` : `${num(c.planned.tonnes)} t`)),
        h("td", null, stageChip(c.status), h("div", { class: "sub" }, zShort(c.last_at))),
      );
      row.addEventListener("click", () => void this.openConsignment(c.id));
      row.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          void this.openConsignment(c.id);
        }
      });
      this.listBody.append(row);
      if (c.id === focused) row.focus({ preventScroll: true });
    }
  }

  private openImport(): void {
    if (this.detail.id) this.detail.close();
    this.listPanel.hidden = true;
    this.importer.show();
  }

  private closeImport(): void {
    this.importer.hide();
    this.listPanel.hidden = false;
  }

  private async openConsignment(id: string): Promise<void> {
    this.importer.hide();
    this.listPanel.hidden = true;
    for (const r of this.listBody.querySelectorAll<HTMLElement>(".aid-row")) r.classList.toggle("is-selected", r.dataset.consignmentId === id);
    await this.detail.open(id);
  }

  private closeConsignment(): void {
    const id = this.detail.id;
    this.detail.close();
    this.listPanel.hidden = false;
    if (id) this.listBody.querySelector<HTMLElement>(`.aid-row[data-consignment-id="${CSS.escape(id)}"]`)?.focus();
  }

  private notice(text: string): void {
    this.noticeEl.textContent = text;
    this.noticeEl.hidden = !text;
  }
}

/** A headline figure: the raw value in data-value, for checks and tools. */
function tile(kpi: string, label: string, raw: number | null, value: string, unit: string, sub: Child[], tone = "", extra: Child = null): HTMLElement {
  return h(
    "div",
    { class: `aid-tile${tone ? ` tone-${tone}` : ""}`, "data-kpi": kpi },
    h("div", { class: "aid-tile-label" }, label),
    h("div", { class: "aid-tile-figure" }, h("span", { class: "aid-tile-value", "data-value": raw === null ? "null" : String(raw) }, value), unit ? h("span", { class: "aid-tile-unit" }, unit) : null),
    sub.filter((x) => x !== null && x !== "").map((x) => h("div", { class: "aid-tile-sub" }, x)),
    extra,
  );
}

function titled(title: string, el: HTMLElement): HTMLElement {
  el.title = title;
  return el;
}

/** An age in whole hours ("88 h"): the three ages read best in one unit. */
function ageText(hr: number): string {
  return hr < 10 ? hours(hr) : `${num(Math.round(hr))} h`;
}

/** "6 Nov – 5 Dec 2026" (the last day included). */
function rangeText(f: AidFilter): string {
  const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const a = new Date(`${f.from}T00:00:00Z`);
  const b = new Date(`${addDays(f.to, -1)}T00:00:00Z`);
  const d = (x: Date, y: boolean) => `${x.getUTCDate()} ${MON[x.getUTCMonth()]}${y ? ` ${x.getUTCFullYear()}` : ""}`;
  return a.getTime() === b.getTime() ? d(a, true) : `${d(a, a.getUTCFullYear() !== b.getUTCFullYear())} – ${d(b, true)}`;
}
