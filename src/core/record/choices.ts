// The questions behind "Stage-2 Lens: Create Recording Script..." as data (labels and one-line
// details for quick picks), and the file name to suggest, so the editor and the CLI offer the same
// options with the same words.
import type { RecordingScriptOptions } from './script';

export interface RecordingChoice<T extends string> {
  value: T;
  label: string;
  detail: string;
}

export const RECORDING_CHOICES: {
  arch: RecordingChoice<RecordingScriptOptions['arch']>[];
  mode: RecordingChoice<RecordingScriptOptions['mode']>[];
  tool: RecordingChoice<RecordingScriptOptions['tool']>[];
  probes: RecordingChoice<RecordingScriptOptions['probes']>[];
} = {
  arch: [
    { value: 'arm64', label: 'arm64', detail: 'kvm tracepoints plus kprobes on the stage-2 page-table functions' },
    { value: 'x86', label: 'x86', detail: 'kvm and kvmmmu tracepoints; the MMU module parameters go into the trace' },
  ],
  mode: [
    { value: 'vhe', label: 'VHE', detail: 'kernel at EL2 (default on ARMv8.1+): every TLB invalidation is visible' },
    { value: 'nvhe', label: 'nVHE', detail: 'kvm-arm.mode=nvhe: TLB invalidations run at EL2, invisible, reported as inferred' },
  ],
  tool: [
    { value: 'tracefs', label: 'tracefs', detail: 'needs only a shell; writes the text trace (optionally .gz)' },
    { value: 'trace-cmd', label: 'trace-cmd', detail: 'records with trace-cmd into trace.dat (read directly)' },
  ],
  probes: [
    { value: 'basic', label: 'basic', detail: 'map, relax, write-protect, split, unmap, access flag, TLB invalidation, cache maintenance' },
    { value: 'full', label: 'full', detail: 'basic plus break/make probes marking each break-before-make window exactly (6.12 kernels)' },
  ],
};

/** `stage2-record-arm64-vhe-full.sh`, `stage2-record-x86-basic-trace-cmd.sh`, ... */
export function suggestedScriptName(o: RecordingScriptOptions): string {
  const parts = ['stage2-record', o.arch, ...(o.arch === 'arm64' ? [o.mode] : []), o.probes, ...(o.lock ? ['lock'] : []), ...(o.tool === 'trace-cmd' ? ['trace-cmd'] : [])];
  return parts.join('-') + '.sh';
}
