// textDocument/codeLens: on line 1 of a trace, the analysis summary (faults, spurious faults,
// redundant CMO bytes; opens `stage2Lens.showSummary`) and a "Replay with..." action
// (`stage2Lens.replayWith`). While the analysis runs, a single "analysing" lens.
import type { CodeLens } from 'vscode-languageserver/node';
import type { AnalysisSummary } from '../shared/protocol';
import { summaryLine } from './summary';

const firstLine = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function buildCodeLenses(uri: string, summary: AnalysisSummary | undefined, analyzing: boolean): CodeLens[] {
  if (!summary) {
    return analyzing ? [{ range: firstLine, command: { title: 'Stage-2 Lens: analysing…', command: '' } }] : [];
  }
  return [
    { range: firstLine, command: { title: summaryLine(summary), command: 'stage2Lens.showSummary', arguments: [uri] } },
    { range: firstLine, command: { title: 'Replay with…', command: 'stage2Lens.replayWith', arguments: [uri] } },
  ];
}
