// The verdicts on every real trace (test/fixtures and ../shared/traces): nothing is called
// avoidable unless a lever that exists removes it in a what-if replay of the same trace; fault
// times never add up to more than the vCPU threads could spend without the report saying why;
// every detection cites a line of the trace that shows it, or says unknown; probe counts win.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createAnalyzer } from '../../../src/core/index';
import { verdicts } from '../../../src/core/analysis/verdicts';
import { reportText } from '../../../src/core/report/reportText';
import { repoRoot, sharedOrSkip, sharedPath } from '../../support/shared';

const TRACE = /\.(trace|txt)(\.gz)?$|\.dat$/;

function corpus(): string[] {
  // the committed example and real arm64 trace (e2e/), so that a clone without ../shared checks two
  const dirs = [join(repoRoot(), 'test', 'fixtures'), join(repoRoot(), 'test', 'fixtures', 'e2e')];
  for (const d of ['arm64-nested', 'arm64-bbm', 'x86-nested', 'trace-cmd', 'public']) {
    const p = sharedPath('traces', d);
    if (p) dirs.push(p);
  }
  return dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => TRACE.test(f) && !/report|head300/.test(f)).map((f) => join(d, f)) : []));
}

function traceLines(path: string): string[] {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('latin1').split('\n');
}

/** Detection lines must say unknown/none, come from the recording marker, or cite a trace line holding a stage-2 symbol. */
const CITED = /line (\d+): /;
const STAGE2_SYMBOL = /tlb|flush|split|break|dcache|clean|s2_map|kvm_pgtable|stage2/;

test('every real trace: avoidable only by existing levers shown by what-if, honest times, cited detections', async (t) => {
  const files = corpus();
  if (!sharedPath('traces')) t.diagnostic('../shared/traces is absent: only test/fixtures are checked');
  const analyzer = createAnalyzer();
  let checked = 0;
  for (const file of files) {
    if (file.endsWith('.dat')) continue; // text traces: the cited lines are text lines
    const a = await analyzer.analyze(createReadStream(file));
    const levers = await analyzer.checkLevers(async () => createReadStream(file), a);
    const v = verdicts(a, levers);
    // Avoidable: the best existing lever per class, each a what-if replay's removal.
    for (const l of levers) assert.ok(l.lever.availability.exists, `${file}: ${l.cls} lever ${l.preset} does not exist`);
    const best = new Map<string, number>();
    for (const l of levers) if (l.unit === 'faults') best.set(l.cls, Math.max(best.get(l.cls) ?? 0, l.removed));
    assert.equal(v.faults.avoidable, [...best.values()].reduce((s, n) => s + n, 0), file);
    for (const l of levers) assert.ok(l.removed <= l.of, file);
    const text = reportText(a, { source: 'x', levers });
    const claimed = /^ {2}avoidable, by the model's what-if replays of this trace: (\d+)/m.exec(text);
    if (claimed) assert.ok(levers.some((l) => l.removed > 0), `${file}: claims ${claimed[1]} avoidable without a lever removing any`);
    assert.doesNotMatch(text, /of vCPU time/, file);
    // Times: a sum larger than threads x span is always explained.
    if (v.time.all && v.time.spanNs > 0 && v.time.all.sumNs > v.time.vcpuThreads * v.time.spanNs) assert.ok(v.time.caveats.length > 0, file);
    if (v.time.caveats.length) assert.match(text, /these times are not the fault path's alone/, file);
    // Detections: cited lines exist and show a stage-2 operation.
    const lines = traceLines(file);
    for (const d of a.detected.filter((x) => /^(kernel|fwb|dic|tlbiRange|eagerSplit): /.test(x))) {
      const m = CITED.exec(d);
      if (m) assert.match(lines[Number(m[1]) - 1] ?? '', STAGE2_SYMBOL, `${file}: "${d}" cites line ${m[1]}`);
      else assert.match(d, /unknown|none in the trace|cpu-features marker/, `${file}: "${d}" neither cites a line nor says unknown`);
    }
    // An x86 report speaks of x86: no arm64 capability, function or file in what the catalog says.
    if (a.arch === 'x86') assert.doesNotMatch(text, /KVM_CAP_ARM|arch\/arm64|user_mem_abort|kvm_pgtable_stage2/, `${file}: arm64 wording in an x86 report`);
    // Nothing judged on a trace without faults.
    if (a.counters.faults.total === 0 && !a.findings.length) assert.doesNotMatch(text, /No findings/, file);
    assert.equal(a.internalErrors, undefined, `${file}: the replay threw (${a.internalErrors?.firstMessage} at line ${a.internalErrors?.firstLine})`);
    checked++;
  }
  assert.ok(checked >= 2, 'at least the bundled fixtures');
});

test('unmap_refault-vhe: with TLBI probes the counts are the probe lines by kind (4 range, 1 by IPA), the model\'s beside them', async (t) => {
  const file = sharedOrSkip(t, 'traces', 'arm64-nested', 'unmap_refault-vhe.trace');
  if (!file) return;
  const a = await createAnalyzer().analyze(createReadStream(file));
  const v = verdicts(a);
  assert.deepEqual(v.tlbi.observed, { ipa: 1, ipaNsh: 0, range: 4, vmid: 0 });
  const text = reportText(a, { source: 'x' });
  assert.match(text, /TLB invalidations \(probe lines\): 1 by IPA \(broadcast\), 0 local, 4 range, 0 whole-VMID/);
  if (v.tlbi.mismatches.length) assert.match(text, /the model predicts .*: a mismatch/);
});

test('cache maintenance calls are counted once whatever lines show them (kprobe, kretprobe, function tracer)', async () => {
  // A real recording with all three kinds of line for every clean_dcache_guest_page call.
  const file = join(repoRoot(), 'test', 'fixtures', 'recorded', 'fwb-timing', 'dirty_noeager-a72.trace.gz');
  const lines = traceLines(file);
  const entries = lines.filter((l) => / dcache_clean: \(clean_dcache_guest_page\+/.test(l)).length;
  assert.ok(lines.some((l) => / dcache_clean_ret: /.test(l)) && lines.some((l) => / clean_dcache_guest_page <-/.test(l)));
  const a = await createAnalyzer().analyze(createReadStream(file));
  const v = verdicts(a);
  assert.equal(v.cmo.observed?.dcache, entries);
  assert.equal(v.cmo.mismatch, undefined, 'the model predicts the calls the probes show');
});

test('dirty_noeager-vhe: S5 is not avoidable, the eager-split what-if keeps the faults (they become dirty-logging write faults)', async (t) => {
  const file = sharedOrSkip(t, 'traces', 'arm64-nested', 'dirty_noeager-vhe.trace');
  if (!file) return;
  const analyzer = createAnalyzer();
  const a = await analyzer.analyze(createReadStream(file));
  const levers = await analyzer.checkLevers(async () => createReadStream(file), a);
  const s5 = levers.find((l) => l.cls === 'S5' && l.preset === 'eager2m');
  assert.ok(s5);
  assert.equal(s5.removed, 0);
  assert.match(reportText(a, { source: 'x', levers }), /^ {2}avoidable: none \(what-if replays of the levers that exist remove no fault: eager2m for S5\)$/m);
});

test('race4_4k-vhe: lost races are inherent, no kernel is named without a line, times carry their caveat', async (t) => {
  const file = sharedOrSkip(t, 'traces', 'arm64-nested', 'race4_4k-vhe.trace');
  if (!file) return;
  const a = await createAnalyzer().analyze(createReadStream(file));
  const text = reportText(a, { source: 'x', levers: [] });
  assert.match(text, /^ {2}1124 stage-2 faults: 521 needed \(no finding class applies\); 603 inherent races \(S1 603\)$/m);
  assert.match(text, /^ {2}avoidable: none/m);
  assert.match(text, /kernel: unknown \(no line of the trace pins the era down\); the model replays 6\.6 behaviour/);
  assert.match(text, /cache maintenance: not in the trace/);
  assert.match(text, /these times are not the fault path's alone/);
});
