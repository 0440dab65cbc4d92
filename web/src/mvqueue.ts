// The movement queue: the coordination center's work list, and every
// organisation's view of its own requests. Filters go to the server; live
// changes are applied to the list as they arrive.

import { api, type ApiError, type Movement, type MovementFilter } from "./api";
import { clear, h } from "./dom";
import { zShort } from "./format";
import {
  CLOSED_STATUSES,
  MV_STATUS_LABEL,
  OPEN_STATUSES,
  PURPOSE_LABEL,
  ackSummary,
  emergencyBadge,
  lbl,
  partyChip,
  relative,
  safetyNotice,
  statusBadge,
} from "./mvcommon";
import type { MvContext } from "./mvctx";

type SortKey = "depart" | "age";

export class MovementQueue {
  readonly el: HTMLElement;
  private list: Movement[] = [];
  private filter: MovementFilter = { statuses: [], party: "", emergency: "" };
  private sort: SortKey = "depart";
  /** Shows only requests that have waited at least this long (0: all). */
  private minAgeHours = 0;
  private desc = false;
  private selected: string | null = null;
  private tbody: HTMLElement;
  private table: HTMLTableElement;
  private foot: HTMLElement;
  private statusSummary: HTMLElement;
  private statusBoxes = new Map<string, HTMLInputElement>();
  private loadSeq = 0;
  private loaded = false;
  private errorEl: HTMLElement;
  onCount: (() => void) | null = null;

  constructor(
    private ctx: MvContext,
    private onSelect: (m: Movement) => void,
    withNotice: boolean,
  ) {
    const statuses = ctx.info.statuses?.length ? ctx.info.statuses : [...OPEN_STATUSES, ...CLOSED_STATUSES];

    // Status: a multi-select drop-down with presets.
    this.statusSummary = h("span", null, "All statuses");
    const boxes = statuses.map((s) => {
      const cb = h("input", { type: "checkbox", value: s, "data-status-filter": s });
      cb.addEventListener("change", () => this.statusesChanged());
      this.statusBoxes.set(s, cb);
      return h("label", { class: "dd-option" }, cb, h("span", { class: `mv-status st-${s} mv-status-mini` }, s), h("span", { class: "dd-text" }, lbl(MV_STATUS_LABEL, s)));
    });
    const preset = (text: string, set: string[]) => {
      const b = h("button", { type: "button", class: "btn btn-small" }, text);
      b.addEventListener("click", () => {
        for (const [s, cb] of this.statusBoxes) cb.checked = set.includes(s);
        this.statusesChanged();
      });
      return b;
    };
    const statusDD = h(
      "details",
      { class: "mv-dd", id: "mv-filter-status" },
      h("summary", { class: "btn btn-small" }, "Status: ", this.statusSummary),
      h(
        "div",
        { class: "dd-panel" },
        h("div", { class: "dd-presets" }, preset("All", []), preset("Open", OPEN_STATUSES), preset("Awaiting CMCC", ["submitted", "acknowledged"]), preset("Closed", CLOSED_STATUSES)),
        h("div", { class: "dd-options" }, boxes),
      ),
    );
    document.addEventListener("click", (e) => {
      if (statusDD.open && !statusDD.contains(e.target as Node)) statusDD.open = false;
    });

    const party = h(
      "select",
      { id: "mv-filter-party", "aria-label": "Party (owner or asked to acknowledge)", title: "Movements owned by the party, or asking it to acknowledge" },
      h("option", { value: "" }, "Any party"),
      [...ctx.dir.parties.values()].map((p) => h("option", { value: p.code }, `${p.code} — ${p.name}`)),
    );
    party.addEventListener("change", () => {
      this.filter.party = party.value;
      void this.load();
    });
    const emergency = h(
      "select",
      { id: "mv-filter-emergency", "aria-label": "Emergency" },
      h("option", { value: "" }, "Emergency: any"),
      h("option", { value: "true" }, "Emergency only"),
      h("option", { value: "false" }, "Non-emergency"),
    );
    emergency.addEventListener("change", () => {
      this.filter.emergency = emergency.value as MovementFilter["emergency"];
      void this.load();
    });
    // Age: how long a request has waited since it was submitted.
    const age = h(
      "select",
      { id: "mv-filter-age", "aria-label": "Age", title: "Requests that have waited at least this long since submission" },
      h("option", { value: "0" }, "Age: any"),
      h("option", { value: "1" }, "Waiting ≥ 1 h"),
      h("option", { value: "6" }, "Waiting ≥ 6 h"),
      h("option", { value: "24" }, "Waiting ≥ 24 h"),
      h("option", { value: "48" }, "Waiting ≥ 48 h"),
    );
    age.addEventListener("change", () => {
      this.minAgeHours = Number(age.value);
      this.render();
    });

    const sortBtn = (key: SortKey, text: string, title: string) => {
      const b = h("button", { type: "button", class: "th-sort", id: `mv-sort-${key}`, title, "data-sort": key }, text, h("span", { class: "th-arrow" }));
      b.addEventListener("click", () => {
        if (this.sort === key) this.desc = !this.desc;
        else {
          this.sort = key;
          this.desc = false;
        }
        this.render();
      });
      return b;
    };

    this.tbody = h("tbody");
    this.table = h(
      "table",
      { id: "mv-queue", class: "mv-table" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { class: "c-ref" }, "Reference"),
          h("th", { class: "c-status" }, "Status"),
          h("th", { class: "c-org" }, "Org."),
          h("th", { class: "c-dep" }, sortBtn("depart", "Departure", "Sort by departure"), h("span", { class: "th-sep" }, " · "), sortBtn("age", "Age", "Sort by time since submission (oldest first)")),
          h("th", { class: "c-acks" }, "Acknowledgements"),
          h("th", { class: "c-block", title: "Blocking findings" }, "Blk."),
        ),
      ),
      this.tbody,
    );
    this.foot = h("div", { class: "mv-queue-foot muted" });
    this.errorEl = h("div", { class: "form-error", role: "alert", hidden: true });
    const refresh = h("button", { type: "button", class: "btn btn-small", title: "Reload the queue" }, "↻");
    refresh.addEventListener("click", () => void this.load());
    this.el = h(
      "section",
      { class: "mv-queue-view", "aria-label": "Movement queue" },
      withNotice ? safetyNotice() : null,
      h("h3", { class: "mv-sec-title" }, ctx.isCMCC ? "Movement queue" : "Movements", h("span", { class: "count", id: "mv-queue-count" })),
      h("div", { class: "mv-filters", role: "group", "aria-label": "Queue filters" }, statusDD, party, emergency, age, h("span", { class: "topbar-spacer" }), refresh),
      this.errorEl,
      h("div", { class: "mv-table-wrap" }, this.table),
      this.foot,
    );
    this.render();
  }

  get movements(): Movement[] {
    return this.list;
  }

  get(id: string): Movement | undefined {
    return this.list.find((m) => m.id === id);
  }

  private statusesChanged(): void {
    const on = [...this.statusBoxes].filter(([, cb]) => cb.checked).map(([s]) => s);
    this.filter.statuses = on.length === this.statusBoxes.size ? [] : on;
    this.statusSummary.textContent = !this.filter.statuses.length
      ? "All statuses"
      : this.filter.statuses.length <= 2
        ? this.filter.statuses.map((s) => lbl(MV_STATUS_LABEL, s)).join(", ")
        : `${this.filter.statuses.length} selected`;
    void this.load();
  }

  async load(): Promise<void> {
    const seq = ++this.loadSeq;
    this.table.setAttribute("aria-busy", "true");
    try {
      const list = await api.movements(this.filter);
      if (seq !== this.loadSeq) return;
      this.list = list;
      this.loaded = true;
      this.errorEl.hidden = true;
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.errorEl.textContent = `Could not load the movements: ${(e as ApiError).message}`;
      this.errorEl.hidden = false;
    }
    this.table.removeAttribute("aria-busy");
    this.render();
    this.onCount?.();
  }

  /** Whether m passes the current filters (as the server applies them). */
  matches(m: Movement): boolean {
    const f = this.filter;
    if (f.statuses.length && !f.statuses.includes(m.status)) return false;
    if (f.party && m.marking?.owner !== f.party && !(m.acks ?? []).some((a) => a.party === f.party)) return false;
    if (f.emergency && String(!!m.emergency) !== f.emergency) return false;
    return true;
  }

  /** Applies a live change (or a local one). */
  upsert(m: Movement): void {
    const i = this.list.findIndex((x) => x.id === m.id);
    if (i >= 0 && this.list[i].version > m.version) return;
    if (!this.matches(m)) {
      if (i >= 0) this.list.splice(i, 1);
    } else if (i >= 0) this.list[i] = m;
    else this.list.push(m);
    this.render(m.id);
    this.onCount?.();
  }

  remove(id: string): void {
    const i = this.list.findIndex((x) => x.id === id);
    if (i < 0) return;
    this.list.splice(i, 1);
    this.render();
    this.onCount?.();
  }

  select(id: string | null): void {
    this.selected = id;
    for (const tr of this.tbody.querySelectorAll("tr[data-movement-id]")) {
      const on = tr.getAttribute("data-movement-id") === id;
      tr.classList.toggle("is-selected", on);
      tr.setAttribute("aria-selected", String(on));
    }
  }

  /** How many movements wait for the coordination center. */
  awaitingCMCC(): number {
    return this.list.filter((m) => m.status === "submitted" || m.status === "acknowledged").length;
  }

  private sorted(): Movement[] {
    const closed = (m: Movement) => (CLOSED_STATUSES.includes(m.status) ? 1 : 0);
    const key = (m: Movement) => Date.parse(this.sort === "depart" ? m.depart : m.submitted_at) || 0;
    const dir = this.desc ? -1 : 1;
    const now = Date.now();
    const oldEnough = (m: Movement) => !this.minAgeHours || now - (Date.parse(m.submitted_at) || now) >= this.minAgeHours * 3_600_000;
    return this.list.filter(oldEnough).sort((a, b) => {
      // Open requests first: they are the work.
      const c = closed(a) - closed(b);
      if (c) return c;
      return (key(a) - key(b)) * dir || a.id.localeCompare(b.id);
    });
  }

  /** Re-draws the table; flash marks a row that just changed. */
  render(flash?: string): void {
    clear(this.tbody);
    const now = Date.now();
    for (const th of this.table.querySelectorAll<HTMLElement>(".th-sort")) {
      const on = th.dataset.sort === this.sort;
      th.classList.toggle("is-on", on);
      (th.querySelector(".th-arrow") as HTMLElement).textContent = on ? (this.desc ? " ▼" : " ▲") : "";
    }
    const rows = this.sorted();
    for (const m of rows) {
      const blocking = (m.findings ?? []).filter((f) => f.severity === "blocking").length;
      const tr = h(
        "tr",
        {
          "data-movement-id": m.id,
          class: `mv-tr st-${m.status}${m.id === this.selected ? " is-selected" : ""}${m.emergency ? " is-emergency" : ""}${CLOSED_STATUSES.includes(m.status) ? " is-closed" : ""}${m.id === flash ? " is-flash" : ""}`,
          tabindex: 0,
          "aria-selected": String(m.id === this.selected),
        },
        h(
          "td",
          { class: "c-ref" },
          h("div", { class: "mv-ref mono" }, m.reference || m.id),
          h("div", { class: "sub wrap" }, m.emergency ? emergencyBadge() : null, lbl(PURPOSE_LABEL, m.purpose), ` · ${(m.vehicles ?? []).length} veh.`),
        ),
        h("td", { class: "c-status" }, statusBadge(m.status)),
        h("td", { class: "c-org" }, partyChip(m.marking?.owner, this.ctx.dir.parties)),
        h(
          "td",
          { class: "c-dep" },
          h("div", { class: "dep" }, zShort(m.depart)),
          h("div", { class: "sub" }, relative(m.depart, now)),
          h("div", { class: "sub age", title: `Submitted ${zShort(m.submitted_at)}` }, `submitted ${relative(m.submitted_at, now)}`),
        ),
        h("td", { class: "c-acks" }, ackSummary(m.acks, this.ctx.dir.parties)),
        h("td", { class: "c-block" }, blocking ? h("span", { class: "blk-count", title: `${blocking} blocking finding${blocking === 1 ? "" : "s"}` }, String(blocking)) : h("span", { class: "muted" }, "–")),
      );
      const pick = () => this.onSelect(m);
      tr.addEventListener("click", pick);
      tr.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          pick();
        }
      });
      this.tbody.append(tr);
    }
    if (!rows.length) {
      this.tbody.append(
        h("tr", { class: "mv-empty" }, h("td", { colspan: 6 }, !this.loaded ? "Loading movements…" : "No movements match the filters.")),
      );
    }
    const open = this.list.filter((m) => !CLOSED_STATUSES.includes(m.status)).length;
    const parts = [`${this.list.length} movement${this.list.length === 1 ? "" : "s"}`, `${open} open`];
    if (this.ctx.isCMCC) {
      const sub = this.list.filter((m) => m.status === "submitted").length;
      const dec = this.list.filter((m) => m.status === "acknowledged").length;
      if (sub) parts.push(`${sub} to transmit`);
      if (dec) parts.push(`${dec} ready for decision`);
    }
    this.foot.textContent = `${parts.join(" · ")} · updated live`;
  }
}
