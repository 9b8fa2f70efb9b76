// The one strict flag grammar of the CLI: numbers are decimal integers (no 0x1, 01, 1e9, 2.0),
// sizes and every model setting are checked by the configuration file's own validation
// (validateConfig and parseSize in src/core/model/modelConfig.ts), so `--eager-split 3M` and
// `"eagerSplitChunk": "3M"` are refused by the same rule with the same words; time ranges must
// be ordered; a configuration file is read with a size limit. Every refusal names the flag and
// the value it got.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ModelConfig } from '../core/index';
import { validateConfig } from '../core/index';
import { KERNEL_PROFILES, presetByName, presetNames } from '../core/index';
import { escapeControls } from '../shared/controlChars';
import { InputError, UsageError } from './io';

/** A configuration file is a few hundred bytes; anything this big is not one. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const shown = (v: string): string => `'${escapeControls(v)}'`;

/** The value after a flag, or a usage error saying it is missing. */
export function valueOf(args: string[], i: number): string {
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${args[i]} needs a value`);
  return v;
}

/** A decimal integer from min to max: `0`, `12`; never `0x1`, `01`, `+1`, `1e9`, `2.0`, ` 1`. */
export function decimalInt(flag: string, text: string, min: number, max: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new UsageError(`${flag}: ${shown(text)} is not a decimal integer (${min} to ${max})`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag}: ${text} is out of range (${min} to ${max})`);
  return n;
}

/** `1234` (ns), `20.5s`, `300ms`, `12us`, `7ns` -> ns; undefined when not a time. */
export function parseTime(text: string | undefined): number | undefined {
  const m = /^(\d{1,15}(?:\.\d{1,9})?)(s|ms|us|ns)?$/.exec(text ?? '');
  if (!m) return undefined;
  const scale = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 }[(m[2] ?? 'ns') as 's' | 'ms' | 'us' | 'ns'];
  const ns = Math.round(Number(m[1]) * scale);
  return Number.isSafeInteger(ns) ? ns : undefined;
}

/** --from/--to as a checked range: both times valid, from not after to. */
export function timeRange(from: string | undefined, to: string | undefined): { from: number; to: number } | undefined {
  if (from === undefined && to === undefined) return undefined;
  const parse = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const t = parseTime(v);
    if (t === undefined) throw new UsageError(`${flag}: ${shown(v)} is not a time (nanoseconds, or a number with s, ms, us or ns: 20.5s, 300ms)`);
    return t;
  };
  const f = parse('--from', from);
  const t = parse('--to', to);
  if (f !== undefined && t !== undefined && f > t) throw new UsageError(`--from ${from} is after --to ${to}: the range would be empty`);
  return { from: f ?? -Infinity, to: t ?? Infinity };
}

/** Reads a small file with a limit; a device, a FIFO or a big file is refused before it is read. */
export function readBounded(path: string, limit: number, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(`${path}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${path}: the ${what} must be a regular file`);
    if (st.size > limit) throw new InputError(`${path}: the ${what} is ${st.size} bytes, more than the ${limit} a ${what} can be`);
    const buf = Buffer.alloc(limit + 1);
    let n = 0;
    for (let r = 1; r > 0 && n <= limit; n += r) r = readSync(fd, buf, n, limit + 1 - n, null);
    if (n > limit) throw new InputError(`${path}: the ${what} grew past ${limit} bytes while it was read`);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

export function loadConfigFile(path: string): Partial<ModelConfig> {
  const text = readBounded(path, MAX_CONFIG_BYTES, 'configuration');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const v = validateConfig(json);
  if (!v.config) throw new UsageError(`${path}: invalid configuration:\n  ${v.errors.join('\n  ')}`);
  return v.config;
}

/** A config file path or a preset name (`bbm2`, `eager2m`, `5.13`, ... ; several joined with `+`). */
export function configOrPreset(spec: string): Partial<ModelConfig> {
  const presets = spec.split('+').map(presetByName);
  if (presets.every((p) => p !== undefined)) return Object.assign({}, ...presets.map((p) => p!.config));
  if (spec.endsWith('.json')) return loadConfigFile(spec);
  throw new UsageError(`--a/--b: ${shown(spec)} is neither a preset (${presetNames().join(', ')}) nor a .json configuration file`);
}

/** Model flags that take a value, by the configuration setting that validates it. */
const VALUE_FLAGS: Record<string, keyof ModelConfig> = {
  '--bbm': 'bbmLevel',
  '--eager-split': 'eagerSplitChunk',
  '--kernel': 'kernel',
  '--granule': 'granule',
  '--ipa-bits': 'ipaBits',
  '--backing': 'backingPageSize',
  '--arch': 'arch',
};

/** Settings that are numbers in a configuration file: their flags take decimal integers. */
const INTEGER_SETTINGS: Partial<Record<keyof ModelConfig, [number, number]>> = { bbmLevel: [0, 2], ipaBits: [32, 52] };

/** One model setting from a flag, through validateConfig: the configuration file's rule and message. */
function setting(flag: string, key: keyof ModelConfig, text: string): Partial<ModelConfig> {
  const range = INTEGER_SETTINGS[key];
  const raw: unknown = range ? decimalInt(flag, text, range[0], range[1]) : key === 'eagerSplitChunk' && text === 'off' ? 0 : text;
  const v = validateConfig({ [key]: raw });
  if (!v.config || v.errors.length) throw new UsageError(`${flag} ${escapeControls(text)}: ${v.errors.map((e) => e.replace(new RegExp(`^${key}: `), '')).join('; ')}`);
  return v.config;
}

/** Consumes one model flag at args[i]; returns how many arguments it used (0 = not a model flag). */
export function modelFlag(args: string[], i: number, cfg: Partial<ModelConfig>): number {
  const a = args[i];
  const key = VALUE_FLAGS[a];
  if (key) {
    Object.assign(cfg, setting(a, key, valueOf(args, i)));
    return 2;
  }
  switch (a) {
    case '--config':
      Object.assign(cfg, loadConfigFile(valueOf(args, i)));
      return 2;
    case '--fwb':
      cfg.fwb = true;
      return 1;
    case '--no-fwb':
      cfg.fwb = false;
      return 1;
    case '--dic':
      cfg.dic = true;
      return 1;
    case '--idc':
      cfg.idc = true;
      return 1;
    case '--tracepoints-only':
      cfg.tracepointsOnly = true;
      return 1;
    case '--ignore-event':
      cfg.ignoreEvents = [...(cfg.ignoreEvents ?? []), valueOf(args, i)];
      return 2;
    default:
      return 0;
  }
}

export const MODEL_FLAGS_HELP = `  --config c.json      model configuration file (schema: schemas/config.schema.json)
  --bbm 0|1|2          FEAT_BBM level to model (what-if; the traced kernel uses 0)
  --eager-split SIZE   eager page splitting with this chunk (a block size: 2M, 1G; 0 or off = off)
  --fwb / --no-fwb     the CPU has (or lacks) stage-2 FWB
  --dic, --idc         the CPU has CTR_EL0.DIC / IDC
  --kernel V           kernel behaviour: ${KERNEL_PROFILES.filter((k) => k !== 'auto').join(', ')} (default: auto, the newest era
                       the trace's lines allow)
  --granule 4K|16K|64K, --ipa-bits N (32-52), --backing SIZE (host page size when no probe shows it)
  --tracepoints-only   ignore kprobe and function lines (what inference alone concludes)
  --ignore-event NAME  replay as if NAME lines were absent (repeatable)
  --arch arm64|x86     force the architecture (default: from the events)
  sizes are a decimal number with K, M or G (binary units): the configuration file's grammar`;

/** The flags taken together, held to the configuration file's rules (geometry across settings: granule with IPA size and eager-split chunk). */
export function checkGeometry(cfg: Partial<ModelConfig>): void {
  const v = validateConfig(cfg);
  if (!v.config) throw new UsageError(v.errors.join('\n'));
}
