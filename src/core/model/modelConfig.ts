// The model configuration: defaults, and validation of a user's configuration file against the shipped
// schemas/config.schema.json (hand-written, so no schema library is needed; messages name the field).
import type { ModelConfig } from '../domain/types';
import { isKernelProfile, KERNEL_PROFILES } from '../domain/kernels';
import { geometryProblems } from './arm64/geometry';

export function defaultConfig(): ModelConfig {
  return {
    arch: 'auto',
    granule: 4096,
    ipaBits: 40,
    bbmLevel: 0,
    fwb: 'auto',
    dic: 'auto',
    idc: 'auto',
    tlbiRange: 'auto',
    eagerSplitChunk: 'auto',
    kernel: 'auto',
    tracepointsOnly: false,
    ignoreEvents: [],
    backingPageSize: 'auto',
    pinned: [],
  };
}

export function normalizeConfig(partial: Partial<ModelConfig> | undefined): ModelConfig {
  const d = defaultConfig();
  const c = { ...d, ...(partial ?? {}) };
  c.ignoreEvents = [...(partial?.ignoreEvents ?? [])];
  c.pinned = [...(partial?.pinned ?? [])];
  return c;
}

/**
 * The event names `ignoreEvents` removes, the one rule for every replay: a name as the trace prints
 * it (`fast_page_fault`), with or without its system (`kvmmmu:fast_page_fault`).
 */
export function ignoredEventNames(c: Pick<ModelConfig, 'ignoreEvents'>): Set<string> {
  return new Set(c.ignoreEvents.map((n) => n.replace(/^[a-z0-9_]+:/, '')));
}

/** A replay whose configuration changes what faults happen (not only how CMOs are judged). */
export function isWhatIf(c: ModelConfig): boolean {
  return c.bbmLevel !== 0 || c.eagerSplitChunk !== 'auto' || c.dic === true;
}

const SIZE_RE = /^(\d+)\s*([KMG]?)i?B?$/i;

/** `2M`, `4K`, `2097152`, `64KiB` -> bytes. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = Number(m[1]) * mult;
  // beyond 2^53 a size is no longer exact (99999999999G): not a size
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Validate a parsed configuration file; returns the partial config or a list of plain messages. */
export function validateConfig(input: unknown): { config?: Partial<ModelConfig>; errors: string[] } {
  const errors: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { errors: ['the configuration must be a JSON object'] };
  const o = input as Record<string, unknown>;
  const out: Partial<ModelConfig> = {};
  const triState = (k: 'fwb' | 'dic' | 'idc' | 'tlbiRange'): void => {
    if (!(k in o)) return;
    const v = o[k];
    if (v === true || v === false || v === 'auto') out[k] = v;
    else errors.push(`${k}: must be true, false or "auto" (got ${JSON.stringify(v)})`);
  };
  const size = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' ? parseSize(v) : undefined);
  for (const k of Object.keys(o)) {
    if (!['$schema', 'arch', 'granule', 'ipaBits', 'bbmLevel', 'fwb', 'dic', 'idc', 'tlbiRange', 'eagerSplitChunk', 'kernel', 'tracepointsOnly', 'ignoreEvents', 'backingPageSize', 'pinned'].includes(k))
      errors.push(`${k}: unknown setting`);
  }
  if ('arch' in o) {
    if (o.arch === 'auto' || o.arch === 'arm64' || o.arch === 'x86') out.arch = o.arch;
    else errors.push(`arch: must be "auto", "arm64" or "x86"`);
  }
  if ('granule' in o) {
    const g = size(o.granule);
    if (g === 4096 || g === 16384 || g === 65536) out.granule = g;
    else errors.push(`granule: must be 4K, 16K or 64K (4096, 16384, 65536)`);
  }
  if ('ipaBits' in o) {
    const v = o.ipaBits;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 32 && v <= 52) out.ipaBits = v;
    else errors.push(`ipaBits: must be an integer from 32 to 52`);
  }
  if ('bbmLevel' in o) {
    if (o.bbmLevel === 0 || o.bbmLevel === 1 || o.bbmLevel === 2) out.bbmLevel = o.bbmLevel;
    else errors.push(`bbmLevel: must be 0, 1 or 2`);
  }
  triState('fwb');
  triState('dic');
  triState('idc');
  triState('tlbiRange');
  if ('eagerSplitChunk' in o) {
    const v = o.eagerSplitChunk;
    const n = v === 'auto' ? 'auto' : size(v);
    if (n === 'auto' || (typeof n === 'number' && (n === 0 || [4096, 2 ** 21, 2 ** 30, 16384, 2 ** 25, 65536, 2 ** 29].includes(n)))) out.eagerSplitChunk = n;
    else errors.push(`eagerSplitChunk: must be "auto", 0 or a block size such as "2M" or "1G"`);
  }
  if ('kernel' in o) {
    if (isKernelProfile(o.kernel)) out.kernel = o.kernel;
    else errors.push(`kernel: must be one of ${KERNEL_PROFILES.join(', ')}`);
  }
  if ('tracepointsOnly' in o) {
    if (typeof o.tracepointsOnly === 'boolean') out.tracepointsOnly = o.tracepointsOnly;
    else errors.push(`tracepointsOnly: must be true or false`);
  }
  if ('ignoreEvents' in o) {
    const v = o.ignoreEvents;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.ignoreEvents = v as string[];
    else errors.push(`ignoreEvents: must be a list of event names`);
  }
  if ('backingPageSize' in o) {
    const v = o.backingPageSize;
    const n = v === 'auto' ? 'auto' : size(v);
    if (n === 'auto' || (typeof n === 'number' && n > 0)) out.backingPageSize = n;
    else errors.push(`backingPageSize: must be "auto" or a size such as "4K" or "2M"`);
  }
  if ('pinned' in o) {
    const v = o.pinned;
    if (!Array.isArray(v)) errors.push('pinned: must be a list of {start, size, label?}');
    else {
      const list: ModelConfig['pinned'] = [];
      v.forEach((p, i) => {
        const r = p as Record<string, unknown>;
        const start = typeof r?.start === 'string' ? Number(r.start) : r?.start;
        const sz = size(r?.size);
        if (typeof start !== 'number' || !Number.isFinite(start) || start < 0 || sz === undefined || sz <= 0) errors.push(`pinned[${i}]: needs start (number or "0x..." string) and size (bytes or "2M")`);
        else list.push({ start, size: sz, label: typeof r.label === 'string' ? r.label : undefined });
      });
      out.pinned = list;
    }
  }
  if (errors.length === 0) {
    const d = defaultConfig();
    errors.push(...geometryProblems(out.granule ?? d.granule, out.ipaBits ?? d.ipaBits, out.eagerSplitChunk ?? d.eagerSplitChunk));
  }
  return errors.length ? { errors } : { config: out, errors };
}
