// Placeholder: the streaming trace.dat reader (owned by the trace.dat work). readTraceDat turns a
// trace.dat byte stream into the same TraceSink calls as a text trace.
import type { ByteSource } from '../api';
import type { TraceSink } from '../parse/types';

export const TRACE_DAT_MAGIC = Uint8Array.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);

export async function readTraceDat(_source: ByteSource, _sink: TraceSink, _opts: { signal?: AbortSignal; onProgress?(bytes: number): void } = {}): Promise<void> {
  throw new Error('trace.dat reading is not implemented yet');
}
