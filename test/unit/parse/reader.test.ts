// The streaming reader on hand-written inputs: context-prefix variants (TGID column, no irq-info,
// 4/5-char and hex flags, task names with spaces, dashes and <...>), trace-cmd report headers,
// special lines, function_graph, line framing (CRLF, no final newline, chunk boundaries, long
// lines, binary), gzip, trace.dat hand-off, backwards timestamps, wrapped and truncated lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { readTrace } from '../../../src/core/read/readTrace';
import { chunked, collect, kline } from './collect';

const FAULT = 'kvm_guest_fault: ipa 0x40000000, hsr 0x93c08047, hxfar 0x40000800, pc 0x0000001000001c';

test('kernel prefix: comm with spaces, dashes and <...>, TGID column, flags variants', async () => {
  const lines = [
    kline('CPU 0/KVM', 4124, 3, 'd..1.', '5123.456800', FAULT),
    kline('qemu-system-aar', 7, 12, '....', '1.000001', FAULT),
    kline('<...>', 19999, 1, 'd..3', '1234.000002', 'sched_wake_idle_without_ipi: cpu=2'),
    '         kvmtest-574     (    574) [003] .....   812.000101: ' + FAULT,
    '          <idle>-0     (-------) [000] d.s4.    21.123838: sched_blocked_reason: pid=2172',
    kline('kvm-nx-lpage-re', 88, 0, 'dNh2f', '10.5', FAULT), // hex preempt/migrate nibbles
    '         kvmtest-269     [002]     55.444583: kvm_unmap_hva_range: mmu notifier unmap range: 0x00ffffb6e00000 -- 0x00ffffb7600000', // irq-info off
    '         kvmtest-205   [000]    59.317716: function:             kvm_arch_prepare_memory_region', // trace-cmd
  ];
  const c = await collect(lines.join('\n') + '\n');
  assert.equal(c.rejected.length, 0, JSON.stringify(c.rejected));
  assert.deepEqual(
    c.events.map((e) => [e.task, e.pid, e.tgid, e.cpu, e.flags, e.ts, e.name]),
    [
      ['CPU 0/KVM', 4124, undefined, 3, 'd..1.', 5123456800000, 'kvm_guest_fault'],
      ['qemu-system-aar', 7, undefined, 12, '....', 1000001000, 'kvm_guest_fault'],
      ['<...>', 19999, undefined, 1, 'd..3', 1234000002000, 'sched_wake_idle_without_ipi'],
      ['kvmtest', 574, 574, 3, '.....', 812000101000, 'kvm_guest_fault'],
      ['<idle>', 0, undefined, 0, 'd.s4.', 21123838000, 'sched_blocked_reason'],
      ['kvm-nx-lpage-re', 88, undefined, 0, 'dNh2f', 10500000000, 'kvm_guest_fault'],
      ['kvmtest', 269, undefined, 2, undefined, 55444583000, 'kvm_unmap_hva_range'],
      ['kvmtest', 205, undefined, 0, undefined, 59317716000, 'function'],
    ],
  );
  assert.equal(c.events[0].line, 1);
  assert.equal(c.events[1].offset, lines[0].length + 1);
  assert.equal(c.events[7].payload, 'kvm_arch_prepare_memory_region');
  assert.equal(c.events[7].decoded?.kind, 'function');
});

test('trace-cmd report header, CPU N is empty, version line, padded names, markers', async () => {
  const text = [
    'version = 6',
    'CPU 2 is empty',
    'cpus=4',
    '         kvmtest-205   [001]    59.349515: print:                tracing_mark_write: kvmtest: pass 0 begin',
    '         kvmtest-207   [001]    59.362588: kvm_exit:             <CANT FIND FIELD exit_reason>TRAP: HSR_EC: 0x0020 (IABT_LOW), PC: 0x0000000010000000',
  ].join('\n');
  const c = await collect(text + '\n');
  assert.equal(c.result.format, 'trace-cmd');
  assert.deepEqual(c.special.map((s) => s.kind), ['header', 'cpu-empty', 'cpus']);
  assert.deepEqual(c.events.map((e) => e.decoded?.kind), ['marker', 'arm64.kvm_exit']);
  assert.equal(c.events[0].decoded?.kind === 'marker' && c.events[0].decoded.text, 'kvmtest: pass 0 begin');
});

test('special lines: header, lost events, buffer started, stack frames, blank', async () => {
  const text = [
    '# tracer: nop',
    '#',
    'CPU:2 [LOST 17 EVENTS]',
    'CPU:3 [LOST EVENTS]',
    'CPU:1 [42 EVENTS DROPPED]',
    '##### CPU 3 buffer started ####',
    kline('bash', 1, 0, '.....', '1.000000', '<stack trace>'),
    ' => kvm_handle_guest_abort',
    ' => handle_exit',
    '',
  ].join('\n');
  const c = await collect(text + '\n');
  assert.equal(c.result.format, 'ftrace');
  assert.deepEqual(c.special, [
    { kind: 'header', line: 1, text: '# tracer: nop' },
    { kind: 'header', line: 2, text: '#' },
    { kind: 'lost-events', line: 3, cpu: 2, count: 17 },
    { kind: 'lost-events', line: 4, cpu: 3, count: undefined },
    { kind: 'lost-events', line: 5, cpu: 1, count: 42 },
    { kind: 'buffer-started', line: 6, cpu: 3 },
    { kind: 'stack-frame', line: 8, symbol: 'kvm_handle_guest_abort' },
    { kind: 'stack-frame', line: 9, symbol: 'handle_exit' },
    { kind: 'blank', line: 10 },
  ]);
  assert.equal(c.events[0].name, '<stack trace>');
  assert.deepEqual(c.order, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('function_graph: entries, leaves, exits with retval, comments, durations', async () => {
  const text = [
    '# tracer: function_graph',
    '#',
    '# CPU  DURATION                  FUNCTION CALLS',
    '# |     |   |                     |   |   |   |',
    ' 0)               |  kvm_handle_guest_abort() {',
    ' 0)   0.179 us    |    preempt_count_add();',
    ' 0)               |  /* kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000040085978 */',
    ' 0) + 12.345 us   |    } /* kvm_pgtable_stage2_map = -11 */',
    ' 1) ! 150.010 us  |  }',
    ' ------------------------------------------',
    ' 0)    <idle>-0    =>  kworker-1635 ',
  ].join('\n');
  const c = await collect(text + '\n');
  assert.equal(c.result.format, 'function-graph');
  assert.equal(c.rejected.length, 0, JSON.stringify(c.rejected));
  const d = c.events.map((e) => (e.decoded?.kind === 'funcgraph' ? [e.cpu, e.decoded.phase, e.decoded.func, e.decoded.durationNs, e.decoded.retval, e.decoded.op] : undefined));
  assert.deepEqual(d, [
    [0, 'entry', 'kvm_handle_guest_abort', undefined, undefined, 'handle-guest-abort'],
    [0, 'leaf', 'preempt_count_add', 179, undefined, undefined],
    [0, 'comment', undefined, undefined, undefined, undefined],
    [0, 'exit', 'kvm_pgtable_stage2_map', 12345, -11, 'map'],
    [1, 'exit', undefined, 150010, undefined, undefined],
    [0, 'comment', undefined, undefined, undefined, undefined],
  ]);
});

test('latency format and context-less pasted lines', async () => {
  const text = [
    '      ps-6143    2d..1  259us+: trace_hardirqs_on <-_raw_spin_unlock_irqrestore',
    '179.183120: kvm_guest_fault: ipa 0x1c010000, hsr 0x93800006, hxfar 0xf80100a8, pc 0x802c21c8',
  ].join('\n');
  const c = await collect(text + '\n');
  assert.equal(c.rejected.length, 0);
  assert.deepEqual(c.events.map((e) => [e.task, e.pid, e.cpu, e.flags, e.ts, e.decoded?.kind]), [
    ['ps', 6143, 2, 'd..1', 259000, 'function'],
    ['', -1, -1, undefined, 179183120000, 'arm64.kvm_guest_fault'],
  ]);
});

test('CRLF, no final newline, every chunk boundary gives the same events', async () => {
  const lines = [kline('CPU 1/KVM', 4125, 1, 'd....', '100.000001', FAULT), kline('CPU 2/KVM', 4126, 2, '.....', '100.000002', 'kvm_entry: PC: 0x0000000010000000'), '# trailing comment'];
  const crlf = lines.join('\r\n');
  const ref = await collect(crlf);
  assert.equal(ref.events.length, 2);
  assert.equal(ref.special.length, 1);
  assert.equal(ref.events[1].offset, lines[0].length + 2);
  assert.equal(ref.result.lines, 3);
  assert.equal(ref.result.bytes, Buffer.byteLength(crlf));
  for (const size of [1, 2, 3, 7, 50, 97]) {
    const c = await collect(chunked(crlf, [size]));
    assert.deepEqual(
      c.events.map((e) => [e.line, e.offset, e.payload]),
      ref.events.map((e) => [e.line, e.offset, e.payload]),
      `chunk size ${size}`,
    );
  }
});

test('UTF-8 split across chunks and multi-byte task names', async () => {
  const text = kline('wörker', 9, 0, '.....', '1.000000', 'tracing_mark_write: größe') + '\n';
  const c = await collect(chunked(text, [3]));
  assert.equal(c.events[0].task, 'wörker');
  assert.equal(c.events[0].decoded?.kind === 'marker' && c.events[0].decoded.text, 'größe');
});

test('a truncated last line is reported as truncated; a cut prefix too', async () => {
  const c1 = await collect(kline('CPU 1/KVM', 1, 1, '.....', '1.000000', FAULT) + '\n' + kline('CPU 1/KVM', 1, 1, '.....', '1.000001', 'kvm_guest_fault: ipa 0x4000'));
  assert.equal(c1.events.length, 1);
  assert.deepEqual(c1.rejected.map((r) => [r.line, r.reason]), [[2, 'truncated']]);
  const c2 = await collect(kline('CPU 1/KVM', 1, 1, '.....', '1.000000', FAULT) + '\n' + '       CPU 1/KVM-1       [001] ..... 1.0000');
  assert.deepEqual(c2.rejected.map((r) => [r.line, r.reason]), [[2, 'truncated']]);
});

test('e-mail wrapped lines are joined when the tail completes the payload, and reported', async () => {
  const text = [
    '              CPU-1365880 [038] 5559771.610942: kvm_exit:             ',
    'reason EPT_VIOLATION rip 0xffffffffb0e9bed0 info 83 0',
    ' aarch32_id_regs-768     [002] d....   410.544666: kvm_entry: PC:',
    '0x0000000000401ec4',
  ].join('\n');
  const c = await collect(text + '\n');
  assert.deepEqual(c.events.map((e) => [e.line, e.decoded?.kind]), [[1, 'x86.kvm_exit'], [3, 'arm64.kvm_entry']]);
  assert.deepEqual(c.rejected.map((r) => [r.line, r.reason]), [[2, 'wrapped'], [4, 'wrapped']]);
  assert.deepEqual(c.order, [1, 2, 3, 4]);
});

test('binary data, quoted lines and garbage are rejected with reasons, never thrown', async () => {
  const bin = Buffer.concat([Buffer.from('\x00\x01\x02garbage\xff\xfe\n', 'latin1'), Buffer.from('> ' + kline('a', 1, 0, '.....', '1.0', FAULT) + '\n'), Buffer.from('hello world\n')]);
  const c = await collect(chunked(bin));
  // the `> `-quoted line is mail quoting: read as the line it quotes (pasteRepair.ts)
  assert.deepEqual(c.rejected.map((r) => r.reason), ['binary', 'not-a-trace-line']);
  assert.deepEqual(c.events.map((e) => [e.line, e.name]), [[2, 'kvm_guest_fault']]);
  assert.equal(c.result.repairs?.unquoted, 1);
  assert.ok(c.rejected.every((r) => r.excerpt.length <= 200));
});

test('lines of 1 MiB and more are skipped as too-long in linear time, the next line still parses', async () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  const text = `${big}\n${kline('CPU 1/KVM', 1, 1, '.....', '1.000000', FAULT)}\n${big}`;
  const t0 = process.hrtime.bigint();
  const c = await collect(chunked(text, [64 * 1024]));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.deepEqual(c.rejected.map((r) => [r.line, r.reason]), [[1, 'too-long'], [3, 'too-long']]);
  assert.equal(c.events.length, 1);
  assert.equal(c.events[0].offset, big.length + 1);
  assert.ok(ms < 2000, `took ${ms} ms`);
});

test('backwards timestamps and lost events are kept, not fatal', async () => {
  const text = [kline('a', 1, 0, '.....', '2.000000', FAULT), 'CPU:0 [LOST 3 EVENTS]', kline('a', 1, 0, '.....', '1.000000', FAULT)].join('\n');
  const c = await collect(text + '\n');
  assert.deepEqual(c.events.map((e) => e.ts), [2e9, 1e9]);
  assert.equal(c.special[0].kind, 'lost-events');
});

test('gzip is read transparently; corrupt gzip is refused or partial, not thrown', async () => {
  const text = [kline('a', 1, 0, '.....', '1.000000', FAULT), kline('b', 2, 1, '.....', '1.000001', FAULT)].join('\n') + '\n';
  const c = await collect(chunked(gzipSync(Buffer.from(text)), [5]));
  assert.equal(c.events.length, 2);
  assert.equal(c.result.bytes, text.length);
  assert.equal(c.result.partial, undefined);
  assert.equal(c.result.refused, undefined);
  // damaged right after the header: nothing inflates, so the input is not read as a trace
  const bad = Buffer.from(gzipSync(Buffer.from(text.repeat(50))));
  bad.fill(0x55, 20, 60);
  const cb = await collect(chunked(bad));
  assert.equal(cb.events.length, 0);
  assert.match(cb.result.refused ?? '', /^gzip data that does not inflate: the \.gz is corrupt: zlib failed in the compressed bytes 0\.\.65536 \(/);
});

test('a long .gz leaves no listener behind on the inflater (no MaxListeners warning on stderr)', async () => {
  // Over 1 MiB of compressed bytes (the reader writes them in 64 KiB slices, each past zlib's
  // high-water mark), so that it waits for 'drain' more than ten times.
  const lines: string[] = [];
  let x = 1;
  const noise = (): string => {
    let h = '';
    for (let k = 0; k < 8; k++) h += ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 0).toString(16);
    return h;
  };
  for (let i = 0; i < 30_000; i++) lines.push(kline('a', 1, 0, '.....', (1 + i / 1e6).toFixed(6), `${FAULT} ${noise()}`));
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    const gz = gzipSync(Buffer.from(lines.join('\n') + '\n'));
    assert.ok(gz.length > 1 << 20, `${gz.length} compressed bytes`);
    const c = await collect(chunked(gz, [1 << 20]));
    assert.equal(c.result.partial, undefined);
    assert.equal(c.events.length, lines.length);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings.map((w) => w.message), []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('trace.dat input is handed to the trace.dat reader', async () => {
  const dat = Buffer.concat([Buffer.from([0x17, 0x08, 0x44]), Buffer.from('tracing6\0'), Buffer.alloc(64)]);
  // a broken header: the trace.dat reader either reports it or throws its own clear error
  const outcome = await collect(chunked(dat)).then(
    (c) => c.result.format,
    (e: Error) => `error: ${e.message}`,
  );
  assert.ok(outcome === 'trace-dat' || (outcome.startsWith('error: ') && outcome.length > 7), outcome);
});

test('abort signal stops the read', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(readTrace(chunked('x\n'), { event() {} }, { signal: ac.signal }));
});

test('a timestamp with too many digits is rejected with its width, not as a missing timestamp', async () => {
  const c = await collect([kline('a', 1, 0, '.....', '123456789012345678901234567890.000001', FAULT), kline('a', 1, 0, '.....', '1.000001', FAULT)].join('\n') + '\n');
  assert.equal(c.events.length, 1);
  assert.deepEqual(c.rejected.map((r) => [r.line, r.reason, r.detail]), [[1, 'bad-timestamp', 'timestamp with 30 digits of seconds: a 64-bit nanosecond clock prints at most 11']]);
});
