// textDocument/documentSymbol: the outline of a trace from the analysis's marks and lanes: pass
// markers (tracing_mark_write), one entry per vCPU (its first to last line) and dirty-log phases
// (host marks labelled as dirty logging). Marks are core data; this only shapes them for the outline.
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node';
import type { Analysis } from '../core/api';

function range(first: number, last: number) {
  return { start: { line: Math.max(0, first - 1), character: 0 }, end: { line: Math.max(0, last - 1), character: 0 } };
}

function symbol(name: string, kind: SymbolKind, first: number, last: number, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  const r = range(first, Math.max(first, last));
  return { name: name.trim() || '(unnamed)', kind, range: r, selectionRange: range(first, first), ...(detail ? { detail } : {}), ...(children ? { children } : {}) };
}

export function buildSymbols(a: Analysis): DocumentSymbol[] {
  const passes: DocumentSymbol[] = [];
  const dirty: DocumentSymbol[] = [];
  const laneSpan = new Map<string, { first: number; last: number; marks: number }>();
  const markers = a.marks.filter((m) => m.kind === 'marker').sort((x, y) => x.line - y.line);
  const lastLine = a.stats.lines.total || 1;
  markers.forEach((m, i) => {
    const end = i + 1 < markers.length ? markers[i + 1].line - 1 : lastLine;
    passes.push(symbol(m.label ?? `marker at line ${m.line}`, SymbolKind.Event, m.line, end));
  });
  for (const m of a.marks) {
    if (m.kind === 'host' && m.label && /dirty/i.test(m.label)) dirty.push(symbol(m.label, SymbolKind.Event, m.line, m.line));
    const span = laneSpan.get(m.lane);
    if (!span) laneSpan.set(m.lane, { first: m.line, last: m.line, marks: 1 });
    else {
      span.first = Math.min(span.first, m.line);
      span.last = Math.max(span.last, m.line);
      span.marks++;
    }
  }
  const vcpus: DocumentSymbol[] = [];
  for (const lane of a.lanes) {
    const span = laneSpan.get(lane.id);
    if (span) vcpus.push(symbol(lane.label, lane.id === 'host' ? SymbolKind.Module : SymbolKind.Class, span.first, span.last, `${span.marks} marks`));
  }
  const out: DocumentSymbol[] = [];
  if (passes.length) out.push(symbol('Passes', SymbolKind.Namespace, passes[0].range.start.line + 1, lastLine, `${passes.length} markers`, passes));
  if (vcpus.length) out.push(symbol('vCPUs', SymbolKind.Namespace, 1, lastLine, `${vcpus.length} lanes`, vcpus));
  if (dirty.length) out.push(symbol('Dirty logging', SymbolKind.Namespace, dirty[0].range.start.line + 1, lastLine, `${dirty.length} phases`, dirty));
  return out;
}
