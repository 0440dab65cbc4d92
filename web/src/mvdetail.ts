// The movement detail panel: marking banner, status, the plan, the
// coordination center's decision, every party's acknowledgement, the
// findings, and the timeline of the request; with the workflow actions
// the viewer may take.

import { api, type ApiError, type Movement, type MovementVersion } from "./api";
import { bannerClass } from "./details";
import { clear, h, type Child } from "./dom";
import { duration, parseTime, zShort } from "./format";
import {
  MV_STATUS_LABEL,
  OPEN_STATUSES,
  OUTCOMES,
  PURPOSE_LABEL,
  SEVERITIES,
  SEVERITY_LABEL,
  ackStateBadge,
  earliestBlock,
  emergencyBadge,
  findingsList,
  lbl,
  lineKm,
  markFinding,
  partyChip,
  relative,
  safetyNotice,
  severityCounts,
  statusBadge,
} from "./mvcommon";
import type { MvContext } from "./mvctx";

export interface DetailCallbacks {
  onClose: () => void;
  onEdit: (m: Movement) => void;
  /** A workflow step succeeded: the movement as it now is. */
  onChanged: (m: Movement) => void;
}

const OUTCOME_HINT: Record<string, string> = {
  facilitated: "Cleared as planned. Needs every acknowledgement and no blocking finding.",
  partially_facilitated: "Cleared with restrictions (e.g. part of the route or cargo). Give the reason.",
  impeded: "Cleared but delayed on the way: record each delay (minutes and reason).",
  denied: "Not cleared; the request ends. Give the reason.",
  postponed: "Not cleared for this window; the owner may change the plan and submit it again. Give the reason.",
};

const NEXT_STEP: Record<string, string> = {
  submitted: "Waiting for the coordination center to transmit the request to the parties concerned.",
  transmitted: "Transmitted: waiting for the parties to acknowledge.",
  acknowledged: "Every party asked has acknowledged: the coordination center decides.",
  facilitated: "Facilitated: the organisation starts the movement when it leaves.",
  partially_facilitated: "Partially facilitated: the organisation starts the movement when it leaves, within the restrictions.",
  impeded: "Impeded: cleared with delays; the organisation starts the movement when it leaves.",
  postponed: "Postponed: the organisation may change the plan, which submits it again.",
  in_progress: "Under way: the organisation marks it completed on arrival.",
  completed: "Completed.",
  cancelled: "Cancelled.",
  denied: "Denied by the coordination center.",
};

export class MovementDetail {
  readonly el: HTMLElement;
  private m: Movement | null = null;
  private historySeq = 0;
  private formOpen: "decide" | "cancel" | null = null;
  private actionsHost: HTMLElement | null = null;
  private busy = false;

  constructor(
    private ctx: MvContext,
    private cb: DetailCallbacks,
  ) {
    this.el = h("aside", { id: "mv-detail", class: "details mv-aside", "aria-label": "Movement details", hidden: true });
  }

  get id(): string | null {
    return this.m?.id ?? null;
  }

  get movement(): Movement | null {
    return this.m;
  }

  close(): void {
    this.m = null;
    this.formOpen = null;
    this.actionsHost = null;
    this.historySeq++;
    this.el.hidden = true;
    clear(this.el);
  }

  /**
   * Shows m. fresh: a new selection (draws and fits the route, reloads
   * the history); otherwise a live refresh of the same movement.
   */
  show(m: Movement, fresh: boolean): void {
    const same = this.m?.id === m.id;
    if (!same) {
      this.formOpen = null;
      this.actionsHost = null;
    }
    const statusChanged = !same || this.m?.status !== m.status;
    if (statusChanged) {
      this.formOpen = null;
      this.actionsHost = null;
    }
    const oldTimeline = same && !fresh ? this.el.querySelector("#mv-timeline") : null;
    this.m = m;
    clear(this.el);
    this.el.hidden = false;
    this.el.append(...this.render(m));
    const ov = this.ctx.overlay;
    ov.showRoute(m.route);
    ov.showFindings(m.findings ?? []);
    this.bindOverlay();
    if (fresh || !same) ov.fitLines([m.route]);
    // A live refresh keeps the timeline on screen until the new one is in.
    if (oldTimeline) this.el.querySelector("#mv-timeline")?.replaceWith(oldTimeline);
    void this.loadHistory(m);
  }

  /** Draws the open movement again (after a view switch). */
  redraw(): void {
    if (!this.m) return;
    this.ctx.overlay.showRoute(this.m.route);
    this.ctx.overlay.showFindings(this.m.findings ?? []);
    this.bindOverlay();
  }

  private bindOverlay(): void {
    const ov = this.ctx.overlay;
    ov.onFindingHover = (i) => {
      ov.highlight(i);
      markFinding(this.el.querySelector(".mv-findings"), i);
    };
    ov.onFindingPick = (i) => {
      this.el.querySelector(`.finding[data-finding-index="${i}"]`)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
    };
  }

  private render(m: Movement): Node[] {
    const ctx = this.ctx;
    const banner = m.banner || m.marking?.banner || "";
    const head = h("div", { class: `marking-banner ${bannerClass(banner)}` }, h("span", { id: "mv-detail-banner" }, banner || "UNMARKED"));
    const close = h("button", { class: "icon-btn", type: "button", title: "Close (Esc)", "aria-label": "Close movement details", onclick: () => this.cb.onClose() }, "✕");
    const header = h(
      "div",
      { class: "details-head" },
      h(
        "div",
        { class: "details-title" },
        h("div", { class: "details-kind" }, `Movement · ${lbl(PURPOSE_LABEL, m.purpose)}`),
        h("h2", { id: "mv-detail-ref" }, m.reference || m.id),
        h("div", { class: "mv-head-badges" }, statusBadge(m.status), m.emergency ? emergencyBadge() : null, partyChip(m.marking?.owner, ctx.dir.parties, true)),
      ),
      close,
    );

    const section = (t: string, ...c: Child[]) => h("section", { class: "details-section" }, h("h3", null, t), ...c);
    const fs = m.findings ?? [];
    const counts = severityCounts(fs);

    // The plan.
    const d = parseTime(m.depart);
    const a = parseTime(m.arrive);
    const coords = m.route?.coordinates ?? [];
    const siteNames = (m.sites ?? []).map((id) => ctx.feature(id)?.properties.name ?? id);
    const corridorNames = (m.corridors ?? []).map((id) => ctx.feature(id)?.properties.name ?? id);
    const plan = h(
      "dl",
      { class: "kv" },
      h("dt", null, "Organisation"),
      h("dd", null, partyChip(m.marking?.owner, ctx.dir.parties, true)),
      h("dt", null, "Purpose"),
      h("dd", null, lbl(PURPOSE_LABEL, m.purpose)),
      h("dt", null, "Departure"),
      h("dd", null, h("b", null, zShort(m.depart)), h("span", { class: "muted" }, ` · ${relative(m.depart)}`)),
      h("dt", null, "Arrival"),
      h("dd", null, h("b", null, zShort(m.arrive)), d && a ? h("span", { class: "muted" }, ` · ${duration(a.getTime() - d.getTime())} window`) : null),
      h("dt", null, "Route"),
      h("dd", null, `${lineKm(coords).toFixed(1)} km · ${coords.length} points`),
      siteNames.length ? [h("dt", null, "Via sites"), h("dd", null, siteNames.join(", "))] : null,
      corridorNames.length ? [h("dt", null, "Corridors"), h("dd", null, corridorNames.join(", "))] : null,
      h("dt", null, "Personnel"),
      h("dd", null, String(m.personnel ?? 0)),
      h("dt", null, "Vehicles"),
      h("dd", null, String((m.vehicles ?? []).length)),
      h("dt", null, "Submitted"),
      h("dd", null, zShort(m.submitted_at), h("span", { class: "muted" }, ` · ${relative(m.submitted_at)}`)),
    );

    // The decision.
    const dec = m.decision;
    const decision = dec
      ? section(
          "Decision",
          h(
            "dl",
            { class: "kv" },
            h("dt", null, "Outcome"),
            h("dd", null, statusBadge(dec.outcome, "mv-status-inline")),
            dec.reason ? [h("dt", null, "Reason"), h("dd", null, dec.reason)] : null,
            (dec.delays ?? []).length
              ? [h("dt", null, "Delays"), h("dd", null, h("ul", { class: "mv-delays" }, (dec.delays ?? []).map((x) => h("li", null, h("b", null, `${x.minutes} min`), ` — ${x.reason}`))))]
              : null,
            h("dt", null, "Recorded"),
            h("dd", null, `${zShort(dec.at)} by ${dec.by || "—"}`),
          ),
        )
      : null;

    // Acknowledgements.
    const acks = m.acks ?? [];
    const ackList = acks.length
      ? h(
          "ul",
          { class: "mv-acks" },
          acks.map((x) =>
            h(
              "li",
              { class: `mv-ack ack-${x.state}`, "data-party": x.party },
              h(
                "div",
                { class: "mv-ack-top" },
                partyChip(x.party, ctx.dir.parties, true),
                h(
                  "span",
                  { class: "mv-ack-badges" },
                  x.relayed ? h("span", { class: "tag-relayed", title: "The party may not see this movement: the coordination center relayed a sanitized request" }, "relayed") : null,
                  ackStateBadge(x.state),
                ),
              ),
              x.at || x.by ? h("div", { class: "mv-ack-when muted" }, x.at ? zShort(x.at) : "", x.by ? ` · ${x.by}` : "") : h("div", { class: "mv-ack-when muted" }, `asked ${zShort(x.asked)}`),
              x.reason ? h("div", { class: "mv-ack-reason" }, h("q", null, x.reason)) : null,
              (x.why ?? []).length ? h("details", { class: "mv-ack-why" }, h("summary", null, `Why ${x.party} is asked (${(x.why ?? []).length})`), h("ul", null, (x.why ?? []).map((w) => h("li", null, w)))) : null,
            ),
          ),
        )
      : h(
          "p",
          { class: "muted" },
          m.status === "submitted"
            ? `Not transmitted yet. ${counts.needs_acknowledgement ? "The coordination center will ask the parties concerned." : "No party needs to acknowledge according to the findings."}`
            : "No party needed to acknowledge.",
        );

    const findingsSec = section(
      `Findings (${fs.length})`,
      fs.length
        ? h(
            "div",
            { class: "mv-sev-summary" },
            SEVERITIES.map((s) => h("span", { class: `sev-chip sev-${s}${counts[s] ? "" : " is-zero"}` }, h("b", null, String(counts[s])), ` ${SEVERITY_LABEL[s].toLowerCase()}`)),
          )
        : null,
      earliestBlock(m.earliest),
      findingsList(fs, {
        id: "mv-findings",
        parties: ctx.dir.parties,
        onHover: (i) => this.ctx.overlay.highlight(i),
        onPick: (i) => this.ctx.overlay.reveal(i),
        empty: "No findings when last checked.",
      }),
    );

    const vehicles = (m.vehicles ?? []).length
      ? h(
          "table",
          { class: "mini-table" },
          h("thead", null, h("tr", null, h("th", null, "Plate"), h("th", null, "Type"), h("th", null, "Markings"))),
          h("tbody", null, (m.vehicles ?? []).map((v) => h("tr", null, h("td", { class: "mono" }, v.plate), h("td", null, v.type), h("td", null, v.markings || "—")))),
        )
      : h("p", { class: "muted" }, "No vehicles listed.");
    const contacts = (m.contacts ?? []).length
      ? h(
          "table",
          { class: "mini-table" },
          h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Phone"), h("th", null, "Radio"))),
          h("tbody", null, (m.contacts ?? []).map((c) => h("tr", null, h("td", null, c.name), h("td", { class: "mono" }, c.phone || "—"), h("td", null, c.radio || "—")))),
        )
      : h("p", { class: "muted" }, "No contacts listed.");

    if (!this.actionsHost || !this.formOpen) this.actionsHost = this.renderActions(m);

    const record = h(
      "dl",
      { class: "kv" },
      h("dt", null, "Version"),
      h("dd", null, String(m.version)),
      h("dt", null, "Last changed"),
      h("dd", null, zShort(m.updated_at), m.updated_by ? [" by ", h("b", null, m.updated_by)] : null, m.updated_by_party ? [" · ", partyChip(m.updated_by_party, ctx.dir.parties)] : null),
      h("dt", null, "Record id"),
      h("dd", { class: "mono small" }, m.id),
    );

    return [
      head,
      header,
      h(
        "div",
        { class: "details-body" },
        safetyNotice(),
        this.actionsHost,
        section("Plan", plan),
        decision,
        section(`Acknowledgements${acks.length ? ` (${acks.filter((x) => x.state === "acknowledged").length}/${acks.length})` : ""}`, ackList),
        section("Timeline", h("ol", { id: "mv-timeline", class: "mv-timeline", "aria-busy": "true" }, h("li", { class: "muted" }, "Loading the timeline…"))),
        findingsSec,
        section("Vehicles", vehicles),
        section("Contacts", contacts),
        m.notes ? section("Notes", h("p", { class: "mv-notes" }, m.notes)) : null,
        section("Record", record),
      ),
    ];
  }

  // ------------------------------------------------------------ actions

  private renderActions(m: Movement): HTMLElement {
    const ctx = this.ctx;
    const st = m.status;
    const own = m.marking?.owner === ctx.party && ctx.canWrite;
    const cm = ctx.isCMCC;
    const host = h("div", { class: "mv-actions-wrap" });
    const err = h("div", { class: "form-error mv-action-error", role: "alert", hidden: true });
    const btns: HTMLElement[] = [];
    const btn = (id: string, text: string, cls: string, title: string, fn: () => void) => {
      const b = h("button", { id, type: "button", class: `btn btn-small ${cls}`, title }, text);
      b.addEventListener("click", fn);
      btns.push(b);
    };
    if (cm && st === "submitted")
      btn("mv-transmit", "Transmit to parties", "btn-primary", "Ask every party whose acknowledgement the findings need (relayed, sanitized, where the owner's policy excludes them)", () =>
        void this.step("transmit", undefined, err),
      );
    if (cm && (st === "transmitted" || st === "acknowledged")) btn("mv-decide", "Decide…", "btn-primary", "Record the coordination center's outcome", () => this.openForm("decide", host, err));
    if (own && ["facilitated", "partially_facilitated", "impeded"].includes(st))
      btn("mv-start", "Start movement", "btn-primary", "The convoy has left", () => void this.step("start", undefined, err));
    if (own && st === "in_progress") btn("mv-complete", "Mark completed", "btn-primary", "The convoy has arrived", () => void this.step("complete", undefined, err));
    if (own && ["submitted", "transmitted", "acknowledged", "postponed"].includes(st))
      btn("mv-edit", "Edit", "", "Change the plan; parties whose concern changes are asked again", () => this.cb.onEdit(m));
    if ((own || cm) && OPEN_STATUSES.includes(st)) btn("mv-cancel", "Cancel movement…", "btn-danger", "Withdraw the request (a reason is required)", () => this.openForm("cancel", host, err));

    const next = NEXT_STEP[st] ?? lbl(MV_STATUS_LABEL, st);
    const pending = (m.acks ?? []).filter((a) => a.state === "pending").map((a) => a.party);
    const objected = (m.acks ?? []).filter((a) => a.state === "objected").map((a) => a.party);
    let nextText = next;
    if (st === "transmitted" && pending.length) nextText = `Transmitted: waiting for ${pending.join(", ")} to acknowledge.`;
    if (objected.length && (st === "transmitted" || st === "acknowledged")) nextText += ` ${objected.join(", ")} objected.`;
    host.append(h("div", { class: `mv-next st-${st}` }, nextText));
    if (btns.length) host.append(h("div", { class: "mv-actions" }, btns));
    host.append(err);
    return host;
  }

  private openForm(kind: "decide" | "cancel", host: HTMLElement, err: HTMLElement): void {
    const m = this.m;
    if (!m) return;
    host.querySelector(".mv-inline-form")?.remove();
    err.hidden = true;
    this.formOpen = kind;
    const reason = h("textarea", { id: "mv-reason", rows: 2, maxlength: 2000, placeholder: kind === "cancel" ? "Why the movement is cancelled" : "Reason (shown to the organisation and the parties)" });
    const ferr = h("div", { class: "form-error", role: "alert", hidden: true });
    const discard = h("button", { type: "button", class: "btn btn-small" }, kind === "cancel" ? "Keep movement" : "Close");
    const close = () => {
      form.remove();
      this.formOpen = null;
    };
    discard.addEventListener("click", close);
    let form: HTMLElement;
    if (kind === "cancel") {
      const submit = h("button", { id: "mv-cancel-submit", type: "button", class: "btn btn-small btn-danger" }, "Cancel movement");
      submit.addEventListener("click", () => {
        const r = reason.value.trim();
        if (!r) return showErr(ferr, "A cancellation needs a reason.", reason);
        void this.step("cancel", { reason: r }, ferr);
      });
      form = h(
        "div",
        { class: "mv-inline-form", id: "mv-cancel-form" },
        h("h4", null, `Cancel ${m.reference}`),
        h("label", { for: "mv-reason" }, "Reason (required)"),
        reason,
        ferr,
        h("div", { class: "mv-inline-actions" }, discard, submit),
      );
    } else {
      const outcome = h("select", { id: "mv-outcome" }, OUTCOMES.map((o) => h("option", { value: o }, lbl(MV_STATUS_LABEL, o))));
      const blocking = (m.findings ?? []).some((f) => f.severity === "blocking");
      const allAcked = (m.acks ?? []).every((a) => a.state === "acknowledged");
      outcome.value = !blocking && allAcked ? "facilitated" : (m.acks ?? []).some((a) => a.state === "objected") ? "partially_facilitated" : "postponed";
      const hint = h("p", { class: "mv-hint" });
      const delays = h("div", { class: "mv-rows", id: "mv-delays" });
      const delaysWrap = h("div", { class: "mv-delays-wrap" });
      const addDelay = () => {
        const min = h("input", { type: "number", min: 1, max: 10080, step: 1, class: "mv-delay-minutes", placeholder: "min", "aria-label": "Delay in minutes" });
        const why = h("input", { type: "text", class: "mv-delay-reason", placeholder: "Reason, e.g. held at checkpoint", "aria-label": "Delay reason" });
        const rm = h("button", { type: "button", class: "icon-btn", "aria-label": "Remove delay", title: "Remove" }, "✕");
        const row = h("div", { class: "mv-row mv-d-grid" }, min, why, rm);
        rm.addEventListener("click", () => row.remove());
        delays.append(row);
        return min;
      };
      const addBtn = h("button", { id: "mv-delay-add", type: "button", class: "btn btn-small btn-add" }, "+ Add delay");
      addBtn.addEventListener("click", () => addDelay().focus());
      const delaysLabel = h("span", null, "Delays");
      delaysWrap.append(h("div", { class: "mv-subhead" }, delaysLabel, addBtn), delays);
      const warn = h("div", { class: "mv-decide-warn" });
      const sync = () => {
        const o = outcome.value;
        hint.textContent = OUTCOME_HINT[o] ?? "";
        const needsDelays = o === "impeded";
        delaysLabel.textContent = needsDelays ? "Delays (at least one)" : "Delays (optional)";
        if (needsDelays && !delays.children.length) addDelay();
        clear(warn);
        if (o === "facilitated" && (blocking || !allAcked))
          warn.append(
            blocking ? "This movement still has blocking findings. " : "",
            !allAcked ? "Not every party has acknowledged. " : "",
            "The server will refuse “facilitated”; consider partially facilitated, postponed or denied.",
          );
      };
      outcome.addEventListener("change", sync);
      const submit = h("button", { id: "mv-decide-submit", type: "button", class: "btn btn-small btn-primary" }, "Record decision");
      submit.addEventListener("click", () => {
        const o = outcome.value;
        const r = reason.value.trim();
        const ds = [...delays.querySelectorAll(".mv-row")]
          .map((row) => ({
            minutes: Number((row.querySelector(".mv-delay-minutes") as HTMLInputElement).value),
            reason: (row.querySelector(".mv-delay-reason") as HTMLInputElement).value.trim(),
          }))
          .filter((x) => x.minutes || x.reason);
        if ((o === "denied" || o === "postponed" || o === "partially_facilitated") && !r) return showErr(ferr, `A ${lbl(MV_STATUS_LABEL, o).toLowerCase()} outcome needs a reason.`, reason);
        if (ds.some((x) => !(x.minutes > 0 && x.minutes <= 10080) || !x.reason)) return showErr(ferr, "Each delay needs minutes (1 to 10080) and a reason.");
        if (o === "impeded" && !ds.length) return showErr(ferr, "An impeded movement needs at least one delay.");
        void this.step("decide", { outcome: o, reason: r, delays: ds }, ferr);
      });
      form = h(
        "div",
        { class: "mv-inline-form", id: "mv-decide-form" },
        h("h4", null, `Decision on ${m.reference}`),
        h("label", { for: "mv-outcome" }, "Outcome"),
        outcome,
        hint,
        warn,
        h("label", { for: "mv-reason" }, "Reason"),
        reason,
        delaysWrap,
        ferr,
        h("div", { class: "mv-inline-actions" }, discard, submit),
      );
      sync();
    }
    host.append(form);
    (kind === "cancel" ? reason : (form.querySelector("#mv-outcome") as HTMLElement)).focus();
  }

  private async step(step: string, body: Record<string, unknown> | undefined, err: HTMLElement): Promise<void> {
    const m = this.m;
    if (!m || this.busy) return;
    this.busy = true;
    err.hidden = true;
    for (const b of this.el.querySelectorAll<HTMLButtonElement>(".mv-actions-wrap button")) b.disabled = true;
    try {
      const out = await api.movementStep(m.id, step, body);
      this.formOpen = null;
      this.actionsHost = null;
      this.cb.onChanged(out);
    } catch (e) {
      const x = e as ApiError;
      const fields = x.fields.length ? ` (${x.fields.map((f) => `${f.field}: ${f.reason}`).join("; ")})` : "";
      showErr(err, `${cap(x.message)}${fields}`);
    } finally {
      this.busy = false;
      for (const b of this.el.querySelectorAll<HTMLButtonElement>(".mv-actions-wrap button")) b.disabled = false;
    }
  }

  // ------------------------------------------------------------ timeline

  async loadHistory(m: Movement): Promise<void> {
    const seq = ++this.historySeq;
    let versions: MovementVersion[];
    try {
      versions = (await api.movementHistory(m.id)).versions ?? [];
    } catch (e) {
      if (seq !== this.historySeq) return;
      const list = this.el.querySelector("#mv-timeline");
      if (list) {
        clear(list);
        list.append(h("li", { class: "error-text" }, `Timeline unavailable: ${(e as ApiError).message}`));
      }
      return;
    }
    if (seq !== this.historySeq || this.m?.id !== m.id) return;
    const list = this.el.querySelector("#mv-timeline");
    if (!list) return;
    clear(list);
    list.removeAttribute("aria-busy");
    const sorted = [...versions].sort((a, b) => a.version - b.version);
    // Parties answering through a relay deal with the center, not with the
    // owner: their officers are not named to other parties.
    const relayed = new Set((this.m?.acks ?? []).filter((a) => a.relayed).map((a) => a.party));
    for (const v of sorted) list.append(this.timelineEntry(v, relayed));
    if (!sorted.length) list.append(h("li", { class: "muted" }, "No history recorded."));
  }

  private timelineEntry(v: MovementVersion, relayed: Set<string>): HTMLElement {
    const data = v.data ?? null;
    const hide = !this.ctx.isCMCC && relayed.has(v.actor_party) && v.actor_party !== this.ctx.party;
    let extra: Child = null;
    if (data?.decision && v.verb === data.decision.outcome && data.decision.reason) extra = h("div", { class: "tl-note" }, h("q", null, data.decision.reason));
    if (v.verb === "acknowledged" && data) {
      const a = (data.acks ?? []).find((x) => x.party === v.actor_party);
      if (a) extra = h("div", { class: "tl-note" }, `${a.party} ${a.state}${a.reason ? `: “${a.reason}”` : ""}${a.relayed ? " (relayed)" : ""}`);
    }
    if (v.verb === "transmitted" && data) {
      const acks = data.acks ?? [];
      extra = h("div", { class: "tl-note" }, acks.length ? `Asked: ${acks.map((a) => `${a.party}${a.relayed ? " (relayed)" : ""}`).join(", ")}` : "No party needed to acknowledge.");
    }
    const bc = bannerClass(v.banner ?? "");
    return h(
      "li",
      { class: `timeline-entry verb-${v.verb}`, "data-version": v.version, "data-verb": v.verb },
      h("span", { class: "tl-dot", "aria-hidden": "true" }),
      h(
        "div",
        { class: "tl-body" },
        h("div", { class: "tl-head" }, h("span", { class: `tl-verb verb-${v.verb}` }, v.verb.replace(/_/g, " ")), h("span", { class: "tl-ver" }, `v${v.version}`), h("span", { class: "tl-at", title: v.at }, zShort(v.at))),
        h(
          "div",
          { class: "tl-who" },
          hide ? h("i", null, "relayed by the coordination center") : h("b", null, v.actor || "—"),
          v.actor_party ? [" · ", partyChip(v.actor_party, this.ctx.dir.parties)] : null,
        ),
        extra,
        h("div", { class: `tl-banner ${bc}` }, v.banner || "UNMARKED"),
      ),
    );
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function showErr(el: HTMLElement, text: string, focus?: HTMLElement): void {
  el.textContent = text;
  el.hidden = false;
  focus?.focus();
}
