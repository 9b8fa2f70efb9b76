// Seeded fuzzing of the trace.dat reader on a real trace-cmd recording
// (../shared/traces/trace-cmd/race4_4k_tc-vhe.dat: v7, zstd, 4 CPUs, 33,393 events; skipped when
// ../shared is absent, the synthetic v6/v7 files of byteMutation.test.ts run everywhere):
// bit flips, NUL runs, random bytes inserted, a range deleted, a cut. For every mutated file: no
// exception, no hang, and never a silent loss: the reader refuses it or reports it partial, or it
// reads at least as many events as the clean file (a damaged byte may change an event's content,
// never make events vanish without a word).
// Bounded in time: STAGE2_LENS_FUZZ_SECONDS (default 2, at least 5 cases) runs longer;
// STAGE2_LENS_FUZZ_SEED=<seed> replays one case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../../support/prng';
import { sharedOrSkip } from '../../support/shared';
import { chunked, collect, type Collected } from '../parse/collect';

const SECONDS = Number(process.env.STAGE2_LENS_FUZZ_SECONDS ?? 2);
const REPLAY = process.env.STAGE2_LENS_FUZZ_SEED;
const CASE_TIMEOUT_MS = 30_000;

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function mutate(r: Rand, clean: Buffer): { what: string; bytes: Buffer } {
  const b = Buffer.from(clean);
  const at = int(r, b.length);
  switch (int(r, 5)) {
    case 0: {
      const n = 1 + int(r, 8);
      for (let k = 0; k < n; k++) b[int(r, b.length)] ^= 1 << int(r, 8);
      return { what: `${n} bit flips`, bytes: b };
    }
    case 1: {
      const n = 1 + int(r, 64);
      b.fill(0, at, at + n);
      return { what: `${n} NUL bytes at ${at}`, bytes: b };
    }
    case 2: {
      const junk = Buffer.alloc(1 + int(r, 64));
      for (let i = 0; i < junk.length; i++) junk[i] = int(r, 256);
      return { what: `${junk.length} random bytes inserted at ${at}`, bytes: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]) };
    }
    case 3: {
      const n = 1 + int(r, 4096);
      return { what: `${n} bytes deleted at ${at}`, bytes: Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + n))]) };
    }
    default:
      return { what: `cut at ${at}`, bytes: b.subarray(0, at) };
  }
}

async function readWithin(data: Buffer, sizes: number[]): Promise<Collected> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS)));
  try {
    return await Promise.race([collect(chunked(data, sizes)), hang]);
  } finally {
    clearTimeout(timer);
  }
}

test('fuzz: a mutated real trace.dat is refused, partial, or read with all its events', { timeout: 900_000 }, async (t) => {
  const path = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
  if (!path) return;
  const clean = readFileSync(path);
  const want = (await collect(chunked(clean))).events.length;
  assert.equal(want, 33393);
  const failures: string[] = [];
  let cases = 0;
  let reported = 0;
  const deadline = performance.now() + SECONDS * 1000;
  for (let seed = REPLAY !== undefined ? Number(REPLAY) : 1; ; seed++) {
    const r = mulberry32(seed);
    const m = mutate(r, clean);
    const where = `seed ${seed} (${m.what})`;
    const started = performance.now();
    try {
      const c = await readWithin(m.bytes, [1 + int(r, 1 << 20), 1 + int(r, 4096)]);
      const ms = performance.now() - started;
      if (ms > CASE_TIMEOUT_MS) failures.push(`${where}: took ${ms.toFixed(0)} ms`);
      else if (c.result.refused !== undefined || c.result.partial !== undefined) reported++;
      else if (c.events.length < want) failures.push(`${where}: ${c.events.length} of ${want} events and no problem reported`);
    } catch (e) {
      failures.push(`${where}: ${(e as Error).stack ?? String(e)}`);
    }
    cases++;
    if (REPLAY !== undefined || failures.length >= 10 || (seed >= 5 && performance.now() > deadline)) break;
  }
  t.diagnostic(`${cases} cases, ${reported} refused or partial`);
  assert.deepEqual(failures, [], `${failures.length} of ${cases} mutated trace.dat files (replay one with STAGE2_LENS_FUZZ_SEED=<seed>)`);
});
