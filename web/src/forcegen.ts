// The "Force generation" view: the planner's board. Sectors on a small map
// coloured by coverage; per sector the requirements against the pledges
// placed on them, with every conflict explained; the pledges with their
// caveats; the optimizer's proposal as a diff to accept sector by sector;
// and the assignment's audit trail. The coordination center edits a local
// draft (checked on the server as it changes) and saves it as a new
// version; the contributing nations see the board read-only, redacted by
// the server to what they may see.

import "./forcegen.css";

import type { ApiError, Feature, Party, Session } from "./api";
import type { Directory } from "./details";
import { clear, h } from "./dom";
import { fgApi, type AssignmentVersion, type Board, type Coverage, type FgConflict, type FgRequirement, type FgSector, type Placement, type Proposal } from "./fgapi";
import { BoardMap, COVERAGE_COLOR, COVERAGE_LABEL, shortSector } from "./fgmap";
import { applySectors, proposalPanel } from "./fgproposal";
import { capText, conflictEl, pledgeCard, pledgeText, taskText, versionEl, zDate, type Names } from "./fgviews";
import { zShort } from "./format";

const CHECK_DELAY = 150;
const RELOAD_DELAY = 300;

const key = (p: Placement) => `${p.pledge}|${p.requirement}`;

type NoticeKind = "info" | "error" | "warn";

export class ForceGenUI {
  readonly el: HTMLElement;
  /** The coordination center's planners edit; everyone else reads. */
  readonly editable: boolean;
  private active = false;
  private loaded = false;
  private stale = false;
  private board: Board | null = null;
  private saved: Placement[] = [];
  private draft: Placement[] = [];
  private conflicts: FgConflict[] = [];
  private shapes: Feature[] = [];
  private history: AssignmentVersion[] = [];
  private proposal: Proposal | null = null;
  private applied = new Set<string>();
  private proposalStale = false;
  private names: Names;
  private map: BoardMap | null = null;
  private hover: string | null = null;
  private saving = false;
  private checkSeq = 0;
  private loadSeq = 0;
  private checkTimer = 0;
  private reloadTimer = 0;

  private statusEl: HTMLElement;
  private statusMeta: HTMLElement;
  private condEl: HTMLElement;
  private draftEl: HTMLElement;
  private noticeEl: HTMLElement;
  private sectorsEl: HTMLElement;
  private pledgesEl: HTMLElement;
  private pledgesPanel: HTMLElement;
  private proposalHost: HTMLElement;
  private historyEl: HTMLElement;
  private mapEl: HTMLElement;
  private legendEl: HTMLElement;
  private note: HTMLInputElement | null = null;
  private saveBtn: HTMLButtonElement | null = null;
  private discardBtn: HTMLButtonElement | null = null;
  private proposeBtn: HTMLButtonElement | null = null;

  /** Whether a party may open the board at all. */
  static allowed(party: Party): boolean {
    return party.kind === "coordination" || party.kind === "contributing_nation";
  }

  constructor(
    private session: Session,
    dir: Directory,
  ) {
    const roles = session.user.roles ?? [];
    this.editable = session.party.kind === "coordination" && roles.some((r) => r === "coordinator" || r === "admin");
    this.names = { dir, pledges: new Map(), requirements: new Map(), sectors: new Map() };

    this.statusEl = h("span", { id: "fg-status", class: "fg-status" }, "Assignment …");
    this.statusMeta = h("span", { class: "fg-status-meta" });
    this.condEl = h("span", { class: "fg-cond" });
    this.draftEl = h("span", { id: "fg-draft", class: "fg-draft", role: "status" });
    this.noticeEl = h("div", { id: "fg-notice", class: "fg-notice", role: "status", "aria-live": "polite", hidden: true });
    this.sectorsEl = h("div", { class: "fg-sectors" }, h("p", { class: "muted fg-loading" }, "Loading the board…"));
    this.pledgesEl = h("div", { class: "fg-pledge-list" });
    this.historyEl = h("ol", { class: "fg-versions" });
    this.mapEl = h("div", { id: "fg-map", class: "fg-map", role: "img", "aria-label": "Sectors coloured by coverage" });
    this.legendEl = h(
      "div",
      { class: "fg-legend" },
      (["met", "partial", "uncovered"] as Coverage[]).map((c) => h("span", { class: "fg-legend-item" }, h("span", { class: "fg-legend-sw", style: `background:${COVERAGE_COLOR[c].fill};border-color:${COVERAGE_COLOR[c].stroke}` }), COVERAGE_LABEL[c])),
    );

    let actions: HTMLElement;
    if (this.editable) {
      this.note = h("input", { id: "fg-note", class: "fg-note", type: "text", maxlength: 2000, placeholder: "Note for this version (why it changed)", "aria-label": "Note for this version" });
      this.saveBtn = h("button", { id: "fg-save", type: "button", class: "btn btn-primary", disabled: true, title: "Save the draft as the next version of the assignment" }, "Save assignment");
      this.discardBtn = h("button", { id: "fg-discard", type: "button", class: "btn", disabled: true, title: "Forget the draft and return to the saved assignment" }, "Discard");
      this.proposeBtn = h("button", { id: "fg-propose", type: "button", class: "btn fg-btn-propose", title: "Run the optimizer and compare its proposal with the draft" }, "Propose");
      this.saveBtn.addEventListener("click", () => void this.save());
      this.discardBtn.addEventListener("click", () => this.discard());
      this.proposeBtn.addEventListener("click", () => void this.propose());
      this.note.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && this.saveBtn && !this.saveBtn.disabled) void this.save();
      });
      actions = h("div", { class: "fg-actions" }, this.proposeBtn, h("span", { class: "fg-sep" }), this.note, this.discardBtn, this.saveBtn);
    } else {
      actions = h(
        "div",
        { class: "fg-actions" },
        h("span", { class: "fg-readonly", title: "Only the coordination center's planners change the assignment" }, "Read-only · the coordination center assigns"),
      );
    }

    this.pledgesPanel = h(
      "section",
      { id: "fg-pledges", class: "fg-panel fg-pledges", "aria-label": "Pledges" },
      h("div", { class: "fg-panel-head" }, h("h2", null, "Pledges", h("span", { class: "panel-hint", id: "fg-pledge-count" }))),
      this.pledgesEl,
    );
    this.proposalHost = h("div", { class: "fg-proposal-host", hidden: true });

    this.el = h(
      "div",
      { id: "fg-board", class: "fg-board", "aria-label": "Force generation board", "data-editable": String(this.editable) },
      h(
        "div",
        { class: "fg-toolbar" },
        h("div", { class: "fg-title" }, h("h1", null, "Force generation"), h("div", { class: "fg-status-wrap" }, this.statusEl, this.statusMeta)),
        this.condEl,
        this.draftEl,
        actions,
      ),
      this.noticeEl,
      h(
        "div",
        { class: "fg-body" },
        h(
          "div",
          { class: "fg-col fg-col-left" },
          h("section", { class: "fg-panel fg-map-panel", "aria-label": "Coverage map" }, h("div", { class: "fg-panel-head" }, h("h2", null, "Coverage"), this.legendEl), this.mapEl),
          h("section", { id: "fg-history", class: "fg-panel fg-history", "aria-label": "Assignment history" }, h("div", { class: "fg-panel-head" }, h("h2", null, "History", h("span", { class: "panel-hint" }, "assignment versions, newest first"))), this.historyEl),
        ),
        h("div", { class: "fg-col fg-col-main" }, h("section", { class: "fg-panel fg-sectors-panel", "aria-label": "Sectors" }, this.sectorsEl)),
        h("div", { class: "fg-col fg-col-right" }, this.proposalHost, this.pledgesPanel),
      ),
    );
  }

  // ------------------------------------------------------------ lifecycle

  setActive(on: boolean): void {
    this.active = on;
    if (!on) return;
    if (!this.map) this.map = new BoardMap(this.mapEl, (id) => this.gotoSector(id));
    if (!this.loaded) void this.load(false);
    else if (this.stale) {
      this.stale = false;
      this.changedElsewhere();
    }
    requestAnimationFrame(() => this.map?.refresh());
  }

  destroy(): void {
    window.clearTimeout(this.checkTimer);
    window.clearTimeout(this.reloadTimer);
    this.map?.destroy();
    this.map = null;
  }

  /** A force-generation event arrived on the live stream. */
  onEvent(type: string): void {
    if (!this.loaded) return;
    // The optimizer's answer depends on requirements, pledges and
    // conditions, not on the current assignment (the diff is computed
    // against the draft here).
    if (this.proposal && !type.startsWith("fg_assignment")) this.proposalStale = true;
    if (!this.active) {
      this.stale = true;
      return;
    }
    this.changedElsewhere();
  }

  /** Reloads after a change, unless that would lose the planner's draft. */
  private changedElsewhere(): void {
    if (this.saving) return; // the save reloads the board itself
    if (this.dirty()) {
      this.notice("The board changed — reload to see the latest. Your draft is not saved.", "warn", [
        ["Reload, keep my draft", () => void this.load(true)],
        ["Reload and discard my draft", () => void this.load(false)],
      ]);
      return;
    }
    window.clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => void this.load(false), RELOAD_DELAY);
  }

  /** Reloads everything (after the stream could not replay). */
  reload(): void {
    if (!this.loaded) return;
    if (this.active) void this.load(this.dirty());
    else this.stale = true;
  }

  // ------------------------------------------------------------ data

  private async load(keepDraft: boolean): Promise<void> {
    const seq = ++this.loadSeq;
    this.el.dataset.ready = this.loaded ? "1" : "0";
    this.el.classList.add("is-loading");
    const wantShapes = !this.shapes.length;
    let board: Board;
    let hist: AssignmentVersion[];
    let shapes: Feature[] = this.shapes;
    try {
      const [b, hv, fc] = await Promise.all([
        fgApi.board(),
        fgApi.history().catch((e: ApiError) => {
          if (e.status === 404) return { versions: [] };
          throw e;
        }),
        wantShapes ? fgApi.mapFeatures(["area_of_operations", "control_line", "sector"]).catch(() => null) : Promise.resolve(null),
      ]);
      board = b;
      hist = hv.versions ?? [];
      if (fc) shapes = fc.features ?? [];
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.el.classList.remove("is-loading");
      const err = e as ApiError;
      const msg =
        err.status === 403 ? "The force-generation board is open to the coordination center and the contributing nations only." : `Could not load the force-generation board: ${err.message}`;
      this.notice(msg, "error", err.status === 403 ? [] : [["Try again", () => void this.load(keepDraft)]]);
      if (!this.loaded) {
        clear(this.sectorsEl);
        this.sectorsEl.append(h("p", { class: "fg-empty" }, msg));
      }
      return;
    }
    if (seq !== this.loadSeq) return;
    this.el.classList.remove("is-loading");
    const oldDraft = this.draft;
    this.board = board;
    this.history = hist;
    if (shapes !== this.shapes) {
      this.shapes = shapes;
      this.map?.setContext(shapes);
    }
    this.names.pledges = new Map((board.pledges ?? []).map((p) => [p.id, p]));
    this.names.requirements = new Map((board.requirements ?? []).map((r) => [r.id, r]));
    this.names.sectors = new Map((board.sectors ?? []).map((s) => [s.id, s]));
    this.saved = (board.assignment.placements ?? []).map((p) => ({ ...p }));
    this.conflicts = board.conflicts ?? [];
    if (keepDraft && this.editable) {
      // Keep what still makes sense: known pledges and requirements, each
      // pledge once.
      const seen = new Set<string>();
      this.draft = oldDraft.filter((p) => {
        const ok = this.names.pledges.has(p.pledge) && this.names.requirements.has(p.requirement) && !seen.has(p.pledge);
        seen.add(p.pledge);
        return ok;
      });
    } else {
      this.draft = this.saved.map((p) => ({ ...p }));
    }
    this.loaded = true;
    this.clearNotice();
    this.render();
    if (this.dirty()) this.scheduleCheck();
    this.el.dataset.ready = "1";
    this.el.dataset.version = String(board.assignment.version);
  }

  private dirty(): boolean {
    if (!this.editable) return false;
    return this.changes() > 0;
  }

  /** How many placements the draft adds or removes. */
  private changes(): number {
    const a = new Set(this.saved.map(key));
    const b = new Set(this.draft.map(key));
    let n = 0;
    for (const k of a) if (!b.has(k)) n++;
    for (const k of b) if (!a.has(k)) n++;
    return n;
  }

  private scheduleCheck(): void {
    window.clearTimeout(this.checkTimer);
    this.el.dataset.checking = "1";
    this.draftEl.classList.add("is-checking");
    this.checkTimer = window.setTimeout(() => void this.check(), CHECK_DELAY);
  }

  private async check(): Promise<void> {
    const seq = ++this.checkSeq;
    if (!this.dirty()) {
      this.conflicts = this.board?.conflicts ?? [];
      this.checked(seq);
      return;
    }
    try {
      const r = await fgApi.check(this.draft);
      if (seq !== this.checkSeq) return;
      this.conflicts = r.conflicts ?? [];
    } catch (e) {
      if (seq !== this.checkSeq) return;
      this.notice(`Could not check the draft: ${(e as ApiError).message}`, "error");
    }
    this.checked(seq);
  }

  private checked(seq: number): void {
    if (seq !== this.checkSeq) return;
    this.el.dataset.checking = "0";
    this.draftEl.classList.remove("is-checking");
    this.renderSectors();
    this.renderToolbar();
  }

  // ------------------------------------------------------------ actions

  /** Puts pledge (or nothing) in one slot of a requirement. */
  private pick(reqId: string, slot: number, pledgeId: string): void {
    const onReq = this.draft.filter((p) => p.requirement === reqId);
    const cur = onReq[slot];
    let next = this.draft.slice();
    let moved: Placement | undefined;
    if (pledgeId) {
      moved = next.find((p) => p.pledge === pledgeId && p !== cur && p.requirement !== reqId);
      next = next.filter((p) => p.pledge !== pledgeId || p === cur);
      const np = { pledge: pledgeId, requirement: reqId };
      if (cur) next[next.indexOf(cur)] = np;
      else next.push(np);
    } else if (cur) {
      next = next.filter((p) => p !== cur);
    }
    this.draft = next;
    const pl = this.names.pledges.get(pledgeId);
    if (moved && pl) this.notice(`${pledgeText(pl)} moved from ${this.reqLabel(moved.requirement)} to ${this.reqLabel(reqId)}.`, "info");
    else this.clearNotice();
    this.render();
    this.scheduleCheck();
  }

  private discard(): void {
    this.draft = this.saved.map((p) => ({ ...p }));
    this.applied.clear();
    this.conflicts = this.board?.conflicts ?? [];
    this.clearNotice();
    window.clearTimeout(this.checkTimer);
    this.checkSeq++;
    this.el.dataset.checking = "0";
    this.draftEl.classList.remove("is-checking");
    this.render();
  }

  private async save(): Promise<void> {
    if (!this.board || !this.saveBtn || this.saving) return;
    this.saving = true;
    this.saveBtn.disabled = true;
    this.saveBtn.textContent = "Saving…";
    const note = this.note?.value.trim() ?? "";
    try {
      const a = await fgApi.save(this.board.assignment.version, this.draft, note);
      if (this.note) this.note.value = "";
      await this.load(false);
      this.notice(`Saved the assignment as version ${a.version}.`, "info");
    } catch (e) {
      const err = e as ApiError;
      if (err.status === 409) {
        this.notice("Someone changed the assignment; reload. Your draft is not saved.", "error", [
          ["Reload, keep my draft", () => void this.load(true)],
          ["Reload and discard my draft", () => void this.load(false)],
        ]);
      } else {
        const fields = err.fields.length ? ` (${err.fields.map((f) => `${f.field}: ${f.reason}`).join("; ")})` : "";
        this.notice(`Could not save: ${err.message}${fields}`, "error");
      }
    } finally {
      this.saving = false;
      this.saveBtn.textContent = "Save assignment";
      this.renderToolbar();
    }
  }

  private async propose(): Promise<void> {
    if (!this.proposeBtn) return;
    this.proposeBtn.disabled = true;
    this.proposeBtn.textContent = "Proposing…";
    try {
      this.proposal = await fgApi.propose();
      this.proposalStale = false;
      this.applied.clear();
      this.renderProposal();
    } catch (e) {
      this.notice(`The optimizer could not propose: ${(e as ApiError).message}`, "error");
    } finally {
      this.proposeBtn.disabled = false;
      this.proposeBtn.textContent = "Propose";
    }
  }

  private acceptSectors(ids: Set<string>): void {
    if (!this.proposal) return;
    this.draft = applySectors(this.names, ids, this.proposal.placements ?? [], this.draft);
    for (const id of ids) this.applied.add(id);
    const names = [...ids].map((id) => this.names.sectors.get(id)?.name ?? id).join(", ");
    this.notice(`Applied the proposal for ${names} to the draft. Review the conflicts, then save.`, "info");
    this.render();
    this.scheduleCheck();
  }

  private closeProposal(): void {
    this.proposal = null;
    this.applied.clear();
    this.renderProposal();
  }

  // ------------------------------------------------------------ notices

  private notice(text: string, kind: NoticeKind, buttons: [string, () => void][] = []): void {
    clear(this.noticeEl);
    this.noticeEl.className = `fg-notice is-${kind}`;
    this.noticeEl.append(h("span", { class: "fg-notice-text" }, text));
    for (const [label, fn] of buttons) {
      const b = h("button", { type: "button", class: "btn btn-small fg-notice-btn" }, label);
      b.addEventListener("click", fn);
      this.noticeEl.append(b);
    }
    const x = h("button", { type: "button", class: "icon-btn fg-notice-close", title: "Dismiss", "aria-label": "Dismiss" }, "✕");
    x.addEventListener("click", () => this.clearNotice());
    this.noticeEl.append(x);
    this.noticeEl.hidden = false;
  }

  private clearNotice(): void {
    this.noticeEl.hidden = true;
    clear(this.noticeEl);
  }

  // ------------------------------------------------------------ render

  private render(): void {
    if (!this.board) return;
    this.renderToolbar();
    this.renderSectors();
    this.renderPledges();
    this.renderHistory();
    this.renderProposal();
  }

  private renderToolbar(): void {
    const b = this.board;
    if (!b) return;
    const a = b.assignment;
    this.statusEl.textContent = `Assignment v${a.version}`;
    this.statusMeta.textContent = a.version ? ` · saved ${zShort(a.updated_at)} by ${a.updated_by}${a.note ? ` — “${a.note}”` : ""}` : " · nothing assigned yet";
    this.statusMeta.title = this.statusMeta.textContent.replace(/^ · /, "");
    const cess = b.conditions.cessation;
    this.condEl.className = `fg-cond ${cess ? "is-on" : "is-off"}`;
    this.condEl.textContent = cess ? "Cessation of hostilities: holds" : "Cessation of hostilities: not yet";
    this.condEl.title = "Mission condition some national caveats depend on";
    if (!this.editable) {
      this.draftEl.hidden = true;
      return;
    }
    const n = this.changes();
    this.draftEl.hidden = false;
    this.draftEl.className = `fg-draft${n ? " is-dirty" : ""}${this.el.dataset.checking === "1" ? " is-checking" : ""}`;
    this.draftEl.textContent = n ? `Draft: ${n} change${n === 1 ? "" : "s"} not saved` : "No unsaved changes";
    if (this.saveBtn && !this.saving) this.saveBtn.disabled = n === 0;
    if (this.discardBtn) this.discardBtn.disabled = n === 0;
  }

  /** Each sector's coverage under the draft (the server's when unchanged). */
  private coverage(): Map<string, FgSector> {
    const out = new Map<string, FgSector>();
    const sectors = this.board?.sectors ?? [];
    if (!this.dirty()) {
      for (const s of sectors) out.set(s.id, s);
      return out;
    }
    const need = new Map<string, number>();
    const got = new Map<string, number>();
    for (const r of this.board?.requirements ?? []) need.set(r.sector, (need.get(r.sector) ?? 0) + r.quantity);
    for (const p of this.draft) {
      const r = this.names.requirements.get(p.requirement);
      if (r) got.set(r.sector, (got.get(r.sector) ?? 0) + 1);
    }
    for (const s of sectors) {
      const needed = need.get(s.id) ?? s.needed;
      const assigned = got.get(s.id) ?? 0;
      const coverage: Coverage = needed === 0 || assigned >= needed ? "met" : assigned > 0 ? "partial" : "uncovered";
      out.set(s.id, { ...s, needed, assigned, coverage });
    }
    return out;
  }

  private renderSectors(): void {
    const b = this.board;
    if (!b) return;
    // Keep the keyboard where it was across the re-render.
    const focused = document.activeElement instanceof HTMLSelectElement && this.sectorsEl.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused ? `${focused.dataset.req}|${focused.dataset.slot}` : "";
    const scroll = this.sectorsEl.parentElement?.scrollTop ?? 0;

    const cov = this.coverage();
    const sectors = [...cov.values()];
    const savedKeys = new Set(this.saved.map(key));
    const draftKeys = new Set(this.draft.map(key));
    const bySector = new Map<string, FgRequirement[]>();
    for (const r of b.requirements ?? []) bySector.set(r.sector, [...(bySector.get(r.sector) ?? []), r]);
    const conflictsBy = new Map<string, FgConflict[]>();
    for (const c of this.conflicts) conflictsBy.set(c.requirement, [...(conflictsBy.get(c.requirement) ?? []), c]);
    const placedAt = new Map<string, string>();
    for (const p of this.draft) if (p.pledge) placedAt.set(p.pledge, p.requirement);

    clear(this.sectorsEl);
    if (!sectors.length) this.sectorsEl.append(h("p", { class: "fg-empty" }, "No sectors are defined yet."));
    for (const s of sectors) {
      const reqs = (bySector.get(s.id) ?? []).slice().sort((x, y) => y.priority - x.priority || x.capability.localeCompare(y.capability));
      const hard = reqs.reduce((n, r) => n + (conflictsBy.get(r.id) ?? []).filter((c) => c.hard && !c.redacted && c.kind !== "requirement_unmet").length, 0);
      const relay = reqs.reduce((n, r) => n + (conflictsBy.get(r.id) ?? []).filter((c) => c.relay).length, 0);
      const hidden = reqs.reduce((n, r) => n + (conflictsBy.get(r.id) ?? []).filter((c) => c.redacted).length, 0);
      const card = h(
        "article",
        { class: `fg-sector cov-${s.coverage}`, "data-sector-id": s.id, "data-coverage": s.coverage, "aria-label": s.name },
        h(
          "header",
          { class: "fg-sector-head" },
          h("span", { class: "fg-cov-bar", style: `background:${COVERAGE_COLOR[s.coverage].fill}` }),
          h("h3", null, s.name),
          h("span", { class: `fg-cov-pill cov-${s.coverage}`, title: `${s.assigned} of ${s.needed} units placed` }, `${COVERAGE_LABEL[s.coverage]} · ${s.assigned}/${s.needed}`),
          hard ? h("span", { class: "fg-count is-hard", title: "Hard conflicts" }, `${hard} hard`) : null,
          relay ? h("span", { class: "fg-count is-relay", title: "Conflicts resolved by relayed liaison" }, `${relay} relay`) : null,
          hidden ? h("span", { class: "fg-count is-redacted", title: "Conflicts whose cause is not releasable to you" }, `${hidden} not releasable`) : null,
          h("span", { class: "fg-sector-geo" }, geoText(s)),
        ),
        reqs.length
          ? h(
              "table",
              { class: "fg-req-table" },
              h(
                "colgroup",
                null,
                h("col", { class: "c-cap" }),
                h("col", { class: "c-need" }),
                h("col", { class: "c-tasks" }),
                h("col", { class: "c-by" }),
                h("col", { class: "c-prio" }),
                h("col", { class: "c-pledge" }),
              ),
              h(
                "thead",
                null,
                h("tr", null, h("th", null, "Requirement"), h("th", null, "Need"), h("th", null, "Tasks"), h("th", null, "Needed by"), h("th", { title: "Priority, 1 (low) to 5 (high)" }, "Prio"), h("th", null, "Assigned pledge")),
              ),
              reqs.map((r) => this.requirementRows(r, conflictsBy.get(r.id) ?? [], placedAt, savedKeys, draftKeys)),
            )
          : h("p", { class: "fg-empty" }, "No requirements stated for this sector."),
      );
      card.addEventListener("mouseenter", () => this.setHover(s.id));
      card.addEventListener("mouseleave", () => this.setHover(null));
      this.sectorsEl.append(card);
    }
    if (this.sectorsEl.parentElement) this.sectorsEl.parentElement.scrollTop = scroll;
    if (focusKey) {
      const [req, slot] = focusKey.split("|");
      this.sectorsEl.querySelector<HTMLSelectElement>(`select.fg-pick[data-req="${req}"][data-slot="${slot}"]`)?.focus();
    }
    this.map?.setSectors(this.shapes.filter((f) => f.properties.kind === "sector"), sectors);
    this.map?.highlight(this.hover, sectors);
  }

  private requirementRows(r: FgRequirement, cs: FgConflict[], placedAt: Map<string, string>, savedKeys: Set<string>, draftKeys: Set<string>): HTMLElement {
    const onReq = this.draft.filter((p) => p.requirement === r.id);
    const savedOn = this.saved.filter((p) => p.requirement === r.id);
    const changed = onReq.some((p) => !savedKeys.has(key(p))) || savedOn.some((p) => !draftKeys.has(key(p)));
    const slots = Math.max(r.quantity, onReq.length);
    const cells: HTMLElement[] = [];
    for (let i = 0; i < slots; i++) {
      const pl = onReq[i];
      if (this.editable) cells.push(this.picker(r, i, pl?.pledge ?? "", placedAt));
      else cells.push(this.assignedText(pl));
    }
    const hardOrder = (c: FgConflict) => (c.redacted ? 2 : c.hard && c.kind !== "requirement_unmet" ? 0 : c.relay ? 1 : 3);
    const sorted = cs.slice().sort((a, b) => hardOrder(a) - hardOrder(b));
    return h(
      "tbody",
      { class: `fg-req${changed ? " is-changed" : ""}${cs.some((c) => c.hard) ? " has-hard" : ""}`, "data-req-id": r.id, id: `fg-req-${r.id}` },
      h(
        "tr",
        { class: "fg-req-row" },
        h("td", { class: "fg-req-cap" }, h("b", null, capText(r.capability)), r.phase ? h("span", { class: "fg-phase" }, `phase ${r.phase}`) : null, changed ? h("span", { class: "fg-changed-tag", title: "Changed in your draft" }, "changed") : null),
        h("td", { class: "fg-req-need" }, `${r.quantity} × ≥ ${r.min_strength.toLocaleString("en-GB")}`),
        h("td", { class: "fg-req-tasks" }, (r.tasks ?? []).map((t) => h("span", { class: `fg-task${t === "weapons_collection" || t === "crowd_control" || t === "line_security" ? " is-robust" : ""}` }, taskText(t)))),
        h("td", { class: "fg-req-by" }, zDate(r.needed_by)),
        h("td", { class: "fg-req-prio" }, h("span", { class: `fg-prio p${r.priority}`, title: `Priority ${r.priority} of 5` }, `P${r.priority}`)),
        h("td", { class: "fg-req-pledge" }, cells),
      ),
      sorted.length ? h("tr", { class: "fg-req-conflicts" }, h("td", { colspan: 6 }, h("ul", { class: "fg-conflicts" }, sorted.map((c) => conflictEl(this.names, c, { showPledge: onReq.length > 1 }))))) : null,
    );
  }

  private picker(r: FgRequirement, slot: number, current: string, placedAt: Map<string, string>): HTMLElement {
    // The current pledge stays listed even when it does not fit, so that
    // the select shows what is placed (its conflicts say why it is wrong).
    const eligible = (this.board?.pledges ?? []).filter((p) => p.id === current || (p.capability === r.capability && p.status !== "withdrawn"));
    eligible.sort((a, b) => a.nation.localeCompare(b.nation) || a.unit.localeCompare(b.unit));
    const sel = h("select", { class: "fg-pick", "data-req": r.id, "data-slot": slot, "aria-label": `Pledge for ${capText(r.capability)} (${slot + 1})` });
    sel.append(h("option", { value: "" }, "— unassigned —"));
    for (const p of eligible) {
      const at = placedAt.get(p.id);
      const where = at && at !== r.id ? ` — now in ${this.reqLabel(at)}` : "";
      let st = p.status === "accepted" || p.status === "deploying" || p.status === "deployed" ? "" : ` (${p.status})`;
      if (p.capability !== r.capability) st += ` (${capText(p.capability)})`;
      sel.append(h("option", { value: p.id, selected: p.id === current }, `${pledgeText(p)} · ${p.strength.toLocaleString("en-GB")}${st}${where}`));
    }
    sel.value = current;
    const p = this.names.pledges.get(current);
    sel.title = p ? `${pledgeText(p)}, strength ${p.strength}, ready ${zDate(p.readiness)}` : "No pledge assigned";
    sel.addEventListener("change", () => this.pick(r.id, slot, sel.value));
    return h("div", { class: `fg-slot${current ? "" : " is-empty"}` }, sel);
  }

  private assignedText(pl: Placement | undefined): HTMLElement {
    if (!pl) return h("div", { class: "fg-slot is-empty" }, h("span", { class: "fg-unassigned" }, "— unassigned —"));
    const p = pl.pledge ? this.names.pledges.get(pl.pledge) : undefined;
    if (!p) return h("div", { class: "fg-slot" }, h("span", { class: "fg-hidden-pledge" }, "A pledge not releasable to you"));
    return h(
      "div",
      { class: "fg-slot" },
      h("span", { class: "fg-assigned" }, h("b", null, p.nation), ` · ${p.unit}`, h("span", { class: "muted" }, ` · ${p.strength.toLocaleString("en-GB")}`)),
    );
  }

  private renderPledges(): void {
    const b = this.board;
    if (!b) return;
    const placed = new Map<string, string[]>();
    for (const p of this.draft) if (p.pledge) placed.set(p.pledge, [...(placed.get(p.pledge) ?? []), p.requirement]);
    const list = (b.pledges ?? []).slice().sort((x, y) => x.nation.localeCompare(y.nation) || x.capability.localeCompare(y.capability) || x.unit.localeCompare(y.unit));
    clear(this.pledgesEl);
    const unplaced = list.filter((p) => !placed.has(p.id)).length;
    const count = this.el.querySelector("#fg-pledge-count");
    if (count) count.textContent = `${list.length} from ${new Set(list.map((p) => p.nation)).size} nations · ${unplaced} not assigned`;
    if (!list.length) this.pledgesEl.append(h("p", { class: "fg-empty" }, "No pledges yet."));
    for (const p of list) this.pledgesEl.append(pledgeCard(this.names, p, placed.get(p.id) ?? [], this.session.party.kind === "coordination", (rid) => this.gotoRequirement(rid)));
  }

  private renderHistory(): void {
    clear(this.historyEl);
    const cur = this.board?.assignment.version ?? 0;
    const vs = this.history.slice().sort((a, b) => b.version - a.version);
    if (!vs.length) this.historyEl.append(h("li", { class: "fg-empty" }, "No assignment saved yet."));
    for (const v of vs) this.historyEl.append(versionEl(this.names, v, cur));
  }

  private renderProposal(): void {
    clear(this.proposalHost);
    const p = this.proposal;
    if (!p || !this.board) {
      this.proposalHost.hidden = true;
      this.pledgesPanel.hidden = false;
      this.el.classList.remove("has-proposal");
      return;
    }
    const sectors = [...this.coverage().values()];
    this.proposalHost.append(
      proposalPanel(this.names, p, sectors, this.draft, this.proposalStale, this.applied, {
        onApply: (ids) => this.acceptSectors(ids),
        onClose: () => this.closeProposal(),
      }),
    );
    this.proposalHost.hidden = false;
    this.pledgesPanel.hidden = true;
    this.el.classList.add("has-proposal");
  }

  // ------------------------------------------------------------ navigation

  private reqLabel(reqId: string): string {
    const r = this.names.requirements.get(reqId);
    const s = r ? this.names.sectors.get(r.sector) : undefined;
    return r ? `${s ? shortSector(s.name) : "?"} (${capText(r.capability)})` : "another requirement";
  }

  private setHover(id: string | null): void {
    this.hover = id;
    this.map?.highlight(id, [...this.coverage().values()]);
  }

  private gotoSector(id: string): void {
    const el = this.sectorsEl.querySelector<HTMLElement>(`.fg-sector[data-sector-id="${id}"]`);
    if (!el) return;
    el.scrollIntoView({ block: "start", behavior: "smooth" });
    flash(el);
  }

  private gotoRequirement(id: string): void {
    const el = this.sectorsEl.querySelector<HTMLElement>(`.fg-req[data-req-id="${id}"]`);
    if (!el) return;
    el.scrollIntoView({ block: "center", behavior: "smooth" });
    flash(el);
  }
}

function flash(el: HTMLElement): void {
  el.classList.remove("is-flash");
  void el.offsetWidth;
  el.classList.add("is-flash");
  window.setTimeout(() => el.classList.remove("is-flash"), 1600);
}

/** How a sector lies: distance to the control line and to controlled areas. */
function geoText(s: FgSector): string {
  const parts: string[] = [];
  parts.push(s.line_km <= 0.05 ? "on the control line" : `${s.line_km.toFixed(1)} km from the control line`);
  for (const [party, km] of Object.entries(s.party_km ?? {})) parts.push(km <= 1 ? `borders ${party}'s area` : `${km.toFixed(1)} km from ${party}'s area`);
  return parts.join(" · ");
}
