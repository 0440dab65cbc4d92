// Typed access to the aid pipeline endpoints (/api/consignments…,
// /api/aid…). Every answer covers only the consignments the viewer may
// see: lists, timelines and aggregates alike are computed per viewer by
// the server.

import { request, type Marking } from "./api";

/** An amount of cargo in every unit the pipeline counts. */
export interface Qty {
  trucks: number;
  tonnes: number;
  pallets: number;
  litres: number;
  damaged_tonnes?: number;
}

export interface AidDay {
  date: string;
  entered: Qty;
  fuel_litres: number;
  collected: Qty;
  delivered: Qty;
  intercepted: Qty;
  rejected: number;
  met_target: boolean;
}

export interface CrossingTotal {
  crossing: string;
  entered: Qty;
  collected: Qty;
  awaiting: number;
}

export interface Count {
  label: string;
  n: number;
}

export interface Dwell {
  from: string;
  to: string;
  n: number;
  median_h: number;
  p90_h: number;
}

export interface KPIs {
  from: string;
  to: string;
  target_trucks: number;
  consignments: number;
  days: AidDay[] | null;
  days_met_target: number;
  entered: Qty;
  fuel_litres: number;
  collected: Qty;
  delivered: Qty;
  intercepted: Qty;
  returned: Qty;
  /** Percentages over tonnes; null when the denominator is zero. */
  collection_rate: number | null;
  interception_rate: number | null;
  delivery_rate: number | null;
  delivered_north: Qty;
  delivered_south: Qty;
  awaiting: {
    at: string;
    consignments: number;
    qty: Qty;
    age_median_h: number;
    age_p90_h: number;
    age_max_h: number;
  };
  by_crossing: CrossingTotal[] | null;
  rejection_reasons: Count[] | null;
  rejected_items: Count[] | null;
  interceptions: Count[] | null;
  dwell: Dwell[] | null;
}

export interface AidVocabulary {
  stages: string[];
  categories: string[];
  inspection_modes: string[];
  target_trucks: number;
}

export interface CrossingState {
  open: boolean;
  from: string;
  reason: string;
  by: string;
}

export interface Crossing {
  id: string;
  name: string;
  lon: number;
  lat: number;
  operator: string;
  hours: string;
  capacity_trucks: number;
  inspection_mode: string;
  open: boolean;
  history: CrossingState[] | null;
  version: number;
  /** Consignments planned through it and not yet offloaded. */
  pending: number;
  /** Closed while consignments are pending. */
  held: boolean;
}

export interface CrossingInput {
  hours: string;
  capacity_trucks: number;
  inspection_mode: string;
  open: boolean;
  reason: string;
  version: number;
}

export interface ConsignmentSummary {
  id: string;
  ref: string;
  sender: string;
  implementer: string;
  crossing: string;
  destination: string;
  category: string;
  planned: Qty;
  status: string;
  last_at: string;
  banner: string;
  version: number;
}

export interface CargoLine {
  item_code: string;
  item_name: string;
  category: string;
  quantity: number;
  unit: string;
  weight_kg: number;
  lot?: string;
  expiry?: string;
  dual_use?: boolean;
  clearance_ref?: string;
}

export interface StageEvent {
  id: string;
  consignment: string;
  stage: string;
  at: string;
  party: string;
  actor: string;
  place?: string;
  qty: Qty;
  reason?: string;
  kind?: string;
  items?: string[];
  evidence?: string;
  supersedes?: string;
  /** For a return: the stage the goods came back from. */
  from?: string;
}

export interface Closure {
  crossing: string;
  from: string;
  to: string | null;
  reason: string;
}

export interface ConsignmentView {
  id: string;
  ref: string;
  external_refs: Record<string, string> | null;
  sender: string;
  implementer: string;
  corridor: string;
  origin: string;
  crossing: string;
  destination: string;
  region: string;
  priority: number;
  category: string;
  planned: Qty;
  lines: CargoLine[] | null;
  status: string;
  timeline: StageEvent[] | null;
  superseded: StageEvent[] | null;
  at_stage: Record<string, Qty> | null;
  crossing_closures: Closure[] | null;
  marking: Marking;
  banner: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** What a client sends to record a stage event. */
export interface StageInput {
  stage: string;
  qty?: Partial<Qty>;
  reason?: string;
  kind?: string;
  items?: string[];
  evidence?: string;
  supersedes?: string;
  place?: string;
  at?: string;
}

/** The filters the dashboard, the list and the exports share. Dates are
 * UTC days, YYYY-MM-DD; `to` is exclusive, as the API takes it. */
export interface AidFilter {
  from: string;
  to: string;
  crossing: string;
  category: string;
  org: string;
}

export function filterQuery(f: AidFilter, extra: Record<string, string> = {}): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ from: f.from, to: f.to, crossing: f.crossing, category: f.category, org: f.org, ...extra })) if (v) q.set(k, v);
  return q;
}

/** What an import did (pipeline.ImportResult). */
export interface ImportResult {
  kind: "consignments" | "events";
  rows: number;
  consignments_created: number;
  events_recorded: number;
  skipped_duplicates: number;
  rows_rejected: number;
  errors: { line: number; column?: string; reason: string }[] | null;
  ignored_columns: string[] | null;
}

const id = encodeURIComponent;

export const aidApi = {
  vocabulary: () => request<AidVocabulary>("GET", "/api/aid"),
  kpis: (f: AidFilter) => request<KPIs>("GET", `/api/aid/kpis?${filterQuery(f)}`),
  crossings: () => request<{ crossings: Crossing[] | null }>("GET", "/api/aid/crossings"),
  setCrossing: (crossing: string, in_: CrossingInput) => request<unknown>("PUT", `/api/aid/crossings/${id(crossing)}`, in_),
  list: (f: AidFilter, status: string, cursor: string, limit: number) =>
    request<{ consignments: ConsignmentSummary[] | null; next: string }>(
      "GET",
      `/api/consignments?${filterQuery(f, { status, cursor, limit: String(limit) })}`,
    ),
  get: (cid: string) => request<ConsignmentView>("GET", `/api/consignments/${id(cid)}`),
  append: (cid: string, ev: StageInput) => request<ConsignmentView>("POST", `/api/consignments/${id(cid)}/events`, ev),
  importCSV: (file: Blob, validOnly: boolean) =>
    request<ImportResult>("POST", `/api/consignments/import${validOnly ? "?mode=valid_only" : ""}`, file, "text/csv"),
  exportURL: (what: "consignments" | "events" | "kpis", f: AidFilter) => {
    const q = filterQuery(f).toString();
    return `/api/aid/export/${what}.csv${q ? `?${q}` : ""}`;
  },
};
