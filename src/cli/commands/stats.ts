// `stage2-lens stats <file> [--json]`: what a trace contains (format, time span, events by name,
// per-task counts, stage-2 faults by class and level, unrecognised lines by reason with example
// line numbers, lost events, and what the trace lacks for the analyses). Readable text by default,
// the TraceStats JSON with --json; progress on stderr only when it is a terminal and the file is big.
import { FORMAT_LABELS, readStats, type CoverageItem, type TraceStats } from '../../core/index';
import { CliIo, ExitCode, UsageError } from '../io';
import { openSource } from '../openSource';
import { escapeControls } from '../../shared/controlChars';
import { exitFor, textReport, reportReadProblems } from '../readProblems';
import { plural } from '../../shared/plural';

const USAGE = `usage: stage2-lens stats <file> [--json]

  <file>   a kernel trace / trace_pipe text, trace-cmd report text or trace.dat (.gz is fine)
  --json   print the statistics as JSON (format, lines, events, unrecognized, ...)

exit codes: 0 ok, 2 usage error, 3 input missing/unreadable/not a trace, 4 internal error,
5 input incomplete or damaged (partial)
`;

/** Files below this size finish before a progress line would help. */
const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

function parseArgs(args: string[]): { file: string; json: boolean } | 'help' {
  let file: string | undefined;
  let json = false;
  for (const a of args) {
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--json') json = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}\n\n${USAGE}`);
    else if (file !== undefined) throw new UsageError(`one file only (got ${file} and ${a})`);
    else file = a;
  }
  if (file === undefined) throw new UsageError(`missing <file>\n\n${USAGE}`);
  return { file, json };
}

function seconds(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function table(rows: [string, number][], limit = 40): string[] {
  const shown = rows.slice(0, limit);
  const w = Math.max(1, ...shown.map(([, n]) => String(n).length));
  const out = shown.map(([k, n]) => `  ${String(n).padStart(w)}  ${escapeControls(k)}`);
  if (rows.length > limit) out.push(`  ... ${rows.length - limit} more`);
  return out;
}

export function formatStats(file: string, s: TraceStats, coverage: CoverageItem[] = []): string {
  const out: string[] = [];
  out.push(`file: ${escapeControls(file)}`);
  out.push(`format: ${FORMAT_LABELS[s.format] ?? s.format}`);
  out.push(`lines: ${s.lines.total} total, ${plural(s.lines.events, 'event')}, ${s.lines.special} header/special, ${s.lines.unrecognized} not recognised`);
  if (s.firstTs !== undefined && s.lastTs !== undefined) out.push(`time span: ${seconds(s.firstTs)} .. ${seconds(s.lastTs)} (${seconds(s.lastTs - s.firstTs)})`);
  out.push('');
  out.push('events by name:');
  out.push(...(Object.keys(s.events).length ? table(Object.entries(s.events)) : ['  none']));
  out.push('');
  out.push('events per task:');
  const vcpu = s.vcpuOfTask ?? {};
  out.push(...(Object.keys(s.perTask).length ? table(Object.entries(s.perTask).map(([t, n]) => [vcpu[t] !== undefined ? `${t} (vCPU ${vcpu[t]})` : t, n] as [string, number]), 20) : ['  none']));
  out.push('');
  out.push('stage-2 faults by class and level:');
  out.push(...(Object.keys(s.faultsByClassLevel).length ? table(Object.entries(s.faultsByClassLevel)) : ['  none']));
  out.push('');
  out.push('lines not recognised:');
  if (s.unrecognized.length === 0) out.push('  none');
  for (const g of s.unrecognized) out.push(`  ${g.count} ${g.reason} (e.g. line${g.examples.length > 1 ? 's' : ''} ${g.examples.join(', ')}): ${escapeControls(g.detail)}`);
  out.push(...readerLines(s));
  if (s.lostEvents.length > 0 || s.timestampsBackwards > 0) {
    out.push('');
    for (const l of s.lostEvents.slice(0, 10)) out.push(`lost events: CPU ${l.cpu}, ${l.count ?? 'unknown number'} at line ${l.line}`);
    if (s.lostEvents.length > 10) out.push(`lost events: ... ${s.lostEvents.length - 10} more markers`);
    if (s.timestampsBackwards > 0) out.push(`timestamps going backwards (per CPU): ${s.timestampsBackwards}`);
  }
  if (coverage.length) {
    out.push('');
    out.push('what this trace supports (observed: the trace shows it; inferred: the model fills it in):');
    for (const c of coverage) {
      out.push(`  ${c.analysis.padEnd(16)} ${c.support.padEnd(9)} ${c.why}`);
      for (const a of c.support === 'observed' ? [] : c.add) out.push(`  ${''.padEnd(26)} to observe it, add: ${a}`);
    }
  }
  out.push('');
  out.push('what this trace lacks for the stage-2 analyses:');
  const partial = coverage.some((c) => c.support !== 'observed');
  out.push(...(s.lacks.length ? s.lacks.map((l) => `  - ${l}`) : [partial ? '  no events are missing; the analyses marked inferred above need the probes named there' : '  nothing: every analysis has what it needs']));
  return out.join('\n') + '\n';
}

/** What the reader repaired or could not trust, one line per kind that occurred. */
function readerLines(s: TraceStats): string[] {
  const r = s.reader;
  if (r === undefined) return [];
  const rows: string[] = [];
  if (r.joinedContinuations) rows.push(`  ${r.joinedContinuations} wrapped continuation line${r.joinedContinuations === 1 ? '' : 's'} joined to the event before`);
  if (r.joinedAfterTimestamp) rows.push(`  of which ${r.joinedAfterTimestamp} held the event text of a line wrapped inside its context prefix`);
  if (r.unquoted) rows.push(`  ${r.unquoted} line${r.unquoted === 1 ? '' : 's'} read after stripping mail quoting ("> ")`);
  if (r.quotedPrintable) rows.push(`  ${r.quotedPrintable} line${r.quotedPrintable === 1 ? '' : 's'} decoded from quoted-printable mail encoding`);
  if (r.truncatedEvents) rows.push(`  ${r.truncatedEvents} event${r.truncatedEvents === 1 ? '' : 's'} cut before the end of the format (truncated: counted, not used by the analyses)`);
  if (r.crossCpuBackwards) rows.push(`  ${r.crossCpuBackwards} event${r.crossCpuBackwards === 1 ? '' : 's'} behind a later event of another CPU (not in global time order there)`);
  return rows.length ? ['', 'reader repairs and doubts:', ...rows] : [];
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === 'help') {
    io.out(USAGE);
    return ExitCode.ok;
  }
  const { source, size, openRange, seekable } = await openSource(parsed.file);
  const showProgress = io.isTty && size >= PROGRESS_MIN_BYTES;
  let lastShown = 0;
  const { stats, coverage } = await readStats(source, {
    openRange,
    seekable,
    onProgress: showProgress
      ? (bytes) => {
          const now = Date.now();
          if (now - lastShown < 200) return;
          lastShown = now;
          io.err(`\rstats: ${mb(bytes)} of ${mb(size)} (${Math.min(100, Math.floor((bytes / size) * 100))}%)`);
        }
      : undefined,
  });
  if (showProgress) io.err('\r\x1b[K');
  // a refusal is said on stderr only: stats of what is not a trace would be noise
  const read = reportReadProblems(io, 'stats', parsed.file, stats, { lineProblems: false });
  if (read === 'refused') return ExitCode.input;
  io.out(parsed.json ? JSON.stringify({ file: parsed.file, ...stats, coverage }, null, 2) + '\n' : textReport(formatStats(parsed.file, stats, coverage), stats.partial));
  return exitFor(read, false);
}
