// The trace.dat reader on synthetic recordings in every layout (v6, v7 uncompressed, v7 zlib):
// exact kernel-format text, CPU merge order, time extends/absolute timestamps/padding, lost
// events, print-fmt semantics, symbolization, and TraceEvents whose lines/offsets match the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTraceDat, renderTraceDat } from '../../../src/core/tracedat/index';
import type { RejectedLine, SpecialLine, TraceEvent } from '../../../src/core/parse/types';
import { chunks, rangeOpener, writeDat } from './datWriter';
import { synthSpec } from './synthDat';

const EXPECTED = [
  '         kvmtest-205     [000] .....    59.317716: kvm_pgtable_stage2_map <-kvm_handle_guest_abort',
  'CPU:1 [LOST 7 EVENTS]',
  '       CPU 0/KVM-206     [001] .....    59.500000: s2_map_ret: (kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=-11',
  `           <...>-4242    [001] ..H2.    59.500001: test_strings: name=${'x'.repeat(100)} delta=-2 arr1=200 zero=0x0 oct=010 pad=[kvm   ] [   kvm] flags=A|B|D big=17293822569102704641 neg=-1152921504606846975 sh=f`,
  '           <...>-4242    [001] .....    59.500001: test_broken: value=5',
  '           <...>-4242    [001] .....    59.500001: [UNKNOWN EVENT 999]',
  '       CPU 0/KVM-206     [000] d..11    59.720369: s2_map: (kvm_pgtable_stage2_map+0x0/0x140) addr=0x10000000 size=0x1000 phys=0x103a3e000 prot=0x7',
  '         kvmtest-207     [000] .nh..    60.000001: kvm_guest_fault: ipa 0x10000000, hsr 0x82000005, hxfar 0x10000000, pc 0x00000010000000',
  '         kvmtest-205     [000] D....    60.000001: tracing_mark_write: kvmtest: hello',
  '         kvmtest-205     [000] .....    60.000001: modfunc2 [kvm]',
  '         kvmtest-205     [000] .....    60.000001: 0xffffb00000000000 <-other_fn',
  'CPU:1 [LOST EVENTS]',
  '          <idle>-0       [001] .....    61.000000: kvm_userspace_exit: reason KVM_EXIT_MMIO (6)',
  '       CPU 0/KVM-206     [001] .....    61.000000: kvm_userspace_exit: reason restart (4)',
  '       CPU 0/KVM-206     [001] .N...    61.000002: kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0xffff800012345678',
];

const LAYOUTS: [6 | 7, 'none' | 'zlib'][] = [
  [6, 'none'],
  [7, 'none'],
  [7, 'zlib'],
];

async function render(buf: Buffer, withRanges: boolean): Promise<{ text: string; summary: Awaited<ReturnType<typeof renderTraceDat>> }> {
  let text = '';
  const summary = await renderTraceDat(chunks(buf, 1000), (t) => (text += t), withRanges ? { openRange: rangeOpener(buf, 777) } : {});
  return { text, summary };
}

for (const [version, compression] of LAYOUTS) {
  test(`v${version} ${compression}: renders the kernel's trace text, CPUs merged by timestamp`, async () => {
    const buf = writeDat(synthSpec(version, compression));
    for (const withRanges of [true, false]) {
      const { text, summary } = await render(buf, withRanges);
      const lines = text.split('\n');
      assert.equal(lines[0], '# tracer: nop');
      assert.equal(lines[2], '# entries-in-buffer/entries-written: 0/0   #P:3');
      assert.deepEqual(lines.slice(12, -1), EXPECTED);
      assert.equal(lines.at(-1), '');
      assert.equal(summary.version, version);
      assert.equal(summary.events, 13);
      assert.equal(summary.lines, 12 + EXPECTED.length);
      assert.deepEqual(summary.lost, [
        { cpu: 1, count: 7, line: 14 },
        { cpu: 1, count: undefined, line: 24 },
      ]);
      assert.deepEqual(summary.errors, []);
    }
  });
}

test('readTraceDat: events carry the rendered line numbers and byte offsets, decoded like text lines', async () => {
  const buf = writeDat(synthSpec(7, 'zlib'));
  const { text } = await render(buf, true);
  const lines = text.split('\n');
  const events: TraceEvent[] = [];
  const specials: SpecialLine[] = [];
  const rejected: RejectedLine[] = [];
  const summary = await readTraceDat(chunks(buf), { event: (e) => events.push(e), special: (s) => specials.push(s), rejected: (r) => rejected.push(r) }, { openRange: rangeOpener(buf) });
  assert.equal(summary.lines, lines.length - 1);
  assert.equal(events.length, 12);
  for (const e of events) {
    const l = lines[e.line - 1];
    assert.equal(Buffer.byteLength(lines.slice(0, e.line - 1).join('\n')) + (e.line > 1 ? 1 : 0), e.offset, `offset of line ${e.line}`);
    assert.ok(l.endsWith(e.payload), `line ${e.line} ends with its payload`);
    assert.ok(l.includes(`-${e.pid} `) && l.includes(`[00${e.cpu}] ${e.flags} `), `line ${e.line} context`);
  }
  assert.deepEqual(
    events.map((e) => [e.line, e.name, e.task, e.cpu, e.ts]),
    [
      [13, 'function', 'kvmtest', 0, 59317716000],
      [15, 's2_map_ret', 'CPU 0/KVM', 1, 59500000000],
      [16, 'test_strings', '<...>', 1, 59500001000],
      [17, 'test_broken', '<...>', 1, 59500001000],
      [19, 's2_map', 'CPU 0/KVM', 0, 59720369000],
      [20, 'kvm_guest_fault', 'kvmtest', 0, 60000001000],
      [21, 'tracing_mark_write', 'kvmtest', 0, 60000001000],
      [22, 'function', 'kvmtest', 0, 60000001000],
      [23, 'function', 'kvmtest', 0, 60000001000],
      [25, 'kvm_userspace_exit', '<idle>', 1, 61000000000],
      [26, 'kvm_userspace_exit', 'CPU 0/KVM', 1, 61000000000],
      [27, 'kvm_exit', 'CPU 0/KVM', 1, 61000002000],
    ],
  );
  const byName = (n: string): TraceEvent => events.find((e) => e.name === n)!;
  assert.deepEqual(byName('kvm_guest_fault').decoded && { ...byName('kvm_guest_fault').decoded, esrInfo: undefined }, { kind: 'arm64.kvm_guest_fault', ipa: 0x10000000, esr: 0x82000005, far: 0x10000000n, pc: 0x10000000n, esrInfo: undefined });
  assert.equal(byName('tracing_mark_write').decoded?.kind, 'marker');
  assert.deepEqual(byName('function').decoded, { kind: 'function', func: 'kvm_pgtable_stage2_map', parent: 'kvm_handle_guest_abort', op: 'map' });
  const ret = byName('s2_map_ret').decoded;
  assert.equal(ret?.kind, 'kretprobe');
  if (ret?.kind === 'kretprobe') {
    assert.equal(ret.symbol, 'kvm_pgtable_stage2_map');
    assert.equal(ret.op, 'map');
    assert.equal(ret.ret, -11);
  }
  const map = byName('s2_map').decoded;
  assert.equal(map?.kind, 'kprobe');
  if (map?.kind === 'kprobe') {
    assert.equal(map.symbol, 'kvm_pgtable_stage2_map');
    assert.equal(map.s2?.ipa, 0x10000000);
    assert.equal(map.s2?.size, 0x1000);
  }
  assert.deepEqual(
    specials.filter((s) => s.kind === 'lost-events'),
    [
      { kind: 'lost-events', line: 14, cpu: 1, count: 7 },
      { kind: 'lost-events', line: 24, cpu: 1, count: undefined },
    ],
  );
  assert.equal(specials.filter((s) => s.kind === 'header').length, 12);
  assert.deepEqual(
    rejected.map((r) => [r.line, r.reason]),
    [[18, 'undecodable-payload']],
  );
});
