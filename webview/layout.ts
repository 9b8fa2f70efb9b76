// Vertical layout of the timeline canvas (axis, one row per lane and configuration, the summary
// tracks) and hit-testing of a pointer position against the per-pixel bins drawn there. Pure: the
// same functions serve the renderer, the tooltip, clicks and the tests.
import type { LaneBins, LaneInfo, TimeRange, WindowResult } from '../src/shared/timelineProtocol';
import { pxToBin } from './viewport';

export type RowKind = 'axis' | 'lane' | 'faults' | 'cmo' | 'tlbi' | 'heat';

export interface Row {
  kind: RowKind;
  y: number;
  h: number;
  label: string;
  lane?: LaneInfo;
}

export const AXIS_H = 22;
export const LANE_H = 30;
export const LANE_B_H = 22;
export const FAULTS_H = 44;
export const SMALL_H = 22;

/**
 * The lanes in the order they are drawn: pinned lanes first (in the order they were pinned), then
 * the vCPUs by index (the trace lists them as it first meets them), then the rest (host) as given.
 * A what-if's B lane stays right under its A lane (the same id, A first).
 */
export function orderLanes(lanes: readonly LaneInfo[], pinned: readonly string[] = []): LaneInfo[] {
  const rank = (l: LaneInfo): [number, number] => {
    const p = pinned.indexOf(l.id);
    if (p >= 0) return [0, p];
    const vcpu = /^vCPU (\d+)\b/.exec(l.label);
    return vcpu ? [1, Number(vcpu[1])] : [2, 0];
  };
  return lanes
    .map((l, i) => ({ l, i, r: rank(l) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || (a.l.id === b.l.id ? (a.l.config === 'A' ? -1 : 1) : a.i - b.i))
    .map((x) => x.l);
}

/** The lane heights the page offers (px of an A lane; a what-if's B lane is three quarters of it). */
export const LANE_HEIGHTS = [22, 30, 48, 72] as const;

export function computeLayout(lanes: readonly LaneInfo[], heatRows: number, laneHeight: number = LANE_H): Row[] {
  const aH = Math.max(LANE_HEIGHTS[0], Math.min(LANE_HEIGHTS[LANE_HEIGHTS.length - 1], Math.round(laneHeight)));
  const bH = laneHeight === LANE_H ? LANE_B_H : Math.max(LANE_HEIGHTS[0], Math.round(aH * 0.75));
  const rows: Row[] = [];
  let y = 0;
  const push = (r: Omit<Row, 'y'>) => {
    rows.push({ ...r, y });
    y += r.h;
  };
  push({ kind: 'axis', h: AXIS_H, label: '' });
  for (const l of lanes) push({ kind: 'lane', h: l.config === 'A' ? aH : bH, label: l.config === 'B' ? `B: ${l.label}` : l.label, lane: l });
  push({ kind: 'faults', h: FAULTS_H, label: 'faults by class' });
  push({ kind: 'cmo', h: SMALL_H, label: 'CMO bytes' });
  push({ kind: 'tlbi', h: SMALL_H, label: 'TLB invalidations' });
  push({ kind: 'heat', h: Math.max(SMALL_H, Math.min(44, heatRows * 6 + 4)), label: 'IPA heat' });
  return rows;
}

export function layoutHeight(rows: readonly Row[]): number {
  const last = rows[rows.length - 1];
  return last ? last.y + last.h : 0;
}

export function rowAt(rows: readonly Row[], y: number): Row | undefined {
  return rows.find((r) => y >= r.y && y < r.y + r.h);
}

export function laneBinsFor(data: WindowResult | undefined, lane: LaneInfo | undefined): LaneBins | undefined {
  if (!data || !lane) return undefined;
  return data.lanes.find((l) => l.lane === lane.id && l.config === lane.config);
}

export interface BinHit {
  lane: LaneBins;
  /** Index into the lane's parallel arrays. */
  k: number;
  /** Bin index in the answered window. */
  bin: number;
}

/** The non-empty bin under (or within `slop` pixels of) x in a lane, nearest first. */
export function hitBin(data: WindowResult, lane: LaneBins, x: number, vp: TimeRange, width: number, slop = 3): BinHit | undefined {
  const pxPerBin = (width / (vp.t1 - vp.t0)) * ((data.range.t1 - data.range.t0) / data.width);
  const reach = Math.max(0, Math.ceil(slop / Math.max(pxPerBin, 1e-9)));
  const centre = pxToBin(data, x, vp, width);
  const px = lane.px;
  let lo = 0;
  let hi = px.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (px[mid] < centre - reach) lo = mid + 1;
    else hi = mid;
  }
  let best: number | undefined;
  for (let k = lo; k < px.length && px[k] <= centre + reach; k++) {
    if (best === undefined || Math.abs(px[k] - centre) < Math.abs(px[best] - centre)) best = k;
  }
  return best === undefined ? undefined : { lane, k: best, bin: px[best] };
}
