// The `stage2Lens.*` settings: their definitions (key, default, allowed values), the typed
// Settings object, and a normalizer that turns whatever the client sends into valid Settings.
// Settings exist here and in package.json only; test/unit/shared/settings.test.ts fails when they drift.
import type { BbmLevel, FindingClass, Granule, ModelConfig, Severity } from '../core/domain/types';
import { CLASS_ORDER } from '../core/catalog/findings';
import { KERNEL_PROFILES, type KernelProfile } from '../core/domain/kernels';

export type TriState = 'auto' | 'on' | 'off';
export type SeveritySetting = Severity | 'off';
export type EagerSplitSetting = 'auto' | 'off' | '2MiB' | '32MiB' | '512MiB' | '1GiB';
export type ServerTrace = 'off' | 'messages' | 'verbose';
/**
 * Where Show Timeline opens the panel: `beside` the trace (a group of its own to the side),
 * `active` (a tab of the trace's group, its full width), `below` (a new group under the trace's:
 * the window's full width when the editors are one column).
 */
export type TimelineOpenIn = 'beside' | 'active' | 'below';
export const timelineOpenInValues: readonly TimelineOpenIn[] = ['beside', 'active', 'below'];

export const findingClasses: readonly FindingClass[] = CLASS_ORDER;

export interface Settings {
  model: {
    granule: Granule;
    ipaBits: number;
    bbmLevel: BbmLevel;
    fwb: TriState;
    dic: TriState;
    idc: TriState;
    eagerSplitChunk: EagerSplitSetting;
    kernel: KernelProfile;
  };
  diagnostics: {
    maxCount: number;
    /** Per finding class; a class not listed keeps the engine's severity. */
    severity: Partial<Record<FindingClass, SeveritySetting>>;
  };
  inlayHints: { esr: boolean };
  trace: { server: ServerTrace };
}

/**
 * The settings only the extension reads: kept out of `Settings`, the server's copy, so that
 * changing where the timeline opens re-runs no analysis.
 */
export interface TimelineSettings {
  openIn: TimelineOpenIn;
}

/** One setting as package.json declares it (the drift test compares these field by field). */
export interface SettingDefinition {
  default: unknown;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  description: string;
}

const triState = ['auto', 'on', 'off'] as const;
const severities = ['error', 'warning', 'information', 'hint', 'off'] as const;

export const settingDefinitions: Record<string, SettingDefinition> = {
  'stage2Lens.model.granule': { default: 4096, enum: [4096, 16384, 65536], description: 'Stage-2 translation granule in bytes.' },
  'stage2Lens.model.ipaBits': { default: 40, minimum: 32, maximum: 52, description: 'IPA size in bits (VTCR_EL2.T0SZ), which fixes the number of levels and the start level.' },
  'stage2Lens.model.bbmLevel': { default: 0, enum: [0, 1, 2], description: 'FEAT_BBM level the replay assumes (0: strict break-before-make).' },
  'stage2Lens.model.fwb': { default: 'auto', enum: triState, description: 'FEAT_S2FWB (stage-2 forced write-back): auto takes it from the trace.' },
  'stage2Lens.model.dic': { default: 'auto', enum: triState, description: 'CTR_EL0.DIC (no instruction-cache invalidation needed): auto takes it from the trace.' },
  'stage2Lens.model.idc': { default: 'auto', enum: triState, description: 'CTR_EL0.IDC (no data-cache clean to PoU needed): auto takes it from the trace.' },
  'stage2Lens.model.eagerSplitChunk': { default: 'auto', enum: ['auto', 'off', '2MiB', '32MiB', '512MiB', '1GiB'], description: 'Eager page-split chunk size (KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE): auto takes it from the trace.' },
  'stage2Lens.model.kernel': { default: 'auto', enum: [...KERNEL_PROFILES], description: 'Kernel behaviour era replayed (auto: detected from the trace).' },
  'stage2Lens.diagnostics.maxCount': { default: 999, minimum: 1, maximum: 100000, description: 'Most diagnostics published per trace; past it one summary diagnostic says how many more there are. VS Code shows at most 1000 problems per file, so the default leaves room for the summary.' },
  'stage2Lens.diagnostics.severity': { default: {}, description: 'Severity per finding class, e.g. {"S7": "hint", "C1": "off"}; classes not listed keep the engine\'s severity.' },
  'stage2Lens.inlayHints.esr': { default: true, description: 'Show the decoded ESR after hsr/esr values.' },
  'stage2Lens.trace.server': { default: 'off', enum: ['off', 'messages', 'verbose'], description: 'Trace the communication between VS Code and the Stage-2 Lens language server.' },
  'stage2Lens.timeline.openIn': { default: 'beside', enum: timelineOpenInValues, description: 'Where Show Timeline opens the timeline: beside the trace (an editor group of its own), in the trace\'s editor group (its full width), or in a new editor group below the trace\'s (the window\'s full width when the editors are one column).' },
};

/** The allowed values of each entry of `stage2Lens.diagnostics.severity` (package.json lists them per class). */
export const severitySettingValues: readonly SeveritySetting[] = severities;

export const defaultSettings: Settings = {
  model: { granule: 4096, ipaBits: 40, bbmLevel: 0, fwb: 'auto', dic: 'auto', idc: 'auto', eagerSplitChunk: 'auto', kernel: 'auto' },
  diagnostics: { maxCount: 999, severity: {} },
  inlayHints: { esr: true },
  trace: { server: 'off' },
};

export const defaultTimelineSettings: TimelineSettings = { openIn: 'beside' };

function pick<T>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function intIn(value: unknown, min: number, max: number, fallback: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Valid Settings from the `stage2Lens` section as sent by a client (nested or with dotted keys); bad values fall back to defaults. */
export function normalizeSettings(raw: unknown): Settings {
  const root = obj(raw);
  const section = (name: string): Record<string, unknown> => {
    const nested = obj(root[name]);
    // Some clients (Neovim users writing settings by hand) use flat dotted keys.
    for (const [k, v] of Object.entries(root)) if (k.startsWith(`${name}.`)) nested[k.slice(name.length + 1)] = v;
    return nested;
  };
  const m = section('model');
  const d = section('diagnostics');
  const d0 = defaultSettings;
  const severity: Partial<Record<FindingClass, SeveritySetting>> = {};
  for (const [cls, value] of Object.entries(obj(d.severity))) {
    if (findingClasses.includes(cls as FindingClass) && severities.includes(value as SeveritySetting)) severity[cls as FindingClass] = value as SeveritySetting;
  }
  const esr = section('inlayHints').esr;
  return {
    model: {
      granule: pick(typeof m.granule === 'string' ? Number(m.granule) : m.granule, [4096, 16384, 65536] as const, d0.model.granule),
      ipaBits: intIn(m.ipaBits, 32, 52, d0.model.ipaBits),
      bbmLevel: pick(typeof m.bbmLevel === 'string' ? Number(m.bbmLevel) : m.bbmLevel, [0, 1, 2] as const, d0.model.bbmLevel),
      fwb: pick(m.fwb, triState, d0.model.fwb),
      dic: pick(m.dic, triState, d0.model.dic),
      idc: pick(m.idc, triState, d0.model.idc),
      eagerSplitChunk: pick(m.eagerSplitChunk, ['auto', 'off', '2MiB', '32MiB', '512MiB', '1GiB'] as const, d0.model.eagerSplitChunk),
      kernel: pick(m.kernel, KERNEL_PROFILES, d0.model.kernel),
    },
    diagnostics: { maxCount: intIn(d.maxCount, 1, 100000, d0.diagnostics.maxCount), severity },
    inlayHints: { esr: typeof esr === 'boolean' ? esr : d0.inlayHints.esr },
    trace: { server: pick(section('trace').server, ['off', 'messages', 'verbose'] as const, d0.trace.server) },
  };
}

/** Valid TimelineSettings from the `stage2Lens` section (nested or with dotted keys); a bad value falls back to the default. */
export function normalizeTimelineSettings(raw: unknown): TimelineSettings {
  const root = obj(raw);
  const openIn = root['timeline.openIn'] ?? obj(root.timeline).openIn;
  return { openIn: pick(openIn, timelineOpenInValues, defaultTimelineSettings.openIn) };
}

const chunkBytes: Record<EagerSplitSetting, number | 'auto'> = {
  auto: 'auto',
  off: 0,
  '2MiB': 2 << 20,
  '32MiB': 32 << 20,
  '512MiB': 512 << 20,
  '1GiB': 1 << 30,
};

function triToConfig(t: TriState): boolean | 'auto' {
  return t === 'auto' ? 'auto' : t === 'on';
}

/** The model defaults of the settings as the engine's configuration (the base every replay starts from). */
export function settingsToModelConfig(s: Settings): Partial<ModelConfig> {
  return {
    granule: s.model.granule,
    ipaBits: s.model.ipaBits,
    bbmLevel: s.model.bbmLevel,
    fwb: triToConfig(s.model.fwb),
    dic: triToConfig(s.model.dic),
    idc: triToConfig(s.model.idc),
    eagerSplitChunk: chunkBytes[s.model.eagerSplitChunk],
    kernel: s.model.kernel,
  };
}
