// The "Done when" checks of issue 3 on the real arm64 traces in ../shared/traces (skipped when the
// corpus is absent): lost races (S1) with and without probes, the 5.13 what-if, split cascades (S5)
// and the eager-split what-if against the real eager run, coalescing windows, exec (S7, C2), FWB (C1)
// and host unmaps (H1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createAnalyzer, type Analysis, type ModelConfig } from '../../../src/core/index';
import { sharedOrSkip } from '../../support/shared';
import { reportText } from '../../../src/core/report/reportText';

const DATA = 0x40000000;

async function run(path: string, configs: Partial<ModelConfig>[]): Promise<Analysis[]> {
  return createAnalyzer().analyzeMany(createReadStream(path, { highWaterMark: 1 << 20 }), configs);
}

function count(a: Analysis, cls: string, pred: (ipa: number) => boolean = () => true): number {
  return a.findings.filter((f) => f.cls === cls && pred(f.ipa?.start ?? 0)).length;
}

const isData = (ipa: number): boolean => ipa >= DATA && ipa < DATA + 0x10000000;

function phase(a: Analysis, pass: number): NonNullable<Analysis['phases']>[number] {
  const p = a.phases!.find((x) => x.label.includes(`pass ${pass} begin`));
  assert.ok(p, `pass ${pass} marker`);
  return p;
}

function everyPageMappedOnce(a: Analysis, pages: number): void {
  const lastLine = a.stats.lines.total;
  for (let i = 0; i < pages; i++) {
    const st = a.stateAt(lastLine, DATA + i * 4096);
    assert.ok(st && (st.leaf === 'page' || st.leaf === 'block'), `page ${i} is mapped at the end`);
  }
}

test('race4_4k_fnkp: S1 = the 844 map returns of -EAGAIN with probes, within 2% from tracepoints alone; 5.13 what-if', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'arm64-nested', 'race4_4k_fnkp-vhe.trace');
  if (!p) return;
  const [probes, tp, k513] = await run(p, [{}, { tracepointsOnly: true }, { kernel: '5.13' }]);
  assert.equal(count(probes, 'S1'), 844);
  assert.ok(probes.findings.filter((f) => f.cls === 'S1').every((f) => f.observed), 'probe-backed S1 are observed');
  const s1tp = count(tp, 'S1');
  assert.ok(Math.abs(s1tp - 844) <= 844 * 0.02, `tracepoints-only S1 ${s1tp}`);
  assert.ok(tp.findings.filter((f) => f.cls === 'S1').every((f) => !f.observed), 'tracepoint S1 are inferred');
  // 512 data pages, each mapped by exactly one fault; every other data fault is a lost race.
  const dataFaults = probes.marks.toArray().filter((m) => m.kind === 'fault' && isData(m.ipa ?? 0));
  assert.equal(dataFaults.length - count(probes, 'S1', isData), 512);
  assert.equal(dataFaults.filter((m) => m.cls !== undefined && m.cls !== 'S1').length, 0);
  everyPageMappedOnce(probes, 512);
  // Pre-5.14 kernels clean the D-cache before mapping: one redundant clean per lost race (seed 001).
  const c3 = k513.findings.filter((f) => f.cls === 'C3' && f.message.startsWith('D-cache'));
  assert.equal(c3.length, count(k513, 'S1'));
  assert.equal(c3.length, 844);
});

for (const name of ['race4_4k', 'race4_4k_evmin', 'race4_4k_noirq']) {
  test(`${name}: 512 pages each mapped once, every duplicate is S1`, async (t) => {
    const p = sharedOrSkip(t, 'traces', 'arm64-nested', `${name}-vhe.trace`);
    if (!p) return;
    const [a] = await run(p, [{}]);
    const dataFaults = a.marks.toArray().filter((m) => m.kind === 'fault' && isData(m.ipa ?? 0) && m.ipa! < DATA + 512 * 4096);
    const dup = dataFaults.filter((m) => m.cls === 'S1').length;
    assert.equal(dataFaults.length - dup, 512);
    assert.equal(dataFaults.filter((m) => m.cls !== undefined && m.cls !== 'S1').length, 0);
    assert.equal(dup, { race4_4k: 601, race4_4k_evmin: 1122, race4_4k_noirq: 504 }[name]);
    everyPageMappedOnce(a, 512);
  });
}

test('dirty_noeager pass 2: 2 fault-path splits and 1022 S5; the eager-2M what-if predicts dirty_eager per pass', async (t) => {
  const pn = sharedOrSkip(t, 'traces', 'arm64-nested', 'dirty_noeager-vhe.trace');
  const pe = sharedOrSkip(t, 'traces', 'arm64-nested', 'dirty_eager-vhe.trace');
  if (!pn || !pe) return;
  const [obs, eager, tp] = await run(pn, [{}, { eagerSplitChunk: 2 * 1024 * 1024 }, { tracepointsOnly: true }]);
  const [realEager] = await run(pe, [{}]);
  const p2 = phase(obs, 2);
  assert.equal(p2.byClass.S5, 1022);
  assert.equal(obs.marks.toArray().filter((m) => m.kind === 'split' && m.line > p2.line && m.line < phase(obs, 3).line).length, 2);
  assert.equal(obs.counters.splits.fault, 2);
  assert.equal(phase(tp, 2).byClass.S5, 1022, 'tracepoints alone also find the cascade');
  assert.equal(count(eager, 'S5'), 0);
  for (let pass = 1; pass <= 4; pass++) {
    const want = phase(realEager, pass).faultsByKindLevel;
    const got = phase(eager, pass).faultsByKindLevel;
    for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
      const w = want[k] ?? 0;
      const g = got[k] ?? 0;
      assert.ok(Math.abs(w - g) <= Math.max(1, w * 0.05), `pass ${pass} ${k}: what-if ${g}, real eager run ${w}`);
    }
  }
});

for (const name of ['dirty_noeager', 'dirty_eager', 'dirty_manual_eager']) {
  test(`${name} pass 4: table -> block coalescing with its window and range TLBI; FEAT_BBM 1/2 remove the window`, async (t) => {
    const p = sharedOrSkip(t, 'traces', 'arm64-nested', `${name}-vhe.trace`);
    if (!p) return;
    const [a, b1, b2] = await run(p, [{}, { bbmLevel: 1 }, { bbmLevel: 2 }]);
    const p4 = phase(a, 4).line;
    const co = (a.windows ?? []).filter((w) => w.kind === 'coalesce' && w.line > p4);
    assert.equal(co.length, 2);
    for (const w of co) assert.ok(w.size === 2 * 1024 * 1024 && w.endTs !== undefined && w.endTs > w.ts);
    assert.equal(a.marks.toArray().filter((m) => m.kind === 'coalesce' && m.line > p4).length, 2);
    assert.ok(a.marks.toArray().some((m) => m.kind === 'tlbi' && m.line > p4 && m.label?.includes('TLBI')), 'TLBI at the coalesce');
    assert.equal(a.counters.coalesces, 2);
    for (const b of [b1, b2]) {
      assert.equal((b.windows ?? []).length, 0);
      assert.equal(b.counters.coalesces, 2);
      assert.equal(b.counters.invalidWindows.count, 0);
    }
  });
}

test('exec: 512 exec translation faults with I-cache invalidation, 512 S7 (the execute permission faults, each citing its data fault); with DIC the invalidations are C2', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'arm64-nested', 'exec-vhe.trace');
  if (!p) return;
  const [a, dic] = await run(p, [{}, { dic: true }]);
  const p1 = phase(a, 1).line;
  const p2 = phase(a, 2).line;
  const icache1 = a.marks.toArray().filter((m) => m.kind === 'cmo' && m.label === 'I-cache inval' && m.line > p1 && m.line < p2 && isData(m.ipa ?? 0));
  assert.equal(icache1.length, 512);
  // #14 item 1: the data fault was needed (it mapped the page); only the execute permission fault is S7
  assert.equal(count(a, 'S7'), 512);
  const s7 = a.findings.filter((f) => f.cls === 'S7');
  assert.ok(s7.every((f) => f.message.startsWith('Execute permission fault') && f.related.some((r) => r.line < f.line && /the data fault/.test(r.message))));
  assert.equal(a.counters.faults.byClass.S7, 512);
  const text = reportText(a, { source: p });
  assert.equal(text.split('\n').filter((l) => l.startsWith('S7')).length, 1, 'the S7 header is printed once');
  assert.equal(phase(a, 2).faultsByKindLevel['permission/L3'], 512);
  const icacheAll = a.marks.toArray().filter((m) => m.kind === 'cmo' && m.label === 'I-cache inval').length;
  assert.equal(count(dic, 'C2'), icacheAll);
  assert.equal(count(dic, 'S7'), 0);
  assert.equal(dic.avoidedFaults?.length, 512, 'DIC maps executable at once: the 512 exec permission faults go');
});

test('FWB: each clean_dcache_guest_page call is C1', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'arm64-nested', 'race4_4k_fnkp-vhe.trace');
  if (!p) return;
  const [a] = await run(p, [{ fwb: true }]);
  assert.equal(count(a, 'C1'), a.stats.events.dcache_clean);
  assert.equal(a.counters.cmo.dcacheCleanBytes, 0);
});

test('unmap_refault: the host 4K unmap removes the block; the 1024 refaults at 4K are H1 caused by it', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'arm64-nested', 'unmap_refault-vhe.trace');
  if (!p) return;
  const [a] = await run(p, [{}]);
  const h1 = a.findings.filter((f) => f.cls === 'H1');
  assert.equal(h1.length, 1024);
  const unmaps = a.marks.toArray().filter((m) => m.kind === 'host' && m.label?.startsWith('unmap'));
  assert.ok(unmaps.some((m) => m.label!.includes('removed the whole 2M block')), 'the 4K unmap is shown removing the block');
  const unmapLines = new Set(unmaps.map((m) => m.line));
  for (const f of h1) assert.ok(f.related.some((r) => unmapLines.has(r.line)), `H1 at ${f.line} points at the unmap`);
  assert.equal(h1.filter((f) => f.ipa?.size === 4096).length, 1024);
});
