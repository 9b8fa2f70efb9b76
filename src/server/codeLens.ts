// textDocument/codeLens: on line 1 of a trace, the analysis summary (faults, spurious faults,
// redundant CMO bytes; opens `stage2Lens.showSummary`) and a "Replay with..." action
// (`stage2Lens.replayWith`); on every line with a finding's diagnostic, "Reveal in Timeline"
// (`stage2Lens.revealInTimeline [uri, line]`). While the analysis runs, a single "analysing" lens.
import type { CodeLens } from 'vscode-languageserver/node';
import type { AnalysisSummary } from '../shared/protocol';
import { REVEAL_IN_TIMELINE_COMMAND } from '../shared/timelineProtocol';
import { summaryLine } from './summary';

const firstLine = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * `findingLines`: the 1-based lines the published diagnostics put a finding on (so a class set to
 * `off`, or a finding past `diagnostics.maxCount`, gets no lens either).
 */
export function buildCodeLenses(uri: string, summary: AnalysisSummary | undefined, analyzing: boolean, findingLines: readonly number[] = []): CodeLens[] {
  if (!summary) {
    return analyzing ? [{ range: firstLine, command: { title: 'Stage-2 Lens: analysing…', command: '' } }] : [];
  }
  return [
    { range: firstLine, command: { title: summaryLine(summary), command: 'stage2Lens.showSummary', arguments: [uri] } },
    { range: firstLine, command: { title: 'Replay with…', command: 'stage2Lens.replayWith', arguments: [uri] } },
    ...[...new Set(findingLines)].sort((a, b) => a - b).map((line): CodeLens => {
      const at = { line: line - 1, character: 0 };
      return { range: { start: at, end: at }, command: { title: 'Reveal in Timeline', command: REVEAL_IN_TIMELINE_COMMAND, arguments: [uri, line] } };
    }),
  ];
}
