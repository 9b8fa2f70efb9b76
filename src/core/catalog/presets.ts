// The what-if presets, written once: `compare --a/--b`, the VS Code "Replay with Configuration..."
// picker, the `stage2Lens/replay` and `stage2Lens/compare` requests and the levers of the finding
// catalog all name a preset from this table. Each is a partial engine configuration applied on top
// of the user's. Ids are what users type on the command line; older spellings stay accepted as
// aliases.
import type { ModelConfig } from '../domain/types';
import { KERNEL_ERA_CHANGE, KERNEL_ERAS } from '../domain/kernels';

export interface Preset {
  id: string;
  /** Other names accepted for the same preset (earlier releases used them). */
  aliases: readonly string[];
  label: string;
  detail: string;
  config: Partial<ModelConfig>;
  /** Offered in the editor's picker (the rest are for the command line). */
  inPicker: boolean;
}

const KERNEL_PRESETS: Preset[] = KERNEL_ERAS.map((era) => ({
  id: era,
  aliases: [`kernel-${era}`],
  label: `Kernel ${era} behaviour`,
  detail: `From ${era}: ${KERNEL_ERA_CHANGE[era]}`,
  config: { kernel: era },
  inPicker: era === '5.13',
}));

export const PRESETS: readonly Preset[] = [
  { id: 'observed', aliases: ['as-recorded'], label: 'As recorded', detail: 'The settings as they are, auto values taken from the trace', config: {}, inPicker: true },
  { id: 'bbm1', aliases: [], label: 'FEAT_BBM level 1', detail: 'Block size changes without break-before-make where the nT bit allows it', config: { bbmLevel: 1 }, inPicker: true },
  { id: 'bbm2', aliases: [], label: 'FEAT_BBM level 2', detail: 'Block size changes without break-before-make and without TLB conflict aborts', config: { bbmLevel: 2 }, inPicker: true },
  { id: 'eager2m', aliases: ['eager-2m'], label: 'Eager split at 2 MiB', detail: 'Blocks split in 2 MiB chunks when dirty logging starts', config: { eagerSplitChunk: 2 << 20 }, inPicker: true },
  { id: 'noeager', aliases: [], label: 'No eager split', detail: 'Blocks split in the fault path only', config: { eagerSplitChunk: 0 }, inPicker: false },
  { id: 'fwb', aliases: [], label: 'FEAT_S2FWB', detail: 'Stage-2 forced write-back: the data-cache clean on map returns at once', config: { fwb: true }, inPicker: true },
  { id: 'nofwb', aliases: [], label: 'No FEAT_S2FWB', detail: 'Every data-cache clean on map cleans to the point of coherency', config: { fwb: false }, inPicker: false },
  { id: 'dic', aliases: [], label: 'CTR_EL0.DIC', detail: 'No instruction-cache invalidation on map', config: { dic: true }, inPicker: true },
  ...KERNEL_PRESETS,
  { id: 'tracepoints-only', aliases: [], label: 'Tracepoints only', detail: 'Ignore the probes: what the KVM tracepoints alone show', config: { tracepointsOnly: true }, inPicker: false },
];

const BY_NAME = new Map<string, Preset>(PRESETS.flatMap((p) => [[p.id, p] as const, ...p.aliases.map((a) => [a, p] as const)]));

/** The preset of an id or alias. */
export function presetByName(name: string): Preset | undefined {
  return BY_NAME.get(name);
}

/** Every accepted spelling, for messages. */
export function presetNames(): string[] {
  return PRESETS.map((p) => p.id);
}
