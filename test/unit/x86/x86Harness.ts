// Test harness for the x86 replay: reads a trace (plain or gzip) with the real parser and feeds the
// x86 replayer, dropping ignored event names the same way the facade does (`--ignore-event NAME`
// replays as if those lines were absent). Also counts unrecognised and undecoded lines, and pairs
// a replay's segments with the capture tool's ground truth (*.gt.json).
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readTrace } from '../../../src/core/read/readTrace';
import type { ModelConfig } from '../../../src/core/domain/types';
import type { RejectedLine, TraceEvent } from '../../../src/core/parse/types';
import { createX86Replayer, type X86ReplayOutput, type X86SegmentSummary } from '../../../src/core/replay/x86/x86Replayer';

export function x86Config(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    arch: 'auto', granule: 4096, ipaBits: 48, bbmLevel: 0, fwb: 'auto', dic: 'auto', idc: 'auto', tlbiRange: 'auto',
    eagerSplitChunk: 'auto', kernel: 'auto', tracepointsOnly: false, ignoreEvents: [], backingPageSize: 'auto', pinned: [],
    ...over,
  };
}

export interface X86Run {
  out: X86ReplayOutput;
  rejected: RejectedLine[];
  /** Events whose name is a kvm/kvmmmu x86 event but which the parser did not decode. */
  undecoded: Map<string, number>;
  events: number;
}

const X86_NAMES = new Set(['kvm_exit', 'kvm_entry', 'kvm_page_fault', 'fast_page_fault', 'kvm_mmu_spte_requested', 'kvm_mmu_set_spte', 'kvm_tdp_mmu_spte_changed', 'kvm_mmu_split_huge_page', 'kvm_mmu_get_page', 'kvm_mmu_prepare_zap_page', 'tracing_mark_write']);

async function* fromString(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

async function run(source: AsyncIterable<Uint8Array>, config: ModelConfig): Promise<X86Run> {
  const replayer = createX86Replayer(config);
  const ignored = new Set(config.ignoreEvents);
  const rejected: RejectedLine[] = [];
  const undecoded = new Map<string, number>();
  let events = 0;
  await readTrace(source, {
    event(ev: TraceEvent) {
      events++;
      if (!ev.decoded && X86_NAMES.has(ev.name)) undecoded.set(ev.name, (undecoded.get(ev.name) ?? 0) + 1);
      if (ignored.has(ev.name)) return;
      replayer.event(ev);
    },
    rejected(r) {
      rejected.push(r);
    },
  });
  return { out: replayer.finish(), rejected, undecoded, events };
}

export function replayFile(path: string, config: ModelConfig = x86Config()): Promise<X86Run> {
  return run(createReadStream(path), config);
}

export function replayText(text: string, config: ModelConfig = x86Config()): Promise<X86Run> {
  return run(fromString(text), config);
}

/** One segment (between trace markers) of the capture tool's ground truth. */
export interface GtSegment {
  segment: string;
  kvm_page_fault?: number;
  duplicate_faults: number;
  fault_outcomes: Record<string, number>;
  fast_page_fault: Record<string, number>;
  spte_changed_by_level_transition: Record<string, number>;
  split_huge_page: Record<string, number>;
}

/** Pairs each ground-truth row with the replay's segment of the same marker text (the ground truth drops empty ones). */
export function pairSegments(mine: X86SegmentSummary[], gt: GtSegment[]): [X86SegmentSummary, GtSegment][] {
  const pairs: [X86SegmentSummary, GtSegment][] = [];
  let i = 0;
  for (const g of gt) {
    while (i < mine.length && mine[i].label !== g.segment) i++;
    assert.ok(i < mine.length, `segment "${g.segment}" found`);
    pairs.push([mine[i++], g]);
  }
  return pairs;
}

/** The replay's segment of pass n (from its `pass n begin` marker). */
export function pass(r: Pick<X86Run, 'out'>, n: number): X86SegmentSummary {
  const s = r.out.x86.segments.find((x) => x.label.startsWith(`pass ${n} begin`));
  assert.ok(s, `pass ${n}`);
  return s;
}
