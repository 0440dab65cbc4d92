// Notified humanitarian sites: the list the viewer may see, a form to
// notify a site (point picked on the map), and the owner's reconfirm and
// withdraw actions with the log of who received the notification.

import * as L from "leaflet";
import { api, type ApiError, type SiteNotification } from "./api";
import { bannerClass } from "./details";
import { clear, h, svg } from "./dom";
import { duration, zShort } from "./format";
import { CATEGORY_LABEL, NOTIFICATION_CATEGORIES, lbl, partyChip, relative } from "./mvcommon";
import type { MvContext } from "./mvctx";
import { protectedSymbol } from "./mvmap";
import { MarkingPicker } from "./mvmarking";

const SITE_NOTICE = "Notifying a site informs the parties that must know it, so that they protect it. It is not a guarantee of safety, and it lapses unless reconfirmed.";

export class SiteNotifications {
  readonly el: HTMLElement;
  private list: SiteNotification[] = [];
  private host: HTMLElement;
  private formHost: HTMLElement;
  private loaded = false;
  private error = "";
  private loadSeq = 0;
  private picking = false;
  private pickAt: L.LatLng | null = null;
  private marking: MarkingPicker | null = null;
  private openDisclosures = new Set<string>();
  private highlighted: string | null = null;
  onChange: (() => void) | null = null;

  constructor(private ctx: MvContext) {
    this.host = h("ul", { id: "sn-list", class: "sn-list" });
    this.formHost = h("div", { class: "sn-form-host" });
    const add = ctx.canWrite ? h("button", { id: "sn-new", type: "button", class: "btn btn-small btn-primary" }, "+ Notify a site") : null;
    add?.addEventListener("click", () => this.openForm());
    this.el = h(
      "div",
      { class: "sn-view" },
      h("div", { class: "safety-notice sn-notice", role: "note" }, h("span", null, SITE_NOTICE)),
      h("div", { class: "sn-bar" }, h("span", { class: "muted" }, "Active notified sites are drawn on the map with the protected-site symbol "), svg(protectedSymbol("other", 16, false)), h("span", { class: "topbar-spacer" }), add),
      this.formHost,
      this.host,
    );
    this.render();
  }

  get items(): SiteNotification[] {
    return this.list;
  }

  async load(): Promise<void> {
    const seq = ++this.loadSeq;
    try {
      const r = await api.siteNotifications();
      if (seq !== this.loadSeq) return;
      this.list = r.notifications ?? [];
      this.loaded = true;
      this.error = "";
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.error = (e as ApiError).message;
    }
    this.render();
    this.onChange?.();
  }

  /** Re-draws the list (relative times move on). */
  refresh(): void {
    if (this.loaded) this.render();
  }

  upsert(n: SiteNotification): void {
    const i = this.list.findIndex((x) => x.id === n.id);
    if (i >= 0 && this.list[i].version > n.version) return;
    if (i >= 0) this.list[i] = { ...this.list[i], ...n };
    else this.list.push(n);
    this.render();
    this.onChange?.();
  }

  remove(id: string): void {
    this.list = this.list.filter((x) => x.id !== id);
    this.render();
    this.onChange?.();
  }

  /** Called when the tab is shown or hidden. */
  setActive(on: boolean): void {
    if (!on && this.picking) this.setPicking(false);
    this.ctx.overlay.setPick(on ? this.pickAt : null);
  }

  highlight(id: string): void {
    this.highlighted = id;
    this.render();
    this.host.querySelector(`[data-notification-id="${id}"]`)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  destroy(): void {
    this.loadSeq++;
    this.marking?.destroy();
    if (this.picking) this.setPicking(false);
  }

  // ------------------------------------------------------------ list

  private render(): void {
    clear(this.host);
    if (this.error) this.host.append(h("li", { class: "form-error" }, `Could not load the notified sites: ${this.error}`));
    if (!this.loaded && !this.error) {
      this.host.append(h("li", { class: "muted" }, "Loading notified sites…"));
      return;
    }
    const now = Date.now();
    const rank = (n: SiteNotification) => (n.status === "active" ? 0 : n.status === "expired" ? 1 : 2);
    const sorted = [...this.list].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    if (!sorted.length) this.host.append(h("li", { class: "muted sn-empty" }, "No notified sites visible to your party."));
    for (const n of sorted) this.host.append(this.item(n, now));
  }

  private item(n: SiteNotification, now: number): HTMLElement {
    const own = n.marking?.owner === this.ctx.party;
    const mayChange = this.ctx.canWrite && (own || this.ctx.isCMCC);
    const exp = Date.parse(n.expires_at);
    const lapsed = n.status === "expired" || (n.status === "active" && !isNaN(exp) && exp <= now);
    const soon = n.status === "active" && !lapsed && !isNaN(exp) && exp - now < 24 * 3600_000;
    const state = lapsed ? "expired" : n.status;
    const actions: HTMLElement[] = [];
    const err = h("div", { class: "form-error", role: "alert", hidden: true });
    const act = (text: string, cls: string, fn: () => Promise<unknown>) => {
      const b = h("button", { type: "button", class: `btn btn-small ${cls}` }, text);
      b.addEventListener("click", async () => {
        b.disabled = true;
        err.hidden = true;
        try {
          await fn();
        } catch (e) {
          err.textContent = (e as ApiError).message;
          err.hidden = false;
        } finally {
          b.disabled = false;
        }
      });
      actions.push(b);
    };
    if (mayChange && n.status !== "withdrawn")
      act("Reconfirm", "sn-reconfirm btn-primary", async () => this.upsert(withBanner(await api.siteNotificationStep(n.id, "reconfirm"), n.banner)));
    if (mayChange && n.status !== "withdrawn")
      act("Withdraw", "sn-withdraw btn-danger", async () => this.upsert(withBanner(await api.siteNotificationStep(n.id, "withdraw"), n.banner)));
    if (own || this.ctx.isCMCC)
      act(this.openDisclosures.has(n.id) ? "Hide recipients" : "Who received it", "sn-disclosures", async () => {
        if (this.openDisclosures.has(n.id)) this.openDisclosures.delete(n.id);
        else this.openDisclosures.add(n.id);
        this.render();
      });
    const geo = n.geometry;
    const at = geo?.type === "Point" ? (geo.coordinates as number[]) : null;
    if (at)
      act("Show on map", "sn-show", async () => {
        this.ctx.mm.map.setView([at[1], at[0]], Math.max(this.ctx.mm.map.getZoom(), 14));
      });

    const li = h(
      "li",
      { class: `sn-item st-${state}${own ? " is-own" : ""}${soon ? " is-soon" : ""}${this.highlighted === n.id ? " is-highlighted" : ""}`, "data-notification-id": n.id },
      h(
        "div",
        { class: "sn-top" },
        h("span", { class: "sn-symbol" }, svg(protectedSymbol(n.category, 22, false))),
        h("div", { class: "sn-title" }, h("b", null, n.name), h("span", { class: "muted" }, ` · ${lbl(CATEGORY_LABEL, n.category)}`)),
        h("span", { class: `sn-status sn-${state}` }, state),
      ),
      h(
        "div",
        { class: "sn-meta" },
        partyChip(n.marking?.owner, this.ctx.dir.parties),
        n.operator ? h("span", null, `Operator: ${n.operator}`) : null,
        n.status === "withdrawn"
          ? h("span", null, `Withdrawn ${zShort(n.updated_at)}`)
          : lapsed
            ? h("span", { class: "sn-expiry is-expired" }, `Expired ${relative(n.expires_at, now)} — not reconfirmed`)
            : own
              ? h("span", { class: `sn-expiry${soon ? " is-soon" : ""}`, title: `Reconfirm every ${n.reconfirm_hours} h` }, `expires in ${duration(exp - now)}`)
              : h("span", { class: "sn-expiry" }, `confirmed ${zShort(n.confirmed_at)}`),
      ),
      h("div", { class: `sn-banner ${bannerClass(n.banner ?? "")}` }, n.banner || "—"),
      n.notes ? h("div", { class: "sn-notes" }, n.notes) : null,
      actions.length ? h("div", { class: "sn-actions" }, actions) : null,
      err,
      this.openDisclosures.has(n.id) ? this.disclosures(n.id) : null,
    );
    return li;
  }

  private disclosures(id: string): HTMLElement {
    const box = h("div", { class: "sn-disclosures-box" }, h("p", { class: "muted" }, "Loading who received it…"));
    void api
      .disclosures(id)
      .then((r) => {
        clear(box);
        const ds = r.disclosures ?? [];
        // One line per party: when it first and last received it.
        const by = new Map<string, { first: string; last: string; via: Set<string>; versions: Set<number>; n: number }>();
        for (const d of ds) {
          const e = by.get(d.party) ?? { first: d.at, last: d.at, via: new Set<string>(), versions: new Set<number>(), n: 0 };
          if (d.at < e.first) e.first = d.at;
          if (d.at > e.last) e.last = d.at;
          e.via.add(d.via);
          e.versions.add(d.version);
          e.n++;
          by.set(d.party, e);
        }
        box.append(h("div", { class: "sn-disc-title" }, `Received by ${by.size} part${by.size === 1 ? "y" : "ies"} (${ds.length} disclosures logged)`));
        if (!by.size) {
          box.append(h("p", { class: "muted" }, "Nobody has received it yet."));
          return;
        }
        box.append(
          h(
            "table",
            { class: "mini-table sn-disclosures" },
            h("thead", null, h("tr", null, h("th", null, "Party"), h("th", null, "First"), h("th", null, "Last"), h("th", null, "Via"), h("th", null, "Versions"))),
            h(
              "tbody",
              null,
              [...by.entries()]
                .sort((a, b) => a[0].localeCompare(b[0]))
                .map(([p, e]) =>
                  h(
                    "tr",
                    null,
                    h("td", null, partyChip(p, this.ctx.dir.parties)),
                    h("td", null, zShort(e.first)),
                    h("td", null, zShort(e.last)),
                    h("td", null, [...e.via].join(", ")),
                    h("td", null, [...e.versions].sort((a, b) => a - b).map((v) => `v${v}`).join(" ")),
                  ),
                ),
            ),
          ),
        );
      })
      .catch((e) => {
        clear(box);
        box.append(h("p", { class: "error-text" }, `Unavailable: ${(e as ApiError).message}`));
      });
    return box;
  }

  // ------------------------------------------------------------ form

  private setPicking(on: boolean): void {
    this.picking = on;
    this.ctx.setHook(
      on
        ? (at) => {
            this.pickAt = at;
            this.ctx.overlay.setPick(at);
            this.setPicking(false);
            this.updatePickText();
            return true;
          }
        : null,
    );
    this.ctx.mm.map.getContainer().classList.toggle("mv-drawing", on);
    this.updatePickText();
  }

  private pickText: HTMLElement | null = null;
  private pickBtn: HTMLButtonElement | null = null;

  private updatePickText(): void {
    if (this.pickText) {
      this.pickText.textContent = this.pickAt ? `${this.pickAt.lat.toFixed(5)} N, ${this.pickAt.lng.toFixed(5)} E` : "No location yet";
      this.pickText.classList.toggle("muted", !this.pickAt);
    }
    if (this.pickBtn) {
      this.pickBtn.textContent = this.picking ? "Click the map…" : this.pickAt ? "Move on map" : "Pick on map";
      this.pickBtn.classList.toggle("is-on", this.picking);
    }
  }

  private closeForm(): void {
    clear(this.formHost);
    this.marking?.destroy();
    this.marking = null;
    if (this.picking) this.setPicking(false);
    this.pickAt = null;
    this.ctx.overlay.setPick(null);
    this.pickText = null;
    this.pickBtn = null;
  }

  private openForm(): void {
    this.closeForm();
    const ctx = this.ctx;
    const name = h("input", { id: "sn-name", required: true, maxlength: 200, placeholder: "e.g. WFP warehouse Deir al-Balah" });
    const category = h("select", { id: "sn-category" }, NOTIFICATION_CATEGORIES.map((c) => h("option", { value: c }, lbl(CATEGORY_LABEL, c))));
    const operator = h("input", { id: "sn-operator", maxlength: 200, placeholder: "Operating organisation (optional)" });
    const reconfirm = h("input", { id: "sn-reconfirm", type: "number", min: 1, max: 2160, step: 1, value: 168 });
    const notes = h("textarea", { id: "sn-notes", rows: 2, maxlength: 2000, placeholder: "Staff on site, opening hours, markings on the roof…" });
    this.pickBtn = h("button", { id: "sn-pick", type: "button", class: "btn btn-small btn-toggle" }, "Pick on map");
    this.pickBtn.addEventListener("click", () => this.setPicking(!this.picking));
    this.pickText = h("span", { class: "sn-pick-text muted" });
    this.marking = new MarkingPicker(ctx.dir, ctx.party, { rel: ["ALL"], caveats: [] }, "sn-marking");
    const err = h("div", { id: "sn-error", class: "form-error", role: "alert", hidden: true });
    const submit = h("button", { id: "sn-submit", type: "submit", class: "btn btn-primary btn-small" }, "Notify site");
    const cancel = h("button", { type: "button", class: "btn btn-small" }, "Cancel");
    cancel.addEventListener("click", () => this.closeForm());
    const field = (label: string, forId: string, control: HTMLElement) => h("div", { class: "mv-field" }, h("label", { for: forId }, label), control);
    const form = h(
      "form",
      { class: "sn-form", novalidate: true },
      h("h3", null, "Notify a humanitarian site"),
      h("div", { class: "mv-grid2" }, field("Name", "sn-name", name), field("Category", "sn-category", category)),
      h("div", { class: "mv-field" }, h("label", { for: "sn-pick" }, "Location"), h("div", { class: "sn-pick-row" }, this.pickBtn, this.pickText)),
      h(
        "div",
        { class: "mv-grid2" },
        field("Operator", "sn-operator", operator),
        h("div", { class: "mv-field" }, h("label", { for: "sn-reconfirm" }, "Reconfirm every"), h("div", { class: "dt-wrap" }, reconfirm, h("span", { class: "utc" }, "hours"))),
      ),
      field("Notes", "sn-notes", notes),
      h("div", { class: "mv-field" }, h("label", null, "Marking"), this.marking.el),
      err,
      h("div", { class: "mv-inline-actions" }, cancel, submit),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.hidden = true;
      const problems: string[] = [];
      if (!name.value.trim()) problems.push("Give the site a name.");
      if (!this.pickAt) problems.push("Pick the site's location on the map.");
      const hours = Number(reconfirm.value || "168");
      if (!(hours >= 1 && hours <= 2160)) problems.push("Reconfirmation must be every 1 to 2160 hours.");
      if (problems.length) {
        err.textContent = problems.join(" ");
        err.hidden = false;
        return;
      }
      submit.disabled = true;
      try {
        const n = await api.createSiteNotification({
          name: name.value.trim(),
          category: category.value,
          geometry: { type: "Point", coordinates: [round6(this.pickAt!.lng), round6(this.pickAt!.lat)] },
          operator: operator.value.trim() || undefined,
          notes: notes.value.trim() || undefined,
          reconfirm_hours: Math.round(hours),
          marking: this.marking!.value(),
        });
        this.closeForm();
        this.upsert(n);
        this.highlight(n.id);
        ctx.notice(`“${n.name}” notified. Reconfirm it within ${n.reconfirm_hours} h or it lapses.`, "info");
      } catch (x) {
        const ex = x as ApiError;
        err.textContent = `${ex.message}${ex.fields.length ? ` (${ex.fields.map((f) => `${f.field}: ${f.reason}`).join("; ")})` : ""}`;
        err.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    this.formHost.append(form);
    this.updatePickText();
    this.setPicking(true);
    name.focus();
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function withBanner(n: SiteNotification, fallback: string): SiteNotification {
  return { ...n, banner: n.banner || fallback };
}
