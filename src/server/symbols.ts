// textDocument/documentSymbol: the outline of a trace from the analysis's marks and lanes: pass
// markers (tracing_mark_write; each spans to the next marker), one entry per vCPU (its first to
// last line) and dirty-log phases (write-protect and eager-split bursts, dirty-log markers), runs of
// the same action grouped. Marks are core data; this only shapes them for the outline.
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node';
import type { Analysis } from '../core/index';
import type { Mark } from '../core/index';
import { MARK_KINDS } from '../core/index';

function range(first: number, last: number) {
  return { start: { line: Math.max(0, first - 1), character: 0 }, end: { line: Math.max(0, last - 1), character: 0 } };
}

function symbol(name: string, kind: SymbolKind, first: number, last: number, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  return { name: name.trim() || '(unnamed)', kind, range: range(first, Math.max(first, last)), selectionRange: range(first, first), ...(detail ? { detail } : {}), ...(children ? { children } : {}) };
}

const dirtyMarker = /dirty|memslot .*flags/i;

/** The action a dirty-logging mark stands for, or undefined when it is not one. */
function dirtyAction(m: Mark): string | undefined {
  const label = m.label ?? '';
  if (m.kind === 'marker') return dirtyMarker.test(label) ? label.replace(/\s+/g, ' ').trim() : undefined;
  if (m.kind === 'host' && /write-protect/i.test(label)) return 'write-protect';
  if (m.kind === 'split' && /eager/i.test(label)) return 'eager split';
  return undefined;
}

export function buildSymbols(a: Analysis): DocumentSymbol[] {
  const lastLine = a.stats.lines.total || 1;
  // One pass over the mark columns: each lane's line span, and the few marks the outline names
  // (markers and dirty-logging actions) as objects, sorted by line afterwards.
  const marks = a.marks;
  const laneSpan = new Map<string, { first: number; last: number; marks: number }>();
  const named: Mark[] = [];
  for (let i = 0; i < marks.length; i++) {
    const lane = marks.laneName(marks.laneAt(i));
    const line = marks.lineAt(i);
    const span = laneSpan.get(lane);
    if (!span) laneSpan.set(lane, { first: line, last: line, marks: 1 });
    else {
      span.first = Math.min(span.first, line);
      span.last = Math.max(span.last, line);
      span.marks++;
    }
    const kind = MARK_KINDS[marks.kindAt(i)];
    if (kind === 'marker' || kind === 'host' || kind === 'split') {
      const m = marks.get(i);
      if (m.kind === 'marker' || dirtyAction(m) !== undefined) named.push(m);
    }
  }
  named.sort((x, y) => x.line - y.line);
  const markers = named.filter((m) => m.kind === 'marker' && !dirtyMarker.test(m.label ?? ''));
  const passes = markers.map((m, i) => symbol(m.label ?? `marker at line ${m.line}`, SymbolKind.Event, m.line, i + 1 < markers.length ? markers[i + 1].line - 1 : lastLine));

  const dirty: DocumentSymbol[] = [];
  let run: { action: string; first: number; last: number; count: number } | undefined;
  const flush = () => {
    if (run) dirty.push(symbol(run.count > 1 ? `${run.action} ×${run.count}` : run.action, SymbolKind.Event, run.first, run.last));
    run = undefined;
  };
  for (const m of named) {
    const action = dirtyAction(m);
    if (action !== undefined) {
      if (run && run.action === action) [run.last, run.count] = [m.line, run.count + 1];
      else {
        flush();
        run = { action, first: m.line, last: m.line, count: 1 };
      }
    } else flush();
  }
  flush();

  const vcpus: DocumentSymbol[] = [];
  for (const lane of a.lanes) {
    const span = laneSpan.get(lane.id);
    if (span) vcpus.push(symbol(lane.label, lane.id === 'host' ? SymbolKind.Module : SymbolKind.Class, span.first, span.last, `${span.marks} marks`));
  }
  const out: DocumentSymbol[] = [];
  if (passes.length) out.push(symbol('Passes', SymbolKind.Namespace, markers[0].line, lastLine, `${passes.length} markers`, passes));
  if (vcpus.length) out.push(symbol('vCPUs', SymbolKind.Namespace, 1, lastLine, `${vcpus.length} lanes`, vcpus));
  if (dirty.length) out.push(symbol('Dirty logging', SymbolKind.Namespace, dirty[0].range.start.line + 1, lastLine, `${dirty.length} phases`, dirty));
  return out;
}
