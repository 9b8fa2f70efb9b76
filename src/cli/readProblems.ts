// What the reader said about an input as a whole, told the same way by every command that reads a
// trace (stats, analyze, compare, diff): lines it could not use and lost events on stderr, a
// refusal (not a trace: exit 3), and a partial read (a cut .gz or trace.dat: every output is marked
// partial and the exit code is 5). Reports on stdout stay machine-readable; the marks added to them
// are a first line in text and Markdown and a `partial` member in JSON and SARIF.
import type { TraceStats } from '../core/index';
import type { CliIo } from './io';
import { ExitCode } from './io';
import { escapeControls, escapeControlsKeepLines } from '../shared/controlChars';
import { partialSentence } from '../core/index';
import { plural } from '../shared/plural';

/** How a read went, for the exit code: `refused` is exit 3, `partial` exit 5 (unless a usage or internal error). */
export type ReadOutcome = 'complete' | 'partial' | 'refused';

type ReadFacts = Pick<TraceStats, 'unrecognized' | 'lostEvents' | 'lines' | 'notATrace' | 'partial'>;


/**
 * Says on stderr what the reader could not use and whether the input was a trace, in full or in
 * part. The caller returns ExitCode.input on `refused` and ends with exitFor(). `lineProblems:
 * false` leaves out the unrecognised lines and lost events (stats prints them on stdout).
 */
export function reportReadProblems(io: CliIo, command: string, file: string, st: ReadFacts, opts: { lineProblems?: boolean } = {}): ReadOutcome {
  const where = `stage2-lens ${command}: ${escapeControls(file)}`;
  if (st.notATrace !== undefined) {
    io.err(`${where}: not a trace: ${escapeControls(st.notATrace)}\n`);
    return 'refused';
  }
  if (opts.lineProblems !== false) for (const u of st.unrecognized) io.err(`${where}: ${plural(u.count, 'line')} not recognised (${u.reason}: ${escapeControls(u.detail)}; e.g. line ${u.examples.slice(0, 3).join(', ')})\n`);
  if (opts.lineProblems !== false && st.lostEvents.length) io.err(`${where}: the ring buffer lost events on ${plural(st.lostEvents.length, 'occasion')} (first at line ${st.lostEvents[0].line}): findings near the gaps are less certain\n`);
  if (st.partial) {
    io.err(`${where}: warning: ${escapeControls(partialSentence(st.partial))}\n`);
    return 'partial';
  }
  return 'complete';
}

/** The exit code once the output is written: a partial read (5) outranks findings at --fail-on (1). */
export function exitFor(outcome: ReadOutcome, findingsExit: boolean): number {
  if (outcome === 'refused') return ExitCode.input;
  if (outcome === 'partial') return ExitCode.partial;
  return findingsExit ? ExitCode.findings : ExitCode.ok;
}

/**
 * A text or Markdown report as it goes to stdout: control characters from the trace escaped
 * (task names, marker text; a report's own lines and tabs are kept) and, after a partial read,
 * the mark as its first line. Every text and Markdown output of the CLI passes here.
 */
export function textReport(report: string, partial: TraceStats['partial'], markdown = false): string {
  const body = escapeControlsKeepLines(report);
  if (!partial) return body;
  const line = escapeControls(partialSentence(partial));
  return markdown ? `> **${line.replace(/[\\`*_[\]<>|]/g, '\\$&')}**\n\n${body}` : `${line.replace(/^partial analysis/, 'PARTIAL ANALYSIS')}\n\n${body}`;
}

/**
 * A JSON report (an object) with `partial: {offset, reason}` as its first member; a SARIF log gets
 * it on its run as well as an execution notification, where SARIF viewers show it.
 */
export function jsonReport(report: string, partial: TraceStats['partial'], sarif = false): string {
  if (!partial) return report;
  const obj = JSON.parse(report) as Record<string, unknown>;
  if (sarif) {
    const runs = (obj.runs as Record<string, unknown>[] | undefined) ?? [];
    for (const run of runs) {
      run.properties = { ...(run.properties as object | undefined), partial };
      run.invocations = [
        {
          executionSuccessful: true,
          toolExecutionNotifications: [{ level: 'warning', message: { text: partialSentence(partial) } }],
        },
      ];
    }
    return JSON.stringify(obj, null, 2) + '\n';
  }
  return JSON.stringify({ partial, ...obj }, null, 2) + '\n';
}
