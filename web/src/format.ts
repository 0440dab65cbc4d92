// Plain-words labels and UTC ("Zulu") time formatting. Every time Concord
// shows is UTC, marked with a Z, as in the mission's orders.

import type { FeatureKind } from "./api";

const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const p2 = (n: number) => String(n).padStart(2, "0");

export function parseTime(s: string | undefined | null): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return isNaN(d.getTime()) ? null : d;
}

/** "25 Nov 20:05Z" */
export function zShort(d: Date | string | null | undefined): string {
  const t = typeof d === "string" ? parseTime(d) : d;
  if (!t) return "—";
  return `${t.getUTCDate()} ${MON[t.getUTCMonth()]} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}Z`;
}

/** "Wed 25 Nov 2026 20:05Z" */
export function zLong(d: Date): string {
  return `${DAY[d.getUTCDay()]} ${d.getUTCDate()} ${MON[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}Z`;
}

/** "20:05:12Z" */
export function zClock(d: Date | string): string {
  const t = typeof d === "string" ? parseTime(d) : d;
  if (!t) return "—";
  return `${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}Z`;
}

/** Value for an <input type="datetime-local"> holding UTC. */
export function toInputValue(d: Date): string {
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
}

/** Reads an <input type="datetime-local"> value as UTC. */
export function fromInputValue(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(v);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)));
  return isNaN(d.getTime()) ? null : d;
}

/** "3 h 20 min", "2 d 4 h" */
export function duration(ms: number): string {
  const neg = ms < 0;
  let m = Math.round(Math.abs(ms) / 60000);
  const d = Math.floor(m / 1440);
  m -= d * 1440;
  const hr = Math.floor(m / 60);
  m -= hr * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d} d`);
  if (hr) parts.push(`${hr} h`);
  if (m && !d) parts.push(`${m} min`);
  const s = parts.join(" ") || "0 min";
  return neg ? `−${s}` : s;
}

export const KIND_LABEL: Record<FeatureKind, string> = {
  area_of_operations: "Area of operations",
  admin_area: "Administrative areas",
  sector: "Sectors",
  restricted_area: "Restricted areas",
  activity_area: "Activity areas",
  control_line: "Control lines",
  route: "Routes",
  site: "Sites",
};

export const KIND_SINGULAR: Record<FeatureKind, string> = {
  area_of_operations: "Area of operations",
  admin_area: "Administrative area",
  sector: "Sector",
  restricted_area: "Restricted area",
  activity_area: "Activity area",
  control_line: "Control line",
  route: "Route",
  site: "Site",
};

export const SITE_KIND_LABEL: Record<string, string> = {
  crossing: "Crossing",
  warehouse: "Warehouse",
  distribution_point: "Distribution point",
  hospital: "Hospital",
  clinic: "Clinic",
  shelter: "Shelter",
  water_point: "Water point",
  bakery: "Bakery",
  base: "Base",
  checkpoint: "Checkpoint",
  port: "Port",
};

export const STATUS_LABEL: Record<string, string> = {
  open: "Open",
  limited: "Limited",
  closed: "Closed",
  damaged: "Damaged",
  destroyed: "Destroyed",
  unknown: "Unknown",
};

export const LINE_VERSION_LABEL: Record<string, string> = {
  declared: "Declared",
  marked: "Marked on the ground",
  observed: "Observed",
};

export const PROP_LABEL: Record<string, string> = {
  kind: "Kind",
  name: "Name",
  description: "Description",
  lead_party: "Lead party",
  admin_code: "Administrative code",
  admin_level: "Administrative level",
  line: "Line",
  line_version: "Line version",
  controlling_party: "Controlling party",
  route_class: "Route class",
  site_kind: "Site type",
  operator: "Operator",
  status: "Status",
  capacity: "Capacity",
  capacity_unit: "Capacity unit",
  valid_from: "Valid from",
  valid_to: "Valid until",
  marking: "Marking",
  geometry: "Location / shape",
};

export function humanize(s: string): string {
  const t = s.replace(/_/g, " ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function label(table: Record<string, string>, key: string | undefined | null): string {
  if (!key) return "—";
  return table[key] ?? humanize(key);
}

export function number(n: number): string {
  return n.toLocaleString("en-GB");
}
