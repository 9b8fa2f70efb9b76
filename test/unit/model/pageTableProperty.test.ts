// Property test of the page-table model under random operation sequences: leaves never overlap,
// mappedBytes equals the leaves' total, every lookup agrees with a page-granular reference model,
// and every break-before-make window an operation opens is inside the range it changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry } from '../../../src/core/model/arm64/geometry';
import { PageTable, PROT_R, PROT_W } from '../../../src/core/model/arm64/pageTable';

const K4 = 4096;
const M2 = 2 ** 21;
const BASE = 0x40000000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('random operations keep the model consistent with a page-granular reference', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const r = rng(seed);
    const pt = new PageTable(computeGeometry(4096, 40), { fwb: false, dic: false, tlbiRange: true, bbmLevel: 0, localRelaxTlbi: true, cmoInPgtable: true, tableBreakFlushesVmid: false });
    const ref = new Map<number, number>(); // page index -> prot
    const log: string[] = [];
    const pages = 4 * 512;
    for (let step = 0; step < 600; step++) {
      const op = Math.floor(r() * 6);
      const page = Math.floor(r() * pages);
      const ipa = BASE + page * K4;
      const ctx = { line: step + 1, actor: 1 };
      log.push(`${op} ${page}`);
      if (op === 0 || op === 1) {
        const block = r() < 0.3;
        const size = block ? M2 : K4;
        const base = Math.floor(ipa / size) * size;
        const res = pt.map(base, size, PROT_R | PROT_W, ctx);
        for (const w of res.windows) assert.ok(w.ipa <= base && base < w.ipa + w.size, 'window covers the change');
        if (res.result === 'ok') {
          if (res.splits) for (let p = Math.floor((base - BASE) / M2) * 512; p < Math.floor((base - BASE) / M2) * 512 + 512; p++) ref.delete(p);
          if (block) for (let p = (base - BASE) / K4; p < (base - BASE) / K4 + 512; p++) ref.set(p, PROT_R | PROT_W);
          else ref.set((base - BASE) / K4, PROT_R | PROT_W);
        }
      } else if (op === 2) {
        const size = r() < 0.5 ? K4 : M2;
        pt.unmap(ipa, size, ctx);
        // Whole leaves overlapping the range go (a partly covered block entirely): only pages of the
        // blocks the range touches may change.
        const lo = Math.floor(ipa / M2) * M2;
        const hi = Math.ceil((ipa + size) / M2) * M2;
        for (let p = (lo - BASE) / K4; p < (hi - BASE) / K4; p++) {
          const inRange = BASE + p * K4 >= ipa && BASE + p * K4 < ipa + size;
          if (inRange) assert.notEqual(pt.lookup(BASE + p * K4).kind, 'leaf', 'unmapped page still mapped');
          if (pt.lookup(BASE + p * K4).kind !== 'leaf') ref.delete(p);
        }
      } else if (op === 3) {
        pt.wrprotect(BASE, pages * K4, ctx);
        for (const [k, v] of ref) ref.set(k, v & ~PROT_W);
      } else if (op === 4) {
        pt.relax(ipa, PROT_W, ctx);
        const look = pt.lookup(ipa);
        if (look.kind === 'leaf') for (let p = (look.base - BASE) / K4; p < (look.base - BASE + look.size) / K4; p++) if (ref.has(p)) ref.set(p, ref.get(p)! | PROT_W);
      } else {
        pt.split(Math.floor(ipa / M2) * M2, M2, ctx);
      }
      const leaves = pt.leaves();
      let total = 0;
      for (let i = 0; i < leaves.length; i++) {
        total += leaves[i][1];
        if (i > 0) assert.ok(leaves[i - 1][0] + leaves[i - 1][1] <= leaves[i][0], `leaves overlap at seed ${seed} step ${step}`);
      }
      assert.equal(total, pt.mappedBytes);
      if (step % 25 === 0) {
        for (let p = 0; p < pages; p += 7) {
          const look = pt.lookup(BASE + p * K4);
          assert.equal(look.kind === 'leaf', ref.has(p), `page ${p} mapped-ness at seed ${seed} step ${step} ${log.slice(-3).join(";")}`);
          if (look.kind === 'leaf') assert.equal(look.prot & (PROT_R | PROT_W), ref.get(p), `page ${p} prot`);
        }
      }
    }
  }
});
