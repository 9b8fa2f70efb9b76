// stage2Lens/exportReport: the Markdown, JSON or SARIF report of an analysis, written by core's
// report writers (src/core/analysis/report{Markdown,Json,Sarif}.ts). The server only picks the
// writer and proposes a file name; the client's save dialog decides where it goes.
import type { Analysis } from '../core/api';
import { reportJson } from '../core/analysis/reportJson';
import { reportMarkdown } from '../core/analysis/reportMarkdown';
import { reportSarif } from '../core/analysis/reportSarif';
import type { ExportReportResult, ReportFormat } from '../shared/protocol';

export function reportFileName(traceName: string, format: ReportFormat): string {
  return `${traceName.replace(/\.(trace|ftrace|txt|dat|gz)$/i, '').replace(/\.(trace|ftrace|txt)$/i, '') || 'trace'}.stage2.${format}`;
}

export function exportReport(a: Analysis, format: ReportFormat, uri: string, traceName: string): ExportReportResult {
  const fileName = reportFileName(traceName, format);
  switch (format) {
    case 'md':
      return { text: reportMarkdown(a, { title: traceName }), fileName };
    case 'json':
      return { text: reportJson(a), fileName };
    case 'sarif':
      return { text: reportSarif(a, { uri, version: '0.1.0' }), fileName };
    default: {
      const unhandled: never = format;
      throw new Error(`unknown report format: ${String(unhandled)}`);
    }
  }
}
