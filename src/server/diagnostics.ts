// Findings -> LSP diagnostics: one per finding on its line, source `stage2-lens`, code = the
// finding code with a codeDescription linking the class's page in docs/findings/, related lines as
// relatedInformation. Uses `stage2Lens.diagnostics.severity` (per class, `off` hides a class) and
// `stage2Lens.diagnostics.maxCount` (past it, one summary diagnostic on line 1).
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import type { Finding, Severity } from '../core/index';
import { findingEntry, findingPage } from '../core/index';
import type { Settings } from '../shared/settings';

export const diagnosticSource = 'stage2-lens';

const lspSeverity: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Folder holding docs/findings/*.md: the first docs/findings above the bundled server (<out>/server/server.js; the extension or repository root). */
export function defaultDocsRoot(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    dir = dirname(dir);
    const candidate = join(dir, 'docs', 'findings');
    if (existsSync(candidate)) return candidate;
  }
  return join(from, '..', '..', 'docs', 'findings');
}

export function findingDocUrl(cls: Finding['cls'], docsRoot: string): string {
  return pathToFileURL(join(docsRoot, findingPage(cls))).toString();
}

/** The end of a finding's range: the line's length when known, else a column past any trace line (clients clamp it). */
export type LineLength = (line: number) => number | undefined;

export function findingToDiagnostic(f: Finding, uri: string, severity: Severity, docsRoot: string, lineLength: LineLength): Diagnostic {
  const line = Math.max(0, f.line - 1);
  const end = lineLength(line) ?? 10000;
  return {
    range: { start: { line, character: 0 }, end: { line, character: end } },
    severity: lspSeverity[severity],
    source: diagnosticSource,
    code: f.code,
    codeDescription: { href: findingDocUrl(f.cls, docsRoot) },
    message: f.message,
    relatedInformation: f.related.map((r) => ({
      location: { uri, range: { start: { line: Math.max(0, r.line - 1), character: 0 }, end: { line: Math.max(0, r.line - 1), character: 0 } } },
      message: r.message,
    })),
    data: { line: f.line, cls: f.cls },
  };
}

const rank: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

/**
 * The diagnostics for a trace. When there are more than maxCount, the most severe are kept (then
 * by line), and one information diagnostic on line 1 says how many are hidden and where to see them.
 */
export function findingsToDiagnostics(findings: readonly Finding[], uri: string, settings: Settings, docsRoot: string, lineLength: LineLength = () => undefined): Diagnostic[] {
  const shown: { f: Finding; severity: Severity }[] = [];
  for (const f of findings) {
    const configured = settings.diagnostics.severity[f.cls];
    if (configured === 'off') continue;
    shown.push({ f, severity: configured ?? findingEntry(f.cls).severity });
  }
  const max = settings.diagnostics.maxCount;
  let kept = shown;
  if (shown.length > max) {
    kept = [...shown].sort((a, b) => rank[a.severity] - rank[b.severity] || a.f.line - b.f.line).slice(0, max);
    kept.sort((a, b) => a.f.line - b.f.line);
  }
  const out = kept.map(({ f, severity }) => findingToDiagnostic(f, uri, severity, docsRoot, lineLength));
  if (shown.length > max) {
    const hidden = shown.length - max;
    out.unshift({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: lineLength(0) ?? 10000 } },
      severity: DiagnosticSeverity.Information,
      source: diagnosticSource,
      code: 'too-many-findings',
      message: `${hidden} more findings are not shown (stage2Lens.diagnostics.maxCount is ${max}). Run "Stage-2 Lens: Export Report..." or "Stage-2 Lens: Show Summary" to see them all, or raise the setting.`,
    });
  }
  return out;
}
