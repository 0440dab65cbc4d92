// Typed access to Concord's HTTP API (same origin, session cookie).

export type FeatureKind =
  | "area_of_operations"
  | "admin_area"
  | "sector"
  | "restricted_area"
  | "activity_area"
  | "control_line"
  | "route"
  | "site";

export interface Marking {
  owner: string;
  rel: string[];
  caveats: string[];
  banner: string;
}

export interface FeatureProps {
  kind: FeatureKind;
  name: string;
  description?: string;
  lead_party?: string;
  admin_code?: string;
  admin_level?: number;
  line?: string;
  line_version?: string;
  controlling_party?: string;
  route_class?: string;
  site_kind?: string;
  operator?: string;
  status?: string;
  capacity?: number;
  capacity_unit?: string;
  valid_from?: string;
  valid_to?: string;
  marking: Marking;
  version: number;
  created_at?: string;
  updated_at?: string;
  updated_by?: string;
  updated_by_party?: string;
  [key: string]: unknown;
}

export interface Geometry {
  type: string;
  coordinates?: unknown;
  geometries?: Geometry[];
}

export interface Feature {
  type: "Feature";
  id: string;
  geometry: Geometry;
  properties: FeatureProps;
}

export interface FeatureCollection {
  type: "FeatureCollection";
  features: Feature[];
  count: number;
  next?: string;
}

export interface Policy {
  never_release_to: string[];
  reason?: string;
}

export interface Party {
  code: string;
  name: string;
  kind: string;
  groups: string[];
  policy: Policy;
  color: string;
}

export interface User {
  id: string;
  username: string;
  display_name: string;
  party: string;
  roles: string[];
}

export interface Session {
  user: User;
  party: Party;
  exercise?: string;
}

/** GET /api/session: never fails; says whether the caller is logged in. */
export interface SessionProbe {
  authenticated: boolean;
  user?: User;
  party?: Party;
  exercise?: string;
}

export interface ClientConfig {
  exercise?: string;
  basemap_url?: string;
  basemap_attribution?: string;
  feature_kinds: FeatureKind[];
  site_kinds: string[];
  site_statuses: string[];
  roles: string[];
}

export interface Group {
  code: string;
  name: string;
  description?: string;
  members: string[];
}

export interface Caveat {
  code: string;
  description: string;
}

export interface HistoryVersion {
  version: number;
  verb: string;
  at: string;
  actor: string;
  actor_party: string;
  banner: string;
  changed: string[] | null;
  data: Feature | null;
}

export interface StreamEvent<T = Feature> {
  kind: string;
  verb: string;
  record_id: string;
  version?: number;
  at: string;
  actor?: string;
  actor_party?: string;
  marking?: Marking;
  data?: T;
}

// ---------------------------------------------------------------- movements

/** A GeoJSON LineString: [longitude, latitude] pairs. */
export interface LineString {
  type: "LineString";
  coordinates: [number, number][];
}

export type Severity = "blocking" | "needs_acknowledgement" | "warning" | "info";

export interface Finding {
  check: string;
  severity: Severity;
  route: LineString | null;
  from: string;
  to: string;
  record_id?: string;
  record_name?: string;
  party?: string;
  distance_m: number;
  reason: string;
}

export interface RuledOut {
  from: string;
  to: string;
  reasons: string[];
}

export interface DepartureSlot {
  found: boolean;
  depart: string;
  arrive: string;
  ruled_out: RuledOut[] | null;
  horizon_reached: boolean;
}

export type AckState = "pending" | "acknowledged" | "objected";

export interface Ack {
  party: string;
  state: AckState;
  reason?: string;
  at?: string;
  by?: string;
  relayed: boolean;
  why: string[] | null;
  route: LineString[] | null;
  from: string;
  to: string;
  asked: string;
}

export interface Vehicle {
  plate: string;
  type: string;
  markings?: string;
}

export interface Contact {
  name: string;
  phone?: string;
  radio?: string;
}

export interface Delay {
  minutes: number;
  reason: string;
}

export interface Decision {
  outcome: string;
  reason?: string;
  delays?: Delay[] | null;
  at: string;
  by: string;
}

export interface MarkingInput {
  owner: string;
  rel: string[];
  caveats: string[];
}

/** What a client sends to check, notify or change a movement. */
export interface MovementInput {
  purpose: string;
  route: LineString;
  sites: string[];
  corridors: string[];
  depart: string;
  arrive: string;
  vehicles: Vehicle[];
  personnel: number;
  contacts: Contact[];
  consignments?: string[];
  emergency: boolean;
  notes?: string;
  marking: MarkingInput;
  version?: number;
}

export interface Movement {
  id: string;
  reference: string;
  purpose: string;
  route: LineString;
  sites: string[] | null;
  corridors: string[] | null;
  depart: string;
  arrive: string;
  vehicles: Vehicle[] | null;
  personnel: number;
  contacts: Contact[] | null;
  consignments: string[] | null;
  emergency: boolean;
  notes?: string;
  marking: Marking;
  banner: string;
  status: string;
  findings: Finding[] | null;
  acks: Ack[] | null;
  decision?: Decision | null;
  earliest?: DepartureSlot | null;
  submitted_at: string;
  version: number;
  created_at: string;
  updated_at: string;
  updated_by: string;
  updated_by_party: string;
}

export interface CheckResult {
  findings: Finding[] | null;
  earliest: DepartureSlot | null;
  length_km: number;
  ack_parties: string[] | null;
}

/** A sanitized acknowledgement request relayed by the coordination center. */
export interface RelayRequest {
  reference: string;
  party: string;
  route: LineString[] | null;
  from: string;
  to: string;
  vehicles: number;
  emergency: boolean;
  why: string[] | null;
  state: AckState;
  asked: string;
  status: "open" | "closed";
}

export interface DeconflictRules {
  buffer_m: number;
  corridor_capacity: number;
  lead_time_hours: number;
  emergency_lead_time_hours: number;
  max_window_hours: number;
}

export interface DeconflictInfo {
  notice: string;
  rules: DeconflictRules;
  purposes: string[];
  statuses: string[];
}

export interface MovementVersion {
  version: number;
  verb: string;
  at: string;
  actor: string;
  actor_party: string;
  banner: string;
  data?: Movement | null;
}

export interface MovementFilter {
  statuses: string[];
  party: string;
  emergency: "" | "true" | "false";
}

export interface SiteNotification {
  id: string;
  name: string;
  category: string;
  geometry: Geometry;
  operator?: string;
  notes?: string;
  valid_from?: string;
  valid_to?: string;
  reconfirm_hours: number;
  confirmed_at: string;
  expires_at: string;
  status: string;
  marking: Marking;
  banner: string;
  version: number;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

export interface SiteNotificationInput {
  name: string;
  category: string;
  geometry: Geometry;
  operator?: string;
  notes?: string;
  reconfirm_hours: number;
  marking: MarkingInput;
}

export interface Disclosure {
  party: string;
  kind?: string;
  record_id?: string;
  version: number;
  at: string;
  via: string;
}

export interface MarkingCheck {
  marking: Marking;
  banner: string;
  recipients: string[] | null;
}

export interface FieldError {
  field: string;
  reason: string;
}

/** An API error carrying the problem+json details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = "",
    readonly retryAfter = 0,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** Sends a request; a body is JSON unless a content type says it is sent
 * as it is (a CSV file). */
export async function request<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json, application/geo+json, application/problem+json" },
  };
  if (body !== undefined) {
    (init.headers as Record<string, string>)["Content-Type"] = contentType;
    init.body = contentType === "application/json" ? JSON.stringify(body) : (body as BodyInit);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "The Concord server cannot be reached. Check the network and try again.", "network");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const p = (json ?? {}) as { detail?: string; title?: string; code?: string; errors?: FieldError[] | null };
    const retry = Number(res.headers.get("Retry-After") ?? "0") || 0;
    const msg = p.detail || p.title || `${res.status} ${res.statusText || "error"}`;
    throw new ApiError(res.status, msg, p.code ?? "", retry, Array.isArray(p.errors) ? p.errors : []);
  }
  return json as T;
}

export const api = {
  login: (username: string, password: string) => request<Session>("POST", "/api/login", { username, password }),
  logout: () => request<void>("POST", "/api/logout"),
  me: () => request<Session>("GET", "/api/me"),
  session: () => request<SessionProbe>("GET", "/api/session"),
  config: () => request<ClientConfig>("GET", "/api/config"),
  parties: () => request<{ parties: Party[] }>("GET", "/api/parties"),
  groups: () => request<{ groups: Group[]; caveats: Caveat[] }>("GET", "/api/groups"),
  history: (id: string) =>
    request<{ versions: HistoryVersion[] }>("GET", `/api/features/${encodeURIComponent(id)}/history`),

  markingCheck: (marking: MarkingInput) => request<MarkingCheck>("POST", "/api/markings/check", { marking }),

  deconfliction: () => request<DeconflictInfo>("GET", "/api/deconfliction"),
  checkMovement: (m: MovementInput) => request<CheckResult>("POST", "/api/movements/check", m),
  createMovement: (m: MovementInput) => request<Movement>("POST", "/api/movements", m),
  updateMovement: (id: string, m: MovementInput) => request<Movement>("PUT", `/api/movements/${encodeURIComponent(id)}`, m),
  movement: (id: string) => request<Movement>("GET", `/api/movements/${encodeURIComponent(id)}`),
  movementHistory: (id: string) =>
    request<{ versions: MovementVersion[] | null }>("GET", `/api/movements/${encodeURIComponent(id)}/history`),
  movementStep: (id: string, step: string, body?: Record<string, unknown>) =>
    request<Movement>("POST", `/api/movements/${encodeURIComponent(id)}/${step}`, body ?? {}),
  acknowledge: (id: string, decision: "acknowledge" | "object", reason: string) =>
    request<Movement | { reference: string; party: string; state: AckState }>("POST", `/api/movements/${encodeURIComponent(id)}/ack`, { decision, reason }),
  acks: () => request<{ direct: Movement[] | null; relayed: RelayRequest[] | null }>("GET", "/api/acks"),

  /** The movement queue, following the pagination cursor (bounded). */
  async movements(f: MovementFilter): Promise<Movement[]> {
    const out: Movement[] = [];
    let cursor = "";
    for (let page = 0; page < 20; page++) {
      const q = new URLSearchParams({ limit: "1000" });
      if (f.statuses.length) q.set("status", f.statuses.join(","));
      if (f.party) q.set("party", f.party);
      if (f.emergency) q.set("emergency", f.emergency);
      if (cursor) q.set("cursor", cursor);
      const r = await request<{ movements: Movement[] | null; next?: string }>("GET", `/api/movements?${q}`);
      out.push(...(r.movements ?? []));
      if (!r.next) return out;
      cursor = r.next;
    }
    return out;
  },

  siteNotifications: () => request<{ notifications: SiteNotification[] | null }>("GET", "/api/site-notifications"),
  createSiteNotification: (n: SiteNotificationInput) => request<SiteNotification>("POST", "/api/site-notifications", n),
  siteNotificationStep: (id: string, step: "reconfirm" | "withdraw") =>
    request<SiteNotification>("POST", `/api/site-notifications/${encodeURIComponent(id)}/${step}`, {}),
  disclosures: (id: string) =>
    request<{ disclosures: Disclosure[] | null }>("GET", `/api/site-notifications/${encodeURIComponent(id)}/disclosures`),

  /** Every feature valid at asOf, following the pagination cursor. */
  async features(asOf: Date | null): Promise<Feature[]> {
    const out: Feature[] = [];
    let cursor = "";
    for (let page = 0; page < 1000; page++) {
      const q = new URLSearchParams({ limit: "5000" });
      if (asOf) q.set("as_of", rfc3339(asOf));
      if (cursor) q.set("cursor", cursor);
      const fc = await request<FeatureCollection>("GET", `/api/features?${q}`);
      out.push(...(fc.features ?? []));
      if (!fc.next) return out;
      cursor = fc.next;
    }
    return out;
  },
};

/** RFC 3339 in UTC without fractional seconds. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
