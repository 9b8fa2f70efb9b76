// Decodes a few trace lines (the hovered one, with the file's header for format detection) into
// core TraceEvents by running them through core's own reader, so that the hover shows exactly what
// the engine saw (core's readTrace over the few lines, nothing re-parsed here).
import { readTrace } from '../core/index';
import type { TraceEvent } from '../core/index';
import type { TraceSource } from './traceSource';

/** Header lines fed before the hovered line: enough for `# tracer:` and trace-cmd's `cpus=`/`version =`. */
const headerLines = 16;

async function readLines(text: string): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  const bytes = new TextEncoder().encode(text);
  await readTrace((async function* () {
    yield bytes;
  })(), { event: (ev) => void events.push(ev) });
  return events;
}

export async function decodeLine(source: TraceSource, line: number): Promise<{ text: string | undefined; event: TraceEvent | undefined }> {
  const [text] = await source.lines(line, line);
  if (text === undefined) return { text, event: undefined };
  const header = line > 1 ? (await source.lines(1, Math.min(headerLines, line - 1))).filter((l) => /^\s*#|^\s*(cpus=|version\s*=|CPU\s*\d+ is empty)/.test(l)) : [];
  try {
    const events = await readLines([...header, text].join('\n') + '\n');
    const ev = events.find((e) => e.line === header.length + 1);
    return { text, event: ev ? { ...ev, line } : undefined };
  } catch {
    return { text, event: undefined };
  }
}
