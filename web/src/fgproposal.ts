// The optimizer's proposal as a diff against the planner's draft, sector
// by sector, with its gaps and relay costs; the planner accepts some
// sectors (or all) into the draft and then saves.

import { h } from "./dom";
import type { FgSector, Placement, Proposal } from "./fgapi";
import { COVERAGE_COLOR, shortSector } from "./fgmap";
import { capText, conflictEl, pledgeText, requirementText, type Names } from "./fgviews";

const key = (p: Placement) => `${p.pledge}|${p.requirement}`;

/** What accepting one sector of the proposal changes in the draft. */
export interface SectorDiff {
  sector: FgSector;
  add: Placement[];
  remove: Placement[];
  keep: Placement[];
  /** Pledges the sector takes from another sector of the draft. */
  takes: { pledge: string; from: string }[];
}

export function sectorDiff(names: Names, sector: FgSector, proposal: Placement[], draft: Placement[]): SectorDiff {
  const inSector = (pl: Placement) => names.requirements.get(pl.requirement)?.sector === sector.id;
  const prop = proposal.filter(inSector);
  const cur = draft.filter(inSector);
  const propKeys = new Set(prop.map(key));
  const curKeys = new Set(cur.map(key));
  const takes: { pledge: string; from: string }[] = [];
  for (const pl of prop) {
    if (curKeys.has(key(pl))) continue;
    const elsewhere = draft.find((d) => d.pledge === pl.pledge && !inSector(d));
    if (elsewhere) takes.push({ pledge: pl.pledge, from: elsewhere.requirement });
  }
  return {
    sector,
    add: prop.filter((p) => !curKeys.has(key(p))),
    remove: cur.filter((p) => !propKeys.has(key(p))),
    keep: prop.filter((p) => curKeys.has(key(p))),
    takes,
  };
}

/**
 * Applies the proposal for the given sectors to the draft: their current
 * placements go, the proposal's come in, and a pledge the proposal moves
 * from another sector leaves that sector (a pledge is placed once).
 */
export function applySectors(names: Names, sectorIds: Set<string>, proposal: Placement[], draft: Placement[]): Placement[] {
  const inSel = (pl: Placement) => sectorIds.has(names.requirements.get(pl.requirement)?.sector ?? "");
  const incoming = proposal.filter(inSel);
  const moving = new Set(incoming.map((p) => p.pledge));
  return [...draft.filter((pl) => !inSel(pl) && !moving.has(pl.pledge)), ...incoming.map((p) => ({ ...p }))];
}

export interface ProposalCallbacks {
  onApply: (sectorIds: Set<string>) => void;
  onClose: () => void;
}

export function proposalPanel(
  names: Names,
  p: Proposal,
  sectors: FgSector[],
  draft: Placement[],
  /** Requirements, pledges or conditions changed since the proposal. */
  stale: boolean,
  applied: Set<string>,
  cb: ProposalCallbacks,
): HTMLElement {
  const placements = p.placements ?? [];
  const diffs = sectors.map((s) => sectorDiff(names, s, placements, draft));
  const boxes: HTMLInputElement[] = [];
  const applyBtn = h("button", { id: "fg-accept-selected", type: "button", class: "btn btn-primary", disabled: true }, "Apply selected sectors to the draft");
  const all = h("input", { type: "checkbox", id: "fg-accept-all", class: "fg-accept-all" });
  const sync = () => {
    const on = boxes.filter((b) => b.checked && !b.disabled);
    applyBtn.disabled = on.length === 0;
    applyBtn.textContent = on.length ? `Apply ${on.length === 1 ? "1 sector" : `${on.length} sectors`} to the draft` : "Apply selected sectors to the draft";
    const enabled = boxes.filter((b) => !b.disabled);
    all.checked = enabled.length > 0 && on.length === enabled.length;
    all.indeterminate = on.length > 0 && on.length < enabled.length;
  };
  all.addEventListener("change", () => {
    for (const b of boxes) if (!b.disabled) b.checked = all.checked;
    sync();
  });
  applyBtn.addEventListener("click", () => {
    const ids = new Set(boxes.filter((b) => b.checked && !b.disabled).map((b) => b.value));
    if (ids.size) cb.onApply(ids);
  });

  const gapsBy = new Map<string, NonNullable<Proposal["gaps"]>>();
  for (const g of p.gaps ?? []) {
    const sid = names.requirements.get(g.requirement)?.sector ?? "";
    gapsBy.set(sid, [...(gapsBy.get(sid) ?? []), g]);
  }
  const relaysBy = new Map<string, NonNullable<Proposal["relays"]>>();
  for (const c of p.relays ?? []) {
    const sid = names.requirements.get(c.requirement)?.sector ?? "";
    relaysBy.set(sid, [...(relaysBy.get(sid) ?? []), c]);
  }
  // Where the proposal puts each pledge, to say where a removed one goes.
  const proposedAt = new Map(placements.map((pl) => [pl.pledge, pl.requirement]));

  const row = (pl: Placement, kind: "add" | "remove" | "keep") => {
    const pledge = names.pledges.get(pl.pledge);
    const sign = kind === "add" ? "+" : kind === "remove" ? "−" : "=";
    const goes = kind === "remove" ? proposedAt.get(pl.pledge) : undefined;
    const r = names.requirements.get(pl.requirement);
    return h(
      "li",
      { class: `fg-prop-row is-${kind}`, "data-pledge": pl.pledge, "data-requirement": pl.requirement },
      h("span", { class: "fg-prop-sign" }, sign),
      h("span", { class: "fg-prop-cap" }, r ? capText(r.capability) : "?"),
      h("span", { class: "fg-prop-pledge" }, pledge ? pledgeText(pledge) : "a pledge not shown to you"),
      kind === "remove" ? h("span", { class: "fg-prop-where" }, goes ? `proposed for ${requirementText(names, goes)}` : "left unassigned") : null,
    );
  };

  const cards = diffs.map((d) => {
    const changes = d.add.length + d.remove.length;
    const cb2 = h("input", { type: "checkbox", class: "fg-accept", value: d.sector.id, disabled: changes === 0, "aria-label": `Accept the proposal for ${d.sector.name}` });
    cb2.addEventListener("change", sync);
    boxes.push(cb2);
    const gaps = gapsBy.get(d.sector.id) ?? [];
    const relays = relaysBy.get(d.sector.id) ?? [];
    const rows = [...d.add.map((x) => row(x, "add")), ...d.remove.map((x) => row(x, "remove")), ...d.keep.map((x) => row(x, "keep"))];
    const state = applied.has(d.sector.id) && changes === 0 ? "accepted" : changes === 0 ? "no change" : `+${d.add.length} −${d.remove.length}`;
    return h(
      "div",
      { class: `fg-proposal-sector${changes ? " has-changes" : ""}${applied.has(d.sector.id) ? " is-applied" : ""}`, "data-sector-id": d.sector.id },
      h(
        "label",
        { class: "fg-ps-head" },
        cb2,
        h("span", { class: "fg-ps-dot", style: `background:${COVERAGE_COLOR[d.sector.coverage].fill}` }),
        h("span", { class: "fg-ps-name", title: d.sector.name }, shortSector(d.sector.name)),
        h("span", { class: `fg-ps-state${changes ? "" : " muted"}` }, state),
      ),
      rows.length ? h("ul", { class: "fg-prop-rows" }, rows) : h("p", { class: "fg-prop-empty muted" }, "The proposal places nothing here."),
      d.takes.length
        ? h(
            "p",
            { class: "fg-prop-takes" },
            "Accepting takes ",
            d.takes.map((t, i) => {
              const pl = names.pledges.get(t.pledge);
              return [i ? "; " : "", h("b", null, pl ? pledgeText(pl) : "a pledge"), ` from ${requirementText(names, t.from)}`];
            }),
            ".",
          )
        : null,
      gaps.length
        ? h(
            "div",
            { class: "fg-gaps" },
            gaps.map((g) => {
              const r = names.requirements.get(g.requirement);
              return h(
                "div",
                { class: "fg-gap", "data-requirement": g.requirement },
                h("div", { class: "fg-gap-head" }, h("b", null, `Gap: ${r ? capText(r.capability) : "requirement"}`), ` — ${g.missing} missing`),
                (g.reasons ?? []).length ? h("ul", { class: "fg-gap-reasons" }, (g.reasons ?? []).map((x) => h("li", null, x))) : null,
                (g.blocking ?? []).length ? h("ul", { class: "fg-conflicts" }, (g.blocking ?? []).map((c) => conflictEl(names, c, { showPledge: true, compact: true }))) : null,
              );
            }),
          )
        : null,
      relays.length ? h("ul", { class: "fg-conflicts fg-prop-relays" }, relays.map((c) => conflictEl(names, c, { showPledge: true, compact: true }))) : null,
    );
  });

  const close = h("button", { type: "button", class: "icon-btn", title: "Close the proposal", "aria-label": "Close the proposal" }, "✕");
  close.addEventListener("click", () => cb.onClose());
  const el = h(
    "section",
    { id: "fg-proposal", class: "fg-panel fg-proposal", "aria-label": "Optimizer proposal" },
    h("div", { class: "fg-panel-head" }, h("h2", null, "Optimizer proposal", h("span", { class: "panel-hint", title: `Computed when the assignment was at version ${p.base_version}; the sum of the priorities of the places filled` }, `score ${p.score}`)), close),
    stale ? h("p", { class: "fg-warn" }, "Requirements, pledges or conditions changed since this proposal was computed. Run Propose again.") : null,
    h(
      "p",
      { class: "fg-prop-intro" },
      "Compared with your draft: ",
      h("span", { class: "fg-prop-key is-add" }, "+ added"),
      " ",
      h("span", { class: "fg-prop-key is-remove" }, "− removed"),
      " ",
      h("span", { class: "fg-prop-key is-keep" }, "= kept"),
      ". Accepted sectors go into the draft; nothing is saved until you save.",
    ),
    h("label", { class: "fg-accept-all-row" }, all, h("span", null, "Accept all sectors")),
    h("div", { class: "fg-prop-list" }, cards),
    h("div", { class: "fg-prop-foot" }, applyBtn),
  );
  sync();
  return el;
}
