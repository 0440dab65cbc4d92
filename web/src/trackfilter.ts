// The tracks block of the layer panel: the layer switch with the count of
// tracks shown, "hide stale", and filter cop-chips by identity, type and owner
// party (each with its count). Filtering happens in the browser over what
// the API sent; it never widens what the viewer may see.

import type { Directory } from "./details";
import { h, svg } from "./dom";
import {
  AFFILIATIONS,
  AFFILIATION_COLOR,
  AFFILIATION_LABEL,
  CATEGORIES,
  CATEGORY_LABEL,
  trackSymbol,
  type Affiliation,
  type Category,
} from "./symbols";
import type { TrackLayer, TrackSummary } from "./tracks";

export class TrackFilterUI {
  readonly el: HTMLElement;
  private count: HTMLElement;
  private visible: HTMLElement;
  private staleN: HTMLElement;
  private groups: Record<"identity" | "type" | "party", HTMLElement>;
  private sig = "";

  constructor(
    private layer: TrackLayer,
    private dir: Directory,
  ) {
    const f = layer.filter;
    const on = h("input", { type: "checkbox", id: "layer-tracks", "data-layer": "tracks", checked: f.on });
    on.addEventListener("change", () => {
      f.on = on.checked;
      this.el.classList.toggle("is-off", !f.on);
      layer.refilter();
    });
    const stale = h("input", { type: "checkbox", id: "tracks-hide-stale", checked: f.hideStale });
    stale.addEventListener("change", () => {
      f.hideStale = stale.checked;
      layer.refilter();
    });
    this.count = h("span", { class: "layer-count", id: "tracks-count", "data-layer-count": "tracks", title: "Tracks shown / tracks you may see" }, "0");
    this.visible = h("p", { id: "tracks-visible", class: "trk-visible", "aria-live": "polite" });
    this.staleN = h("span", { class: "muted" });
    this.groups = {
      identity: h("div", { class: "cop-chips", id: "track-filter-identity", role: "group", "aria-label": "Identity" }),
      type: h("div", { class: "cop-chips", id: "track-filter-type", role: "group", "aria-label": "Type" }),
      party: h("div", { class: "cop-chips", id: "track-filter-party", role: "group", "aria-label": "Owner party" }),
    };
    const sample = trackSymbol("SFGPUCI--------", 13);
    this.el = h(
      "div",
      { id: "track-filters", class: "trk-filters" },
      h(
        "div",
        { class: "layer-row layer-tracks" },
        h("label", { for: "layer-tracks" }, on, h("span", { class: "layer-swatch" }, svg(sample.svg)), h("span", { class: "layer-name" }, "Live tracks")),
        this.count,
      ),
      h("label", { class: "trk-opt", for: "tracks-hide-stale" }, stale, h("span", null, "Hide stale tracks "), this.staleN),
      h("div", { class: "trk-fgroup" }, h("div", { class: "trk-flabel" }, "Identity"), this.groups.identity),
      h("div", { class: "trk-fgroup" }, h("div", { class: "trk-flabel" }, "Type"), this.groups.type),
      h("div", { class: "trk-fgroup" }, h("div", { class: "trk-flabel" }, "Party"), this.groups.party),
      this.visible,
    );
  }

  /** Refreshes counts and cop-chips from the tracks held. */
  update(): void {
    const s = this.layer.summary();
    this.count.textContent = s.shown === s.total ? String(s.total) : `${s.shown}/${s.total}`;
    this.visible.textContent = s.total ? `${s.shown} of ${s.total} track${s.total === 1 ? "" : "s"} shown` : "No tracks you may see are reporting.";
    this.staleN.textContent = s.stale ? `(${s.stale})` : "";
    const sig = JSON.stringify([[...s.affiliations], [...s.categories], [...s.parties]]);
    if (sig === this.sig) return;
    this.sig = sig;
    this.renderChips(s);
  }

  private renderChips(s: TrackSummary): void {
    const f = this.layer.filter;
    const chip = <K extends string>(group: "identity" | "type" | "party", key: K, label: string, n: number, hidden: Set<K>, swatch: string) => {
      const on = !hidden.has(key);
      const b = h(
        "button",
        { type: "button", class: `cop-chip${on ? " is-on" : ""}`, "data-filter": group, "data-value": key, "aria-pressed": String(on), title: `${on ? "Hide" : "Show"} ${label}` },
        swatch ? h("span", { class: "cop-chip-sw", style: `background:${swatch}` }) : null,
        label,
        h("span", { class: "cop-chip-n" }, String(n)),
      );
      b.addEventListener("click", () => {
        if (hidden.has(key)) hidden.delete(key);
        else hidden.add(key);
        const now = !hidden.has(key);
        b.classList.toggle("is-on", now);
        b.setAttribute("aria-pressed", String(now));
        b.title = `${now ? "Hide" : "Show"} ${label}`;
        this.layer.refilter();
      });
      return b;
    };
    const present = <K>(m: Map<K, number>, hidden: Set<K>, k: K) => (m.get(k) ?? 0) > 0 || hidden.has(k);
    this.groups.identity.replaceChildren(
      ...AFFILIATIONS.filter((a) => present(s.affiliations, f.hiddenAffiliations, a)).map((a: Affiliation) =>
        chip("identity", a, AFFILIATION_LABEL[a], s.affiliations.get(a) ?? 0, f.hiddenAffiliations, AFFILIATION_COLOR[a]),
      ),
    );
    this.groups.type.replaceChildren(
      ...CATEGORIES.filter((c) => present(s.categories, f.hiddenCategories, c)).map((c: Category) =>
        chip("type", c, CATEGORY_LABEL[c], s.categories.get(c) ?? 0, f.hiddenCategories, ""),
      ),
    );
    const parties = [...new Set([...s.parties.keys(), ...f.hiddenParties])].sort();
    this.groups.party.replaceChildren(
      ...parties.map((p) => chip("party", p, p || "—", s.parties.get(p) ?? 0, f.hiddenParties, this.dir.parties.get(p)?.color ?? "#888")),
    );
    for (const g of Object.values(this.groups)) {
      const row = g.parentElement;
      if (row) row.hidden = g.childElementCount === 0;
    }
  }
}
