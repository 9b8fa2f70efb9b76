// What the reports say about the real legacy-MMU (tdp_mmu=0), shadow-paging (npt=0) and recording-script
// traces of test/fixtures/x86/real: the remote TLB flush probes of `record-script --arch x86 --probes full`
// recognised (tlb-cost observed, flushes counted, nothing else changed), coverage advice that names only
// events the trace's MMU can fire, and report wording that fits the MMU (fault label, drops, what-if).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';
import { createAnalyzer } from '../../../src/core/index';
import type { Analysis } from '../../../src/core/api';
import { reportText } from '../../../src/core/report/reportText';
import { reportMarkdown } from '../../../src/core/report/reportMarkdown';
import { run as stats } from '../../../src/cli/commands/stats';
import type { CliIo } from '../../../src/cli/io';

const DIR = join(repoRoot(), 'test', 'fixtures', 'x86', 'real');
const SCENARIOS = ['race_first_4k', 'race_first_thp', 'race_wp_4k', 'race_split_noeager', 'dirty_manual_noeager'];
const LEGACY = SCENARIOS.map((s) => `${s}-tdp0`);
const SHADOW = SCENARIOS.map((s) => `${s}-npt0`);
const FULL = 'race_wp_4k_2m_full-s2lens-full-tdp1';
const BASIC = 'race_wp_4k_2m-s2lens-tdp1';
const trace = (name: string): string => join(DIR, `${name}.trace.gz`);

const cache = new Map<string, Promise<Analysis>>();
function analysis(name: string, config: Parameters<ReturnType<typeof createAnalyzer>['analyze']>[1] = {}): Promise<Analysis> {
  const key = `${name} ${JSON.stringify(config)}`;
  let p = cache.get(key);
  if (!p) cache.set(key, (p = createAnalyzer().analyze(createReadStream(trace(name)), config)));
  return p;
}

async function statsText(name: string): Promise<string> {
  const io: CliIo & { stdout: string } = { stdout: '', isTty: false, out: (t: string) => void (io.stdout += t), err: () => undefined };
  assert.equal(await stats([trace(name)], io), 0);
  return io.stdout;
}

/** The coverage block of `stage2-lens stats`: one analysis line plus its "to observe it, add:" lines. */
function coverageBlock(text: string, analysis: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`  ${analysis.padEnd(16)} `));
  assert.ok(i >= 0, analysis);
  const out = [lines[i]];
  for (let j = i + 1; j < lines.length && /^ +to observe it, add: /.test(lines[j]); j++) out.push(lines[j].trim());
  return out;
}

const byAnalysis = (a: Analysis): Record<string, { support: string; add: string[] }> => Object.fromEntries(a.coverage.map((c) => [c.analysis, { support: c.support, add: c.add }]));

test('--probes full on a real 6.12 kernel: kvm_flush_remote_tlbs* recognised, so `stats` reports tlb-cost observed (2 flushes), the basic trace still inferred', async () => {
  const full = await statsText(FULL);
  assert.deepEqual(coverageBlock(full, 'tlb-cost'), ['  tlb-cost         observed  remote TLB flushes (kvm_flush_remote_tlbs*) are recorded: 2 in this trace']);
  const basic = await statsText(BASIC);
  assert.deepEqual(coverageBlock(basic, 'tlb-cost').slice(1), [
    'to observe it, add: kprobe p:s2lens/x86_flush_remote_tlbs kvm_flush_remote_tlbs',
    'to observe it, add: kprobe p:s2lens/x86_flush_remote_tlbs_range kvm_flush_remote_tlbs_range gfn=%si:x64 pages=%dx:x64',
    'to observe it, add: or record with: stage2-lens record-script --arch x86 --probes full',
  ]);
  assert.match(coverageBlock(basic, 'tlb-cost')[0], /^ {2}tlb-cost {9}inferred /);
});

test('--probes full: the x86 replay counts the 2 whole-VM flushes and changes nothing else (same findings, passes and counters as without the probe lines)', async () => {
  const a = await analysis(FULL);
  const without = await analysis(FULL, { config: { ignoreEvents: ['x86_flush_remote_tlbs', 'x86_flush_remote_tlbs_range'] } });
  assert.deepEqual(a.counters.tlbi, { ipa: 0, ipaNsh: 0, range: 0, vmid: 2 });
  assert.deepEqual(without.counters.tlbi, { ipa: 0, ipaNsh: 0, range: 0, vmid: 0 });
  assert.equal(a.findings.length, without.findings.length);
  assert.deepEqual(a.findings.map((f) => `${f.line} ${f.cls}`), without.findings.map((f) => `${f.line} ${f.cls}`));
  assert.deepEqual(a.x86?.segments, without.x86?.segments);
  assert.deepEqual({ ...a.counters, tlbi: without.counters.tlbi }, without.counters);
  assert.ok(a.detected.includes('remote TLB flushes (kvm_flush_remote_tlbs* probes): 2 whole-VM, 0 ranged'));
  assert.equal(byAnalysis(a)['tlb-cost'].support, 'observed');
  const text = reportText(a, { source: 'x.trace' });
  assert.match(text, /^ {2}TLB flushes \(kvm_flush_remote_tlbs\* probe lines\): 0 ranged, 2 whole-VM$/m);
  assert.doesNotMatch(text, /Inferred rather than observed/);
});

test('legacy MMU and shadow paging: coverage advice never names kvm_tdp_mmu_spte_changed / kvm_mmu_split_huge_page (available in the kernel, never fired)', async () => {
  const available = readFileSync(join(DIR, 'meta-tdp0.txt'), 'utf8');
  assert.match(available, /^kvmmmu:kvm_tdp_mmu_spte_changed$/m);
  assert.match(available, /^kvmmmu:kvm_mmu_split_huge_page$/m);
  for (const name of [...LEGACY, ...SHADOW]) {
    const a = await analysis(name);
    assert.equal(a.stats.events.kvm_tdp_mmu_spte_changed ?? 0, 0);
    const legacy = name.endsWith('-tdp0');
    const c = byAnalysis(a);
    for (const it of a.coverage) assert.ok(it.add.every((x) => !/kvm_tdp_mmu_spte_changed|kvm_mmu_split_huge_page/.test(x)), `${name} ${it.analysis}: ${it.add.join(', ')}`);
    // All kvmmmu events were enabled: nothing to add for the SPTE-level analyses, only the TLB-flush probes and aging events.
    assert.deepEqual(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, `${v.support}/${v.add.length}`])), {
      'lost-races': 'observed/0', 'invalid-windows': 'inferred/0', splitting: 'inferred/0', 'cmo-redundancy': 'none/0', 'tlb-cost': 'inferred/3', 'access-flag': 'inferred/3', 'pinned-ranges': 'inferred/0',
    }, name);
    const why = a.coverage.find((x) => x.analysis === 'splitting')!.why;
    assert.match(why, legacy ? /^legacy MMU: huge pages are dropped and refaulted at 4 KiB, never split/ : /^shadow paging: huge pages are dropped and refaulted at 4 KiB, never split/, name);
    assert.match(why, /no event would show more$/);
  }
  const legacyStats = await statsText('race_split_noeager-tdp0');
  assert.match(coverageBlock(legacyStats, 'lost-races')[0], /observed {2}legacy MMU \(kvm_mmu_set_spte but no kvm_tdp_mmu_spte_changed, which the TDP MMU prints for every change\): /);
  assert.doesNotMatch(legacyStats, /add: event kvmmmu:kvm_tdp_mmu_spte_changed|add: event kvmmmu:kvm_mmu_split_huge_page/);
  const shadowStats = await statsText('race_wp_4k-npt0');
  assert.match(coverageBlock(shadowStats, 'lost-races')[0], /observed {2}shadow paging \(1805 guest page-table walks for 1805 faults, no fast_page_fault\): /);
  // The TDP MMU traces keep their advice as before.
  assert.equal(byAnalysis(await analysis(BASIC))['invalid-windows'].support, 'observed');
});

test('report wording: shadow faults are guest page faults, legacy/shadow drops are not splits, no eager-split compare without the TDP MMU', async () => {
  for (const name of [...LEGACY, ...SHADOW]) {
    const a = await analysis(name);
    const text = reportText(a, { source: 'x.trace' });
    const md = reportMarkdown(a);
    const legacy = name.endsWith('-tdp0');
    const faults = a.counters.faults.total;
    const drops = a.x86!.eagerSplit.faultSplits;
    assert.match(text, new RegExp(`^ {2}${faults} ${legacy ? 'NPT faults' : 'guest page faults \\(#PF, shadow paging\\)'}: `, 'm'), name);
    if (!legacy) assert.doesNotMatch(text + md, /NPT\/EPT faults/, name);
    assert.match(text, new RegExp(`^ {2}${drops} huge pages dropped in the fault path and refaulted at 4 KiB \\(the ${legacy ? 'legacy' : 'shadow-paging'} MMU never splits them\\), ${a.x86!.hugePagesRecovered} huge-page recoveries$`, 'm'), name);
    assert.match(text, new RegExp(`^ {2}eager page split: none without the TDP MMU; ${drops} huge pages dropped in the fault path \\(refaulted at 4 KiB\\)$`, 'm'), name);
    assert.doesNotMatch(text + md, /huge-page splits in the fault path|eager2m \(or noeager\)|stage2-lens compare/, name);
    assert.match(text, new RegExp(`^What if: no compare applies to ${legacy ? 'the legacy MMU' : 'shadow paging'}: eager page splitting \\(eager2m\\) needs the TDP MMU`, 'm'), name);
  }
  const dirty = await analysis('dirty_manual_noeager-npt0');
  assert.equal(dirty.x86!.eagerSplit.faultSplits, 2);
  // A compare, if run anyway, says why B equals A.
  const eager = await analysis('dirty_manual_noeager-npt0', { config: { eagerSplitChunk: 2 * 1024 * 1024 } });
  const cmp = createAnalyzer().compare(dirty, eager);
  assert.equal(cmp.summary[2], 'Guest page faults (#PF, shadow paging): 1030 -> 1030 (0 avoided); exit-to-entry time of the faults B avoids, as measured in the trace (any preemption included): 0.0 us.');
  assert.ok(cmp.summary.includes('Eager page splitting needs the TDP MMU (kvm.tdp_mmu=Y): shadow paging drops huge pages in the fault path whatever eager_page_split says, so B replays as A.'));
  // The TDP MMU on SVM: NPT faults, and the eager-split what-if.
  const tdp = reportText(await analysis(BASIC), { source: 'x.trace' });
  assert.match(tdp, /^ {2}1558 NPT faults: /m);
  assert.match(tdp, /huge-page splits in the fault path, \d+ eager splits/);
  assert.match(tdp, /^What if: stage2-lens compare x\.trace --b eager2m \(or noeager\)$/m);
});
