// The crossings on the aid dashboard: open or closed (and why), hours,
// daily capacity, inspection mode and what went through each in the
// range; one crossing's open/closed history below the strip, where the
// coordination center (or the crossing's operator) closes or reopens it
// with a reason.

import type { ApiError, Session } from "./api";
import { aidApi, type Crossing, type CrossingTotal } from "./aidapi";
import { MODE_LABEL, lbl, num } from "./aidfmt";
import { shortCrossing } from "./aidcharts";
import type { Directory } from "./details";
import { clear, h } from "./dom";
import { zShort } from "./format";
import { partyChip } from "./mvcommon";
import { rolesOf } from "./mvctx";

export interface CrossingsHost {
  session: Session;
  dir: Directory;
  /** Filters the dashboard by a crossing ("" for all). */
  filter: (id: string) => void;
  /** A crossing's status changed here: reload what depends on it. */
  changed: () => void;
}

/** Whether the viewer may open or close a crossing (the server's rule). */
export function mayOperate(s: Session, c: Crossing): boolean {
  const { canWrite, isCMCC } = rolesOf(s);
  return isCMCC || (s.party.code === c.operator && canWrite);
}

export class CrossingsPanel {
  readonly el: HTMLElement;
  private strip: HTMLElement;
  private detail: HTMLElement;
  private open = "";
  private crossings: Crossing[] = [];
  private totals = new Map<string, CrossingTotal>();
  private selected = "";
  private busy = false;

  constructor(private host: CrossingsHost) {
    this.strip = h("div", { class: "aid-xings", role: "list" });
    this.detail = h("div", { id: "aid-crossing-panel", class: "aid-xing-panel", hidden: true });
    this.el = h(
      "section",
      { id: "aid-crossings", class: "aid-panel aid-crossings", "aria-label": "Crossings" },
      h("div", { class: "aid-panel-head" }, h("h2", null, "Crossings", h("span", { class: "panel-hint" }, "status now · entered in the range"))),
      this.strip,
      this.detail,
    );
  }

  render(crossings: Crossing[], totals: Map<string, CrossingTotal>, selected: string): void {
    this.crossings = crossings;
    this.totals = totals;
    this.selected = selected;
    clear(this.strip);
    if (!crossings.length) this.strip.append(h("p", { class: "muted aid-pad" }, "No crossings are released to you."));
    for (const c of crossings) {
      const last = (c.history ?? [])[(c.history ?? []).length - 1];
      const t = totals.get(c.id);
      const expanded = c.id === this.open;
      const card = h(
        "article",
        {
          class: `aid-xing${c.open ? " is-open" : " is-closed"}${c.id === selected ? " is-filtered" : ""}${expanded ? " is-expanded" : ""}`,
          role: "button",
          tabindex: 0,
          "aria-expanded": String(expanded),
          "aria-controls": "aid-crossing-panel",
          "data-crossing-id": c.id,
          "data-open": String(c.open),
          "aria-label": `${c.name}: ${c.open ? "open" : "closed"}. Show its history`,
          title: `${c.name}: ${lbl(MODE_LABEL, c.inspection_mode)}, ${c.hours || "hours not set"}. Click for its open/closed history.`,
        },
        h(
          "header",
          { class: "aid-xing-head" },
          h("h3", null, shortCrossing(c.name)),
          h("span", { class: `aid-xing-status ${c.open ? "is-open" : "is-closed"}` }, c.open ? "Open" : "Closed"),
        ),
        h(
          "div",
          { class: "aid-xing-since", title: last ? `${last.open ? "Opened" : "Closed"} ${zShort(last.from)} by ${last.by}: ${last.reason}` : "" },
          last ? `${last.open ? "open since" : "closed"} ${zShort(last.from)}${!last.open && last.reason ? ` — ${last.reason}` : ""}` : "open, no closure recorded",
        ),
        h(
          "div",
          { class: "aid-xing-line" },
          h("b", { "data-entered": String(t?.entered.trucks ?? 0) }, num(t?.entered.trucks ?? 0)),
          " trucks in",
          h("span", { class: "muted" }, ` · cap. ${c.capacity_trucks ? `${num(c.capacity_trucks)}/day` : "not set"}`),
        ),
        h(
          "div",
          { class: "aid-xing-line" },
          h("b", { class: (t?.awaiting ?? 0) > 0 ? "is-waiting" : "" }, num(t?.awaiting ?? 0)),
          " awaiting · ",
          h("b", { class: c.held ? "is-held" : "", title: "Planned through it and not yet offloaded" }, num(c.pending)),
          c.held ? " held up" : " pending",
        ),
      );
      card.addEventListener("click", () => this.expand(expanded ? "" : c.id));
      card.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          this.expand(expanded ? "" : c.id);
        }
      });
      this.strip.append(card);
    }
    this.renderDetail();
  }

  private expand(id: string): void {
    this.open = id;
    this.render(this.crossings, this.totals, this.selected);
  }

  private renderDetail(): void {
    // A live reload re-renders the panel: keep what is being typed.
    const typing = this.detail.querySelector<HTMLInputElement>("#aid-xing-reason");
    const kept = typing && this.detail.dataset.crossingId === this.open ? { value: typing.value, focus: document.activeElement === typing } : null;
    clear(this.detail);
    const c = this.crossings.find((x) => x.id === this.open);
    this.detail.hidden = !c;
    if (!c) return;
    this.detail.dataset.crossingId = c.id;
    const hist = (c.history ?? []).slice().reverse();
    const on = c.id === this.selected;
    const only = h("button", { id: "aid-xing-filter", type: "button", class: "btn btn-small", title: on ? "Show every crossing" : "Filter the dashboard and the list by this crossing" }, on ? "Show every crossing" : "Only this crossing");
    only.addEventListener("click", () => this.host.filter(on ? "" : c.id));
    this.detail.append(
      h(
        "div",
        { class: "aid-xing-panel-head" },
        h("h3", null, `${c.name} — open/closed history`),
        only,
      ),
      h(
        "p",
        { class: "aid-xing-meta" },
        "Operated by ",
        partyChip(c.operator, this.host.dir.parties, true),
        ` · ${lbl(MODE_LABEL, c.inspection_mode)} · hours ${c.hours || "not set"} · capacity ${c.capacity_trucks ? `${num(c.capacity_trucks)} trucks/day` : "not set"}`,
      ),
      hist.length
        ? h(
            "table",
            { class: "aid-table aid-xing-history" },
            h("thead", null, h("tr", null, h("th", null, "State"), h("th", null, "From"), h("th", null, "Reason"), h("th", null, "By"))),
            h(
              "tbody",
              null,
              hist.map((s) =>
                h(
                  "tr",
                  { class: s.open ? "is-open" : "is-closed" },
                  h("td", null, h("span", { class: `aid-xing-status ${s.open ? "is-open" : "is-closed"}` }, s.open ? "Opened" : "Closed")),
                  h("td", { class: "nowrap" }, zShort(s.from)),
                  h("td", null, s.reason || "—"),
                  h("td", null, s.by),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "No opening or closure recorded: open since operations began."),
      mayOperate(this.host.session, c) ? this.toggleForm(c) : "",
    );
    const reason = this.detail.querySelector<HTMLInputElement>("#aid-xing-reason");
    if (reason && kept) {
      reason.value = kept.value;
      if (kept.focus) reason.focus();
    }
  }

  private toggleForm(c: Crossing): HTMLElement {
    const reason = h("input", { id: "aid-xing-reason", type: "text", maxlength: 500, required: true, placeholder: c.open ? "e.g. security incident at the gate" : "e.g. reopened after repairs" });
    const btn = h("button", { id: "aid-xing-toggle", type: "submit", class: `btn ${c.open ? "btn-danger" : "btn-primary"}` }, c.open ? "Close crossing" : "Reopen crossing");
    const err = h("div", { id: "aid-xing-error", class: "aid-error", role: "alert", hidden: true });
    const form = h(
      "form",
      { class: "aid-xing-form", novalidate: true, "aria-label": c.open ? "Close the crossing" : "Reopen the crossing" },
      h("label", { for: "aid-xing-reason" }, c.open ? "Reason for closing" : "Reason for reopening"),
      reason,
      btn,
      err,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (this.busy) return;
      if (!reason.value.trim()) {
        err.textContent = `${c.open ? "Closing" : "Reopening"} a crossing needs a reason: it is kept in the crossing's history and shown on the consignments it holds up.`;
        err.hidden = false;
        reason.focus();
        return;
      }
      this.busy = true;
      btn.disabled = true;
      err.hidden = true;
      try {
        await aidApi.setCrossing(c.id, {
          hours: c.hours,
          capacity_trucks: c.capacity_trucks,
          inspection_mode: c.inspection_mode,
          open: !c.open,
          reason: reason.value.trim(),
          version: c.version,
        });
        reason.value = "";
        this.host.changed();
      } catch (ex) {
        err.textContent = (ex as ApiError).message;
        err.hidden = false;
        btn.disabled = false;
      } finally {
        this.busy = false;
      }
    });
    return form;
  }
}
