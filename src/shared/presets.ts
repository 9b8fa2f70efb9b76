// The what-if presets offered by "Replay with Configuration..." and accepted by the
// `stage2Lens/replay` and `stage2Lens/compare` requests: each is a partial engine configuration
// applied on top of the `stage2Lens.model.*` settings.
import type { ModelConfig } from '../core/analysis/types';

export type PresetId = 'as-recorded' | 'bbm1' | 'bbm2' | 'eager-2m' | 'fwb' | 'dic' | 'kernel-5.13';

export interface Preset {
  id: PresetId;
  label: string;
  detail: string;
  config: Partial<ModelConfig>;
}

export const presets: readonly Preset[] = [
  { id: 'as-recorded', label: 'As recorded', detail: 'The settings as they are, auto values taken from the trace', config: {} },
  { id: 'bbm1', label: 'FEAT_BBM level 1', detail: 'Block size changes without break-before-make where the nT bit allows it', config: { bbmLevel: 1 } },
  { id: 'bbm2', label: 'FEAT_BBM level 2', detail: 'Block size changes without break-before-make and without TLB conflict aborts', config: { bbmLevel: 2 } },
  { id: 'eager-2m', label: 'Eager split at 2 MiB', detail: 'Blocks split in 2 MiB chunks when dirty logging starts', config: { eagerSplitChunk: 2 << 20 } },
  { id: 'fwb', label: 'FEAT_S2FWB', detail: 'Stage-2 forced write-back: no data-cache clean on map', config: { fwb: true } },
  { id: 'dic', label: 'CTR_EL0.DIC', detail: 'No instruction-cache invalidation on map', config: { dic: true } },
  { id: 'kernel-5.13', label: 'Kernel 5.13 behaviour', detail: 'Cache maintenance before the map, in every fault (before "Move guest CMOs to the fault handlers")', config: { kernel: '5.13' } },
];

export function presetById(id: string): Preset | undefined {
  return presets.find((p) => p.id === id);
}
