// What the movement screens share: who is looking, the directory, the
// deconfliction rules, and the map.

import type * as L from "leaflet";
import type { DeconflictInfo, Feature, Session } from "./api";
import type { Directory } from "./details";
import type { MissionMap } from "./map";
import type { MovementOverlay } from "./mvmap";

export type ClickHook = (at: L.LatLng, f: Feature | null) => boolean;

export interface MvContext {
  session: Session;
  dir: Directory;
  info: DeconflictInfo;
  mm: MissionMap;
  overlay: MovementOverlay;
  /** The features on the map at the chosen time. */
  features(): Iterable<Feature>;
  feature(id: string): Feature | undefined;
  /** A short message over the map (cleared after a while for info). */
  notice(text: string, kind?: "error" | "info"): void;
  /** Routes map clicks to a drawing tool (null: normal selection). */
  setHook(fn: ClickHook | null): void;
  /** Closes the feature details panel (it shares the space). */
  closeFeatureDetails(): void;
  /** The viewer's party code. */
  party: string;
  /** The viewer's role may write (admin, coordinator, liaison, reporter). */
  canWrite: boolean;
  /** The viewer may acknowledge (liaison, coordinator, admin). */
  canAck: boolean;
  /** A coordinator (or admin) of the coordination center. */
  isCMCC: boolean;
}

const WRITE_ROLES = ["admin", "coordinator", "liaison", "reporter"];
const ACK_ROLES = ["liaison", "coordinator", "admin"];

export function rolesOf(session: Session): { canWrite: boolean; canAck: boolean; isCMCC: boolean } {
  const roles = session.user.roles ?? [];
  const has = (list: string[]) => roles.some((r) => list.includes(r));
  return {
    canWrite: has(WRITE_ROLES),
    canAck: has(ACK_ROLES),
    isCMCC: session.party.kind === "coordination" && has(["coordinator", "admin"]),
  };
}
