// stage2Lens/exportReport: the Markdown, JSON or SARIF report of an analysis, produced by core's
// report writers (src/core/analysis/report*.ts). The server only picks the writer and a file name.
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Analysis } from '../core/api';
import type { ExportReportResult, ReportFormat } from '../shared/protocol';

const extension: Record<ReportFormat, string> = { md: 'md', json: 'json', sarif: 'sarif' };

export function reportFileName(traceName: string, format: ReportFormat): string {
  return `${traceName.replace(/\.(trace|ftrace|txt|dat|gz)$/i, '') || 'trace'}.stage2.${extension[format]}`;
}

export function exportReport(_a: Analysis, format: ReportFormat, _uri: string, traceName: string): ExportReportResult {
  void reportFileName(traceName, format);
  throw new ResponseError(LSPErrorCodes.RequestFailed, 'the report writers (src/core/analysis/report*.ts) are not available in this build yet');
}
