// `stage2-lens diff <before> <after> [--format text|md|json]`: two real recordings of the same
// workload (old and new kernel, two hosts, two configurations) compared phase by phase, with the
// set-up differences first and bootstrap intervals over repeated passes (src/core/diff).
import { parseArgs } from 'node:util';
import { createAnalyzer } from '../../core/index';
import { diffRecordings } from '../../core/index';
import { diffJson, diffMarkdown, diffText } from '../../core/index';
import { CliIo, ExitCode, UsageError } from '../io';
import { openSource } from '../openSource';
import { exitFor, jsonReport, textReport, reportReadProblems, type ReadOutcome } from '../readProblems';

const USAGE = `usage: stage2-lens diff <before> <after> [--format text|md|json]

  <before>, <after>    two traces (text, trace-cmd report, trace.dat, .gz) of the same workload
  --format F           text (default), md or json

Both are replayed as recorded (the configuration each trace shows). Totals are exact; phases are
aligned by trace markers; intervals come from repeated passes.
exit codes: 0 ok, 2 usage error, 3 input missing/unreadable/not a trace, 4 internal error,
5 input incomplete or damaged (partial)
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return ExitCode.ok;
  }
  const format = parsed.values.format;
  if (format !== 'text' && format !== 'md' && format !== 'json') throw new UsageError('--format must be text, md or json');
  if (parsed.positionals.length !== 2) throw new UsageError(`two traces needed (got ${parsed.positionals.length})\n\n${USAGE}`);
  const [before, after] = parsed.positionals;
  const analyses = [];
  let read: ReadOutcome = 'complete';
  for (const file of [before, after]) {
    const { source, openRange, seekable } = await openSource(file);
    const a = await createAnalyzer().analyze(source, { openRange, seekable });
    const outcome = reportReadProblems(io, 'diff', file, a.stats);
    if (outcome === 'refused') return ExitCode.input;
    if (outcome === 'partial') read = 'partial';
    analyses.push(a);
  }
  const d = diffRecordings(analyses[0], analyses[1]);
  const o = { before, after };
  // the first partial input's mark (stderr names each)
  const partial = analyses.find((a) => a.stats.partial)?.stats.partial;
  io.out(format === 'json' ? jsonReport(diffJson(d, o), partial) : format === 'md' ? textReport(diffMarkdown(d, o), partial, true) : textReport(diffText(d, o), partial));
  return exitFor(read, false);
}
