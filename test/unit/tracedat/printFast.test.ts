// The reader's speed shortcuts must print exactly what the general code prints: hexDigits equals
// Number#toString(16), the integer conversions without `*` (with their last-value reuse) equal
// formatInt, on fixed kernel-format cases and on a seeded random walk of repeating and changing
// values; a deferred kallsyms table resolves like one parsed at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventFormat } from '../../../src/core/tracedat/eventFormat';
import { Kallsyms } from '../../../src/core/tracedat/kallsyms';
import { compilePrintFmt, formatInt, hexDigits, type PrintEnv, type RecordView } from '../../../src/core/tracedat/printFormat';
import { mulberry32 } from '../../support/prng';

type Spec = Parameters<typeof formatInt>[1];

const ENV: PrintEnv = { little: true, symbol: () => undefined, pointerString: () => undefined };


test('hexDigits equals toString(16): every range edge, non-integers, random safe integers', () => {
  const values = [0, 1, 15, 16, 0xffffff, 0x1000000, 0x1000001, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 32 + 1, 0xffffffffffff, 2 ** 48, 2 ** 53 - 1, 1.5, 0x1000000 + 0.25, 2 ** 40 + 0.5, 2 ** 60];
  const next = mulberry32(1);
  for (let i = 0; i < 20000; i++) values.push(Math.floor(next() * 2 ** (1 + Math.floor(next() * 53))));
  for (const v of values) assert.equal(hexDigits(v), v.toString(16), String(v));
});

/** A record of one u64 field `v` at offset 8 holding the value. */
function record(v: bigint): RecordView {
  const buf = new Uint8Array(16);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(8, BigInt.asUintN(64, v), true);
  return { buf, dv, start: 0, size: 16 };
}

function formatOf(conv: string): string {
  return `name: t\nID: 1\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:u64 v;\toffset:8;\tsize:8;\tsigned:0;\n\nprint fmt: "[${conv}]", REC->v\n`;
}

function spec(conv: string): Spec {
  const m = /^%([-+ #0]*)(\d*)(?:\.(\d*))?(hh|h|ll|l)?([diouxX])$/.exec(conv)!;
  const len = m[4] ?? '';
  return {
    left: m[1].includes('-'),
    plus: m[1].includes('+'),
    space: m[1].includes(' '),
    alt: m[1].includes('#'),
    zero: m[1].includes('0'),
    width: m[2] ? Number(m[2]) : 0,
    precision: m[3] === undefined ? undefined : Number(m[3] || '0'),
    bits: len === 'hh' ? 8 : len === 'h' ? 16 : len === '' ? 32 : 64,
    conv: m[5],
    ptrExt: '',
  };
}

test('integer conversions print the kernel text: fixed cases', () => {
  const cases: [string, bigint, string][] = [
    ['%#08lx', 0x93c38046n, '[0x93c38046]'],
    ['%#08lx', 0x1fn, '[0x00001f]'],
    ['%#016lx', 0x100000f4n, '[0x000000100000f4]'],
    ['%#x', 0n, '[0x0]'],
    ['%#llx', 0xfff00000c3913000n, '[0xfff00000c3913000]'],
    ['%#10x', 0xabn, '[      0xab]'],
    ['%llx', 0x4000010391044bn, '[4000010391044b]'],
    ['%x', 0xffffffffn, '[ffffffff]'],
    ['%x', 0x1ffffffffn, '[ffffffff]'],
    ['%lu', 2n ** 53n + 1n, '[9007199254740993]'],
    ['%d', 0xffffffffn, '[-1]'],
  ];
  for (const [conv, v, text] of cases) {
    const fmt = parseEventFormat(formatOf(conv), 'test')!;
    const printed = compilePrintFmt(fmt, ENV);
    assert.equal(printed.error, undefined, conv);
    assert.equal(printed.render(record(v)), text, conv);
  }
});

test('integer conversions equal formatInt on a random walk of repeated and new values', () => {
  const convs = ['%x', '%lx', '%llx', '%u', '%lu', '%d', '%ld', '%#x', '%#lx', '%#08lx', '%#016lx', '%#010x', '%08x', '%5u', '%-6x', '%#o', '%X', '%.4x', '%+d'];
  const next = mulberry32(7);
  for (const conv of convs) {
    const printed = compilePrintFmt(parseEventFormat(formatOf(conv), 'test')!, ENV);
    const s = spec(conv);
    let v = 0n;
    for (let i = 0; i < 3000; i++) {
      // a third of the records repeat the previous value (the reuse path), the rest are new
      const r = next();
      if (r < 0.15) v = BigInt(Math.floor(next() * 2 ** 31));
      else if (r < 0.3) v = BigInt(Math.floor(next() * 2 ** 53));
      else if (r < 0.45) v = (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32));
      else if (r < 0.55) v = BigInt(Math.floor(next() * 16));
      else if (r < 0.65) v = 2n ** 53n + BigInt(Math.floor(next() * 1000)) - 500n;
      const value = v >= 0n && v <= 9007199254740991n ? Number(v) : v;
      const expected = `[${formatInt(value, s, s.width as number, s.precision as number | undefined)}]`;
      assert.equal(printed.render(record(v)), expected, `${conv} of ${v}`);
    }
  }
});

test('a deferred kallsyms table resolves like one parsed at once', () => {
  const text = [
    'ffff000000002000 t b\t[mod]',
    'ffff000000001000 T a',
    'ffff000000000800 T c',
    'ffff000000002000 T d',
    '0000000000000000 A zero',
    'ffff000000003000 U undef',
    'ffff000000004000 T __kretprobe_trampoline',
    'ffff000000004100 t tail',
    '',
  ].join('\n');
  const bytes = Buffer.from(text, 'latin1');
  const eager = Kallsyms.parseBytes(bytes);
  const lazy = Kallsyms.deferred(bytes);
  assert.equal(lazy.isKretprobeTrampoline(0xffff0000, 0x4000), true);
  assert.equal(lazy.size, eager.size);
  assert.equal(eager.size, 6);
  for (let a = 0xffff000000000000n; a < 0xffff000000004400n; a += 0x40n) {
    for (const withOffset of [true, false]) assert.equal(lazy.lookup(a, withOffset), eager.lookup(a, withOffset), `${a.toString(16)} ${withOffset}`);
  }
  assert.equal(eager.lookup(0xffff000000002010n, true), 'b+0x10/0x2000 [mod]');
  assert.equal(Kallsyms.deferred(Buffer.alloc(0)).lookup(0xffff000000001000n, true), undefined);
});
