// Typed access to the force-generation endpoints (/api/forcegen…). Every
// answer is already redacted for the viewer by the server.

import { request, type FeatureCollection, type FeatureKind } from "./api";

export type Coverage = "met" | "partial" | "uncovered";

export interface FgSector {
  id: string;
  name: string;
  line_km: number;
  party_km: Record<string, number> | null;
  needed: number;
  assigned: number;
  coverage: Coverage;
}

export interface FgMarking {
  owner: string;
  rel: string[] | null;
  caveats?: string[] | null;
}

export interface FgRequirement {
  id: string;
  sector: string;
  phase: number;
  capability: string;
  quantity: number;
  min_strength: number;
  tasks: string[] | null;
  needed_by: string;
  priority: number;
  notes?: string;
  marking: FgMarking;
  version: number;
}

export interface FgCaveat {
  type: string;
  party?: string;
  sectors?: string[];
  km?: number;
  tasks?: string[];
  text: string;
}

export interface FgPledge {
  id: string;
  nation: string;
  unit: string;
  capability: string;
  strength: number;
  pledged_at: string;
  readiness: string;
  status: string;
  decision: string;
  caveats: FgCaveat[] | null;
  caveats_hidden?: boolean;
  marking: FgMarking;
  caveat_rel: string[] | null;
  version: number;
}

/** A pledge on a requirement; pledge is empty when the viewer may not see it. */
export interface Placement {
  pledge: string;
  requirement: string;
}

export interface FgAssignment {
  placements: Placement[] | null;
  version: number;
  updated_at: string;
  updated_by: string;
  note?: string;
}

export interface FgConflict {
  kind: string;
  pledge?: string;
  requirement: string;
  hard: boolean;
  relay: boolean;
  cost?: string;
  caveat: number;
  reason: string;
  evidence?: string;
  nation?: string;
  redacted?: boolean;
}

export interface FgConditions {
  cessation: boolean;
  version: number;
  updated_at?: string;
  updated_by?: string;
}

export interface Board {
  sectors: FgSector[] | null;
  requirements: FgRequirement[] | null;
  pledges: FgPledge[] | null;
  assignment: FgAssignment;
  conflicts: FgConflict[] | null;
  conditions: FgConditions;
  capabilities: string[];
  tasks: string[];
  caveat_types: string[];
}

export interface FgGap {
  requirement: string;
  missing: number;
  reasons: string[] | null;
  blocking: FgConflict[] | null;
}

export interface Proposal {
  placements: Placement[] | null;
  score: number;
  add: Placement[] | null;
  remove: Placement[] | null;
  keep: Placement[] | null;
  gaps: FgGap[] | null;
  relays: FgConflict[] | null;
  base_version: number;
}

/**
 * One version of the assignment's audit trail: the full copy (placements
 * with what was added and removed) for the coordination center, a summary
 * for the nations.
 */
export interface AssignmentVersion {
  version: number;
  verb: string;
  at: string;
  actor: string;
  actor_party: string;
  banner: string;
  data: {
    note?: string;
    updated_at?: string;
    updated_by?: string;
    placements?: Placement[] | null;
    add?: Placement[] | null;
    remove?: Placement[] | null;
    placed?: number;
    added?: number;
    removed?: number;
  } | null;
}

export const fgApi = {
  board: () => request<Board>("GET", "/api/forcegen"),
  check: (placements: Placement[]) => request<{ conflicts: FgConflict[] | null }>("POST", "/api/forcegen/check", { placements }),
  save: (version: number, placements: Placement[], note: string) =>
    request<FgAssignment>("PUT", "/api/forcegen/assignment", { version, placements, note }),
  propose: () => request<Proposal>("POST", "/api/forcegen/propose", {}),
  history: () => request<{ versions: AssignmentVersion[] | null }>("GET", "/api/forcegen/assignment/history"),
  /** The features drawn on the board's map (sectors and their context). */
  mapFeatures: (kinds: FeatureKind[]) => request<FeatureCollection>("GET", `/api/features?kind=${kinds.join(",")}&limit=5000`),
};
