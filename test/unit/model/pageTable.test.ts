// One test per page-table operation: what it changes and what it costs (TLBIs by kind, CMOs and
// whether FWB/DIC make them no-ops, break-before-make windows per FEAT_BBM level).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeGeometry } from '../../../src/core/model/arm64/geometry';
import { PageTable, PROT_R, PROT_W, PROT_X, splitChunks, type ModelFeatures } from '../../../src/core/model/arm64/pageTable';

const M2 = 2 * 1024 * 1024;
const K4 = 4096;
const BASE = 0x40000000;
const ctx = (line: number) => ({ line, actor: 1 });

function table(f: Partial<ModelFeatures> = {}): PageTable {
  return new PageTable(computeGeometry(4096, 40), {
    fwb: false, dic: false, tlbiRange: true, bbmLevel: 0, localRelaxTlbi: true, cmoInPgtable: true, tableBreakFlushesVmid: false, ...f,
  });
}

test('map a page: one leaf, D-cache clean of 4K, no TLBI; mapping again is -EAGAIN with no cost', () => {
  const pt = table();
  const r = pt.map(BASE, K4, PROT_R | PROT_W, ctx(10));
  assert.equal(r.result, 'ok');
  assert.deepEqual(r.cmos, [{ kind: 'dcache', ipa: BASE, size: K4, effective: true }]);
  assert.deepEqual(r.tlbi, { ipa: 0, ipaNsh: 0, range: 0, vmid: 0 });
  assert.deepEqual(pt.leaves(), [[BASE, K4, 3]]);
  const again = pt.map(BASE, K4, PROT_R, ctx(11));
  assert.equal(again.result, 'eagain');
  assert.equal(again.cmos.length, 0);
  assert.equal(pt.lookup(BASE + 0x800).line, 10);
});

test('map a 2M block; FWB makes the clean a no-op; an exec map invalidates the I-cache (DIC: no-op)', () => {
  const pt = table({ fwb: true, dic: true });
  const r = pt.map(BASE, M2, PROT_R | PROT_W | PROT_X, ctx(1));
  assert.deepEqual(r.cmos, [
    { kind: 'dcache', ipa: BASE, size: M2, effective: false },
    { kind: 'icache', ipa: BASE, size: M2, effective: false },
  ]);
  assert.equal(pt.lookup(BASE + 12345).level, 2);
  assert.equal(pt.mappedBytes, M2);
});

test('split in the fault path: window + 1 TLBI by IPA, only the faulting page mapped', () => {
  const pt = table();
  pt.map(BASE, M2, PROT_R, ctx(1));
  const r = pt.map(BASE + 5 * K4, K4, PROT_R | PROT_W, ctx(2));
  assert.equal(r.splits, 1);
  assert.equal(r.tlbi.ipa, 1);
  assert.deepEqual(r.windows, [{ kind: 'split', ipa: BASE, size: M2, level: 2 }]);
  assert.deepEqual(pt.leaves(), [[BASE + 5 * K4, K4, 3]]);
  assert.equal(pt.lookup(BASE).kind, 'invalid');
  assert.equal(pt.lookup(BASE).level, 3);
});

test('FEAT_BBM level 1 and 2 do size changes without an invalid window but keep the TLBI', () => {
  for (const bbmLevel of [1, 2] as const) {
    const pt = table({ bbmLevel });
    pt.map(BASE, M2, PROT_R, ctx(1));
    const r = pt.map(BASE, K4, PROT_R | PROT_W, ctx(2));
    assert.equal(r.windows.length, 0);
    assert.equal(r.bbmAvoided.length, 1);
    assert.equal(r.tlbi.ipa, 1);
  }
});

test('coalesce a table into a block: window, range TLBI (VMID without FEAT_TLBIRANGE), whole-block clean', () => {
  for (const [tlbiRange, kind] of [[true, 'range'], [false, 'vmid']] as const) {
    const pt = table({ tlbiRange });
    for (let i = 0; i < 4; i++) pt.map(BASE + i * K4, K4, PROT_R, ctx(1 + i));
    const r = pt.map(BASE, M2, PROT_R | PROT_W, ctx(9));
    assert.equal(r.coalesces, 1);
    assert.equal(r.tlbi[kind], 1);
    assert.deepEqual(r.windows, [{ kind: 'coalesce', ipa: BASE, size: M2, level: 2 }]);
    assert.deepEqual(r.cmos, [{ kind: 'dcache', ipa: BASE, size: M2, effective: true }]);
    assert.deepEqual(pt.leaves(), [[BASE, M2, 2]]);
  }
});

test('unmap: a partially covered block goes entirely; one TLBI per leaf, or one range TLBI with TLBIRANGE+FWB', () => {
  const pt = table();
  pt.map(BASE, M2, PROT_R, ctx(1));
  const r = pt.unmap(BASE, K4, ctx(2));
  assert.equal(r.tlbi.ipa, 2); // the block's TLBI + the now empty level-2 table freed (TTL unknown)
  assert.deepEqual(r.cmos, [{ kind: 'dcache', ipa: BASE, size: M2, effective: true }]);
  assert.equal(pt.leaves().length, 0);
  const pt2 = table({ fwb: true });
  for (let i = 0; i < 3; i++) pt2.map(BASE + i * K4, K4, PROT_R, ctx(1));
  const r2 = pt2.unmap(BASE, M2, ctx(2));
  assert.deepEqual([r2.tlbi.ipa, r2.tlbi.range, r2.cmos.length], [2, 1, 0]); // 2 = the emptied L3 and L2 tables freed
});

test('relax permissions: local TLBI (6.5+), I-cache only when X is gained, no-op when already allowed', () => {
  const pt = table();
  pt.map(BASE, K4, PROT_R | PROT_W, ctx(1));
  const r = pt.relax(BASE, PROT_R | PROT_X, ctx(2));
  assert.equal(r.result, 'ok');
  assert.deepEqual(r.cmos, [{ kind: 'icache', ipa: BASE, size: K4, effective: true }]);
  assert.equal(r.tlbi.ipaNsh, 1);
  const again = pt.relax(BASE, PROT_R | PROT_W, ctx(3));
  assert.equal(again.result, 'noop');
  assert.equal(again.tlbi.ipaNsh, 1);
  const broadcast = table({ localRelaxTlbi: false });
  broadcast.map(BASE, K4, PROT_R, ctx(1));
  assert.equal(broadcast.relax(BASE, PROT_W, ctx(2)).tlbi.ipa, 1);
  assert.equal(table().relax(BASE, PROT_W, ctx(1)).result, 'eagain');
});

test('write-protect clears W on every leaf, one flush for the caller', () => {
  const pt = table();
  pt.map(BASE, M2, PROT_R | PROT_W, ctx(1));
  pt.map(BASE + M2, K4, PROT_R | PROT_W, ctx(1));
  const r = pt.wrprotect(BASE, 2 * M2, ctx(2));
  assert.equal(r.tlbi.range, 1);
  assert.equal(pt.lookup(BASE).prot & PROT_W, 0);
  assert.equal(pt.lookup(BASE + M2).prot & PROT_W, 0);
});

test('eager split: every block becomes 512 pages with the same permissions, 1 TLBI per block, no CMO', () => {
  const pt = table();
  pt.map(BASE, M2, PROT_R, ctx(1));
  pt.map(BASE + M2, M2, PROT_R, ctx(1));
  const r = pt.split(BASE, 2 * M2, ctx(2));
  assert.equal(r.splits, 2);
  assert.equal(r.tlbi.ipa, 2);
  assert.equal(r.cmos.length, 0);
  assert.equal(pt.leaves().length, 1024);
  assert.equal(pt.lookup(BASE + M2 + 7 * K4).prot & (PROT_R | PROT_W), PROT_R);
  assert.equal(pt.mappedBytes, 2 * M2);
});

test('eager split of a 1G block builds the full tree of pages', () => {
  const pt = table();
  pt.map(0, 2 ** 30, PROT_R, ctx(1));
  const r = pt.split(0, 2 ** 30, ctx(2));
  assert.equal(r.splits, 1);
  assert.equal(pt.lookup(0x12345000).level, 3);
  assert.equal(pt.mappedBytes, 2 ** 30);
});

test('access flag: aging clears it, mkyoung sets it', () => {
  const pt = table();
  pt.map(BASE, K4, PROT_R, ctx(1));
  assert.equal(pt.clearYoungRange(BASE, M2), 1);
  assert.equal(pt.lookup(BASE).prot & 16, 0);
  assert.equal(pt.setAccessFlag(BASE, true), true);
  assert.equal(pt.lookup(BASE).prot & 16, 16);
});

test('a 1 GiB map on a 4K stage 2 that starts at level 2 (32-bit IPA) is 512 level-2 blocks, not one entry (#14 item 8)', () => {
  const g = computeGeometry(4096, 32);
  assert.equal(g.startLevel, 2);
  const pt = new PageTable(g, { fwb: true, dic: true, tlbiRange: true, bbmLevel: 0, localRelaxTlbi: true, cmoInPgtable: true, tableBreakFlushesVmid: false });
  const r = pt.map(BASE, 2 ** 30, PROT_R | PROT_W, ctx(10));
  assert.equal(r.result, 'ok');
  const leaves = pt.leaves();
  assert.equal(leaves.length, 512);
  assert.ok(leaves.every(([, size, level]) => size === 2 ** 21 && level === 2));
  assert.equal(leaves[0][0], BASE);
  assert.equal(leaves[511][0], BASE + 2 ** 30 - 2 ** 21);
  assert.equal(pt.map(BASE, 2 ** 30, PROT_R | PROT_W, ctx(11)).result, 'eagain');
});

test('eager split of a 1 GiB block: in 2 MiB chunks a table of 2 MiB blocks first, then each of them (1 + 512 break-before-make); in 1 GiB chunks at once (#15 item 4)', () => {
  const G1 = 2 ** 30;
  for (const [chunk, splits] of [[M2, 513], [G1, 1], [undefined, 1]] as const) {
    const pt = table();
    pt.map(BASE, G1, PROT_R, ctx(1));
    // kvm_mmu_split_nr_page_tables(2M) = 2 pages: not the 513 a level-1 block needs to be rebuilt at once
    const r = pt.split(BASE, G1, ctx(2), chunk);
    assert.equal(r.splits, splits, `chunk ${chunk}`);
    assert.equal(r.tlbi.ipa, splits, 'one TLBI by IPA per block replaced (stage2_try_break_pte)');
    assert.equal(r.windows.length, splits);
    assert.equal(r.windows[0].size, G1);
    if (splits > 1) assert.ok(r.windows.slice(1).every((w) => w.size === M2 && w.level === 2));
    assert.equal(r.tablePages, 513, 'one level-2 table and 512 page tables either way');
    const leaves = pt.leaves();
    assert.equal(leaves.length, 512 * 512);
    assert.ok(leaves.every(([, size, level]) => size === K4 && level === 3));
    assert.equal(pt.lookup(BASE + G1 - K4).prot & PROT_W, 0, 'the split keeps the permissions');
  }
});

test('eager split chunks end at multiples of the chunk size, as __stage2_range_addr_end() does', () => {
  assert.deepEqual(splitChunks(BASE, 3 * M2, M2), [[BASE, BASE + M2], [BASE + M2, BASE + 2 * M2], [BASE + 2 * M2, BASE + 3 * M2]]);
  assert.deepEqual(splitChunks(BASE + K4, M2, M2), [[BASE + K4, BASE + M2], [BASE + M2, BASE + M2 + K4]]);
  assert.deepEqual(splitChunks(BASE, 16 * M2, 2 ** 30), [[BASE, BASE + 16 * M2]]);
});
