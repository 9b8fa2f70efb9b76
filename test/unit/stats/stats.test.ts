// The statistics collector and `stage2-lens stats`: exact TraceStats of a trimmed real trace, the
// readable and JSON outputs, exit codes and one-line errors, no progress output off a terminal,
// and the README ground truth of race4_4k_fnkp (../shared, skipped when absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceStats } from '../../../src/core/api';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { run } from '../../../src/cli/commands/stats';
import { InputError, UsageError, type CliIo } from '../../../src/cli/io';
import { statsOf } from '../../../src/core/stats';
import { chunked, fileSource, kline } from '../parse/collect';
import { repoRoot, sharedOrSkip } from '../../support/shared';

const FIXTURE = join(repoRoot(), 'test', 'fixtures', 'parse', 'race4_4k_fnkp-excerpt.trace');

function fakeIo(isTty = false): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', isTty, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

test('collector: exact statistics of a trimmed real trace', async () => {
  const s = await statsOf(fileSource(FIXTURE));
  assert.equal(s.format, 'ftrace');
  assert.deepEqual(s.lines, { total: 53, events: 41, unrecognized: 0, special: 12 });
  assert.equal(s.firstTs, 74923900000);
  assert.equal(s.lastTs, 74927619000);
  assert.equal(s.events.function, 5);
  assert.equal(s.events.kvm_guest_fault, 2);
  assert.equal(s.events.s2_map_ret, 1);
  assert.deepEqual(s.perTask, { 'kvmtest-307': 20, 'kvmtest-306': 14, 'kvmtest-309': 6, 'kvmtest-308': 1 });
  assert.deepEqual(s.faultsByClassLevel, { 'translation/L2': 2 });
  assert.deepEqual(s.vcpuOfTask, { 'kvmtest-306': 0, 'kvmtest-307': 1 });
  assert.deepEqual(s.ops, { 'handle-guest-abort': 2, 'map-walker': 2, 'try-leaf': 1, map: 1 });
  assert.deepEqual(s.opReturns, { map: 1 });
  assert.deepEqual(s.unrecognized, []);
  assert.equal(s.timestampsBackwards, 0);
  assert.ok(s.lacks.some((l) => l.startsWith('No clean_dcache_guest_page')));
  assert.ok(s.lacks.some((l) => l.startsWith('No tracing_mark_write markers')));
  assert.ok(!s.lacks.some((l) => l.startsWith('No kvm_guest_fault')));
});

test('collector: unrecognised lines grouped by reason with examples, lost events, backwards timestamps, wrapped buffer', async () => {
  const fault = 'kvm_guest_fault: ipa 0x40000000, hsr 0x9200004f, hxfar 0x40000800, pc 0x1000001c';
  const text = [
    '# entries-in-buffer/entries-written: 100/250   #P:4',
    kline('CPU 0/KVM', 10, 0, '.....', '2.000000', fault),
    'garbage one',
    'CPU:0 [LOST 7 EVENTS]',
    kline('CPU 0/KVM', 10, 0, '.....', '1.000000', fault),
    'garbage two',
    '\u0000\u0001binary',
  ].join('\n');
  const s = await statsOf(chunked(text + '\n'));
  assert.deepEqual(s.unrecognized, [
    { reason: 'not-a-trace-line', count: 2, examples: [3, 6], detail: 'no "comm-pid [cpu] timestamp:" prefix' },
    { reason: 'binary', count: 1, examples: [7], detail: 'NUL bytes inside the line: not trace text' },
  ]);
  assert.deepEqual(s.lostEvents, [{ cpu: 0, count: 7, line: 4 }]);
  assert.equal(s.timestampsBackwards, 1);
  assert.deepEqual(s.faultsByClassLevel, { 'permission/L3': 2 });
  assert.ok(s.lacks.includes('7 events were lost (1 ring-buffer overrun marker): counts are lower bounds and some fault episodes are incomplete.'));
  assert.ok(s.lacks.includes('The ring buffer wrapped (250 entries written, 100 kept): the start of the recording is missing.'));
});

test('stats command: readable text, --json shape, usage and input errors', async () => {
  const io = fakeIo();
  assert.equal(await run([FIXTURE], io), 0);
  assert.match(io.stdout, /^file: .*race4_4k_fnkp-excerpt\.trace\nformat: ftrace \(kernel trace \/ trace_pipe text\)\nlines: 53 total, 41 events, 12 header\/special, 0 not recognised\n/);
  assert.match(io.stdout, /kvmtest-306 \(vCPU 0\)/);
  assert.match(io.stdout, /stage-2 faults by class and level:\n {2}2 {2}translation\/L2\n/);
  assert.equal(io.stderr, '', 'no progress off a terminal');

  const j = fakeIo();
  assert.equal(await run([FIXTURE, '--json'], j), 0);
  const parsed = JSON.parse(j.stdout) as TraceStats & { file: string };
  assert.equal(parsed.format, 'ftrace');
  assert.deepEqual(parsed.lines, { total: 53, events: 41, unrecognized: 0, special: 12 });
  assert.equal(parsed.events.kvm_guest_fault, 2);
  assert.deepEqual(parsed.unrecognized, []);

  await assert.rejects(run(['/no/such/file.trace'], fakeIo()), (e: Error) => e instanceof InputError && e.message === '/no/such/file.trace: no such file');
  await assert.rejects(run([tmpdir()], fakeIo()), (e: Error) => e instanceof InputError && /is a directory/.test(e.message));
  await assert.rejects(run([], fakeIo()), UsageError);
  await assert.rejects(run(['--bogus', FIXTURE], fakeIo()), UsageError);

  const junk = join(mkdtempSync(join(tmpdir(), 'stage2-lens-stats-')), 'junk.bin');
  writeFileSync(junk, Buffer.from([0, 1, 2, 3, 255, 254, 10, 0, 7]));
  const nt = fakeIo(true);
  assert.equal(await run([junk], nt), 3);
  assert.match(nt.stderr, /not a trace/);
});

test('the bundled CLI: exit codes and one clear line for a missing file', (t) => {
  // the bundle sits beside the transpiled tests in the same build output
  const cli = resolve(__dirname, '..', '..', '..', 'cli', 'main.js');
  if (!existsSync(cli)) return t.skip(`no bundled CLI at ${cli}`);
  const ok = spawnSync(process.execPath, [cli, 'stats', FIXTURE], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /lines: 53 total/);
  const missing = spawnSync(process.execPath, [cli, 'stats', '/no/such/file.trace'], { encoding: 'utf8' });
  assert.equal(missing.status, 3);
  assert.equal(missing.stderr, 'stage2-lens stats: /no/such/file.trace: no such file\n');
  const usage = spawnSync(process.execPath, [cli, 'stats'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
});

test('stats on race4_4k_fnkp agrees with the README ground truth', async (t) => {
  const f = sharedOrSkip(t, 'traces', 'arm64-nested', 'race4_4k_fnkp-vhe.trace');
  if (!f) return;
  const s = await statsOf(fileSource(f));
  assert.deepEqual(s.lines, { total: 26740, events: 26728, unrecognized: 0, special: 12 });
  assert.equal(s.events.s2_map, 1357);
  assert.equal(s.events.s2_map_ret, 1357);
  assert.equal(s.events.kvm_guest_fault, 1365);
  assert.deepEqual(s.faultsByClassLevel, { 'translation/L3': 1354, 'translation/L2': 9, 'translation/L1': 2 });
  assert.deepEqual(s.vcpuOfTask, { 'kvmtest-306': 0, 'kvmtest-307': 1, 'kvmtest-308': 2, 'kvmtest-309': 3 });
  assert.equal(s.opReturns?.map, 1357);
  const io = fakeIo();
  assert.equal(await run(['--json', f], io), 0);
  assert.equal((JSON.parse(io.stdout) as TraceStats).events.s2_map_ret, 1357);
});

test('x86: no fast_page_fault is a lack under the TDP or legacy MMU, not under shadow paging (which has no fast path)', async () => {
  const real = (name: string) => fileSource(join(repoRoot(), 'test', 'fixtures', 'x86', 'real', `${name}.trace.gz`));
  const fastLack = (s: TraceStats) => s.lacks.some((l) => l.startsWith('No fast_page_fault events'));
  const shadow = await statsOf(real('race_wp_4k-npt0'));
  assert.equal(shadow.events.fast_page_fault ?? 0, 0);
  assert.equal(fastLack(shadow), false);
  const legacyPath = join(repoRoot(), 'test', 'fixtures', 'x86', 'real', 'race_wp_4k-tdp0.trace.gz');
  const legacy = await statsOf(real('race_wp_4k-tdp0'));
  assert.ok((legacy.events.fast_page_fault ?? 0) > 0);
  assert.equal(fastLack(legacy), false);
  // The same legacy-MMU trace with its fast_page_fault lines left out does lack them.
  const text = gunzipSync(readFileSync(legacyPath)).toString('latin1').split('\n').filter((l) => !l.includes(' fast_page_fault:')).join('\n');
  assert.equal(fastLack(await statsOf(chunked(text))), true);
});
