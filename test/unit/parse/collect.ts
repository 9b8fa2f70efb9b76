// Test helper: read a trace (file path or text) through readTrace and collect everything the sink
// receives, in order.
import { createReadStream } from 'node:fs';
import type { ByteSource } from '../../../src/core/api';
import { readTrace, type ReadTraceResult } from '../../../src/core/read/readTrace';
import type { RejectedLine, SpecialLine, TraceEvent } from '../../../src/core/parse/types';

export interface Collected {
  result: ReadTraceResult;
  events: TraceEvent[];
  rejected: RejectedLine[];
  special: SpecialLine[];
  /** Everything, in sink order, as line numbers. */
  order: number[];
}

export function fileSource(path: string, chunk = 64 * 1024): ByteSource {
  return createReadStream(path, { highWaterMark: chunk });
}

/** Text or bytes split into chunks of the given sizes (cycled). */
export function chunked(data: string | Uint8Array, sizes: number[] = [1 << 16]): ByteSource {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  return {
    async *[Symbol.asyncIterator]() {
      let pos = 0;
      let i = 0;
      while (pos < buf.length) {
        const n = Math.max(1, sizes[i++ % sizes.length]);
        yield buf.subarray(pos, pos + n);
        pos += n;
      }
    },
  };
}

export async function collect(source: ByteSource | string): Promise<Collected> {
  const c: Omit<Collected, 'result'> = { events: [], rejected: [], special: [], order: [] };
  const result = await readTrace(typeof source === 'string' ? chunked(source) : source, {
    event: (e) => {
      c.events.push(e);
      c.order.push(e.line);
    },
    rejected: (r) => {
      c.rejected.push(r);
      c.order.push(r.line);
    },
    special: (s) => {
      c.special.push(s);
      c.order.push(s.line);
    },
  });
  return { result, ...c };
}

/** Pad a kernel-format context prefix like trace_print_context() does. */
export function kline(comm: string, pid: number, cpu: number, flags: string | undefined, ts: string, text: string): string {
  const f = flags === undefined ? '' : `${flags} `;
  return `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ${f}${ts.padStart(12)}: ${text}`;
}
