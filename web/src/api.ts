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

export interface StreamEvent {
  kind: string;
  verb: string;
  record_id: string;
  version?: number;
  at: string;
  actor?: string;
  actor_party?: string;
  marking?: Marking;
  data?: Feature;
}

/** An API error carrying the problem+json details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = "",
    readonly retryAfter = 0,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json, application/geo+json, application/problem+json" },
  };
  if (body !== undefined) {
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
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
    const p = (json ?? {}) as { detail?: string; title?: string; code?: string };
    const retry = Number(res.headers.get("Retry-After") ?? "0") || 0;
    const msg = p.detail || p.title || `${res.status} ${res.statusText || "error"}`;
    throw new ApiError(res.status, msg, p.code ?? "", retry);
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
