// Typed access to the live picture's endpoints: tracks, their trails, and
// geofence alerts (httpapi/track.go, tag "live picture" in the OpenAPI).

import { request, rfc3339, type Marking } from "./api";

/** A track as the API sends it: the latest report of one uid. */
export interface Track {
  uid: string;
  callsign: string;
  /** Cursor-on-Target type, e.g. a-f-G-U-C-I. */
  type: string;
  /** MIL-STD-2525C 15-letter symbol code ("" for non-atoms). */
  sidc?: string;
  marking: Omit<Marking, "banner"> & { banner?: string };
  banner: string;
  lat: number;
  lon: number;
  /** Height above the ellipsoid in metres; 9999999 is unknown (also ce, le). */
  hae: number;
  ce: number;
  le: number;
  /** Degrees true, when reported. */
  course?: number;
  /** Metres per second, when reported. */
  speed?: number;
  time: string;
  stale: string;
  source: "http" | "tak" | "sim" | string;
  source_user?: string;
  movement_id?: string;
  received: string;
  is_stale: boolean;
}

export interface TrackPoint {
  time: string;
  lat: number;
  lon: number;
  hae: number;
  course?: number;
  speed?: number;
}

export type AlertType = "enter" | "exit" | "sector_change" | "cross" | "off_route" | "back_on_route" | "arrived" | "stale";
export type AlertSeverity = "critical" | "warning" | "info";

export interface AlertAck {
  by: string;
  party: string;
  at: string;
  note?: string;
}

export interface Alert {
  id: string;
  type: AlertType;
  severity: AlertSeverity;
  message: string;
  track_uid: string;
  callsign: string;
  track_owner: string;
  zone_id?: string;
  zone_kind?: string;
  zone_name?: string;
  from_zone?: string;
  movement_id?: string;
  at: string;
  lat: number;
  lon: number;
  distance_m?: number;
  marking: Omit<Marking, "banner">;
  /** Set by the list and ack endpoints; live events carry it in their marking. */
  banner?: string;
  status: "open" | "acknowledged";
  ack?: AlertAck;
  escalated_at?: string;
  version: number;
}

/** Cursor-on-Target's value for an unknown height or error. */
export const UNKNOWN_ERROR = 9999999;

export const copApi = {
  tracks: () => request<{ tracks: Track[] | null }>("GET", "/api/tracks"),
  track: (uid: string) => request<Track>("GET", `/api/tracks/${encodeURIComponent(uid)}`),
  history: (uid: string, from: Date, to: Date, limit = 2000) =>
    request<{ points: TrackPoint[] | null }>(
      "GET",
      `/api/tracks/${encodeURIComponent(uid)}/history?${new URLSearchParams({ from: rfc3339(from), to: rfc3339(to), limit: String(limit) })}`,
    ),
  alerts: (limit = 300) => request<{ alerts: Alert[] | null }>("GET", `/api/alerts?limit=${limit}`),
  ackAlert: (id: string, note: string) => request<Alert>("POST", `/api/alerts/${encodeURIComponent(id)}/ack`, { note }),
};
