// Small planar geometry for the route editor: distances to lines, the
// stretch of a corridor between two points, and containment in the area
// of operations. An equirectangular projection is accurate enough at the
// scale of a mission area.

export type LngLat = [number, number];

const KY = 110_540;

function kx(lat: number): number {
  return 111_320 * Math.cos((lat * Math.PI) / 180);
}

export interface Projection {
  /** Distance from the point to the line, in metres. */
  d: number;
  /** Segment index (from vertex seg to seg+1) and position along it. */
  seg: number;
  t: number;
  /** The nearest point on the line. */
  at: LngLat;
}

/** The nearest point of a polyline to p. */
export function project(p: LngLat, line: LngLat[]): Projection | null {
  if (line.length < 2) return null;
  const k = kx(p[1]);
  let best: Projection | null = null;
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1];
    const b = line[i];
    const ax = (a[0] - p[0]) * k, ay = (a[1] - p[1]) * KY;
    const bx = (b[0] - p[0]) * k, by = (b[1] - p[1]) * KY;
    const dx = bx - ax, dy = by - ay;
    const len2 = dx * dx + dy * dy;
    let t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
    t = Math.max(0, Math.min(1, t));
    const x = ax + t * dx, y = ay + t * dy;
    const d = Math.hypot(x, y);
    if (!best || d < best.d) best = { d, seg: i - 1, t, at: [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])] };
  }
  return best;
}

/** The stretch of line between two projections, ends included. */
export function between(line: LngLat[], a: Projection, b: Projection): LngLat[] {
  const pos = (q: Projection) => q.seg + q.t;
  const forward = pos(a) <= pos(b);
  const [s, e] = forward ? [a, b] : [b, a];
  const out: LngLat[] = [s.at];
  for (let i = s.seg + 1; i <= e.seg; i++) out.push(line[i]);
  out.push(e.at);
  if (!forward) out.reverse();
  // Drop consecutive duplicates (within a metre).
  return out.filter((p, i) => i === 0 || metres(p, out[i - 1]) > 1);
}

export function metres(a: LngLat, b: LngLat): number {
  const k = kx((a[1] + b[1]) / 2);
  return Math.hypot((b[0] - a[0]) * k, (b[1] - a[1]) * KY);
}

/** Lines of a LineString or MultiLineString geometry. */
export function linesOf(g: { type: string; coordinates?: unknown }): LngLat[][] {
  if (g.type === "LineString") return [g.coordinates as LngLat[]];
  if (g.type === "MultiLineString") return g.coordinates as LngLat[][];
  return [];
}

function ringContains(r: LngLat[], p: LngLat): boolean {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const a = r[i], b = r[j];
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** Whether a Polygon or MultiPolygon geometry contains p. */
export function polygonContains(g: { type: string; coordinates?: unknown }, p: LngLat): boolean {
  const polys: LngLat[][][] =
    g.type === "Polygon" ? [g.coordinates as LngLat[][]] : g.type === "MultiPolygon" ? (g.coordinates as LngLat[][][]) : [];
  for (const pg of polys) {
    if (!pg.length || !ringContains(pg[0], p)) continue;
    if (pg.slice(1).some((h) => ringContains(h, p))) continue;
    return true;
  }
  return false;
}
