// The generated recording scripts: every option combination parses under bash and dash (`-n`),
// carries the checks the recording guide promises (root, tracefs, trap, lost events, cleanup),
// defines exactly the probes of its option set with the argument spellings of the probes that ran
// on a real 6.12 kernel, and says what nVHE hides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRecordingScript, PROBES, probesFor, RECORDING_CHOICES, suggestedScriptName, type RecordingScriptOptions } from '../../../src/core/record';
import { stage2OpOf, symbolFromProbeName } from '../../../src/core/parse/stage2Symbols';
import { repoRoot, sharedOrSkip } from '../../support/shared';

const combos: RecordingScriptOptions[] = [];
for (const arch of ['arm64', 'x86'] as const)
  for (const mode of arch === 'arm64' ? (['vhe', 'nvhe'] as const) : (['vhe'] as const))
    for (const tool of ['tracefs', 'trace-cmd'] as const)
      for (const probes of ['basic', 'full'] as const) for (const lock of [false, true]) combos.push({ arch, mode, tool, probes, lock });

const label = (o: RecordingScriptOptions): string => `${o.arch}${o.arch === 'arm64' ? '/' + o.mode : ''}/${o.tool}/${o.probes}${o.lock ? '/lock' : ''}`;
/** `add_probe TYPE NAME ...` lines of a script: the probes it will try to define. */
const definedProbes = (s: string): string[] => [...s.matchAll(/^\s*add_probe [pr] (\S+) /gm)].map((m) => m[1]);

function shellAvailable(sh: string): boolean {
  try {
    execFileSync(sh, ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
}

test('every option combination is valid shell (bash -n and dash -n)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's2lens-sh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shells = ['bash', 'dash'].filter(shellAvailable);
  assert.ok(shells.includes('bash'), 'bash is needed for this test');
  assert.equal(combos.length, 24);
  for (const o of combos) {
    const file = join(dir, label(o).replace(/\//g, '-') + '.sh');
    writeFileSync(file, generateRecordingScript(o));
    for (const sh of shells) execFileSync(sh, ['-n', file]); // throws with the syntax error
  }
});

test('every script checks root and tracefs, traps Ctrl-C, checks lost events and cleans up', () => {
  for (const o of combos) {
    const s = generateRecordingScript(o);
    const name = label(o);
    assert.ok(s.startsWith('#!/bin/sh\n'), name);
    assert.match(s, /\[ "\$\(id -u\)" = 0 \] \|\| die/, `${name}: root check`);
    assert.match(s, /mount -t tracefs nodev \/sys\/kernel\/tracing/, `${name}: mounts tracefs`);
    assert.match(s, /^trap cleanup EXIT$/m, `${name}: cleanup trap`);
    assert.match(s, /^trap 'STOPPED=1' INT TERM HUP$/m, `${name}: Ctrl-C trap that still saves`);
    assert.match(s, /trace_marker/, `${name}: phase marking`);
    assert.match(s, /echo 'stage2-lens: phase boot-done' > \/sys\/kernel\/tracing\/trace_marker/, `${name}: shows how to mark phases`);
    assert.match(s, /exit \$STATUS/, name);
    if (o.tool === 'tracefs') {
      assert.match(s, /echo "\$BUFFER_KB" > "\$T\/buffer_size_kb"/, `${name}: buffer size`);
      assert.match(s, /per_cpu\/cpu\*\/stats/, `${name}: overrun check`);
      assert.match(s, /LOST \[0-9\]\* EVENTS/, `${name}: LOST marker check`);
      assert.doesNotMatch(s, /trace-cmd record/, name);
    } else {
      assert.match(s, /trace-cmd record -b "\$BUFFER_KB" -o "\$OUTPUT"/, `${name}: trace-cmd records`);
      assert.match(s, /trace-cmd report --stat/, `${name}: lost-event check from the .dat`);
      assert.match(s, /command -v trace-cmd/, name);
    }
    if (definedProbes(s).length) {
      assert.match(s, /echo "-:\$GROUP\/\$p" >> "\$T\/kprobe_events"/, `${name}: removes its probes`);
      assert.match(s, /available_filter_functions/, `${name}: checks symbols`);
      assert.match(s, /isra\|constprop/, `${name}: renamed-symbol fallback`);
    }
  }
});

test('each option set defines exactly its probes', () => {
  const get = (o: RecordingScriptOptions): string[] => definedProbes(generateRecordingScript(o));
  const vheBasic = get({ arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic' });
  const vheFull = get({ arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'full' });
  const nvheFull = get({ arch: 'arm64', mode: 'nvhe', tool: 'trace-cmd', probes: 'full' });
  const bbm = ['s2_break', 's2_break_ret', 's2_mkpte', 's2_mkpte_ret'];
  const tlbi = ['tlbi_ipa', 'tlbi_ipa_nsh', 'tlbi_range', 'tlbi_vmid'];
  assert.equal(vheBasic.length, 20);
  for (const p of [...tlbi, 's2_map', 's2_map_ret', 's2_relax', 's2_wrprotect', 's2_split', 's2_unmap', 's2_mkyoung', 'dcache_clean', 'icache_inval', 'split_huge']) assert.ok(vheBasic.includes(p), p);
  for (const p of bbm) assert.ok(!vheBasic.includes(p), `basic has no ${p}`);
  // Full adds the return of clean_dcache_guest_page (its duration tells FWB) and the break/make probes.
  assert.deepEqual(vheFull, [...vheBasic, 'dcache_clean_ret', ...bbm]);
  for (const p of tlbi) assert.ok(!nvheFull.includes(p), `nVHE does not probe ${p}`);
  for (const p of ['tlbi_range_wrapper', 'flush_remote_tlbs', ...bbm]) assert.ok(nvheFull.includes(p), p);
  assert.deepEqual(get({ arch: 'x86', mode: 'vhe', tool: 'tracefs', probes: 'basic' }), []);
  assert.deepEqual(get({ arch: 'x86', mode: 'vhe', tool: 'tracefs', probes: 'full' }), ['x86_flush_remote_tlbs', 'x86_flush_remote_tlbs_range']);
});

test('--lock adds the lock contention events and the ends of the mmu_lock write holds, and nothing else', () => {
  for (const arch of ['arm64', 'x86'] as const) {
    const base = { arch, mode: 'vhe' as const, tool: 'tracefs' as const, probes: 'basic' as const };
    const without = generateRecordingScript(base);
    const withLock = generateRecordingScript({ ...base, lock: true });
    assert.doesNotMatch(without, /enable_event lock /, arch);
    assert.match(withLock, /^enable_event lock contention_begin /m, arch);
    assert.match(withLock, /^enable_event lock contention_end /m, arch);
    assert.match(withLock, /^# Generated by: .* --lock /m, arch);
    const added = definedProbes(withLock).filter((p) => !definedProbes(without).includes(p));
    assert.deepEqual(added, arch === 'arm64' ? ['wp_masked_ret', 'split_huge_ret'] : ['wp_masked', 'wp_masked_ret'], arch);
  }
});

test('nVHE scripts say that the TLB invalidations are invisible and reported as inferred', () => {
  for (const tool of ['tracefs', 'trace-cmd'] as const) {
    const s = generateRecordingScript({ arch: 'arm64', mode: 'nvhe', tool, probes: 'basic' });
    assert.match(s, /say "nVHE: the TLB invalidations \(__kvm_tlb_flush_vmid\*\) run at EL2 and are NOT visible to ftrace or kprobes\."/);
    assert.match(s, /reports TLB cost .* as inferred/);
    assert.match(s, /^# Stage-2 Lens recording script: arm64 host, KVM in nVHE mode/m);
    assert.doesNotMatch(s, /add_probe p tlbi_ipa /);
  }
  const vhe = generateRecordingScript({ arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic' });
  assert.match(vhe, /generated for VHE: the TLB invalidation probes will never fire/);
});

test('full probes say which kernels they know and degrade on others', () => {
  const s = generateRecordingScript({ arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'full' });
  assert.match(s, /case "\$KREL" in 6\.12\|6\.12\.\*\|6\.12-\*\) BBM_OK=1 ;; esac/);
  assert.match(s, /Verified layout \(6\.12\): ptep@0 old@8 arg@16 mm_ops@24 start@32 addr@40 end@48 level@56 \(s8\)/);
  assert.match(s, /offsets verified only on 6\.12/);
  assert.match(s, /S2LENS_VISIT_CTX=ADDR_OFF:OLD_OFF:LEVEL_OFF/);
  assert.match(s, /add_probe p s2_break "addr=\+\$CTX_ADDR\(%x0\):x64 old=\+\$CTX_OLD\(%x0\):x64 level=\+\$CTX_LEVEL\(%x0\):s8"/);
});

test('x86 scripts enable kvmmmu and write the MMU parameters into the trace', () => {
  const s = generateRecordingScript({ arch: 'x86', mode: 'vhe', tool: 'tracefs', probes: 'basic' });
  assert.match(s, /^enable_event kvmmmu '\*'/m);
  assert.match(s, /^enable_event kvm kvm_page_fault/m);
  assert.match(s, /kvm\/parameters\/tdp_mmu kvm\/parameters\/eager_page_split/);
  assert.match(s, /mark_later "params\$PARAMS"/);
  assert.doesNotMatch(s, /kvm_pgtable_stage2|aarch64 \] \|\|/);
});

test('options land in the script: duration, buffer, output', () => {
  const s = generateRecordingScript({ arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic', durationSec: 0, bufferKb: 4096, output: "it's.trace.gz" });
  assert.match(s, /^DURATION=\$\{S2LENS_DURATION:-0\}$/m);
  assert.match(s, /^BUFFER_KB=\$\{S2LENS_BUFFER_KB:-4096\}$/m);
  assert.match(s, /^OUTPUT=\$\{S2LENS_OUTPUT:-'it'\\''s\.trace\.gz'\}$/m);
  assert.match(s, /record until Ctrl-C/);
});

test('every probe symbol is one the decoders recognise, with the op the catalogue says (x86 kvm_flush_remote_tlbs* too)', () => {
  for (const p of PROBES) for (const sym of p.symbols) assert.equal(stage2OpOf(sym), p.op, `${p.name} on ${sym}`);
  assert.equal(stage2OpOf('kvm_mmu_split_huge_pages.isra.0'), 'split-huge');
  // trace-cmd report prints raw addresses for kprobes: the x86 probe names still give the symbol.
  assert.equal(symbolFromProbeName('x86_flush_remote_tlbs'), 'kvm_flush_remote_tlbs');
  assert.equal(symbolFromProbeName('x86_flush_remote_tlbs_range'), 'kvm_flush_remote_tlbs_range');
});

test('x86 --probes full: the probe block states the x86-64 calling convention its fetchargs use (as run on the real 6.12 kernel), arm64 keeps AAPCS64', () => {
  // The probes that ran unmodified on a real kernel (test/fixtures/x86/real/meta-s2lens-full-tdp1.txt).
  const meta = readFileSync(join(repoRoot(), 'test', 'fixtures', 'x86', 'real', 'meta-s2lens-full-tdp1.txt'), 'utf8');
  assert.match(meta, /^stage2-lens: probe x86_flush_remote_tlbs_range on kvm_flush_remote_tlbs_range$/m);
  for (const tool of ['tracefs', 'trace-cmd'] as const) {
    const s = generateRecordingScript({ arch: 'x86', mode: 'vhe', tool, probes: 'full' });
    assert.match(s, /^# 5\. Kprobes with arguments, read from the registers at function entry \(x86-64 System V\n# ABI: %di = first argument, %si = second, %dx = third, then %cx, %r8, %r9; so\n# kvm_flush_remote_tlbs_range\(kvm, gfn, nr_pages\) has gfn in %si and nr_pages in %dx;/m);
    assert.match(s, /^add_probe p x86_flush_remote_tlbs_range 'gfn=%si:x64 pages=%dx:x64' /m);
    assert.doesNotMatch(s, /x0 =|AAPCS|stage-2 functions|KVM mode|every stage-2 analysis|--probes basic on x86/);
    assert.match(s, /^# 5\. defines 2 kprobes \(group s2lens\) on the remote TLB flush functions/m);
    assert.match(s, /kernel lacks CONFIG_KPROBE_EVENTS; generate a script with --probes basic \(the x86 tracepoints need no kprobes\)/);
    assert.match(s, /no probe could be defined: the TLB-flush cost will be inferred/);
  }
  for (const mode of ['vhe', 'nvhe'] as const) {
    const s = generateRecordingScript({ arch: 'arm64', mode, tool: 'tracefs', probes: 'full' });
    assert.match(s, /\(AAPCS64: x0 = first argument,\n# x1 = second, \.\.\. x7 = eighth\)/);
    assert.doesNotMatch(s, /%di|System V|--probes basic \(the x86/);
  }
});

test('probe definitions match the ones that ran on a real 6.12 kernel (meta-vhe.txt)', (t) => {
  const nested = sharedOrSkip(t, 'traces', 'arm64-nested', 'meta-vhe.txt');
  const bbm = sharedOrSkip(t, 'traces', 'arm64-bbm', 'meta-vhe.txt');
  if (!nested || !bbm) return;
  const real = new Map<string, { symbol: string; args: string }>();
  for (const file of [nested, bbm]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^[pr]\d*:kvmprobe\/(\S+) (\S+) ?(.*)$/gm)) real.set(m[1], { symbol: m[2], args: m[3].trim() });
  }
  assert.ok(real.size >= 23, `found ${real.size} real probe definitions`);
  const ours = probesFor('arm64', 'vhe', 'full');
  let compared = 0;
  for (const p of ours) {
    const r = real.get(p.name);
    if (!r) continue; // s2_flush: ours only
    compared++;
    assert.equal(r.symbol.replace(/\.isra\.0$/, ''), p.symbols[0], `${p.name} symbol`);
    assert.equal(p.args, r.args, `${p.name} arguments`);
  }
  assert.equal(compared, 23);
});

test('the editor quick-pick choices cover every option value, and the suggested names are distinct', () => {
  assert.deepEqual(RECORDING_CHOICES.arch.map((c) => c.value), ['arm64', 'x86']);
  assert.deepEqual(RECORDING_CHOICES.mode.map((c) => c.value), ['vhe', 'nvhe']);
  assert.deepEqual(RECORDING_CHOICES.tool.map((c) => c.value), ['tracefs', 'trace-cmd']);
  assert.deepEqual(RECORDING_CHOICES.probes.map((c) => c.value), ['basic', 'full']);
  const names = combos.map(suggestedScriptName);
  assert.equal(new Set(names).size, combos.length);
  assert.equal(suggestedScriptName({ arch: 'arm64', mode: 'nvhe', tool: 'trace-cmd', probes: 'full' }), 'stage2-record-arm64-nvhe-full-trace-cmd.sh');
  assert.equal(suggestedScriptName({ arch: 'x86', mode: 'vhe', tool: 'tracefs', probes: 'basic' }), 'stage2-record-x86-basic.sh');
});
