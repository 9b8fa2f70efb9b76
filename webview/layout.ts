// Vertical layout of the timeline canvas (axis, one row per lane and configuration, the summary
// tracks) and hit-testing of a pointer position against the per-pixel bins drawn there. Pure: the
// same functions serve the renderer, the tooltip, clicks and the tests.
import type { LaneBins, LaneInfo, TimeRange, WindowResult } from '../src/shared/timelineProtocol';
import { pxToBin } from './viewport';

export type RowKind = 'axis' | 'group' | 'lane' | 'faults' | 'cmo' | 'tlbi' | 'heat';

/** The groups of rows a header collapses: the vCPU lanes, the other lanes (host), the summary tracks. */
export type LaneGroup = 'vcpus' | 'host' | 'summary';
export const LANE_GROUPS: readonly LaneGroup[] = ['vcpus', 'host', 'summary'];
const GROUP_TITLE: Readonly<Record<LaneGroup, string>> = { vcpus: 'vCPUs', host: 'Host', summary: 'Summary tracks' };

export interface Row {
  kind: RowKind;
  y: number;
  h: number;
  label: string;
  lane?: LaneInfo;
  /** A `group` row: the group it heads (and whether its rows are hidden). */
  group?: { id: LaneGroup; collapsed: boolean };
}

export const AXIS_H = 22;
export const LANE_H = 30;
export const LANE_B_H = 22;
export const FAULTS_H = 44;
export const SMALL_H = 22;
export const GROUP_H = 20;

/** A lane's group: a vCPU's lane (`vCPU 3 (...)`, as the engine names them) or another (host). */
export function laneGroupOf(l: LaneInfo): LaneGroup {
  return /^vCPU \d+\b/.test(l.label) ? 'vcpus' : 'host';
}

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

/** How the page groups its rows: lanes pinned to the top stay out of every group; a collapsed group shows only its header. */
export interface Grouping {
  pinned: readonly string[];
  collapsed: readonly LaneGroup[];
}

/**
 * The rows top down: the axis, the lanes in the order given, the summary tracks. With `grouping`
 * (the page), pinned lanes come right under the axis and each group after them gets a header row,
 * its rows left out while it is collapsed; without it (the renderer's own callers), no headers.
 */
export function computeLayout(lanes: readonly LaneInfo[], heatRows: number, laneHeight: number = LANE_H, grouping?: Grouping): Row[] {
  const aH = Math.max(LANE_HEIGHTS[0], Math.min(LANE_HEIGHTS[LANE_HEIGHTS.length - 1], Math.round(laneHeight)));
  const bH = laneHeight === LANE_H ? LANE_B_H : Math.max(LANE_HEIGHTS[0], Math.round(aH * 0.75));
  const rows: Row[] = [];
  let y = 0;
  const push = (r: Omit<Row, 'y'>) => {
    rows.push({ ...r, y });
    y += r.h;
  };
  const laneRow = (l: LaneInfo) => push({ kind: 'lane', h: l.config === 'A' ? aH : bH, label: l.config === 'B' ? `B: ${l.label}` : l.label, lane: l });
  /** A group's header (when grouping), then its rows unless it is collapsed. */
  const group = (id: LaneGroup, count: number, rowsOf: () => void) => {
    if (grouping) {
      const collapsed = grouping.collapsed.includes(id);
      push({ kind: 'group', h: GROUP_H, label: `${GROUP_TITLE[id]} (${count})`, group: { id, collapsed } });
      if (collapsed) return;
    }
    rowsOf();
  };
  push({ kind: 'axis', h: AXIS_H, label: '' });
  if (!grouping) for (const l of lanes) laneRow(l);
  else {
    const pinned = lanes.filter((l) => grouping.pinned.includes(l.id));
    for (const l of pinned) laneRow(l);
    for (const id of ['vcpus', 'host'] as const) {
      const members = lanes.filter((l) => !pinned.includes(l) && laneGroupOf(l) === id);
      if (members.length) group(id, members.filter((l) => l.config === 'A').length, () => members.forEach(laneRow));
    }
  }
  group('summary', 4, () => {
    push({ kind: 'faults', h: FAULTS_H, label: 'faults by class' });
    push({ kind: 'cmo', h: SMALL_H, label: 'CMO bytes' });
    push({ kind: 'tlbi', h: SMALL_H, label: 'TLB invalidations' });
    push({ kind: 'heat', h: Math.max(SMALL_H, Math.min(44, heatRows * 6 + 4)), label: 'IPA heat' });
  });
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
