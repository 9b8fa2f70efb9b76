// `stage2-lens analyze <file> [model flags] [--format text|json|md|sarif]`: replays the trace
// through the stage-2 model and prints the findings (summary counts first, then a few examples
// per class). Exit code 0, or 1 with --fail-on when findings at that severity exist. The model flags
// and config-file validation are src/cli/flags.ts, shared with `compare`.
import { createAnalyzer } from '../../core/index';
import type { ModelConfig, Severity } from '../../core/index';
import { reportJson } from '../../core/index';
import { reportByFormat } from '../../core/index';
import { CliIo, ExitCode, UsageError } from '../io';
import { MODEL_FLAGS_HELP, checkGeometry, decimalInt, modelFlag, timeRange, valueOf } from '../flags';
import { openSource } from '../openSource';
import { LeverCheck } from '../leverCheck';
import { exitFor, jsonReport, textReport, reportReadProblems } from '../readProblems';
import { countMarksInRange, writeTraceEvents } from '../../core/index';
import { plural } from '../../shared/plural';

const USAGE = `usage: stage2-lens analyze <file> [options]

  <file>               kernel trace text, trace-cmd report text or trace.dat (.gz is fine)
${MODEL_FLAGS_HELP}
  --format F           text (default), json, md, sarif, or perfetto (Trace Event Format JSON for the
                       Perfetto UI and chrome://tracing, streamed)
  --no-what-if         do not replay the trace again with the levers of the classes found (the
                       headline then says "avoidable: not checked")
  --examples N         examples per class in text/md output (default 3, at most 10000)
  --fail-on LEVEL      exit 1 when a finding of this severity or worse exists (error, warning, information)
  --from T, --to T     only a time range of the trace (T in ns, or with a unit: 20.5s, 300ms, 12us): its
                       findings, and the range statistics the timeline shows for the same selection

exit codes: 0 ok, 1 findings at --fail-on, 2 usage error, 3 input missing/unreadable/not a trace,
4 internal error, 5 input incomplete or damaged (partial analysis)
`;

const FORMATS = ['text', 'json', 'md', 'sarif', 'perfetto'] as const;
type Format = (typeof FORMATS)[number];
/** More examples than this per class is a listing, not a report: the JSON output has them all. */
const MAX_EXAMPLES = 10000;
const RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

export async function run(args: string[], io: CliIo): Promise<number> {
  const cfg: Partial<ModelConfig> = {};
  let file: string | undefined;
  let format: Format = 'text';
  let examples = 3;
  let failOn: Severity | undefined;
  let from: string | undefined;
  let to: string | undefined;
  let whatIf = true;
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
    } else if (a === '--no-what-if') {
      whatIf = false;
      i++;
    } else if (a === '--examples') {
      examples = decimalInt(a, valueOf(args, i), 0, MAX_EXAMPLES);
      i += 2;
    } else if (a === '--fail-on') {
      const v = args[i + 1] as Severity;
      if (!(v in RANK)) throw new UsageError('--fail-on must be error, warning, information or hint');
      failOn = v;
      i += 2;
    } else if (a === '--from' || a === '--to') {
      if (a === '--from') from = valueOf(args, i);
      else to = valueOf(args, i);
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
  checkGeometry(cfg);
  const range = timeRange(from, to);
  if (format === 'perfetto' && range) throw new UsageError('--format perfetto exports the whole trace: zoom in the Perfetto UI instead of --from/--to');
  const { source, openRange, seekable } = await openSource(file);
  // What the levers remove, for the headline's "avoidable": one more read with their presets (a
  // file only, not a stream), started on the second core as soon as a class calls for it.
  const leverCheck = whatIf && seekable && (format === 'text' || format === 'md' || format === 'json') ? new LeverCheck(file, cfg) : undefined;
  const whole = await createAnalyzer().analyze(source, { config: cfg, openRange, seekable, onFindingClasses: leverCheck?.onFindingClasses });
  const read = reportReadProblems(io, 'analyze', file, whole.stats);
  if (read === 'refused') return ExitCode.input;
  const partial = whole.stats.partial;
  const levers = leverCheck ? await leverCheck.results(whole) : undefined;
  const failing = (): boolean => failOn !== undefined && analysis.findings.some((f) => RANK[f.severity] >= RANK[failOn!]);
  const analysis = range ? { ...whole, findings: whole.findings.filter((f) => f.ts >= range.from && f.ts <= range.to) } : whole;
  if (range) {
    // The timeline's selection statistics for the same range: one counting rule (src/core/query).
    const stats = countMarksInRange(whole.marks, range.from, range.to);
    if (format === 'json') {
      const report = JSON.parse(reportJson(analysis, { levers })) as Record<string, unknown>;
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
      io.out(jsonReport(reportByFormat(analysis, format, { source: file, levers }), partial));
      break;
    case 'md':
      io.out(textReport(reportByFormat(analysis, format, { source: file, examples, levers }), partial, true));
      break;
    case 'sarif':
      io.out(jsonReport(reportByFormat(analysis, format, { source: file }), partial, true));
      break;
    default:
      // the range header above already carries the mark
      io.out(textReport(reportByFormat(analysis, 'text', { source: file, examples, levers }), range ? undefined : partial));
  }
  return exitFor(read, failing());
}

function rangeText(range: { from: number; to: number }, s: ReturnType<typeof countMarksInRange>, findings: number): string {
  const t = (ns: number) => (Number.isFinite(ns) ? `${(ns / 1e9).toFixed(6)} s` : ns < 0 ? 'start' : 'end');
  const classes = Object.entries(s.faults.byClass).map(([c, n]) => `${c} ${n}`).join(', ');
  return [
    `Range ${t(range.from)} .. ${t(range.to)} (the same counts as a timeline selection of that range)`,
    `  ${plural(s.faults.total, 'fault')}, ${s.faults.spurious} spurious${classes ? ` (${classes})` : ''}; ${plural(findings, 'finding')}`,
    `  ${s.cmoBytes} B of cache maintenance, ${s.tlbi} TLB invalidations, ${s.invalidWindows.count} invalid windows (${s.invalidWindows.totalNs} ns)`,
  ].join('\n');
}
