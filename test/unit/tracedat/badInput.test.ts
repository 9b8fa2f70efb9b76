// Untrusted trace.dat input: truncated files, unknown versions, corrupt compressed blocks, pages
// with bad lengths and random byte corruption must end with a clear error naming the byte
// offset, deliver everything before it, and never throw, crash or hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readTraceDat, renderTraceDat } from '../../../src/core/tracedat/index';
import type { TraceEvent } from '../../../src/core/parse/types';
import { sharedOrSkip } from '../../support/shared';
import { chunks, rangeOpener, writeDat } from './datWriter';
import { synthSpec } from './synthDat';
import { mulberry32 } from '../../support/prng';

async function readAll(buf: Uint8Array, ranges = true): Promise<{ events: TraceEvent[]; rejected: string[]; summary: Awaited<ReturnType<typeof readTraceDat>> }> {
  const events: TraceEvent[] = [];
  const rejected: string[] = [];
  const summary = await readTraceDat(chunks(buf, 512), { event: (e) => events.push(e), rejected: (r) => rejected.push(r.detail) }, ranges ? { openRange: rangeOpener(buf, 300) } : {});
  return { events, rejected, summary };
}

test('unknown file version: one error naming the offset, no events', async () => {
  const buf = writeDat(synthSpec(7, 'none'));
  buf[10] = '9'.charCodeAt(0);
  const { events, rejected, summary } = await readAll(buf);
  assert.equal(events.length, 0);
  assert.deepEqual(summary.errors.map((e) => e.message), ["unsupported trace.dat version '9' (6 and 7 are supported) (at byte offset 10)"]);
  assert.deepEqual(rejected, ["trace.dat: unsupported trace.dat version '9' (6 and 7 are supported) (at byte offset 10)"]);
});

test('not a trace.dat: bad magic', async () => {
  const { summary } = await readAll(Buffer.from('# tracer: nop\n'));
  assert.equal(summary.errors.length, 1);
  assert.match(summary.errors[0].message, /bad magic/);
});

test('a page with a bad length stops that CPU with its offset; other CPUs are still delivered', async () => {
  const spec = synthSpec(7, 'none');
  spec.cpus[1][0].badLength = 5000;
  const buf = writeDat(spec);
  const { events, summary } = await readAll(buf);
  assert.equal(summary.errors.length, 1);
  assert.match(summary.errors[0].message, /^CPU 1: page with bad length 5000 \(page size 4096\) in byte offset \d+ \(at byte offset \d+\)$/);
  assert.equal(summary.errors[0].offset % 4096, 0);
  // CPU 0's 7 events survive; CPU 1 lost both pages (the error is in its first)
  assert.deepEqual(
    events.map((e) => e.cpu),
    [0, 0, 0, 0, 0, 0],
  );
});

test('a corrupt compressed block names its offset; the CPU stops there', async () => {
  const buf = writeDat(synthSpec(7, 'zlib'));
  const clean = await readAll(buf);
  // CPU 1's first chunk: flip bytes inside its deflate stream
  const off = clean.summary.errors.length === 0 ? findCpuData(buf, 1) : -1;
  buf[off + 20] ^= 0xff;
  buf[off + 21] ^= 0xff;
  buf[off + 30] ^= 0xff;
  const { events, summary } = await readAll(buf);
  assert.equal(summary.errors.length, 1);
  assert.match(summary.errors[0].message, /^corrupt zlib block: .* \(at byte offset \d+\)$/);
  assert.equal(summary.errors[0].offset, off + 4);
  assert.equal(events.filter((e) => e.cpu === 0).length, 6);
});

/** Offset of a CPU's data in a synthetic v7 file (from the BUFFER option at the end). */
function findCpuData(buf: Buffer, cpu: number): number {
  // the BUFFER option is the last option: u64 section, "" , "local", u32 page size, u32 n, n x (u32 cpu, u64 off, u64 size)
  const tail = buf.lastIndexOf(Buffer.from('\0local\0', 'latin1'));
  const n = buf.readUInt32LE(tail + 11);
  assert.ok(cpu < n);
  return Number(buf.readBigUInt64LE(tail + 15 + cpu * 20 + 4));
}

test('every truncation of v6/v7 files ends cleanly with a truncation error and an event prefix', async () => {
  for (const [v, c] of [
    [6, 'none'],
    [7, 'none'],
    [7, 'zlib'],
  ] as const) {
    const buf = writeDat(synthSpec(v, c));
    const full = await readAll(buf);
    assert.equal(full.events.length, 12);
    for (let cut = 0; cut < buf.length; cut += 101) {
      for (const ranges of [true, false]) {
        const part = buf.subarray(0, cut);
        const { events, summary } = await readAll(part, ranges);
        assert.ok(summary.errors.length >= 1, `v${v} ${c} cut at ${cut}: an error`);
        for (const e of summary.errors) assert.match(e.message, /at byte offset \d+\)$/);
        // whatever was delivered is what the whole file delivers, per CPU, in order
        for (const cpu of [0, 1]) {
          const got = events.filter((e) => e.cpu === cpu).map((e) => e.line > 0 && `${e.ts} ${e.name} ${e.payload}`);
          const want = full.events.filter((e) => e.cpu === cpu).map((e) => `${e.ts} ${e.name} ${e.payload}`);
          assert.deepEqual(got, want.slice(0, got.length), `v${v} ${c} cut at ${cut} CPU ${cpu}`);
        }
      }
    }
  }
});

test('random byte corruption never throws or hangs (300 seeded cases)', async () => {
  const rnd = mulberry32(7);
  const bases = [writeDat(synthSpec(6, 'none')), writeDat(synthSpec(7, 'none')), writeDat(synthSpec(7, 'zlib'))];
  let withErrors = 0;
  for (let i = 0; i < 300; i++) {
    const buf = Buffer.from(bases[i % 3]);
    const flips = 1 + Math.floor(rnd() * 8);
    for (let k = 0; k < flips; k++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
    const { summary } = await readAll(buf, i % 2 === 0);
    let text = '';
    await renderTraceDat(chunks(buf), (t) => (text += t), { openRange: rangeOpener(buf) });
    assert.ok(summary.lines >= 0 && text.length >= 0);
    if (summary.errors.length) withErrors++;
  }
  assert.ok(withErrors > 0, 'some corruptions are detected as errors');
});

test('the real race4 .dat, truncated at 20 points: a clear error and a prefix of its events', async (t) => {
  const path = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
  if (!path) return;
  const buf = readFileSync(path);
  for (let i = 1; i <= 20; i++) {
    const cut = Math.floor((buf.length * i) / 21);
    const { events, summary } = await readAll(buf.subarray(0, cut));
    assert.ok(summary.errors.length >= 1, `cut ${cut}`);
    assert.ok(events.length < 33393);
    for (const e of summary.errors) assert.match(e.message, /\(at byte offset \d+\)$/);
  }
});
