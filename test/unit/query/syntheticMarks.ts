// Synthetic timeline marks for tests and the bench (until real replays land, and for scale:
// 10 million marks): a deterministic mix of ordinary and spurious faults, CMOs, TLBIs, invalid
// windows, splits, host actions and trace markers across N vCPU lanes and the host lane.
import type { FindingClass, Mark } from '../../../src/core/domain/types';
import { MarkStore } from '../../../src/core/marks/markStore';
import { mulberry32 } from '../../support/prng';

export interface SyntheticOptions {
  count: number;
  vcpus?: number;
  seed?: number;
  /** Mean gap between marks, ns. */
  meanGapNs?: number;
  /** Some marks out of time order (as when lanes interleave across CPUs). */
  jitter?: boolean;
  /** Label for every marker, e.g. a hostile task name. */
  markerLabel?: string;
}

export function syntheticLanes(vcpus: number): { id: string; label: string }[] {
  const lanes = Array.from({ length: vcpus }, (_, i) => ({ id: `vCPU ${i} (kvmtest-${300 + i})`, label: `vCPU ${i} (kvmtest-${300 + i})` }));
  lanes.push({ id: 'host', label: 'host' });
  return lanes;
}

const SPURIOUS: FindingClass[] = ['S1', 'S1', 'S1', 'S2', 'S3', 'S5', 'S9'];

export function syntheticMarks(opts: SyntheticOptions): { lanes: { id: string; label: string }[]; marks: Mark[] } {
  return { lanes: syntheticLanes(opts.vcpus ?? 4), marks: Array.from(generateMarks(opts)) };
}

/** The same marks straight into a store (the bench: 10 million marks never exist as objects at once). */
export function syntheticMarkStore(opts: SyntheticOptions): { lanes: { id: string; label: string }[]; marks: MarkStore } {
  return { lanes: syntheticLanes(opts.vcpus ?? 4), marks: MarkStore.from(generateMarks(opts), opts.count) };
}

function* generateMarks(opts: SyntheticOptions): Generator<Mark> {
  const rnd = mulberry32(opts.seed ?? 1);
  const vcpus = opts.vcpus ?? 4;
  const lanes = syntheticLanes(vcpus);
  const gap = opts.meanGapNs ?? 1000;
  let ts = 17_000_000_000;
  for (let i = 0; i < opts.count; i++) {
    ts += Math.floor(rnd() * 2 * gap);
    const line = 13 + i;
    const vcpu = lanes[Math.floor(rnd() * vcpus)].id;
    const r = rnd();
    const at = opts.jitter ? ts - Math.floor(rnd() * gap * 4) : ts;
    const ipa = 0x40000000 + Math.floor(rnd() * 4096) * 4096;
    let m: Mark;
    if (r < 0.55) m = { ts: at, lane: vcpu, kind: 'fault', line, ipa, size: 4096 };
    else if (r < 0.62) m = { ts: at, lane: vcpu, kind: 'fault', cls: SPURIOUS[Math.floor(rnd() * SPURIOUS.length)], line, ipa, size: 4096 };
    else if (r < 0.72) m = { ts: at, lane: vcpu, kind: 'cmo', line, ipa, size: 4096 };
    else if (r < 0.74) m = { ts: at, lane: vcpu, kind: 'cmo', cls: 'C3', line, ipa, size: 4096 };
    else if (r < 0.84) m = { ts: at, lane: vcpu, kind: 'tlbi', line, ipa };
    else if (r < 0.86) m = { ts: at, endTs: at + Math.floor(rnd() * gap * 20), lane: vcpu, kind: 'window', line, ipa: ipa & ~0x1fffff, size: 0x200000 };
    else if (r < 0.89) m = { ts: at, lane: vcpu, kind: 'split', line, ipa: ipa & ~0x1fffff, size: 0x200000 };
    else if (r < 0.9) m = { ts: at, lane: vcpu, kind: 'coalesce', line, ipa: ipa & ~0x1fffff, size: 0x200000 };
    else if (r < 0.9995) m = { ts: at, lane: 'host', kind: 'host', line, ipa, size: 0x10000, label: 'kvm_unmap_hva_range' };
    else m = { ts: at, lane: 'host', kind: 'marker', line, label: opts.markerLabel ?? `pass ${i} begin` };
    yield m;
  }
}
