// `stage2-lens analyze <file> [model flags] [--format text|json|md|sarif]`: replays the trace
// through the stage-2 model and prints the findings (summary counts first, then a few examples
// per class). Exit code 0, or 1 with --fail-on when findings at that severity exist. The model flags
// and config-file validation here are shared with `compare`.
import { createAnalyzer } from '../../core/index';
import type { ModelConfig, Severity } from '../../core/analysis/types';
import { reportJson } from '../../core/analysis/reportJson';
import { reportMarkdown } from '../../core/analysis/reportMarkdown';
import { reportSarif } from '../../core/analysis/reportSarif';
import { reportText } from '../../core/analysis/reportText';
import { readFileSync } from 'node:fs';
import { PRESETS, parseSize, validateConfig } from '../../core/analysis/modelConfig';
import { CliIo, ExitCode, InputError, UsageError } from '../io';
import { openSource } from '../openSource';
import { exitFor, jsonReport, textReport, reportReadProblems } from '../readProblems';
import { countMarksInRange } from '../../core/query';
import { writeTraceEvents } from '../../core/export/traceEventFormat';

export function loadConfigFile(path: string): Partial<ModelConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read the configuration (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
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
  if (spec.split('+').every((p) => p in PRESETS)) return Object.assign({}, ...spec.split('+').map((p) => PRESETS[p]));
  if (spec.endsWith('.json')) return loadConfigFile(spec);
  throw new UsageError(`--a/--b: '${spec}' is neither a preset (${Object.keys(PRESETS).join(', ')}) nor a .json configuration file`);
}

/** Consumes one model flag at args[i]; returns how many arguments it used (0 = not a model flag). */
export function modelFlag(args: string[], i: number, cfg: Partial<ModelConfig>): number {
  const a = args[i];
  const val = (): string => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    return v;
  };
  switch (a) {
    case '--config':
      Object.assign(cfg, loadConfigFile(val()));
      return 2;
    case '--bbm': {
      const v = Number(val());
      if (v !== 0 && v !== 1 && v !== 2) throw new UsageError('--bbm must be 0, 1 or 2');
      cfg.bbmLevel = v;
      return 2;
    }
    case '--eager-split': {
      const v = val();
      const n = v === 'off' ? 0 : parseSize(v);
      if (n === undefined) throw new UsageError(`--eager-split: '${v}' is not a size (2M, 1G, 0)`);
      cfg.eagerSplitChunk = n;
      return 2;
    }
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
    case '--kernel': {
      const v = val();
      if (!['5.13', '5.14', '6.2', '6.5', '6.6', 'auto'].includes(v)) throw new UsageError('--kernel must be 5.13, 5.14, 6.2, 6.5, 6.6 or auto');
      cfg.kernel = v as ModelConfig['kernel'];
      return 2;
    }
    case '--granule': {
      const n = parseSize(val());
      if (n !== 4096 && n !== 16384 && n !== 65536) throw new UsageError('--granule must be 4K, 16K or 64K');
      cfg.granule = n;
      return 2;
    }
    case '--ipa-bits': {
      const n = Number(val());
      if (!Number.isInteger(n) || n < 32 || n > 52) throw new UsageError('--ipa-bits must be an integer from 32 to 52');
      cfg.ipaBits = n;
      return 2;
    }
    case '--backing': {
      const n = parseSize(val());
      if (!n) throw new UsageError('--backing must be a size such as 4K or 2M');
      cfg.backingPageSize = n;
      return 2;
    }
    case '--tracepoints-only':
      cfg.tracepointsOnly = true;
      return 1;
    case '--ignore-event':
      cfg.ignoreEvents = [...(cfg.ignoreEvents ?? []), val()];
      return 2;
    case '--arch': {
      const v = val();
      if (v !== 'arm64' && v !== 'x86' && v !== 'auto') throw new UsageError('--arch must be arm64, x86 or auto');
      cfg.arch = v;
      return 2;
    }
    default:
      return 0;
  }
}

export const MODEL_FLAGS_HELP = `  --config c.json      model configuration file (schema: schemas/config.schema.json)
  --bbm 0|1|2          FEAT_BBM level to model (what-if; the traced kernel uses 0)
  --eager-split SIZE   eager page splitting with this chunk (2M, 1G; 0 = off)
  --fwb / --no-fwb     the CPU has (or lacks) stage-2 FWB
  --dic, --idc         the CPU has CTR_EL0.DIC / IDC
  --kernel V           kernel behaviour: 5.13, 5.14, 6.2, 6.5, 6.6 (default: detected)
  --granule 4K|16K|64K, --ipa-bits N (32-52), --backing SIZE (host page size when no probe shows it)
  --tracepoints-only   ignore kprobe and function lines (what inference alone concludes)
  --ignore-event NAME  replay as if NAME lines were absent (repeatable)
  --arch arm64|x86     force the architecture (default: from the events)`;

const USAGE = `usage: stage2-lens analyze <file> [options]

  <file>               kernel trace text, trace-cmd report text or trace.dat (.gz is fine)
${MODEL_FLAGS_HELP}
  --format F           text (default), json, md, sarif, or perfetto (Trace Event Format JSON for the
                       Perfetto UI and chrome://tracing, streamed)
  --examples N         examples per class in text/md output (default 3)
  --fail-on LEVEL      exit 1 when a finding of this severity or worse exists (error, warning, information)
  --from T, --to T     only a time range of the trace (T in ns, or with a unit: 20.5s, 300ms, 12us): its
                       findings, and the range statistics the timeline shows for the same selection

exit codes: 0 ok, 1 findings at --fail-on, 2 usage error, 3 input missing/unreadable/not a trace,
4 internal error, 5 input incomplete or damaged (partial analysis)
`;

const FORMATS = ['text', 'json', 'md', 'sarif', 'perfetto'] as const;
type Format = (typeof FORMATS)[number];
const RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

export async function run(args: string[], io: CliIo): Promise<number> {
  const cfg: Partial<ModelConfig> = {};
  let file: string | undefined;
  let format: Format = 'text';
  let examples = 3;
  let failOn: Severity | undefined;
  let from: number | undefined;
  let to: number | undefined;
  for (let i = 0; i < args.length; ) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      io.out(USAGE);
      return ExitCode.ok;
    }
    const used = modelFlag(args, i, cfg);
    if (used) {
      i += used;
      continue;
    }
    if (a === '--format') {
      const v = args[i + 1];
      if (!FORMATS.includes(v as Format)) throw new UsageError('--format must be text, json, md, sarif or perfetto');
      format = v as Format;
      i += 2;
    } else if (a === '--examples') {
      examples = Number(args[i + 1]);
      if (!Number.isInteger(examples) || examples < 0) throw new UsageError('--examples must be a whole number');
      i += 2;
    } else if (a === '--fail-on') {
      const v = args[i + 1] as Severity;
      if (!(v in RANK)) throw new UsageError('--fail-on must be error, warning, information or hint');
      failOn = v;
      i += 2;
    } else if (a === '--from' || a === '--to') {
      const t = parseTime(args[i + 1]);
      if (t === undefined) throw new UsageError(`${a} takes a time: nanoseconds, or a number with s, ms, us or ns`);
      if (a === '--from') from = t;
      else to = t;
      i += 2;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}\n\n${USAGE}`);
    } else if (file !== undefined) {
      throw new UsageError(`one file only (got ${file} and ${a})`);
    } else {
      file = a;
      i++;
    }
  }
  if (file === undefined) throw new UsageError(`missing <file>\n\n${USAGE}`);
  if (format === 'perfetto' && (from !== undefined || to !== undefined)) throw new UsageError('--format perfetto exports the whole trace: zoom in the Perfetto UI instead of --from/--to');
  const { source, openRange, seekable } = await openSource(file);
  const whole = await createAnalyzer().analyze(source, { config: cfg, openRange, seekable });
  const read = reportReadProblems(io, 'analyze', file, whole.stats);
  if (read === 'refused') return ExitCode.input;
  const partial = whole.stats.partial;
  const failing = (): boolean => failOn !== undefined && analysis.findings.some((f) => RANK[f.severity] >= RANK[failOn!]);
  const range = from !== undefined || to !== undefined ? { from: from ?? -Infinity, to: to ?? Infinity } : undefined;
  const analysis = range ? { ...whole, findings: whole.findings.filter((f) => f.ts >= range.from && f.ts <= range.to) } : whole;
  if (range) {
    // The timeline's selection statistics for the same range: one counting rule (src/core/query).
    const stats = countMarksInRange(whole.marks, range.from, range.to);
    if (format === 'json') {
      const report = JSON.parse(reportJson(analysis)) as Record<string, unknown>;
      io.out(jsonReport(JSON.stringify({ ...report, range: { from: range.from, to: range.to, findings: analysis.findings.length, stats } }, null, 2) + '\n', partial));
      return exitFor(read, failing());
    }
    if (format === 'text') io.out(textReport(rangeText(range, stats, analysis.findings.length) + '\n', partial));
  }
  switch (format) {
    case 'perfetto':
      await writeTraceEvents(analysis, (chunk) => io.out(chunk), { source: file });
      break;
    case 'json':
      io.out(jsonReport(reportJson(analysis), partial));
      break;
    case 'md':
      io.out(textReport(reportMarkdown(analysis, { title: file, examples }), partial, true));
      break;
    case 'sarif':
      io.out(jsonReport(reportSarif(analysis, { uri: file }), partial, true));
      break;
    default:
      // the range header above already carries the mark
      io.out(textReport(reportText(analysis, { source: file, examples }), range ? undefined : partial));
  }
  return exitFor(read, failing());
}

/** `1234` (ns), `20.5s`, `300ms`, `12us`, `7ns` -> ns; undefined when not a time. */
export function parseTime(text: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|ms|us|ns)?$/.exec(text ?? '');
  if (!m) return undefined;
  const scale = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 }[(m[2] ?? 'ns') as 's' | 'ms' | 'us' | 'ns'];
  return Math.round(Number(m[1]) * scale);
}

function rangeText(range: { from: number; to: number }, s: ReturnType<typeof countMarksInRange>, findings: number): string {
  const t = (ns: number) => (Number.isFinite(ns) ? `${(ns / 1e9).toFixed(6)} s` : ns < 0 ? 'start' : 'end');
  const classes = Object.entries(s.faults.byClass).map(([c, n]) => `${c} ${n}`).join(', ');
  return [
    `Range ${t(range.from)} .. ${t(range.to)} (the same counts as a timeline selection of that range)`,
    `  ${s.faults.total} faults, ${s.faults.spurious} spurious${classes ? ` (${classes})` : ''}; ${findings} findings`,
    `  ${s.cmoBytes} B of cache maintenance, ${s.tlbi} TLB invalidations, ${s.invalidWindows.count} invalid windows (${s.invalidWindows.totalNs} ns)`,
  ].join('\n');
}
