// Seeded fuzzing of the reader on real inputs (the committed example trace, a real x86 recording,
// their .gz, the synthetic trace.dat): byte flips, NULs, cuts, inserted garbage and random chunk
// boundaries. For every mutated input: no exception, no hang, and no silent loss: the read is
// refused, or reported partial, or every line is accounted for (an event, a rejected line with a
// reason, or a special line); and a mutated .gz that is neither refused nor partial gives exactly
// the events of the clean file (gzip's CRC makes any other outcome a reported problem).
// Bounded in time: STAGE2_LENS_FUZZ_SECONDS (default 2 per input) runs longer,
// STAGE2_LENS_FUZZ_SEED replays one seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mulberry32 } from '../../support/prng';
import { repoRoot } from '../../support/shared';
import { writeDat } from '../tracedat/datWriter';
import { synthSpec } from '../tracedat/synthDat';
import { chunked, collect, type Collected } from '../parse/collect';

const SECONDS = Number(process.env.STAGE2_LENS_FUZZ_SECONDS ?? 2);
const FIXED_SEED = process.env.STAGE2_LENS_FUZZ_SEED === undefined ? undefined : Number(process.env.STAGE2_LENS_FUZZ_SEED);
/** One read of a small mutated input takes milliseconds; this is a hang. */
const READ_TIMEOUT_MS = 10_000;

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function mutate(r: Rand, input: Buffer): Buffer {
  const b = Buffer.from(input);
  switch (int(r, 6)) {
    case 0: // flip a few bits
      for (let k = 1 + int(r, 8); k > 0; k--) b[int(r, b.length)] ^= 1 << int(r, 8);
      return b;
    case 1: // NULs
      for (let k = 1 + int(r, 4); k > 0; k--) b[int(r, b.length)] = 0;
      return b;
    case 2: // a cut
      return b.subarray(0, int(r, b.length));
    case 3: {
      // garbage inserted
      const at = int(r, b.length);
      const junk = Buffer.alloc(1 + int(r, 64));
      for (let i = 0; i < junk.length; i++) junk[i] = int(r, 256);
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    }
    case 4: {
      // a range deleted
      const at = int(r, b.length);
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 512)))]);
    }
    default: // a range overwritten with one byte
      b.fill(int(r, 256), int(r, b.length), int(r, b.length));
      return b;
  }
}

async function readWithin(data: Buffer, sizes: number[]): Promise<Collected> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS)));
  try {
    return await Promise.race([collect(chunked(data, sizes)), hang]);
  } finally {
    clearTimeout(timer);
  }
}

function accounted(c: Collected): boolean {
  return c.result.refused !== undefined || c.result.partial !== undefined || c.events.length + c.rejected.length + c.special.length === c.result.lines;
}

const eventKeys = (c: Collected): string[] => c.events.map((e) => `${e.line} ${e.ts} ${e.name} ${e.payload}`);

async function fuzz(label: string, clean: Buffer, check: (c: Collected, mutated: Buffer) => void): Promise<number> {
  const seeds = FIXED_SEED === undefined ? undefined : [FIXED_SEED];
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  for (let seed = 1; seeds ? runs < 1 : Date.now() < deadline; seed++) {
    const s = seeds?.[0] ?? seed;
    const r = mulberry32(s);
    const mutated = mutate(r, clean);
    const sizes = [1 + int(r, 70000), 1 + int(r, 300)];
    let c: Collected;
    try {
      c = await readWithin(mutated, sizes);
    } catch (e) {
      assert.fail(`${label} seed ${s}: ${(e as Error).message}`);
    }
    assert.ok(accounted(c), `${label} seed ${s}: ${c.result.lines} lines but ${c.events.length} events, ${c.rejected.length} rejected, ${c.special.length} special, and no problem reported`);
    check(c, mutated);
    runs++;
  }
  return runs;
}

const example = readFileSync(join(repoRoot(), 'test', 'fixtures', 'example.trace'));
const x86 = gunzipSync(readFileSync(join(repoRoot(), 'test', 'fixtures', 'x86', 'real', 'race_first_4k-tdp0.trace.gz')));

test('fuzz: mutated text traces are refused, partial or fully accounted for', { timeout: 600_000 }, async () => {
  for (const [label, clean] of [['example.trace', example], ['x86 race_first_4k-tdp0', x86.subarray(0, 256 * 1024)]] as const) {
    const runs = await fuzz(label, clean, () => undefined);
    assert.ok(runs > 0);
  }
});

test('fuzz: a mutated .gz gives the clean events or a reported problem, never fewer events silently', { timeout: 600_000 }, async () => {
  const gz = gzipSync(example);
  const want = eventKeys(await collect(chunked(gz)));
  await fuzz('example.trace.gz', gz, (c, mutated) => {
    if (c.result.refused !== undefined || c.result.partial !== undefined) return;
    // nothing at all (a cut at byte 0): the statistics' verdict, "the input is empty" (tested in test/unit/cli)
    if (mutated.length === 0) return;
    // a flip in the gzip header's optional fields or after the trailer leaves the data intact
    assert.deepEqual(eventKeys(c), want, `a mutated .gz (${mutated.length} bytes) read without a reported problem must give the clean events`);
  });
});

test('fuzz: mutated trace.dat files never throw or hang; a cut one is refused or partial', { timeout: 600_000 }, async () => {
  for (const [v, z] of [[6, 'none'], [7, 'zlib']] as const) {
    const dat = writeDat(synthSpec(v, z));
    const clean = await collect(chunked(dat));
    await fuzz(`synthetic v${v} ${z}`, dat, () => undefined);
    // (an empty input is the CLI's "the input is empty", tested in test/unit/cli)
    for (let n = 1; n < dat.length; n += 97) {
      const c = await readWithin(dat.subarray(0, n), [4096]);
      if (c.events.length < clean.events.length) assert.ok(c.result.refused !== undefined || c.result.partial !== undefined, `v${v} cut at ${n}: ${c.events.length} of ${clean.events.length} events and no problem reported`);
    }
  }
});
