// The one report-format switch: `stage2-lens analyze --format` and the server's stage2Lens/exportReport
// both pick their writer here, so a format (and the SARIF tool version, reportSarif's default) is
// chosen in one place.
import type { Analysis } from '../api';
import type { LeverResult } from '../analysis/verdicts';
import { reportJson } from './reportJson';
import { reportMarkdown } from './reportMarkdown';
import { reportSarif } from './reportSarif';
import { reportText } from './reportText';

export const REPORT_FORMATS = ['text', 'md', 'json', 'sarif'] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];

export interface ReportByFormatOptions {
  /** The trace's name as the reader gave it: the text report's source, the Markdown title. */
  source?: string;
  /** SARIF artifact location; the source when absent. */
  uri?: string;
  /** Example findings printed per class (text and Markdown). */
  examples?: number;
  /** What the levers remove on this trace (checkLevers): text, Markdown and JSON. */
  levers?: LeverResult[];
}

export function reportByFormat(a: Analysis, format: ReportFormatName, o: ReportByFormatOptions = {}): string {
  switch (format) {
    case 'text':
      return reportText(a, { source: o.source, examples: o.examples, levers: o.levers });
    case 'md':
      return reportMarkdown(a, { title: o.source, examples: o.examples, levers: o.levers });
    case 'json':
      return reportJson(a, { levers: o.levers });
    case 'sarif':
      return reportSarif(a, { uri: o.uri ?? o.source });
    default: {
      const unhandled: never = format;
      throw new Error(`unknown report format: ${String(unhandled)}`);
    }
  }
}
