// Shared pieces of the movement screens: labels, badges, the safety notice,
// the findings list and the acknowledgement summary.

import type { Ack, DepartureSlot, Finding, Party, Severity } from "./api";
import { h, svg, type Child } from "./dom";
import { duration, humanize, parseTime, zShort } from "./format";

/** Shown on every movement screen, word for word. */
export const SAFETY_NOTICE =
  "Notification is not a guarantee of safety. Parties are informed and asked to acknowledge; no route is declared safe.";

export function safetyNotice(extra?: Child): HTMLElement {
  return h(
    "div",
    { class: "safety-notice", role: "note" },
    svg(
      `<svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true"><path d="M10 1.8 19 17.5H1z" fill="#f2b100" stroke="#5c4300" stroke-width="1.3" stroke-linejoin="round"/><path d="M10 7v5M10 14.2v.6" stroke="#1d1d1d" stroke-width="2" stroke-linecap="round"/></svg>`,
    ),
    h("span", null, SAFETY_NOTICE, extra ?? null),
  );
}

export const PURPOSE_LABEL: Record<string, string> = {
  staff: "Staff movement",
  food: "Food",
  non_food: "Non-food items",
  fuel: "Fuel",
  medical_evacuation: "Medical evacuation",
  general_cargo: "General cargo",
  assessment: "Assessment mission",
  other: "Other",
};

export const MV_STATUS_LABEL: Record<string, string> = {
  submitted: "Submitted",
  transmitted: "Transmitted",
  acknowledged: "Acknowledged",
  facilitated: "Facilitated",
  partially_facilitated: "Partially facilitated",
  impeded: "Impeded",
  denied: "Denied",
  postponed: "Postponed",
  cancelled: "Cancelled",
  in_progress: "In progress",
  completed: "Completed",
};

/** Statuses whose workflow has not ended. */
export const OPEN_STATUSES = [
  "submitted",
  "transmitted",
  "acknowledged",
  "facilitated",
  "partially_facilitated",
  "impeded",
  "postponed",
  "in_progress",
];

export const CLOSED_STATUSES = ["denied", "cancelled", "completed"];

export const OUTCOMES = ["facilitated", "partially_facilitated", "impeded", "denied", "postponed"];

export const SEVERITIES: Severity[] = ["blocking", "needs_acknowledgement", "warning", "info"];

export const SEVERITY_LABEL: Record<Severity, string> = {
  blocking: "Blocking",
  needs_acknowledgement: "Needs acknowledgement",
  warning: "Warning",
  info: "Information",
};

export const SEVERITY_COLOR: Record<Severity, string> = {
  blocking: "#d32f2f",
  needs_acknowledgement: "#f08c00",
  warning: "#f5d000",
  info: "#1e78d2",
};

export const CHECK_LABEL: Record<string, string> = {
  window: "Time window",
  lead_time: "Lead time",
  restricted_area: "Restricted area",
  activity_area: "Activity area",
  control_line: "Control line",
  sector: "Sector",
  movement: "Other movement",
  site: "Site",
  notified_site: "Notified site",
};

export const NOTIFICATION_CATEGORIES = [
  "office",
  "warehouse",
  "guesthouse",
  "clinic_or_hospital",
  "shelter",
  "bakery",
  "water_infrastructure",
  "power_infrastructure",
  "distribution_point",
  "other",
];

export const CATEGORY_LABEL: Record<string, string> = {
  office: "Office",
  warehouse: "Warehouse",
  guesthouse: "Guesthouse",
  clinic_or_hospital: "Clinic or hospital",
  shelter: "Shelter",
  bakery: "Bakery",
  water_infrastructure: "Water infrastructure",
  power_infrastructure: "Power infrastructure",
  distribution_point: "Distribution point",
  other: "Other",
};

export function lbl(table: Record<string, string>, key: string | undefined | null): string {
  if (!key) return "—";
  return table[key] ?? humanize(key);
}

/** The status badge; its text is the status value itself (hook: .mv-status). */
export function statusBadge(status: string, extraClass = ""): HTMLElement {
  // Long statuses may break after an underscore (the text stays the value).
  const parts = status.split("_");
  return h(
    "span",
    { class: `mv-status st-${status}${extraClass ? ` ${extraClass}` : ""}`, "data-status": status, title: lbl(MV_STATUS_LABEL, status) },
    parts.map((p, i) => (i < parts.length - 1 ? [`${p}_`, h("wbr")] : p)),
  );
}

export function emergencyBadge(): HTMLElement {
  return h("span", { class: "mv-emergency", title: "Emergency movement (shorter lead time)" }, "EMERGENCY");
}

export function partyChip(code: string | undefined, parties: Map<string, Party>, withName = false): HTMLElement {
  const p = code ? parties.get(code) : undefined;
  return h(
    "span",
    { class: "party-ref party-chip", title: p ? `${p.code} — ${p.name}` : code ?? "" },
    h("span", { class: "swatch", style: `background:${p?.color ?? "#888"}` }),
    h("b", null, code || "—"),
    withName && p ? h("span", { class: "party-name" }, p.name) : null,
  );
}

const p2 = (n: number) => String(n).padStart(2, "0");

/** "28 Nov 00:00Z – 01:07Z" (the date only once when on the same day). */
export function zRange(from: string | null | undefined, to: string | null | undefined): string {
  const a = parseTime(from ?? "");
  const b = parseTime(to ?? "");
  if (!a && !b) return "—";
  if (!a || !b) return `${zShort(a)} – ${zShort(b)}`;
  if (Math.abs(b.getTime() - a.getTime()) < 60_000) return `about ${zShort(a)}`;
  const same = a.getUTCFullYear() === b.getUTCFullYear() && a.getUTCMonth() === b.getUTCMonth() && a.getUTCDate() === b.getUTCDate();
  return same ? `${zShort(a)} – ${p2(b.getUTCHours())}:${p2(b.getUTCMinutes())}Z` : `${zShort(a)} – ${zShort(b)}`;
}

/** "in 2 d 4 h" / "3 h ago". */
export function relative(t: string | Date | null | undefined, now = Date.now()): string {
  const d = typeof t === "string" ? parseTime(t) : t;
  if (!d) return "";
  const ms = d.getTime() - now;
  if (Math.abs(ms) < 60_000) return "now";
  return ms > 0 ? `in ${duration(ms)}` : `${duration(-ms)} ago`;
}

/** Counts of findings by severity. */
export function severityCounts(fs: Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { blocking: 0, needs_acknowledgement: 0, warning: 0, info: 0 };
  for (const f of fs) if (f.severity in c) c[f.severity]++;
  return c;
}

export interface FindingsListOptions {
  id?: string;
  parties: Map<string, Party>;
  /** Called with the finding's index (in the given array) on hover, or null. */
  onHover?: (i: number | null) => void;
  onPick?: (i: number) => void;
  empty?: string;
}

/**
 * The findings grouped by severity, most serious first; every item is
 * `.finding[data-severity][data-check][data-finding-index]`.
 */
export function findingsList(fs: Finding[], o: FindingsListOptions): HTMLElement {
  const list = h("div", { class: "mv-findings", id: o.id ?? null, role: "list" });
  if (!fs.length) {
    list.append(h("p", { class: "mv-findings-empty muted" }, o.empty ?? "No findings."));
    return list;
  }
  for (const sev of SEVERITIES) {
    const idx = fs.map((f, i) => [f, i] as const).filter(([f]) => f.severity === sev);
    if (!idx.length) continue;
    list.append(
      h(
        "div",
        { class: `finding-group sev-${sev}` },
        h("h4", { class: "finding-group-head" }, h("span", { class: `sev-dot sev-${sev}` }), SEVERITY_LABEL[sev], h("span", { class: "finding-count" }, String(idx.length))),
        idx.map(([f, i]) => findingItem(f, i, o)),
      ),
    );
  }
  return list;
}

function findingItem(f: Finding, i: number, o: FindingsListOptions): HTMLElement {
  const meta: Child[] = [h("span", { class: "f-check" }, lbl(CHECK_LABEL, f.check))];
  if (f.from || f.to) meta.push(h("span", { class: "f-when" }, zRange(f.from, f.to)));
  if (f.record_name) meta.push(h("span", { class: "f-record", title: f.record_id ?? "" }, f.record_name));
  if (f.party) meta.push(h("span", { class: "f-party" }, partyChip(f.party, o.parties)));
  const el = h(
    "div",
    {
      class: `finding sev-${f.severity}`,
      role: "listitem",
      tabindex: 0,
      "data-severity": f.severity,
      "data-check": f.check,
      "data-finding-index": i,
    },
    h("div", { class: "f-reason" }, f.reason),
    h("div", { class: "f-meta" }, meta),
  );
  if (o.onHover) {
    el.addEventListener("mouseenter", () => o.onHover?.(i));
    el.addEventListener("mouseleave", () => o.onHover?.(null));
    el.addEventListener("focus", () => o.onHover?.(i));
    el.addEventListener("blur", () => o.onHover?.(null));
  }
  if (o.onPick) el.addEventListener("click", () => o.onPick?.(i));
  return el;
}

/** Marks the list item of finding i (e.g. when its segment is hovered). */
export function markFinding(list: Element | null, i: number | null): void {
  if (!list) return;
  for (const el of list.querySelectorAll(".finding.is-hot")) el.classList.remove("is-hot");
  if (i === null) return;
  const el = list.querySelector(`.finding[data-finding-index="${i}"]`);
  el?.classList.add("is-hot");
}

/** "earliest conflict-free departure" with the ruled-out spans. */
export function earliestBlock(e: DepartureSlot | null | undefined, onUse?: (depart: string, arrive: string) => void): HTMLElement | null {
  if (!e) return null;
  const head = e.found
    ? h(
        "div",
        { class: "earliest-head found" },
        h("span", null, "Earliest conflict-free departure: ", h("b", null, zShort(e.depart)), h("span", { class: "muted" }, ` (arrival ${zShort(e.arrive)})`)),
        onUse
          ? h("button", { type: "button", class: "btn btn-small", onclick: () => onUse(e.depart, e.arrive), title: "Move the window to this departure, keeping its length" }, "Use this window")
          : null,
      )
    : h(
        "div",
        { class: "earliest-head none" },
        e.horizon_reached
          ? "No conflict-free departure within the next 72 h: re-route or postpone."
          : "No conflict-free departure found.",
      );
  const spans = (e.ruled_out ?? []).map((r) =>
    h("li", null, h("span", { class: "ro-when" }, zRange(r.from, r.to)), h("span", { class: "ro-why" }, (r.reasons ?? []).join("; "))),
  );
  return h(
    "div",
    { class: "mv-earliest" },
    head,
    spans.length ? [h("div", { class: "ro-title" }, "Ruled-out departures"), h("ul", { class: "ro-list" }, spans)] : null,
  );
}

const ACK_MARK: Record<string, string> = { acknowledged: "✓", objected: "✗", pending: "…" };

/** "ISR ✓ (relayed) · PAK pending · AZE objected" as compact chips. */
export function ackSummary(acks: Ack[] | null | undefined, parties: Map<string, Party>): HTMLElement {
  const list = acks ?? [];
  if (!list.length) return h("span", { class: "ack-summary muted" }, "—");
  return h(
    "span",
    { class: "ack-summary" },
    list.map((a) => {
      const p = parties.get(a.party);
      const word = a.state === "acknowledged" ? "✓" : a.state === "objected" ? "objected" : "pending";
      return h(
        "span",
        {
          class: `ack-chip ack-${a.state}`,
          title: `${a.party}${p ? ` (${p.name})` : ""}: ${a.state}${a.relayed ? ", relayed by the coordination center" : ""}${a.reason ? ` — ${a.reason}` : ""}`,
        },
        h("b", null, a.party),
        " ",
        word,
        a.relayed ? h("span", { class: "ack-relayed" }, " (relayed)") : null,
      );
    }),
  );
}

export function ackMark(state: string): string {
  return ACK_MARK[state] ?? "";
}

export function ackStateBadge(state: string): HTMLElement {
  const text = state === "acknowledged" ? "Acknowledged" : state === "objected" ? "Objected" : "Pending";
  return h("span", { class: `ack-state ack-${state}` }, text);
}

/** Great-circle length of a line, in km. */
export function lineKm(coords: [number, number][]): number {
  let m = 0;
  for (let i = 1; i < coords.length; i++) m += haversine(coords[i - 1], coords[i]);
  return m / 1000;
}

export function haversine(a: [number, number], b: [number, number]): number {
  const R = 6371008.8;
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** A labelled inline error for one form field. */
export function fieldError(text: string): HTMLElement {
  return h("div", { class: "field-error", role: "alert" }, text);
}
