// Reading what users paste (issue #20): per-event completeness (a cut event is flagged truncated,
// never stored as if complete), and the repairs stats reports. Fixtures: test/fixtures/pasted/README.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStatsCollector } from '../../../src/core/stats/statsCollector';
import { readTrace } from '../../../src/core/read/readTrace';
import { collect, chunked } from './collect';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'pasted');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

test('an event cut before the end of its format is flagged truncated, not stored as if complete', async () => {
  const c = await collect(fixture('truncated-events.trace'));
  const byLine = new Map(c.events.map((e) => [e.line, e]));
  assert.equal(byLine.get(1)?.decoded?.truncated, undefined, 'a whole kvm_exit is complete');
  assert.equal(byLine.get(2)?.decoded?.truncated, 'rip');
  assert.equal(byLine.get(3)?.decoded?.truncated, 'info2');
  assert.equal(byLine.get(5)?.decoded?.truncated, undefined);
  assert.equal(byLine.get(6)?.decoded?.truncated, undefined);
  // `reason =` carries no reason: refused with why, never stored with reason "="
  assert.equal(byLine.get(8), undefined);
  const r = c.rejected.find((x) => x.line === 8);
  assert.ok(r && /exit reason "="/.test(r.detail), JSON.stringify(r));
});

test('stats counts truncated events, and each group of unrecognised lines gives its own reason', async () => {
  const stats = createStatsCollector();
  const text = `${fixture('truncated-events.trace')}...\n[ snip ]\n`;
  const read = await readTrace(chunked(text), stats);
  stats.setRead(read);
  const s = stats.result();
  assert.equal(s.reader?.truncatedEvents, 2);
  const details = s.unrecognized.map((g) => `${g.reason}: ${g.detail}`);
  assert.ok(details.some((d) => d.startsWith('undecodable-payload: kvm_exit: the exit reason')), details.join('\n'));
  assert.ok(details.some((d) => d.includes('elision mark')), details.join('\n'));
  assert.ok(details.some((d) => d.includes('no "comm-pid [cpu] timestamp:" prefix')), details.join('\n'));
});

test('a trace wrapped by a mail client is joined by content; prose and a line cut after the name are not misread', async () => {
  const c = await collect(fixture('wrapped-mail-ept-loop.trace'));
  assert.deepEqual(
    c.events.map((e) => [e.line, e.name, e.decoded?.kind]),
    [
      [1, 'write_msr', undefined],
      [3, 'write_msr', undefined],
      [5, 'kvm_exit', 'x86.kvm_exit'],
      [7, 'kvm_exit', 'x86.kvm_exit'],
      [9, 'kvm_entry', 'x86.kvm_entry'],
      [11, 'kvm_page_fault', 'x86.kvm_page_fault'],
    ],
  );
  const exit = c.events[2].decoded;
  assert.ok(exit?.kind === 'x86.kvm_exit' && exit.reason === 'EPT_VIOLATION' && exit.rip === 0xffffffffbc726140n && exit.truncated === undefined);
  assert.equal(c.events[0].payload, '1d9, value 4000');
  assert.equal(c.result.repairs?.joinedContinuations, 6);
  const byLine = new Map(c.rejected.map((r) => [r.line, r]));
  // the prose line is not a continuation, the line cut after `: kvm_exit` is no function-tracer event
  assert.equal(byLine.get(14)?.reason, 'not-a-trace-line');
  assert.equal(byLine.get(15)?.reason, 'truncated');
  assert.ok(!c.events.some((e) => e.name === 'function'));
});

test('a complete event is not continued by the cut or damaged head of the next line, nor from a line too long to be a wrapped piece', async () => {
  const exit = ' kvmtest-326     [002] .....     8.685410: kvm_fpu: unload';
  const longMap = 'CPU 1/KVM-4102    [002] .....  1200.000117: s2_map: (kvm_pgtable_stage2_map+0x0/0x140) addr=0x40000000 size=0x1000 phys=0x8b2c00000 prot=0x6';
  const heads = [
    'kvmtest-3', // cut inside the comm-pid
    'kvmtest-480     [', // cut after it
    'kvmtest-324$    [000] .....     8.685478: kvm_userspace_exit: reason KVM_EXIT_IO (2)', // a flipped byte in the pid column
    'kvmtest-445     S003U .....   143.2&3460: stage2_map_walker <-__kvm_pgtable_walk', // flips in the cpu column and timestamp
  ];
  for (const head of heads) {
    const c = await collect(`${exit}\n${head}\n`);
    assert.equal(c.events[0]?.payload, 'unload', head);
    assert.equal(c.result.repairs?.joinedContinuations ?? 0, 0, head);
    assert.ok(c.rejected.some((r) => r.line === 2), head);
  }
  // `CPU 1` (a cut `CPU 1/KVM-4102 ...`) looks like a field, but a 140-column line was never wrapped
  const c = await collect(`${longMap}\nCPU 1\n`);
  assert.ok(c.events[0]?.payload.endsWith('prot=0x6'));
  assert.ok(c.rejected.some((r) => r.line === 2));
});

test('a wrap right after the timestamp and an event in three pieces are joined', async () => {
  const text = [
    '           <...>-3441924 [004] .... 1907374.582979:',
    'kvm_apic_accept_irq: apicid 0 vec 209 (Fixed|edge)',
    '           repro-1289    [019] d....   140.314684: kvm_exit: vcpu 0 reason EXCEPTION_NMI',
    'rip 0x1 info1 0x0000000000004000 info2 0x0000000000000000 intr_info',
    '0x80000301 error_code 0x00000000',
    '',
  ].join('\n');
  const c = await collect(text);
  assert.deepEqual(c.events.map((e) => [e.line, e.name, e.pid, e.cpu]), [[1, 'kvm_apic_accept_irq', 3441924, 4], [3, 'kvm_exit', 1289, 19]]);
  assert.equal(c.events[0].payload, 'apicid 0 vec 209 (Fixed|edge)');
  const exit = c.events[1].decoded;
  assert.ok(exit?.kind === 'x86.kvm_exit' && exit.errorCode === 0 && exit.info2 === 0n && exit.truncated === undefined, JSON.stringify(exit, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  assert.equal(c.result.repairs?.joinedAfterTimestamp, 1);
  assert.equal(c.result.repairs?.joinedContinuations, 3);
  assert.deepEqual(c.rejected.map((r) => [r.line, r.reason]), [[2, 'wrapped'], [4, 'wrapped'], [5, 'wrapped']]);
});

test('a quoted reply is read as the lines it quotes', async () => {
  const c = await collect(fixture('quoted-reply-nested.trace'));
  assert.equal(c.events.length, 8);
  assert.ok(c.events.every((e) => e.task === 'repro' && e.cpu === 19));
  assert.equal(c.result.repairs?.unquoted, 8);
});

test('perf script text of kvm tracepoints is a format of its own, decoded to the same events', async () => {
  const perf = await collect(fixture('perf-script-kvm.txt'));
  assert.equal(perf.result.format, 'perf-script');
  assert.equal(perf.rejected.length, 0);
  assert.deepEqual(perf.events.map((e) => [e.name, e.cpu, e.pid, e.ts]), [
    ['kvm_exit', 19, 1289, 140314684000],
    ['kvm_entry', 19, 1289, 140314688000],
    ['kvm_exit', 19, -1, 140314704000],
    ['kvm_page_fault', 19, -1, 140314706000],
    ['kvm_entry', 19, 1289, 140314709000],
  ]);
  // the same event texts as ftrace printed them decode identically
  const ftrace = await collect(fixture('truncated-events.trace'));
  const json = (d: unknown): string => JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  assert.equal(json(perf.events[0].decoded), json(ftrace.events.find((e) => e.line === 1)!.decoded));
  assert.equal(json(perf.events[3].decoded), json(ftrace.events.find((e) => e.line === 5)!.decoded));
  assert.equal(perf.events[4].tgid, 1288);
});

test('the old kvm_mmu_get_page formats (the kvm plugin of trace-cmd: the verdict first, level/glevels; no generation) are decoded', async () => {
  const c = await collect('        qemu-kvm-3112  [001]  3020.484917: kvm_mmu_get_page:     existing sp gfn 3a22e 1/4 q3 direct --x !pge !nxe root 6 sync\n        qemu-kvm-3112  [001]  3020.484920: kvm_mmu_get_page:     new sp gfn 3a200 2/4 q0 direct wux !pge !nxe root 0 sync\n');
  assert.equal(c.rejected.length, 0);
  const d = c.events.map((e) => e.decoded);
  assert.ok(d[0]?.kind === 'x86.kvm_mmu_get_page' && d[0].gfn === 0x3a22e && d[0].level === 1 && !d[0].created);
  assert.ok(d[1]?.kind === 'x86.kvm_mmu_get_page' && d[1].gfn === 0x3a200 && d[1].level === 2 && d[1].created);
});

test('a file grouped by CPU is detected and stats says how to sort it; a time-ordered file is not flagged', async () => {
  const example = readFileSync(join(FIXTURES, '..', 'example.trace'), 'utf8');
  const lines = example.split('\n');
  const head = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => !l.startsWith('#') && l.length > 0);
  const cpuOf = (l: string): number => Number(/\[(\d+)\]/.exec(l)?.[1] ?? -1);
  const grouped = [...head, ...[...body].sort((a, b) => cpuOf(a) - cpuOf(b))].join('\n');
  const statsOf = async (text: string) => {
    const stats = createStatsCollector();
    stats.setRead(await readTrace(chunked(text), stats));
    return stats.result();
  };
  const g = await statsOf(grouped);
  assert.ok((g.reader?.crossCpuBackwards ?? 0) > 50, String(g.reader?.crossCpuBackwards));
  assert.ok(g.lacks.some((l) => l.startsWith('The file is not in time order') && l.includes('sort -s -n')), g.lacks.join('\n'));
  const o = await statsOf(example);
  assert.equal(o.reader?.crossCpuBackwards, 0);
  assert.ok(!o.lacks.some((l) => l.includes('not in time order')));
});
