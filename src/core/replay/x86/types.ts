// The x86 replay's shared shapes: its output (X86Details, beside the common ReplayOutput), a vCPU lane,
// a run of host-side MMU events, and the small rules every layer reads (fault exits, mark priority).
import type { FindingClass, ModelConfig } from '../../domain/types';
import { type Replayer, type ReplayOutput } from '../replayer';
import { type EagerMode } from './eagerSplitWhatIf';
import { type X86SegmentSummary } from './segmentTally';
import { type FlavourResult } from './mmuFlavour';

export interface X86Details {
  flavour: FlavourResult;
  segments: X86SegmentSummary[];
  eagerSplit: {
    /** What the trace shows: huge pages split by the ioctl (Y), in the fault path (N), or unknown. */
    trace: 'Y' | 'N' | 'unknown';
    replayed: EagerMode;
    hostSplits: number;
    faultSplits: number;
    hostHugeWriteProtects: number;
    divergentRegions: number;
  };
  /** X3 fast-path failures by cause. */
  fastPathFailures: Record<string, number>;
  hugePagesRecovered: number;
  inferredFastFaults: number;
}

export interface X86ReplayOutput extends ReplayOutput {
  x86: X86Details;
}

export interface X86Replayer extends Replayer {
  finish(): X86ReplayOutput;
}

export interface Lane {
  id: string;
  vcpu: number;
  pid: number;
}

export interface HostRun {
  pid: number;
  segment: number;
  line: number;
  ts: number;
  endTs: number;
  counts: Map<string, number>;
}

/** A fault mark carries one class: the most specific of its findings. */
export const MARK_PRIORITY: FindingClass[] = ['X2', 'S5', 'X3', 'X1', 'S6', 'S1'];
export const FAULT_EXIT = /^(npf|NPF|EXIT_NPF|EPT_VIOLATION|EPT_MISCONFIG|ept_violation|PF excp|PF|EXCEPTION_NMI)/;

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function resolveEagerMode(cfg: ModelConfig): EagerMode {
  if (cfg.eagerSplitChunk === 'auto') return 'as-trace';
  return cfg.eagerSplitChunk > 0 ? 'on' : 'off';
}

