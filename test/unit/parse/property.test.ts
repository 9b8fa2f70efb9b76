// Property tests with a seeded PRNG: arbitrary bytes and mutated real trace lines never make the
// reader throw, every line yields exactly one sink call in input order, and the cost is linear in
// the input size (doubling the input roughly doubles the time, never squares it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunked, collect, kline } from './collect';
import { mulberry32 } from '../../support/prng';

const REAL_LINES = [
  kline('kvmtest', 548, 2, 'd....', '187.304980', 's2_map: (kvm_pgtable_stage2_map+0x0/0x140) addr=0x10000000 size=0x1000 phys=0x42500000 prot=0x7'),
  kline('kvmtest', 548, 2, 'd....', '187.305281', 's2_map_ret: (kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=0'),
  kline('kvmtest', 548, 2, '.....', '187.304662', 'kvm_guest_fault: ipa 0x10000000, hsr 0x82000005, hxfar 0x10000000, pc 0x00000010000000'),
  kline('kvmtest', 548, 2, '.....', '187.304628', 'kvm_exit: TRAP: HSR_EC: 0x0020 (IABT_LOW), PC: 0x0000000010000000'),
  kline('kvmtest', 548, 2, 'd....', '187.304503', 'kvm_entry: PC: 0x0000000010000000'),
  kline('kvmtest', 548, 2, '.....', '187.305130', 'stage2_map_walker <-__kvm_pgtable_walk'),
  kline('kvmtest', 547, 0, '.....', '187.301671', 'tracing_mark_write: kvmtest: pass 0 begin: store sel=n who=* vcpus=1'),
  kline('kvmtest', 548, 2, '.....', '187.306551', 'kvm_mmio: mmio write len 8 gpa 0x100000 val 0x0'),
  '         kvmtest-420     [000] .....    14.113013: fast_page_fault: vcpu 1 gva 40800800 error_code P|W|U|0x100000000 sptep 0000000005eafc0c old 0xde00e65 new de00e67 spurious 0 fixed 1',
  '         kvmtest-207   [001]    59.362588: kvm_exit:             <CANT FIND FIELD exit_reason>TRAP: HSR_EC: 0x0020 (IABT_LOW), PC: 0x0000000010000000',
  ' 0) + 12.345 us   |    } /* kvm_pgtable_stage2_map = -11 */',
  'CPU:2 [LOST 17 EVENTS]',
  '# tracer: nop',
  ' => kvm_handle_guest_abort',
];

const ALPHABET = ' -[]().:,=<>/|#0123456789abcdefx\t\r\0\u00ff';

function mutate(line: string, rnd: () => number): string {
  let s = line;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    if (op < 0.3) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 8));
    else if (op < 0.6) s = s.slice(0, at) + ALPHABET[Math.floor(rnd() * ALPHABET.length)] + s.slice(at);
    else if (op < 0.8) s = s.slice(0, at);
    else s = s.slice(0, at) + s.slice(at).repeat(2);
  }
  return s;
}

test('random bytes never throw; one sink call per line, in order', async () => {
  const rnd = mulberry32(1);
  for (let round = 0; round < 40; round++) {
    const n = 1 + Math.floor(rnd() * 20000);
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = rnd() < 0.05 ? 10 : Math.floor(rnd() * 256);
    const c = await collect(chunked(bytes, [1 + Math.floor(rnd() * 5000), 1 + Math.floor(rnd() * 17)]));
    assert.equal(c.events.length + c.rejected.length + c.special.length, c.result.lines, `round ${round}`);
    for (let i = 1; i < c.order.length; i++) assert.ok(c.order[i] > c.order[i - 1] || c.order[i] === c.order[i - 1], `round ${round}: order`);
  }
});

test('mutated real lines never throw and every line is accounted for', async () => {
  const rnd = mulberry32(2);
  const lines: string[] = [];
  for (let i = 0; i < 20000; i++) lines.push(mutate(REAL_LINES[Math.floor(rnd() * REAL_LINES.length)], rnd));
  const text = lines.join('\n');
  const c = await collect(chunked(text, [4093]));
  assert.equal(c.result.lines, text.split('\n').length);
  assert.equal(c.events.length + c.rejected.length + c.special.length, c.result.lines);
  for (const e of c.events) {
    assert.ok(Number.isFinite(e.ts) && e.ts >= 0);
    assert.ok(Number.isInteger(e.line) && e.offset >= 0);
  }
  // the unmutated lines all decode
  const clean = await collect(REAL_LINES.join('\n') + '\n');
  assert.equal(clean.rejected.length, 0);
});

async function timeOf(text: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await collect(chunked(text, [65536]));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

test('cost is linear: doubling adversarial input does not square the time', async () => {
  // adversarial shapes: many brackets, many dashes, long payloads full of labels, long runs of digits
  const shapes = [
    '[001] '.repeat(200),
    '-1-2-3-4 '.repeat(300) + '[001] 1.0: x',
    kline('a', 1, 0, '.....', '1.0', 'kvm_guest_fault: ' + 'ipa ipa ipa, '.repeat(500)),
    kline('a', 1, 0, '.....', '1.0', '(' + 'x'.repeat(5000)),
    '9'.repeat(20000),
    ' 0) ' + '|'.repeat(10000),
  ];
  for (const shape of shapes) {
    const small = Array(200).fill(shape).join('\n');
    const large = Array(800).fill(shape).join('\n');
    // The fastest of several runs: a GC pause or a busy neighbour on a shared machine only ever adds time.
    const fastest = async (text: string): Promise<number> => {
      let best = Infinity;
      for (let i = 0; i < 5; i++) best = Math.min(best, await timeOf(text));
      return best;
    };
    await timeOf(small); // warm up
    const ts = Math.max(await fastest(small), 1);
    const tl = await fastest(large);
    // 4x the input: allow up to 12x the time on a noisy machine (quadratic would be 16x and more)
    assert.ok(tl < ts * 12 + 50, `shape ${JSON.stringify(shape.slice(0, 30))}: ${ts.toFixed(1)} ms -> ${tl.toFixed(1)} ms`);
  }
});
