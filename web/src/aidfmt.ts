// Words and numbers for the aid pipeline: stage and category labels,
// quantities with their units, ages in hours.

import type { Qty } from "./aidapi";
import { h } from "./dom";

export const STAGE_LABEL: Record<string, string> = {
  registered: "Registered",
  submitted_for_clearance: "Submitted for clearance",
  cleared: "Cleared",
  rejected: "Rejected",
  dispatched: "Dispatched",
  arrived_at_crossing: "Arrived at crossing",
  inspected: "Inspected",
  offloaded: "Offloaded (awaiting collection)",
  collected: "Collected",
  in_transit: "In transit",
  delivered: "Delivered",
  intercepted: "Intercepted",
  returned: "Returned",
  cancelled: "Cancelled",
};

/** Short stage names for chips, axes and tight columns. */
export const STAGE_SHORT: Record<string, string> = {
  registered: "Registered",
  submitted_for_clearance: "Submitted",
  cleared: "Cleared",
  rejected: "Rejected",
  dispatched: "Dispatched",
  arrived_at_crossing: "At crossing",
  inspected: "Inspected",
  offloaded: "Offloaded",
  collected: "Collected",
  in_transit: "In transit",
  delivered: "Delivered",
  intercepted: "Intercepted",
  returned: "Returned",
  cancelled: "Cancelled",
};

export const CATEGORY_LABEL: Record<string, string> = {
  food: "Food",
  nutrition: "Nutrition",
  health: "Health",
  wash: "WASH",
  shelter_nfi: "Shelter / NFI",
  education: "Education",
  fuel: "Fuel",
  cooking_gas: "Cooking gas",
  commercial: "Commercial",
};

export const MODE_LABEL: Record<string, string> = {
  on_site: "On-site inspection",
  remote_scan: "Remote scan",
  back_to_back: "Back-to-back transfer",
};

export const KIND_LABEL: Record<string, string> = {
  crowd: "by a crowd",
  armed: "by armed men",
};

export function lbl(table: Record<string, string>, k: string | undefined | null): string {
  if (!k) return "—";
  return table[k] ?? k.replace(/_/g, " ");
}

/** Whole numbers with thousands separators; one decimal below 10 when needed. */
export function num(n: number, digits = 0): string {
  if (!isFinite(n)) return "—";
  return n.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** "1.2 M", "340 k" for big litre figures. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toLocaleString("en-GB", { maximumFractionDigits: 2 })} M`;
  if (a >= 1e4) return `${(n / 1e3).toLocaleString("en-GB", { maximumFractionDigits: 0 })} k`;
  return num(n);
}

/** A rate in percent, or an em dash when the server has none (no denominator). */
export function pct(r: number | null | undefined): string {
  return r === null || r === undefined ? "—" : `${r.toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`;
}

/** "37 h", "2.5 h", "4 d 3 h" */
export function hours(hr: number): string {
  if (!isFinite(hr)) return "—";
  if (hr < 10) return `${hr.toLocaleString("en-GB", { maximumFractionDigits: 1 })} h`;
  if (hr < 72) return `${Math.round(hr)} h`;
  const d = Math.floor(hr / 24);
  const rest = Math.round(hr - d * 24);
  return rest ? `${d} d ${rest} h` : `${d} d`;
}

/** "12 trucks · 240 t · 312 pallets · 33,000 L", leaving out zero units. */
export function qtyText(q: Qty | undefined | null, empty = "—"): string {
  if (!q) return empty;
  const parts: string[] = [];
  if (q.trucks) parts.push(`${num(q.trucks, 1)} truck${q.trucks === 1 ? "" : "s"}`);
  if (q.tonnes) parts.push(`${num(q.tonnes, 1)} t`);
  if (q.pallets) parts.push(`${num(q.pallets)} pallets`);
  if (q.litres) parts.push(`${num(q.litres)} L`);
  if (!parts.length) return empty;
  return parts.join(" · ");
}

/** A quantity with the damaged part of a receipt set apart. */
export function qtyEl(q: Qty | undefined | null): HTMLElement {
  const t = qtyText(q, "");
  return h(
    "span",
    { class: "aid-qty" },
    t || h("span", { class: "muted" }, "no quantity"),
    q?.damaged_tonnes
      ? h("span", { class: "aid-damaged", title: "Received damaged (part of the tonnes)" }, ` · good ${num(q.tonnes - q.damaged_tonnes, 1)} t, damaged ${num(q.damaged_tonnes, 1)} t`)
      : null,
  );
}

/** The chip of a consignment's status or an event's stage. */
export function stageChip(stage: string, short = true): HTMLElement {
  return h("span", { class: `aid-stage st-${stage}`, "data-stage": stage, title: lbl(STAGE_LABEL, stage) }, short ? lbl(STAGE_SHORT, stage) : lbl(STAGE_LABEL, stage));
}

const p2 = (n: number) => String(n).padStart(2, "0");

/** A UTC day as YYYY-MM-DD. */
export function isoDay(d: Date): string {
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
}

/** The UTC day n days after an ISO day. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDay(d);
}

/** "6 Nov" for chart axes. */
export function dayLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return `${d.getUTCDate()} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()]}`;
}
