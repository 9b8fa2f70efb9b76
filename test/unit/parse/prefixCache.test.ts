// The byte path's remembered context prefixes (two most recent, then 16 sets of two): with many
// threads, alternating flags, both fixed-column layouts and prefixes that differ only past the
// hashed bytes, every event must carry its own line's task, pid, CPU and flags, as the string
// path gives them, and no line may be taken for another's prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer } from '../../../src/core/parse/lineFramer';
import { LineParser } from '../../../src/core/parse/lineParser';
import type { TraceEvent } from '../../../src/core/parse/types';

function parse(data: Buffer, bytePath: boolean): TraceEvent[] {
  const events: TraceEvent[] = [];
  const parser = new LineParser({ event: (e) => events.push(e) }, { bytePath });
  const framer = new LineFramer(parser);
  framer.push(data);
  framer.end();
  parser.finish();
  return events;
}

interface Written {
  comm: string;
  pid: number;
  cpu: number;
  flags: string;
}

test('remembered prefixes: many threads interleaved give each line its own fields, as the string path', () => {
  const threads: Written[] = [];
  // 48 prefixes (24 threads x 2 flags) for 32 slots: sets fill, ways are evicted and reused
  for (let t = 0; t < 24; t++) {
    const comm = t % 3 === 0 ? 'kvmtest' : t % 3 === 1 ? 'qemu-system-aar' : 'CPU 0/KVM';
    for (const flags of ['.....', 'd....']) threads.push({ comm, pid: 300 + t, cpu: t % 8, flags });
  }
  // same bytes up to the flags' last character: only the full comparison tells them apart
  threads.push({ comm: 'kvmtest', pid: 300, cpu: 0, flags: 'd...1' });
  const lines: string[] = [];
  const expected: Written[] = [];
  let seed = 7;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 4000; i++) {
    // bursts of one thread, then a jump to any other
    const w = threads[(i % 5 === 0 ? next() : i) % threads.length];
    const ts = `${70 + Math.floor(i / 1000)}.${String(100000 + i).slice(-6)}`;
    const kernel = i % 7 !== 3;
    const prefix = kernel
      ? `${w.comm.padStart(16)}-${String(w.pid).padEnd(7)} [${String(w.cpu).padStart(3, '0')}] ${w.flags} ${ts.padStart(12)}: `
      : `${w.comm.padStart(16)}-${String(w.pid).padEnd(5)} [${String(w.cpu).padStart(3, '0')}] ${w.flags} ${ts.padStart(12)}: `;
    lines.push(`${prefix}kvm_entry: PC: 0x000000001000001c`);
    expected.push(w);
  }
  const data = Buffer.from(lines.join('\n') + '\n');
  const fast = parse(data, true);
  const slow = parse(data, false);
  assert.equal(fast.length, 4000);
  assert.deepEqual(fast, slow);
  for (let i = 0; i < fast.length; i++) {
    const e = fast[i];
    const w = expected[i];
    assert.deepEqual([e.task, e.pid, e.cpu, e.flags, e.line], [w.comm, w.pid, w.cpu, w.flags, i + 1], `line ${i + 1}`);
  }
});
