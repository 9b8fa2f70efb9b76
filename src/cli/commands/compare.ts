// `stage2-lens compare <file> --a <config|preset> --b <config|preset>`: one read of the trace,
// two replays, and what B changes against A (faults avoided per class, the measured exit-to-entry time of the faults B avoids, windows,
// TLBIs, CMO bytes). Presets: observed, bbm1, bbm2, eager2m, noeager, fwb, dic, 5.13, ... (join with +).
import { createAnalyzer } from '../../core/index';
import type { ModelConfig } from '../../core/index';
import { comparisonJson } from '../../core/index';
import { comparisonMarkdown } from '../../core/index';
import { comparisonText } from '../../core/index';
import { presetNames } from '../../core/index';
import { CliIo, ExitCode, UsageError } from '../io';
import { openSource } from '../openSource';
import { exitFor, jsonReport, textReport, reportReadProblems } from '../readProblems';
import { MODEL_FLAGS_HELP, configOrPreset, modelFlag } from '../flags';

const USAGE = `usage: stage2-lens compare <file> --a <config|preset> --b <config|preset> [options]

  --a, --b SPEC        a .json configuration file or a preset: ${presetNames().join(', ')}
                       (combine presets with +, e.g. bbm2+fwb); --a defaults to observed
  --format F           text (default), json or md
  common model flags apply to both sides:
${MODEL_FLAGS_HELP}
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const common: Partial<ModelConfig> = {};
  let file: string | undefined;
  let a: Partial<ModelConfig> = {};
  let b: Partial<ModelConfig> | undefined;
  let format = 'text';
  for (let i = 0; i < args.length; ) {
    const x = args[i];
    if (x === '--help' || x === '-h') {
      io.out(USAGE);
      return ExitCode.ok;
    }
    const used = modelFlag(args, i, common);
    if (used) {
      i += used;
      continue;
    }
    if (x === '--a' || x === '--b') {
      const v = args[i + 1];
      if (v === undefined) throw new UsageError(`${x} needs a configuration file or preset`);
      if (x === '--a') a = configOrPreset(v);
      else b = configOrPreset(v);
      i += 2;
    } else if (x === '--format') {
      format = args[i + 1] ?? '';
      if (!['text', 'json', 'md'].includes(format)) throw new UsageError('--format must be text, json or md');
      i += 2;
    } else if (x.startsWith('-') && x !== '-') {
      throw new UsageError(`unknown option ${x}\n\n${USAGE}`);
    } else if (file !== undefined) {
      throw new UsageError(`one file only (got ${file} and ${x})`);
    } else {
      file = x;
      i++;
    }
  }
  if (file === undefined) throw new UsageError(`missing <file>\n\n${USAGE}`);
  if (!b) throw new UsageError(`missing --b (the configuration to compare with)\n\n${USAGE}`);
  const { source, openRange, seekable } = await openSource(file);
  const analyzer = createAnalyzer();
  const [ra, rb] = await analyzer.analyzeMany(source, [{ ...common, ...a }, { ...common, ...b }], { openRange, seekable });
  const read = reportReadProblems(io, 'compare', file, ra.stats);
  if (read === 'refused') return ExitCode.input;
  const cmp = analyzer.compare(ra, rb);
  const partial = ra.stats.partial;
  io.out(format === 'json' ? jsonReport(comparisonJson(cmp), partial) : format === 'md' ? textReport(comparisonMarkdown(cmp), partial, true) : textReport(comparisonText(cmp), partial));
  return exitFor(read, false);
}
