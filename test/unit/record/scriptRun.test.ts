// Runs a generated arm64 script under dash against a fake tracefs (S2LENS_TRACEFS) with shims for
// id/uname/dmesg: it must define probes only for symbols the "kernel" lists, fall back to a renamed
// (.isra.0) copy without arguments, say what is missing, degrade the break/make probes on an
// unknown kernel, save the trace, report lost events with exit status 2, and remove its probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARM64_EVENTS, X86_EVENTS, generateRecordingScript, type RecordingScriptOptions } from '../../../src/core/record';

const SHELL = ['dash', 'bash'].find((s) => spawnSync(s, ['-c', 'true']).status === 0) ?? 'sh';

/** The stage-2 symbols of Debian's 6.12 arm64 kernel (meta-vhe.txt), minus two to test fallbacks. */
const FUNCTIONS = [
  'kvm_pgtable_stage2_map', 'kvm_pgtable_stage2_relax_perms', 'kvm_pgtable_stage2_wrprotect.isra.0', 'kvm_pgtable_stage2_split',
  'kvm_pgtable_stage2_unmap', 'kvm_pgtable_stage2_mkyoung', 'kvm_pgtable_stage2_test_clear_young', 'clean_dcache_guest_page',
  'invalidate_icache_guest_page', 'kvm_arch_mmu_enable_log_dirty_pt_masked', 'kvm_mmu_split_huge_pages.isra.0',
  '__kvm_tlb_flush_vmid_ipa', '__kvm_tlb_flush_vmid_ipa_nsh', '__kvm_tlb_flush_vmid_range', '__kvm_tlb_flush_vmid',
  'kvm_tlb_flush_vmid_range', 'kvm_arch_flush_remote_tlbs', 'stage2_try_break_pte', 'stage2_make_pte', 'unrelated_function [kvm]',
];

interface Run {
  status: number | null;
  stderr: string;
  /** What the script wrote to trace_marker. */
  markers: string;
  kprobeEvents: string;
  tfs: string;
  dir: string;
}

function runScript(t: { after(fn: () => void): void }, o: RecordingScriptOptions, env: { krel?: string; dmesg?: string; uid?: string; overrun?: number; existingOutput?: boolean; output?: string; stopWithSignal?: boolean; machine?: string } = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 's2lens-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tfs = join(dir, 'tracing');
  const shims = join(dir, 'bin');
  mkdirSync(shims, { recursive: true });
  mkdirSync(join(tfs, 'per_cpu', 'cpu0'), { recursive: true });
  mkdirSync(join(tfs, 'events', 's2lens'), { recursive: true });
  for (const e of [...ARM64_EVENTS, ...X86_EVENTS]) {
    const d = e.name === '*' ? join(tfs, 'events', e.system) : join(tfs, 'events', e.system, e.name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'enable'), '0\n');
  }
  writeFileSync(join(tfs, 'events', 'enable'), '0\n');
  writeFileSync(join(tfs, 'events', 's2lens', 'enable'), '0\n');
  writeFileSync(join(tfs, 'trace'), '# tracer: nop\n');
  writeFileSync(join(tfs, 'kprobe_events'), '');
  writeFileSync(join(tfs, 'available_filter_functions'), FUNCTIONS.join('\n') + '\n');
  writeFileSync(join(tfs, 'buffer_size_kb'), '7 (expanded: 1408)\n');
  writeFileSync(join(tfs, 'current_tracer'), 'nop\n');
  writeFileSync(join(tfs, 'tracing_on'), '0\n');
  writeFileSync(join(tfs, 'kprobe_profile'), '  s2_map    10   0\n  s2_map_ret  10   0\n');
  writeFileSync(join(tfs, 'per_cpu', 'cpu0', 'stats'), `entries: 2\noverrun: ${env.overrun ?? 0}\ncommit overrun: 0\nbytes: 100\ndropped events: 0\n`);
  const shim = (name: string, body: string): void => {
    writeFileSync(join(shims, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(shims, name), 0o755);
  };
  shim('id', `echo ${env.uid ?? '0'}`);
  shim('uname', `case "$1" in -m) echo ${env.machine ?? 'aarch64'} ;; -r) echo ${env.krel ?? '6.12.117+deb12-arm64'} ;; -n) echo testhost ;; *) echo Linux ;; esac`);
  // trace-cmd: logs its arguments, runs the command after the options (as trace-cmd record does), writes the .dat
  shim('trace-cmd', [
    'case "$1" in',
    // as the real 3.1.6 does: --version prints the usage text, whose first line is empty
    '  --version) printf \'\\ntrace-cmd version 3.1.6 (fake)\\n\\nusage:\\n\'; exit 255 ;;',
    '  report) echo "CPU: 0"; echo "overrun: 0"; echo "dropped events: 0" ;;',
    '  record) shift; echo "record $*" >> "$DIR/trace-cmd.log"; out=""',
    '    while [ $# -gt 0 ]; do case "$1" in -b|-e) shift 2 ;; -o) out=$2; shift 2 ;; *) break ;; esac; done',
    '    "$@"; echo "tracing.dat" > "$out" ;;',
    'esac',
  ].join('\n'));
  shim('dmesg', `printf '%s\\n' ${JSON.stringify(env.dmesg ?? 'kvm [1]: VHE mode initialized successfully')} '[0.1] CPU features: detected: Stage-2 Force Write-Back'`);
  const script = join(dir, 'record.sh');
  writeFileSync(script, generateRecordingScript(o));
  const out = join(dir, env.output ?? 'out.trace');
  if (env.existingOutput) writeFileSync(out, 'keep me\n');
  // trace_marker is a FIFO drained into markers.log by a reader that holds it open read-write (so
  // each `echo > trace_marker` of the script neither blocks nor ends the reader).
  const harness = [
    `mkfifo "$TFS/trace_marker"`,
    `cat <> "$TFS/trace_marker" >> "$DIR/markers.log" & reader=$!`,
    env.stopWithSignal
      ? // a background job ignores SIGINT in a non-interactive shell, so TERM stands in for Ctrl-C (same trap)
        `"$SHELL_UNDER_TEST" "$SCRIPT" -o "$OUT" -d 0 & pid=$!; sleep 1.5; kill -TERM $pid; wait $pid`
      : `"$SHELL_UNDER_TEST" "$SCRIPT" -o "$OUT" -- sh -c "echo '   kvmtest-1 [000] ..... 1.000000: kvm_exit: TRAP' >> $TFS/trace"`,
    'status=$?',
    'sleep 0.2; kill $reader; wait $reader 2>/dev/null',
    'exit $status',
  ].join('\n');
  const r = spawnSync('sh', ['-c', harness], {
    env: { ...process.env, PATH: `${shims}:${process.env.PATH}`, S2LENS_TRACEFS: tfs, TMPDIR: dir, TFS: tfs, DIR: dir, SCRIPT: script, OUT: out, SHELL_UNDER_TEST: SHELL },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const markers = existsSync(join(dir, 'markers.log')) ? readFileSync(join(dir, 'markers.log'), 'utf8') : '';
  return { status: r.status, stderr: r.stderr, markers, kprobeEvents: readFileSync(join(tfs, 'kprobe_events'), 'utf8'), tfs, dir };
}

const vheFull: RecordingScriptOptions = { arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'full' };

test('defines the available probes, falls back, records, saves and cleans up', (t) => {
  const r = runScript(t, vheFull);
  assert.equal(r.status, 0, r.stderr);
  const defs = r.kprobeEvents.split('\n').filter((l) => /^[pr]:/.test(l));
  const removals = r.kprobeEvents.split('\n').filter((l) => l.startsWith('-:s2lens/'));
  assert.ok(defs.includes('p:s2lens/s2_map kvm_pgtable_stage2_map addr=%x1:x64 size=%x2:x64 phys=%x3:x64 prot=%x4:x32'));
  assert.ok(defs.includes('r:s2lens/s2_map_ret kvm_pgtable_stage2_map ret=$retval:s32'));
  assert.ok(defs.includes('p:s2lens/s2_break stage2_try_break_pte addr=+40(%x0):x64 old=+8(%x0):x64 level=+56(%x0):s8'));
  assert.ok(defs.includes('p:s2lens/split_huge kvm_mmu_split_huge_pages.isra.0 '), 'renamed symbol without args');
  assert.ok(defs.includes('p:s2lens/s2_wrprotect kvm_pgtable_stage2_wrprotect.isra.0 '), 'renamed: probed without its arguments');
  assert.ok(!defs.some((d) => d.includes('s2_flush')), 'kvm_pgtable_stage2_flush is not in the list');
  // 25 in the VHE full set, minus s2_flush (missing)
  assert.equal(defs.length, 24);
  assert.ok(defs.includes('r:s2lens/dcache_clean_ret clean_dcache_guest_page '), 'the return of the clean, for its duration');
  assert.equal(removals.length, 24, 'every probe it defined is removed again');
  assert.match(r.stderr, /note: kvm_pgtable_stage2_flush not traceable in 6\.12\.117\+deb12-arm64 \(inlined or renamed\): no s2_flush probe; cache-maintenance redundancy: inferred/);
  assert.match(r.stderr, /note: kvm_pgtable_stage2_wrprotect is renamed kvm_pgtable_stage2_wrprotect\.isra\.0 in this kernel: probe s2_wrprotect records the calls without arguments/);
  // markers (trace_marker is linked to stderr here)
  assert.match(r.markers, /^stage2-lens: recording begin arch=arm64 mode=vhe host-mode=vhe kernel=6\.12\.117\+deb12-arm64 tool=tracefs probes=full buffer-kb=16384$/m);
  assert.match(r.markers, /^stage2-lens: events kvm:kvm_exit kvm:kvm_entry kvm:kvm_guest_fault /m);
  assert.match(r.markers, /^stage2-lens: probe s2_wrprotect kvm_pgtable_stage2_wrprotect\.isra\.0 noargs$/m);
  assert.match(r.markers, /^stage2-lens: missing s2_flush kvm_pgtable_stage2_flush not-in-available_filter_functions$/m);
  assert.match(r.markers, /^stage2-lens: cpu-features fwb=1 idc=0 dic=0 tlbirange=0 hafdbs=0 source=dmesg$/m);
  assert.match(r.markers, /^stage2-lens: recording end stopped-by=end$/m);
  assert.match(r.stderr, /lost events: 0, LOST markers: 0, missed probe hits: 0/);
  // the trace, restored state
  assert.equal(readFileSync(join(r.dir, 'out.trace'), 'utf8'), '\n   kvmtest-1 [000] ..... 1.000000: kvm_exit: TRAP\n');
  assert.equal(readFileSync(join(r.tfs, 'buffer_size_kb'), 'utf8'), '7\n');
  assert.equal(readFileSync(join(r.tfs, 'events', 'kvm', 'kvm_guest_fault', 'enable'), 'utf8'), '0\n');
  assert.equal(readFileSync(join(r.tfs, 'tracing_on'), 'utf8'), '0\n');
  assert.deepEqual(readdirSync(r.dir).filter((f) => f.startsWith('stage2-lens.')), [], 'its temporary folder is removed');
});

test('an unknown kernel gets no break/make probes, and the script says why', (t) => {
  const r = runScript(t, vheFull, { krel: '5.15.0-91-generic' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.kprobeEvents, /s2_break|s2_mkpte/);
  assert.match(r.kprobeEvents, /^p:s2lens\/s2_map /m);
  assert.match(r.stderr, /kernel 5\.15\.0-91-generic: the break\/make probes read struct kvm_pgtable_visit_ctx at offsets verified only on 6\.12;/);
  assert.match(r.markers, /^stage2-lens: missing s2_mkpte_ret - unknown-kernel-struct-offsets$/m);
});

test('lost events give a warning and exit status 2 (the trace is still written)', (t) => {
  const r = runScript(t, vheFull, { overrun: 5 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /lost events: 5,/);
  assert.match(r.stderr, /WARNING: events were lost/);
  assert.ok(existsSync(join(r.dir, 'out.trace')));
});

test('a VHE script on an nVHE host warns that the TLB probes will never fire', (t) => {
  const r = runScript(t, { ...vheFull, probes: 'basic' }, { dmesg: 'kvm [1]: Hyp mode initialized successfully' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /KVM mode: nvhe \(this script was generated for vhe\)/);
  assert.match(r.stderr, /runs KVM in nvhe mode but the script was generated for VHE/);
});

test('an nVHE script probes the host-side wrappers, never the EL2 TLBI functions', (t) => {
  const r = runScript(t, { arch: 'arm64', mode: 'nvhe', tool: 'tracefs', probes: 'basic' }, { dmesg: 'kvm [1]: Hyp mode initialized successfully' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /nVHE: the TLB invalidations \(__kvm_tlb_flush_vmid\*\) run at EL2 and are NOT visible/);
  assert.match(r.kprobeEvents, /^p:s2lens\/tlbi_range_wrapper kvm_tlb_flush_vmid_range addr=%x1:x64 size=%x2:x64$/m);
  assert.doesNotMatch(r.kprobeEvents, /__kvm_tlb_flush_vmid/);
  assert.match(r.markers, /^stage2-lens: recording begin arch=arm64 mode=nvhe host-mode=nvhe /m);
});

test('refuses to run without root, and never overwrites an existing trace', (t) => {
  const notRoot = runScript(t, vheFull, { uid: '1000' });
  assert.equal(notRoot.status, 1);
  assert.match(notRoot.stderr, /error: ftrace needs root/);
  assert.equal(notRoot.kprobeEvents, '');
  const exists = runScript(t, vheFull, { existingOutput: true });
  assert.equal(exists.status, 1);
  assert.match(exists.stderr, /out\.trace already exists/);
  assert.equal(readFileSync(join(exists.dir, 'out.trace'), 'utf8'), 'keep me\n');
});

test('trace-cmd scripts define the probes, then let trace-cmd record the events, markers first', (t) => {
  const r = runScript(t, { arch: 'arm64', mode: 'vhe', tool: 'trace-cmd', probes: 'basic' }, { output: 'out.dat' });
  assert.equal(r.status, 0, r.stderr);
  const log = readFileSync(join(r.dir, 'trace-cmd.log'), 'utf8');
  assert.match(log, /^record -b 16384 -o \S+out\.dat -e kvm:kvm_exit -e kvm:kvm_entry -e kvm:kvm_guest_fault .* -e kvm:kvm_get_timer_map -e s2lens sh \S+child\.sh \S+ \S+all-markers 30 sh -c /);
  assert.match(r.markers, /^stage2-lens: recording begin arch=arm64 mode=vhe host-mode=vhe kernel=\S+ tool=trace-cmd probes=basic /m);
  assert.match(r.markers, /^stage2-lens: probe s2_map kvm_pgtable_stage2_map args$/m);
  // the child under trace-cmd writes the end marker once the command is done
  assert.match(r.markers, /^stage2-lens: recording end stopped-by=end$/m);
  assert.match(r.stderr, /^stage2-lens: trace-cmd: 3\.1\.6$/m);
  assert.equal(readFileSync(join(r.dir, 'out.dat'), 'utf8'), 'tracing.dat\n');
  assert.match(r.stderr, /lost events: 0, missed probe hits: 0/);
  assert.equal(r.kprobeEvents.split('\n').filter((l) => l.startsWith('-:s2lens/')).length, 19, 'probes removed (20 minus s2_flush)');
});

test('recording until stopped: the signal ends the recording, the trace is still saved and the probes removed', (t) => {
  const r = runScript(t, { arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic' }, { stopWithSignal: true });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /recording until Ctrl-C/);
  assert.match(r.markers, /^stage2-lens: recording end stopped-by=signal$/m);
  assert.ok(existsSync(join(r.dir, 'out.trace')));
  assert.equal(r.kprobeEvents.split('\n').filter((l) => l.startsWith('-:s2lens/')).length, 19);
});

test('an x86 script enables kvm + kvmmmu, writes the MMU parameters marker and restores the event switches', (t) => {
  const r = runScript(t, { arch: 'x86', mode: 'vhe', tool: 'tracefs', probes: 'basic' }, { machine: 'x86_64' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.kprobeEvents, '', 'basic x86 defines no kprobes');
  assert.match(r.markers, /^stage2-lens: recording begin arch=x86 mode=n\/a host-mode=n\/a /m);
  assert.match(r.markers, /^stage2-lens: events kvm:kvm_exit kvm:kvm_entry kvm:kvm_page_fault kvm:kvm_mmio kvm:kvm_pio kvm:kvm_userspace_exit kvm:kvm_unmap_hva_range kvm:kvm_age_hva kvm:kvm_test_age_hva kvmmmu:all$/m);
  assert.match(r.markers, /^stage2-lens: params/m);
  assert.equal(readFileSync(join(r.tfs, 'events', 'kvmmmu', 'enable'), 'utf8'), '0\n');
  const arm = runScript(t, { arch: 'x86', mode: 'vhe', tool: 'tracefs', probes: 'basic' });
  assert.equal(arm.status, 1);
  assert.match(arm.stderr, /this script is for x86 hosts \(uname -m: aarch64\); generate one with --arch arm64/);
});
