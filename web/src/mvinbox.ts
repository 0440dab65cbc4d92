// The acknowledgement inbox of a party's liaison officers: the movements
// the party is asked to acknowledge — in full when the party may see them,
// and as sanitized requests relayed by the coordination center when the
// owner's release policy keeps the movement from it.

import { api, type Ack, type ApiError, type Movement, type RelayRequest } from "./api";
import { append, clear, h, type Child } from "./dom";
import { zShort } from "./format";
import { PURPOSE_LABEL, ackStateBadge, emergencyBadge, lbl, partyChip, relative, safetyNotice, statusBadge, zRange } from "./mvcommon";
import type { MvContext } from "./mvctx";

export const RELAY_LABEL = "Relayed by the coordination center — the requesting organisation is not disclosed";

export class AckInbox {
  readonly el: HTMLElement;
  private direct: Movement[] = [];
  private relayed: RelayRequest[] = [];
  private host: HTMLElement;
  private selected: string | null = null;
  private loadSeq = 0;
  private loaded = false;
  private error = "";
  /** Reasons typed but not sent survive a live refresh. */
  private drafts = new Map<string, string>();
  private timer = 0;
  private countEl: HTMLElement;
  onCount: (() => void) | null = null;

  constructor(
    private ctx: MvContext,
    private cb: { onOpenDirect: (m: Movement) => void; onAnswered: (m: Movement | null) => void },
  ) {
    this.host = h("div", { class: "mv-inbox-items", "aria-live": "polite" });
    this.countEl = h("span", { class: "count" });
    const intro = h(
      "p",
      { class: "mv-intro" },
      "Acknowledging says your party has been informed and has no objection to the movement passing; to object, give the reason.",
    );
    this.el = h(
      "section",
      { id: "mv-inbox", class: "mv-inbox", "aria-label": "Acknowledgement requests" },
      safetyNotice(),
      h("h3", { class: "mv-sec-title" }, `Acknowledgement requests to ${ctx.party}`, this.countEl),
      intro,
      this.host,
    );
    this.render();
  }

  /** Open requests the party has not answered. */
  pending(): number {
    const mine = (m: Movement) => (m.acks ?? []).find((a) => a.party === this.ctx.party);
    return this.direct.filter((m) => mine(m)?.state === "pending").length + this.relayed.filter((r) => r.status === "open" && r.state === "pending").length;
  }

  has(id: string): boolean {
    return this.direct.some((m) => m.id === id) || this.relayed.some((r) => r.reference === id);
  }

  /** Reloads soon (coalescing bursts of live events). */
  reloadSoon(): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), 250);
  }

  async load(): Promise<void> {
    const seq = ++this.loadSeq;
    try {
      const r = await api.acks();
      if (seq !== this.loadSeq) return;
      this.direct = r.direct ?? [];
      this.relayed = r.relayed ?? [];
      this.error = "";
      this.loaded = true;
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.error = (e as ApiError).message;
    }
    this.render();
    this.onCount?.();
  }

  destroy(): void {
    window.clearTimeout(this.timer);
    this.loadSeq++;
  }

  /** Marks (and draws) an item. */
  select(id: string | null): void {
    this.selected = id;
    for (const el of this.host.querySelectorAll<HTMLElement>("[data-ack-reference]")) el.classList.toggle("is-selected", el.dataset.ackReference === id);
    if (!id) return;
    const r = this.relayed.find((x) => x.reference === id);
    if (r) {
      this.ctx.overlay.showRelayParts(r.route ?? [], `Relayed request · ${zRange(r.from, r.to)}`);
      this.ctx.overlay.clearFindings();
      this.ctx.overlay.fitLines(r.route ?? [], [80, 80], 12.5);
    }
  }

  private render(): void {
    // Keep typed reasons.
    for (const ta of this.host.querySelectorAll<HTMLTextAreaElement>("textarea.ack-reason")) {
      const ref = ta.closest<HTMLElement>("[data-ack-reference]")?.dataset.ackReference;
      if (ref) this.drafts.set(ref, ta.value);
    }
    clear(this.host);
    if (this.error) this.host.append(h("div", { class: "form-error" }, `Could not load the requests: ${this.error}`));
    if (!this.loaded && !this.error) {
      this.host.append(h("p", { class: "muted" }, "Loading requests…"));
      return;
    }
    // One list, open requests first, the most recently asked first.
    type Row = { asked: number; pending: boolean; el: () => HTMLElement };
    const rows: Row[] = [
      ...this.direct.map((m) => {
        const a = this.myAck(m);
        return { asked: Date.parse(a?.asked ?? "") || 0, pending: a?.state === "pending", el: () => this.directItem(m) };
      }),
      ...this.relayed.map((r) => ({ asked: Date.parse(r.asked) || 0, pending: r.state === "pending" && r.status === "open", el: () => this.relayItem(r) })),
    ].sort((a, b) => Number(b.pending) - Number(a.pending) || b.asked - a.asked);
    const pending = this.pending();
    this.countEl.textContent = pending ? `${pending} pending` : "";
    if (!rows.length) {
      this.host.append(h("p", { class: "muted mv-inbox-empty" }, `No open requests for ${this.ctx.party}.`));
      return;
    }
    append(this.host, rows.map((r) => r.el()));
  }

  private myAck(m: Movement): Ack | undefined {
    return (m.acks ?? []).find((a) => a.party === this.ctx.party);
  }

  private directItem(m: Movement): HTMLElement {
    const a = this.myAck(m);
    const item = h(
      "article",
      { class: `ack-item direct${m.id === this.selected ? " is-selected" : ""}${a?.state === "pending" ? " is-pending" : ""}`, "data-ack-reference": m.id, tabindex: 0 },
      h(
        "header",
        { class: "ack-item-head" },
        h("span", { class: "mv-ref mono" }, m.reference),
        m.emergency ? emergencyBadge() : null,
        statusBadge(m.status),
        h("span", { class: "topbar-spacer" }),
        a ? ackStateBadge(a.state) : null,
      ),
      h(
        "dl",
        { class: "kv ack-kv" },
        h("dt", null, "Organisation"),
        h("dd", null, partyChip(m.marking?.owner, this.ctx.dir.parties, true)),
        h("dt", null, "Purpose"),
        h("dd", null, `${lbl(PURPOSE_LABEL, m.purpose)} · ${(m.vehicles ?? []).length} vehicles · ${m.personnel} people`),
        h("dt", null, "Movement"),
        h("dd", null, zRange(m.depart, m.arrive)),
        a ? [h("dt", null, "In your area"), h("dd", null, h("b", null, zRange(a.from, a.to)))] : null,
        a ? [h("dt", null, "Asked"), h("dd", null, `${zShort(a.asked)} · ${relative(a.asked)}`)] : null,
      ),
      a ? this.why(a.why) : null,
      a ? this.answered(a.state, a.reason, a.at, a.by) : null,
      this.answerBox(m.id, a?.state ?? "pending", true),
    );
    item.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest("button, textarea, a, summary")) return;
      this.select(m.id);
      this.cb.onOpenDirect(m);
    });
    return item;
  }

  private relayItem(r: RelayRequest): HTMLElement {
    const open = r.status === "open";
    const item = h(
      "article",
      { class: `ack-item relayed${r.reference === this.selected ? " is-selected" : ""}${r.state === "pending" && open ? " is-pending" : ""}`, "data-ack-reference": r.reference, tabindex: 0 },
      h("div", { class: "relay-label" }, RELAY_LABEL),
      h(
        "header",
        { class: "ack-item-head" },
        h("span", { class: "relay-title" }, "Movement request"),
        r.emergency ? emergencyBadge() : null,
        h("span", { class: `relay-status rs-${r.status}` }, r.status),
        h("span", { class: "topbar-spacer" }),
        ackStateBadge(r.state),
      ),
      h(
        "dl",
        { class: "kv ack-kv" },
        h("dt", null, "Reference"),
        h("dd", { class: "mono small" }, r.reference),
        h("dt", null, "Addressed to"),
        h("dd", null, partyChip(r.party, this.ctx.dir.parties, true)),
        h("dt", null, "When"),
        h("dd", null, h("b", null, zRange(r.from, r.to))),
        h("dt", null, "Vehicles"),
        h("dd", null, String(r.vehicles)),
        h("dt", null, "Route"),
        h("dd", null, `${(r.route ?? []).length} part${(r.route ?? []).length === 1 ? "" : "s"} of concern to ${r.party} (shown on the map)`),
        h("dt", null, "Asked"),
        h("dd", null, `${zShort(r.asked)} · ${relative(r.asked)}`),
      ),
      this.why(r.why),
      open ? this.answerBox(r.reference, r.state, false) : h("p", { class: "muted" }, "The request is closed."),
    );
    item.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest("button, textarea, a, summary")) return;
      this.select(r.reference);
    });
    return item;
  }

  private why(list: string[] | null | undefined): Child {
    const w = list ?? [];
    if (!w.length) return null;
    return h("div", { class: "ack-why" }, h("div", { class: "ack-why-title" }, "Why your party is asked"), h("ul", null, w.map((x) => h("li", null, x))));
  }

  private answered(state: string, reason?: string, at?: string, by?: string): Child {
    if (state === "pending") return null;
    return h(
      "div",
      { class: `ack-current ack-${state}` },
      `Your party ${state === "acknowledged" ? "acknowledged" : "objected"}`,
      at ? ` ${zShort(at)}` : "",
      by ? ` (${by})` : "",
      reason ? [": ", h("q", null, reason)] : ".",
    );
  }

  private answerBox(ref: string, state: string, direct: boolean): HTMLElement {
    const ta = h("textarea", {
      class: "ack-reason",
      rows: 2,
      maxlength: 2000,
      placeholder: "Comment — required to object (e.g. “active operations 02:00–04:00Z; use the coastal road”)",
      "aria-label": "Reason or comment",
    });
    ta.value = this.drafts.get(ref) ?? "";
    const err = h("div", { class: "form-error", role: "alert", hidden: true });
    const ack = h("button", { type: "button", class: `btn btn-small ack-acknowledge${state === "acknowledged" ? " is-current" : ""}` }, state === "acknowledged" ? "✓ Acknowledged" : "Acknowledge");
    const obj = h("button", { type: "button", class: `btn btn-small ack-object${state === "objected" ? " is-current" : ""}` }, state === "objected" ? "Objected" : "Object");
    if (state !== "pending") {
      ack.title = "Change your party's answer to acknowledge";
      obj.title = "Change your party's answer to object";
    }
    const send = async (decision: "acknowledge" | "object") => {
      const reason = ta.value.trim();
      err.hidden = true;
      if (decision === "object" && !reason) {
        err.textContent = "An objection needs a reason: say what the party objects to and, if possible, what would work instead.";
        err.hidden = false;
        ta.focus();
        return;
      }
      ack.disabled = obj.disabled = true;
      try {
        const out = await api.acknowledge(ref, decision, reason);
        this.drafts.delete(ref);
        ta.value = "";
        this.cb.onAnswered(direct && "id" in out ? (out as Movement) : null);
        this.ctx.notice(decision === "acknowledge" ? "Acknowledgement recorded." : "Objection recorded.", "info");
        await this.load();
      } catch (e) {
        err.textContent = (e as ApiError).message;
        err.hidden = false;
      } finally {
        ack.disabled = obj.disabled = false;
      }
    };
    ack.addEventListener("click", () => void send("acknowledge"));
    obj.addEventListener("click", () => void send("object"));
    return h("div", { class: "ack-answer" }, ta, err, h("div", { class: "ack-buttons" }, ack, obj));
  }
}
