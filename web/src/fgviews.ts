// The board's building blocks: conflicts explained, pledge cards with
// their caveats, history entries, and the plain-words labels they use.

import type { Directory } from "./details";
import { h } from "./dom";
import type { AssignmentVersion, FgConflict, FgPledge, FgRequirement, FgSector, Placement } from "./fgapi";
import { shortSector } from "./fgmap";
import { humanize, zShort } from "./format";

const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "9 Dec 2026" (UTC): readiness and needed-by are dates. */
export function zDate(s: string | undefined): string {
  if (!s) return "—";
  const d = new Date(s);
  if (isNaN(d.getTime())) return "—";
  return `${d.getUTCDate()} ${MON[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export const STATUS_TEXT: Record<string, string> = {
  offered: "Offered",
  accepted: "Accepted",
  deploying: "Deploying",
  deployed: "Deployed",
  withdrawn: "Withdrawn",
};

export const DECISION_TEXT: Record<string, string> = {
  approved: "Nationally approved",
  pending_parliament: "Awaiting parliament",
  pending_government: "Awaiting government",
};

/** "eod_team" → "EOD team", "medical_level2" → "Medical level 2". */
export function capText(c: string): string {
  return humanize(c.replace(/(\D)(\d)$/, "$1 $2"))
    .replace(/\beod\b/gi, "EOD")
    .replace(/\bcimic\b/gi, "CIMIC");
}

export function taskText(t: string): string {
  return t.replace(/_/g, " ");
}

/** Everything the views need to name records. */
export interface Names {
  dir: Directory;
  pledges: Map<string, FgPledge>;
  requirements: Map<string, FgRequirement>;
  sectors: Map<string, FgSector>;
}

export function nationChip(names: Names, code: string): HTMLElement {
  const p = names.dir.parties.get(code);
  return h("span", { class: "fg-nation", title: p?.name ?? code }, h("span", { class: "swatch", style: `background:${p?.color ?? "#888"}` }), h("b", null, code));
}

/** "PAK · PAKBATT-1 (mechanized infantry)" */
export function pledgeText(p: FgPledge): string {
  return `${p.nation} · ${p.unit || capText(p.capability)}`;
}

/** "Central · infantry battalion" */
export function requirementText(names: Names, reqId: string): string {
  const r = names.requirements.get(reqId);
  if (!r) return "a requirement not shown to you";
  const s = names.sectors.get(r.sector);
  return `${s ? shortSector(s.name) : "?"} · ${capText(r.capability)}`;
}

/** One conflict explained: hard (red), relay-resolvable (amber) or not releasable (grey). */
export function conflictEl(names: Names, c: FgConflict, opts: { showPledge?: boolean; compact?: boolean } = {}): HTMLElement {
  const redacted = !!c.redacted;
  const cls = redacted ? "is-redacted" : c.relay ? "is-relay" : c.hard ? "is-hard" : "is-soft";
  const tag = redacted ? "Not releasable" : c.kind === "requirement_unmet" ? "Shortfall" : c.relay ? "Relay" : c.hard ? "Hard" : "Note";
  const tagTitle = redacted
    ? "The cause is a caveat or pledge that is not releasable to your party"
    : c.relay
      ? "Resolvable: liaison relayed through the coordination center, at a cost"
      : c.hard
        ? "Forbids the placement"
        : "";
  const p = c.pledge ? names.pledges.get(c.pledge) : undefined;
  return h(
    "li",
    {
      class: `fg-conflict ${cls}`,
      "data-kind": c.kind,
      "data-hard": String(!!c.hard),
      "data-relay": String(!!c.relay),
      "data-redacted": String(redacted),
      "data-pledge": c.pledge || null,
    },
    h("span", { class: "fg-cf-tag", title: tagTitle }, tag),
    h(
      "div",
      { class: "fg-cf-body" },
      h(
        "div",
        { class: "fg-cf-reason", title: opts.compact ? c.evidence ?? null : null },
        opts.showPledge && p ? h("span", { class: "fg-cf-who" }, pledgeText(p), ": ") : c.nation && redacted ? h("span", { class: "fg-cf-who" }, `${c.nation}: `) : null,
        cap1(c.reason),
        // Whether it blocks is all a viewer learns of a redacted cause.
        redacted ? h("span", { class: "fg-cf-effect" }, c.hard ? " — blocks this placement" : " — does not block it") : null,
      ),
      c.relay && c.cost ? h("div", { class: "fg-cf-cost" }, h("b", null, "Relay cost: "), c.cost) : null,
      c.evidence && !opts.compact ? h("div", { class: "fg-cf-evidence" }, c.evidence) : null,
    ),
  );
}

function cap1(s: string): string {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

/** A pledge with its state, where it is placed, and its caveats. */
export function pledgeCard(names: Names, p: FgPledge, placedOn: string[], isCenter: boolean, onGoto: (reqId: string) => void): HTMLElement {
  const caveats = p.caveats ?? [];
  let cavs: HTMLElement;
  if (p.caveats_hidden) {
    cavs = h(
      "div",
      { class: "fg-caveats" },
      h("span", { class: "fg-caveats-hidden", title: `${p.nation} has not released this pledge's caveats to your party; conflicts they cause show as not releasable.` }, "Caveats not releasable to you"),
    );
  } else if (caveats.length) {
    const rel = p.caveat_rel ?? [];
    cavs = h(
      "div",
      { class: "fg-caveats" },
      caveats.map((c) => h("span", { class: `fg-caveat cv-${c.type}`, "data-caveat-type": c.type, title: humanize(c.type) }, c.text)),
      // The centre sees caveats some nations keep from the others: say so.
      isCenter ? h("span", { class: `fg-cav-rel${rel.length ? "" : " is-closed"}`, title: "Who may see these caveats" }, rel.length ? `REL TO ${[p.nation, ...rel].join(", ")}` : `${p.nation} and CMCC only`) : null,
    );
  } else {
    cavs = h("div", { class: "fg-caveats" }, h("span", { class: "fg-no-caveat" }, "No caveats"));
  }
  const place = placedOn.length
    ? placedOn.map((rid) => {
        const a = h("button", { type: "button", class: "fg-placed-on", title: "Show the requirement" }, `→ ${requirementText(names, rid)}`);
        a.addEventListener("click", () => onGoto(rid));
        return a;
      })
    : [h("span", { class: "fg-unplaced" }, "Not assigned")];
  return h(
    "div",
    { class: `fg-pledge st-${p.status}${placedOn.length ? " is-placed" : ""}`, "data-pledge-id": p.id, "data-nation": p.nation },
    h(
      "div",
      { class: "fg-pl-head" },
      nationChip(names, p.nation),
      h("span", { class: "fg-pl-unit", title: p.unit }, p.unit || capText(p.capability)),
      h("span", { class: "fg-pl-strength", title: "Strength (personnel)" }, p.strength.toLocaleString("en-GB")),
    ),
    h(
      "div",
      { class: "fg-pl-meta" },
      h("span", { class: "fg-pl-cap" }, capText(p.capability)),
      h("span", { class: "fg-pl-ready", title: "Ready to deploy on" }, `ready ${zDate(p.readiness)}`),
      h("span", { class: `fg-pill fg-status st-${p.status}` }, STATUS_TEXT[p.status] ?? humanize(p.status)),
      h("span", { class: `fg-pill fg-decision dc-${p.decision}` }, DECISION_TEXT[p.decision] ?? humanize(p.decision)),
    ),
    h("div", { class: "fg-pl-place" }, place),
    cavs,
  );
}

/** One assignment version in the history panel, newest first. */
export function versionEl(names: Names, v: AssignmentVersion, current: number): HTMLElement {
  const d = v.data ?? {};
  const added = d.add ? d.add.length : (d.added ?? 0);
  const removed = d.remove ? d.remove.length : (d.removed ?? 0);
  const placed = d.placements ? d.placements.length : d.placed;
  const line = (pl: Placement, sign: "+" | "−") => {
    const p = names.pledges.get(pl.pledge);
    return h("li", { class: sign === "+" ? "is-add" : "is-remove" }, `${sign} ${p ? pledgeText(p) : "a pledge"} → ${requirementText(names, pl.requirement)}`);
  };
  const detail = d.add || d.remove ? h("ul", { class: "fg-v-diff" }, (d.add ?? []).map((pl) => line(pl, "+")), (d.remove ?? []).map((pl) => line(pl, "−"))) : null;
  return h(
    "li",
    { class: `fg-version${v.version === current ? " is-current" : ""}`, "data-version": v.version },
    h(
      "div",
      { class: "fg-v-head" },
      h("b", { class: "fg-v-ver" }, `v${v.version}`),
      h("span", { class: "fg-v-who" }, v.actor, v.actor_party ? h("span", { class: "muted" }, ` (${v.actor_party})`) : null),
      h("span", { class: "fg-v-at" }, zShort(v.at)),
    ),
    d.note ? h("div", { class: "fg-v-note" }, `“${d.note}”`) : null,
    h(
      "div",
      { class: "fg-v-counts" },
      h("span", { class: "fg-v-add" }, `+${added} added`),
      h("span", { class: "fg-v-rem" }, `−${removed} removed`),
      placed !== undefined ? h("span", { class: "muted" }, `${placed} placed`) : null,
      v.version === current ? h("span", { class: "fg-v-cur" }, "current") : null,
    ),
    detail,
  );
}
