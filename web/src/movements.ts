// The "Movements" view: the queue, the acknowledgement inbox, notified
// sites and the request form in the side panel; the movement detail (or
// the form's findings) beside the map; routes and findings on the map; and
// live updates from the stream.

import { api, type ApiError, type Movement, type RelayRequest, type SiteNotification, type StreamEvent } from "./api";
import { clear, h } from "./dom";
import type { LiveFeed } from "./live";
import { PURPOSE_LABEL, lbl, zRange } from "./mvcommon";
import type { MvContext } from "./mvctx";
import { MovementDetail } from "./mvdetail";
import { MovementForm } from "./mvform";
import { AckInbox } from "./mvinbox";
import { MovementQueue } from "./mvqueue";
import { SiteNotifications } from "./sitenotif";

type Tab = "movements" | "sites";

export class MovementsUI {
  readonly panel: HTMLElement;
  private tab: Tab = "movements";
  private active = false;
  private queue: MovementQueue;
  private inbox: AckInbox | null;
  private sites: SiteNotifications;
  private detail: MovementDetail;
  private form: MovementForm | null = null;
  private tabsView: HTMLElement;
  private formView: HTMLElement;
  private content: HTMLElement;
  private tabButtons = new Map<Tab, HTMLButtonElement>();
  private tabCounts = new Map<Tab, HTMLElement>();
  private movementsView!: HTMLElement;
  private timers: number[] = [];
  private detailSeq = 0;

  constructor(
    private ctx: MvContext,
    private feed: LiveFeed,
    /** Where the asides go (the stage body) and what they go before. */
    private stage: HTMLElement,
    private before: HTMLElement,
    private onBadge: (n: number, title: string) => void,
  ) {
    // Liaison officers see their acknowledgement requests above the queue;
    // the coordination center is never asked itself.
    const withInbox = ctx.canAck && ctx.session.party.kind !== "coordination";
    this.queue = new MovementQueue(ctx, (m) => this.selectMovement(m, true), !withInbox);
    this.inbox = withInbox
      ? new AckInbox(ctx, {
          onOpenDirect: (m) => this.openDetail(m, true),
          onAnswered: (m) => {
            if (m) this.changed(m);
          },
        })
      : null;
    this.sites = new SiteNotifications(ctx);
    this.detail = new MovementDetail(ctx, {
      onClose: () => this.closeDetail(),
      onEdit: (m) => this.openForm(m),
      onChanged: (m) => this.changed(m),
    });
    stage.insertBefore(this.detail.el, before);

    this.queue.onCount = () => this.counts();
    if (this.inbox) this.inbox.onCount = () => this.counts();
    this.sites.onChange = () => {
      ctx.overlay.setNotified(this.sites.items, ctx.party);
      this.counts();
    };
    ctx.overlay.onNotifiedPick = (id) => {
      this.onRequestView?.();
      this.showTab("sites");
      this.sites.highlight(id);
    };

    const tabBtn = (t: Tab, text: string, title: string) => {
      const count = h("span", { class: "tab-count" });
      const b = h("button", { type: "button", role: "tab", class: "mv-tab", id: `mv-tab-${t}`, "data-tab": t, title, "aria-selected": "false" }, text, count);
      b.addEventListener("click", () => this.showTab(t));
      this.tabButtons.set(t, b);
      this.tabCounts.set(t, count);
      return b;
    };
    const newBtn = ctx.canWrite ? h("button", { id: "mv-new", type: "button", class: "btn btn-primary btn-small", title: "Notify a humanitarian movement" }, "+ New movement") : null;
    newBtn?.addEventListener("click", () => this.openForm(null));
    this.content = h("div", { class: "mv-content" });
    this.tabsView = h(
      "div",
      { class: "mv-tabs-view" },
      h(
        "div",
        { class: "mv-tabbar" },
        h(
          "div",
          { class: "mv-tabs", role: "tablist", "aria-label": "Movements" },
          tabBtn("movements", "Movements", "Movement requests: acknowledgements asked of your party, and the queue"),
          tabBtn("sites", "Notified sites", "Humanitarian sites notified for protection"),
        ),
        newBtn,
      ),
      this.content,
    );
    this.formView = h("div", { class: "mv-form-view", hidden: true });
    this.panel = h("section", { id: "mv-panel", class: "panel mv-panel", "aria-label": "Movements" }, this.tabsView, this.formView);
    this.movementsView = h("div", { class: "mv-stack" }, this.inbox?.el ?? null, this.queue.el);
    this.showTab("movements");

    void this.queue.load();
    void this.inbox?.load();
    void this.sites.load();
    // Relative times ("in 2 d", "expires in …") move on.
    this.timers.push(
      window.setInterval(() => {
        this.queue.render();
        // Re-drawn, not re-read: every read of a notified site is logged
        // as a disclosure, and the stream keeps the list current.
        this.sites.refresh();
        this.ctx.overlay.setNotified(this.sites.items, this.ctx.party);
      }, 60_000),
    );
  }

  /** Asks the app to show the movements view (set by the app). */
  onRequestView: (() => void) | null = null;

  destroy(): void {
    for (const t of this.timers) window.clearInterval(t);
    this.form?.destroy();
    this.inbox?.destroy();
    this.sites.destroy();
    this.ctx.setHook(null);
  }

  isDetailOpen(): boolean {
    return !!this.detail.id;
  }

  isFormOpen(): boolean {
    return !!this.form;
  }

  /** The view was shown (true) or left for the map view. */
  setActive(on: boolean): void {
    const was = this.active;
    this.active = on;
    this.ctx.overlay.setShown(on);
    // A relayed party hears of new requests but not of closed ones: look
    // again when the officer comes back to the view.
    if (on && !was) this.inbox?.reloadSoon();
    if (this.form) this.form.setActive(on);
    this.sites.setActive(on && !this.form && this.tab === "sites");
    if (on && !this.form) this.detail.redraw();
  }

  showTab(t: Tab): void {
    this.tab = t;
    for (const [k, b] of this.tabButtons) {
      b.classList.toggle("is-on", k === t);
      b.setAttribute("aria-selected", String(k === t));
    }
    clear(this.content);
    this.content.append(t === "movements" ? this.movementsView : this.sites.el);
    // The movement detail belongs to the movements tab.
    document.body.classList.toggle("mv-tab-sites", t === "sites");
    this.ctx.overlay.setContextShown(t !== "sites");
    this.sites.setActive(this.active && !this.form && t === "sites");
  }

  private counts(): void {
    const pending = this.inbox?.pending() ?? 0;
    const awaiting = this.ctx.isCMCC ? this.queue.awaitingCMCC() : 0;
    const active = this.sites.items.filter((n) => n.status === "active").length;
    const set = (t: Tab, n: number, cls = "") => {
      const el = this.tabCounts.get(t);
      if (!el) return;
      el.textContent = n ? String(n) : "";
      el.className = `tab-count${cls && n ? ` ${cls}` : ""}`;
    };
    set("movements", pending + awaiting, "is-alert");
    set("sites", active);
    const qc = document.getElementById("mv-queue-count");
    if (qc) qc.textContent = String(this.queue.movements.length);
    const parts: string[] = [];
    if (pending) parts.push(`${pending} acknowledgement${pending === 1 ? "" : "s"} pending`);
    if (awaiting) parts.push(`${awaiting} awaiting the coordination center`);
    this.onBadge(pending + awaiting, parts.join(" · "));
  }

  // ------------------------------------------------------------ detail

  private selectMovement(m: Movement, fresh: boolean): void {
    this.openDetail(m, fresh);
  }

  private openDetail(m: Movement, fresh: boolean): void {
    if (this.form) {
      this.ctx.notice("Close the movement form first.", "info");
      return;
    }
    this.queue.select(m.id);
    this.inbox?.select(null);
    this.ctx.closeFeatureDetails();
    this.detail.show(m, fresh);
  }

  private closeDetail(): void {
    this.detail.close();
    this.queue.select(null);
    this.inbox?.select(null);
    this.ctx.overlay.clearContext();
    this.ctx.overlay.clearFindings();
  }

  /** Esc: closes the detail. */
  escape(): boolean {
    if (this.detail.id && !this.form) {
      this.closeDetail();
      return true;
    }
    return false;
  }

  /** A step succeeded or an answer was recorded: m is the movement now. */
  private changed(m: Movement): void {
    this.queue.upsert(m);
    if (this.detail.id === m.id) this.detail.show(m, false);
    this.inbox?.reloadSoon();
  }

  /** Opens a movement by id (from the live feed). */
  async open(id: string, ref: string): Promise<void> {
    if (ref === "relay") {
      this.showTab("movements");
      this.inbox?.select(id);
      return;
    }
    if (ref === "notification") {
      this.showTab("sites");
      this.sites.highlight(id);
      return;
    }
    let m = this.queue.get(id);
    if (!m) {
      try {
        m = await api.movement(id);
      } catch (e) {
        this.ctx.notice(`That movement cannot be opened: ${(e as ApiError).message}`, "info");
        return;
      }
    }
    this.showTab("movements");
    this.openDetail(m, true);
  }

  // ------------------------------------------------------------ form

  private openForm(editing: Movement | null): void {
    if (!this.ctx.canWrite) return;
    if (this.form) this.closeForm();
    this.detail.close();
    this.queue.select(null);
    this.inbox?.select(null);
    this.sites.setActive(false);
    this.ctx.overlay.clearContext();
    this.ctx.overlay.clearFindings();
    const form = new MovementForm(this.ctx, editing, {
      onClose: () => this.closeForm(editing),
      onSaved: (m, created) => this.saved(m, created),
    });
    this.form = form;
    clear(this.formView);
    this.formView.append(form.panel);
    this.formView.hidden = false;
    this.tabsView.hidden = true;
    const snap = this.ctx.mm.snapshotView();
    this.stage.insertBefore(form.side, this.before);
    document.body.classList.add("mv-form-open");
    if (this.active && !editing) this.ctx.mm.restoreView(snap);
    form.setActive(this.active);
    if (editing) this.ctx.overlay.fitLines([editing.route]);
  }

  private closeForm(reopen?: Movement | null): void {
    const f = this.form;
    if (!f) return;
    this.form = null;
    f.destroy();
    f.side.remove();
    clear(this.formView);
    this.formView.hidden = true;
    this.tabsView.hidden = false;
    document.body.classList.remove("mv-form-open");
    this.showTab(this.tab);
    if (reopen) {
      const cur = this.queue.get(reopen.id) ?? reopen;
      this.openDetail(cur, false);
    }
  }

  private saved(m: Movement, created: boolean): void {
    this.closeForm();
    this.queue.upsert(m);
    this.showTab("movements");
    this.openDetail(m, true);
    this.ctx.notice(
      created
        ? `${m.reference} notified. The coordination center transmits it to the parties concerned; no route is declared safe.`
        : `${m.reference} changed (version ${m.version}). Parties whose concern changed are asked again.`,
      "info",
    );
  }

  // ------------------------------------------------------------ live

  reload(): void {
    void this.queue.load();
    void this.inbox?.load();
    void this.sites.load();
  }

  /** A stream event of kind movement, relay or site_notification. */
  onEvent(type: string, ev: StreamEvent<unknown>): void {
    const dot = type.indexOf(".");
    const kind = type.slice(0, dot);
    const verb = type.slice(dot + 1);
    const party = ev.actor_party ?? "";
    const color = this.ctx.dir.parties.get(party)?.color ?? "#888";
    if (kind === "movement") {
      const m = ev.data as Movement | undefined;
      if (verb === "withdrawn" || !m || typeof m !== "object") {
        const held = this.queue.get(ev.record_id);
        this.feed.add({ at: ev.at, party, partyColor: color, verb, name: held?.reference ?? "(movement no longer visible)", id: ev.record_id, ref: "movement" });
        this.queue.remove(ev.record_id);
        if (this.detail.id === ev.record_id) {
          this.closeDetail();
          this.ctx.notice("The selected movement was withdrawn from your view.", "info");
        }
        this.inbox?.reloadSoon();
        return;
      }
      if (!m.id) m.id = ev.record_id;
      m.banner = ev.marking?.banner ?? m.banner ?? "";
      this.feed.add({ at: ev.at, party, partyColor: color, verb, name: `${m.reference} · ${lbl(PURPOSE_LABEL, m.purpose)}`, id: m.id, ref: "movement" });
      this.queue.upsert(m);
      if (this.detail.id === m.id) void this.refreshDetail(m);
      if (this.inbox && ((m.acks ?? []).some((a) => a.party === this.ctx.party) || this.inbox.has(m.id))) this.inbox.reloadSoon();
      return;
    }
    if (kind === "relay") {
      const r = ev.data as RelayRequest | undefined;
      if (!r) return;
      const mine = r.party === this.ctx.party;
      // The same event tells of the request and, later, of the answer.
      const verb2 = r.state === "pending" ? (mine ? "asked" : `asked ${r.party}`) : mine ? r.state : `${r.party} ${r.state}`;
      this.feed.add({
        at: ev.at,
        party,
        partyColor: color,
        verb: verb2,
        name: `Relayed request · ${zRange(r.from, r.to)}`,
        id: r.reference,
        ref: "relay",
      });
      if (mine) this.inbox?.reloadSoon();
      return;
    }
    if (kind === "site_notification") {
      const n = ev.data as SiteNotification | undefined;
      const held = this.sites.items.find((x) => x.id === ev.record_id);
      this.feed.add({ at: ev.at, party, partyColor: color, verb, name: n?.name ?? held?.name ?? "(notified site)", id: ev.record_id, ref: "notification" });
      if (!n || typeof n !== "object") {
        this.sites.remove(ev.record_id);
        return;
      }
      if (!n.id) n.id = ev.record_id;
      n.banner = ev.marking?.banner ?? n.banner ?? "";
      this.sites.upsert(n);
      // Expiry alerts the owner: the site is no longer notified.
      if (verb === "expired" && n.marking?.owner === this.ctx.party)
        this.ctx.notice(`Your notified site “${n.name}” has expired: the parties are no longer told of it until you reconfirm it (Movements → Notified sites).`, "error");
    }
  }

  /** Re-reads the open movement as this viewer sees it (live update). */
  private async refreshDetail(m: Movement): Promise<void> {
    const seq = ++this.detailSeq;
    let cur = m;
    try {
      cur = await api.movement(m.id);
    } catch {
      /* keep the event's copy */
    }
    if (seq !== this.detailSeq || this.detail.id !== m.id) return;
    this.detail.show(cur, false);
    if (this.active) this.detail.redraw();
  }
}
