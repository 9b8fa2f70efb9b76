// A sparse index of line starts for a trace read from disk (files VS Code does not hand to
// extensions), so that hovers and inlay hints can read a few lines back by number without holding
// the file. Filled lazily, by the first read that goes that far (the analysis itself never pays for
// it); one offset per 1024 lines keeps a 500 MB trace's index under 100 KB.
import { open } from 'node:fs/promises';

const stride = 1024;

export class LineIndex {
  /** Byte offset of line 1 + k*stride. */
  private starts: number[] = [0];
  /** False once the bytes turn out not to be plain text (gzip, trace.dat): lines are then unknown. */
  usable = true;

  constructor(private readonly path: string) {}

  /**
   * Lines `first`..`last` (1-based, inclusive) as text; fewer when the file is shorter. Lines past
   * what is indexed are found by scanning on from the last known start (extending the index).
   */
  async read(first: number, last: number): Promise<string[]> {
    if (!this.usable || first < 1 || last < first) return [];
    const block = Math.min(Math.floor((first - 1) / stride), this.starts.length - 1);
    let lineNo = block * stride + 1;
    let pos = this.starts[block];
    const out: string[] = [];
    const handle = await open(this.path, 'r');
    try {
      if (pos === 0) {
        const magic = Buffer.alloc(2);
        await handle.read(magic, 0, 2, 0);
        if ((magic[0] === 0x1f && magic[1] === 0x8b) || magic[0] === 0x17) {
          this.usable = false;
          return [];
        }
      }
      const buf = Buffer.alloc(256 * 1024);
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const emit = (bytes: Buffer) => {
        if (lineNo >= first && lineNo <= last) {
          const text = bytes.toString('latin1');
          out.push(text.endsWith('\r') ? text.slice(0, -1) : text);
        }
      };
      while (lineNo <= last) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) {
          if (pendingBytes > 0) emit(Buffer.concat(pending));
          break;
        }
        const chunk = buf.subarray(0, bytesRead);
        let start = 0;
        for (let nl = chunk.indexOf(10); nl !== -1 && lineNo <= last; nl = chunk.indexOf(10, start)) {
          const piece = chunk.subarray(start, nl);
          emit(pendingBytes ? Buffer.concat([...pending, piece]) : piece);
          pending = [];
          pendingBytes = 0;
          lineNo++;
          start = nl + 1;
          // Extend the index when this scan goes past what the stream indexed.
          if ((lineNo - 1) % stride === 0 && (lineNo - 1) / stride === this.starts.length) this.starts.push(pos + start);
        }
        if (lineNo > last) break;
        // Only the line being looked for is kept; a line over 1 MB is not a trace line.
        if (pendingBytes < 1 << 20) {
          pending.push(Buffer.from(chunk.subarray(start)));
          pendingBytes += bytesRead - start;
        }
        pos += bytesRead;
      }
    } finally {
      await handle.close();
    }
    return out;
  }
}
