// The marking picker of the movement and site forms: the owner is the
// viewer's party; the user chooses whom the record is releasable to (and
// caveats), and sees the banner and recipients the server derives.

import { api, type ApiError, type MarkingCheck, type MarkingInput } from "./api";
import { bannerClass, type Directory } from "./details";
import { h } from "./dom";

export class MarkingPicker {
  readonly el: HTMLElement;
  private rel = new Set<string>();
  private caveats = new Set<string>();
  private bannerEl: HTMLElement;
  private recipientsEl: HTMLElement;
  private errorEl: HTMLElement;
  private timer = 0;
  private seq = 0;
  /** The last banner and recipients the server returned. */
  checked: MarkingCheck | null = null;
  onChecked: ((c: MarkingCheck | null) => void) | null = null;

  constructor(
    dir: Directory,
    private owner: string,
    initial: { rel: string[]; caveats: string[] },
    idPrefix: string,
  ) {
    for (const r of initial.rel) this.rel.add(r);
    for (const c of initial.caveats) this.caveats.add(c);
    const ownerParty = dir.parties.get(owner);
    const denied = new Set(ownerParty?.policy?.never_release_to ?? []);

    const chip = (code: string, text: string, title: string, group: "rel" | "caveat", disabled = false) => {
      const set = group === "rel" ? this.rel : this.caveats;
      const cb = h("input", { type: "checkbox", value: code, checked: set.has(code), disabled, "data-marking": group });
      cb.addEventListener("change", () => {
        if (cb.checked) set.add(code);
        else set.delete(code);
        this.changed();
      });
      return h("label", { class: `mk-chip${disabled ? " is-disabled" : ""}`, title }, cb, h("span", null, text));
    };

    const groups = [...dir.groups.values()];
    const parties = [...dir.parties.values()].filter((p) => p.code !== owner && p.kind !== "coordination");
    const policyNote = denied.size
      ? h(
          "p",
          { class: "mk-policy" },
          `${owner}'s release policy never releases to ${[...denied].join(", ")}${ownerParty?.policy?.reason ? ` (${ownerParty.policy.reason})` : ""}. They can still be asked to acknowledge: the coordination center relays a sanitized request.`,
        )
      : null;

    this.bannerEl = h("div", { class: "marking-banner mk-banner m-restricted", id: `${idPrefix}-banner` }, "…");
    this.recipientsEl = h("div", { class: "mk-recipients muted" });
    this.errorEl = h("div", { class: "field-error", hidden: true });
    this.el = h(
      "div",
      { class: "mk-picker" },
      h("div", { class: "mk-row" }, h("span", { class: "mk-label" }, "Owner"), h("span", { class: "party-ref" }, h("span", { class: "swatch", style: `background:${ownerParty?.color ?? "#888"}` }), h("b", null, owner), ownerParty ? ` ${ownerParty.name}` : "")),
      h(
        "div",
        { class: "mk-row mk-row-top" },
        h("span", { class: "mk-label" }, "Releasable to"),
        h(
          "div",
          { class: "mk-chips", "data-field": "marking.rel" },
          chip("ALL", "ALL", "Every mission party", "rel"),
          groups.map((g) => chip(g.code, g.code, `${g.name}: ${g.members.join(", ")}`, "rel", denied.has(g.code))),
          h("span", { class: "mk-sep" }),
          parties.map((p) =>
            chip(p.code, p.code, denied.has(p.code) ? `${p.name} — excluded by ${owner}'s release policy` : p.name, "rel", denied.has(p.code)),
          ),
        ),
      ),
      dir.caveats.size
        ? h(
            "div",
            { class: "mk-row" },
            h("span", { class: "mk-label" }, "Caveats"),
            h("div", { class: "mk-chips" }, [...dir.caveats.values()].map((c) => chip(c.code, c.code, c.description, "caveat"))),
          )
        : null,
      policyNote,
      h("div", { class: "mk-preview" }, this.bannerEl, this.recipientsEl),
      this.errorEl,
    );
    this.changed(0);
  }

  value(): MarkingInput {
    return { owner: this.owner, rel: [...this.rel], caveats: [...this.caveats] };
  }

  private changed(delay = 250): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.check(), delay);
  }

  private async check(): Promise<void> {
    const seq = ++this.seq;
    try {
      const c = await api.markingCheck(this.value());
      if (seq !== this.seq) return;
      this.checked = c;
      this.bannerEl.textContent = c.banner;
      this.bannerEl.className = `marking-banner mk-banner ${bannerClass(c.banner)}`;
      const rec = c.recipients ?? [];
      this.recipientsEl.textContent = `Visible to ${rec.length} part${rec.length === 1 ? "y" : "ies"}: ${rec.join(", ")}. The coordination center always sees it.`;
      this.errorEl.hidden = true;
    } catch (e) {
      if (seq !== this.seq) return;
      this.checked = null;
      this.errorEl.textContent = (e as ApiError).message;
      this.errorEl.hidden = false;
    }
    this.onChecked?.(this.checked);
  }

  destroy(): void {
    window.clearTimeout(this.timer);
    this.seq++;
  }
}
