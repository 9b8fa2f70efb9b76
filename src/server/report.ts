// stage2Lens/exportReport: the Markdown, JSON or SARIF report of an analysis, written by core's
// one report-format switch (src/core/report/byFormat.ts). The server only picks the
// writer and proposes a file name; the client's save dialog decides where it goes.
import type { Analysis } from '../core/index';
import { reportByFormat } from '../core/index';
import type { ExportReportResult, ReportFormat } from '../shared/protocol';

export function reportFileName(traceName: string, format: ReportFormat): string {
  return `${traceName.replace(/\.(trace|ftrace|txt|dat|gz)$/i, '').replace(/\.(trace|ftrace|txt)$/i, '') || 'trace'}.stage2.${format}`;
}

export function exportReport(a: Analysis, format: ReportFormat, uri: string, traceName: string): ExportReportResult {
  const fileName = reportFileName(traceName, format);
  return { text: reportByFormat(a, format, { source: traceName, uri }), fileName };
}
