// The real trace-cmd 3.1.6 recording race4_4k_tc-vhe.dat (v7, zstd) against its own
// `trace-cmd report -N` text: the same events per name and CPU, the same timestamps, the same
// decoded kvm fields, kprobes symbolized as the kernel prints them, and the same findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createAnalyzer } from '../../../src/core/index';
import { readTrace } from '../../../src/core/read/readTrace';
import type { TraceEvent } from '../../../src/core/parse/types';
import { readTraceDat, renderTraceDat } from '../../../src/core/tracedat/index';
import { sharedOrSkip } from '../../support/shared';
import { writeMultiCopyDat } from './multiCopyDat';

function fileRange(path: string) {
  return (start: number, end?: number) => createReadStream(path, { start, end: end === undefined ? undefined : end - 1 });
}

async function* once(buf: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buf;
}

async function datEvents(path: string, ranges: boolean): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  const summary = await readTraceDat(createReadStream(path), { event: (e) => out.push(e) }, ranges ? { openRange: fileRange(path) } : {});
  assert.deepEqual(summary.errors, []);
  return out;
}

async function reportEvents(gz: string): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  await readTrace(once(gunzipSync(readFileSync(gz))), { event: (e) => out.push(e) });
  return out;
}

function count<T>(xs: T[], key: (x: T) => string): Record<string, number> {
  const r: Record<string, number> = {};
  for (const x of xs) r[key(x)] = (r[key(x)] ?? 0) + 1;
  return r;
}

/** trace-cmd calls the marker event `print`; the kernel prints `tracing_mark_write`. */
const kernelName = (n: string): string => (n === 'print' ? 'tracing_mark_write' : n);

test('race4_4k_tc-vhe.dat: the events of `trace-cmd report -N`, per name and CPU, same timestamps and kvm fields', async (t) => {
  const dat = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
  const rep = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.report-N.txt.gz');
  if (!dat || !rep) return;
  const [fromDat, fromText] = await Promise.all([datEvents(dat, true), reportEvents(rep)]);
  assert.equal(fromDat.length, 33393);
  assert.equal(fromText.length, 33393);
  assert.equal(fromDat.filter((e) => e.name === 'kvm_guest_fault').length, 1605);
  assert.deepEqual(count(fromDat, (e) => e.name), count(fromText, (e) => kernelName(e.name)));
  assert.deepEqual(count(fromDat, (e) => String(e.cpu)), count(fromText, (e) => String(e.cpu)));
  let kvm = 0;
  for (let i = 0; i < fromDat.length; i++) {
    const a = fromDat[i];
    const b = fromText[i];
    assert.equal(a.ts, b.ts, `event ${i}: timestamp`);
    assert.equal(a.cpu, b.cpu, `event ${i}: cpu`);
    assert.equal(a.pid, b.pid, `event ${i}: pid`);
    assert.equal(a.name, kernelName(b.name), `event ${i}: name`);
    const kind = a.decoded?.kind ?? '';
    if (kind.startsWith('arm64.') || kind.startsWith('kvm.')) {
      kvm++;
      assert.deepEqual(a.decoded, b.decoded, `event ${i} (${a.name}): decoded fields`);
    }
  }
  assert.ok(kvm >= 1605 + 1651 * 2 + 1859, `kvm events compared: ${kvm}`);
});

test('race4_4k_tc-vhe.dat: kprobe and kretprobe lines symbolized as the kernel prints them', async (t) => {
  const dat = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
  if (!dat) return;
  const events = await datEvents(dat, false);
  const first = (name: string): TraceEvent => events.find((e) => e.name === name)!;
  assert.equal(first('s2_map').payload, '(kvm_pgtable_stage2_map+0x0/0x140) addr=0x10000000 size=0x1000 phys=0x103a3e000 prot=0x7');
  assert.equal(first('s2_map_ret').payload, '(kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=0');
  assert.equal(first('s2_break_ret').payload, '(stage2_map_walker+0xc8/0x198 <- stage2_try_break_pte) ok=1');
  assert.equal(first('dcache_clean').payload, '(clean_dcache_guest_page+0x0/0x40) va=0xfff00000c3a3e000 size=0x1000');
  assert.equal(first('function').payload, 'kvm_arch_prepare_memory_region <-kvm_set_memslot');
  assert.equal(first('tracing_mark_write').payload, 'kvmtest: pass 0 begin: store sel=n who=* vcpus=4 (vcpu0 pages 0..+0 stride 1)');
  // the events' line numbers are lines of the rendered text
  let text = '';
  await renderTraceDat(createReadStream(dat), (t) => (text += t), { openRange: fileRange(dat) });
  const lines = text.split('\n');
  assert.equal(lines.length - 1, 12 + 33393);
  for (const e of events) assert.ok(lines[e.line - 1].endsWith(e.payload) && lines[e.line - 1].includes(`[00${e.cpu}]`), `line ${e.line}`);
  const kinds = count(events.filter((e) => e.name.startsWith('s2_') || e.name.endsWith('_clean') || e.name.endsWith('_inval')), (e) => `${e.name}:${e.decoded?.kind}`);
  assert.deepEqual(kinds, {
    's2_map:kprobe': 1597,
    's2_map_ret:kretprobe': 1597,
    's2_break:kprobe': 938,
    's2_break_ret:kretprobe': 938,
    's2_mkpte:kprobe': 518,
    's2_mkpte_ret:kretprobe': 518,
    'dcache_clean:kprobe': 514,
    'icache_inval:kprobe': 1,
  });
});

test('race4_4k_tc-vhe.dat: analyze gives the findings of its report -N text (lines shifted by the header)', async (t) => {
  const dat = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
  const rep = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.report-N.txt.gz');
  if (!dat || !rep) return;
  const analyzer = createAnalyzer();
  const a = await analyzer.analyze(createReadStream(dat));
  const b = await analyzer.analyze(once(gunzipSync(readFileSync(rep))));
  assert.equal(a.stats.format, 'trace-dat');
  assert.equal(a.findings.length, 1083);
  // the .dat text has the kernel's 12 header lines where report -N has one `cpus=4` line
  const shift = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'line' && typeof v === 'number' ? v - 11 : typeof v === 'bigint' ? v.toString() : v)));
  assert.deepEqual(shift(a.findings), JSON.parse(JSON.stringify(b.findings, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))));
  assert.deepEqual(a.counters, b.counters);
});

test('a 2-copy rewrite of race4 (multiCopyDat helper) reads twice the events, with bounded ranges', async (t) => {
  const dat = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
  if (!dat) return;
  const dest = join(tmpdir(), `stage2lens-tracedat-${process.pid}-x2.dat`);
  try {
    await writeMultiCopyDat(dat, dest, 2);
    const events = await datEvents(dest, true);
    assert.equal(events.length, 2 * 33393);
    assert.equal(events.filter((e) => e.name === 'kvm_guest_fault').length, 2 * 1605);
  } finally {
    rmSync(dest, { force: true });
  }
});
