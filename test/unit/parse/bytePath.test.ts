// The parser's byte fast path (LineParser.lineBytes) against its string path (bytePath: false):
// every sink call, field and key order must be identical, on real traces, the bench generator's
// output, hand-written edge lines (multi-byte text, reused prefixes, syscall lines, wrapped and
// empty payloads) and seeded mutations of real lines, with odd chunk sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateTrace } from '../../bench/generateTrace';
import { LineFramer } from '../../../src/core/parse/lineFramer';
import { LineParser } from '../../../src/core/parse/lineParser';
import { sharedOrSkip } from '../../support/shared';

/** Every sink call as one string (bigints marked), with the event's key order. */
function stream(data: Buffer, bytePath: boolean, chunks: number[]): { calls: string[]; format: string } {
  const calls: string[] = [];
  const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  const parser = new LineParser(
    {
      event: (e) => calls.push(`E${Object.keys(e).join()} ${json(e)}`),
      rejected: (r) => calls.push(`R${json(r)}`),
      special: (s) => calls.push(`S${json(s)}`),
    },
    { bytePath },
  );
  const framer = new LineFramer(parser);
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const n = chunks[i % chunks.length];
    framer.push(data.subarray(pos, pos + n));
    pos += n;
  }
  framer.end();
  parser.finish();
  return { calls, format: parser.format };
}

function assertSame(data: Buffer, what: string, chunks: number[] = [1 << 16]): number {
  const fast = stream(data, true, chunks);
  const slow = stream(data, false, chunks);
  assert.equal(fast.format, slow.format, `${what}: format`);
  assert.equal(fast.calls.length, slow.calls.length, `${what}: number of sink calls`);
  for (let i = 0; i < fast.calls.length; i++) assert.equal(fast.calls[i], slow.calls[i], `${what}: sink call ${i}`);
  return fast.calls.length;
}

const K = (comm: string, pid: number, cpu: number, flags: string, ts: string, rest: string): string =>
  `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ${flags} ${ts.padStart(12)}: ${rest}`;

test('byte path equals string path on hand-written edge lines', () => {
  const lines = [
    '# tracer: nop',
    K('kvmtest', 308, 2, '.....', '74.883045', 'kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x000000001000001c'),
    K('kvmtest', 308, 2, '.....', '74.883046', 'kvm_entry: PC: 0x000000001000001c'),
    K('kvmtest', 308, 2, 'd....', '74.883047', 's2_map: (kvm_pgtable_stage2_map+0x0/0x140) addr=0x40000000 size=0x1000 phys=0x42501000 prot=0x6'),
    K('kvmtest', 308, 2, 'd....', '74.883048', 'tracing_mark_write: héllo wörld ✓'),
    K('kvmtest', 308, 2, '.....', '74.883049', 'stage2_map_walker <-__kvm_pgtable_walk   '),
    K('kvmtest', 308, 2, '.....', '74.883050', 'kvm_guest_fault:'),
    K('kvmtest', 308, 2, '.....', '74.883051', 'kvm_exit: IRQ:'),
    '   tail of the wrapped line: PC: 0x0000000010000020',
    K('kvmtest', 308, 2, '.....', '74.883052', 'sys_futex -> 0x0'),
    K('kvmtest', 308, 2, '.....', '74.883053', 'sys_futex(uaddr: fffff2b37234, op: 1)'),
    K('kvmtest', 308, 2, '.....', '74.883054', '<stack trace>'),
    ' => kvm_handle_guest_abort',
    K('kvmtést', 309, 1, '.....', '74.883055', 'kvm_entry: PC: 0x000000001000001c'),
    K('CPU 0/KVM', 4124, 3, 'd..1.', '5123.456800', 'kvm_mmio: mmio write len 4 gpa 0x9000000 val 0x41'),
    K('CPU 0/KVM', 4124, 3, 'd..1.', '5123.456801', 'function:             kvm_arch_prepare_memory_region'),
    K('>quoted', 1, 0, '.....', '1.000000', 'kvm_entry: PC: 0x0'),
    K('kvmtest', 308, 2, '.....', '74.883056', 'x'),
    K('kvmtest', 308, 2, '.....', '74.883057', 'kvm_entry:  '),
    K('kvmtest', 308, 2, '.....', '74.88305', 'kvm_exit:'),
    '         kvmtest-574     (    574) [003] .....   812.000101: kvm_entry: PC: 0x0',
    '         kvmtest-269     [002]     55.444583: kvm_unmap_hva_range: mmu notifier unmap range: 0x00ffffb6e00000 -- 0x00ffffb7600000',
    '         kvmtest-205   [000]    59.317716: function:             kvm_arch_prepare_memory_region',
    '         kvmtest-205   [000]    59.317717: stage2_map_walker <-__kvm_pgtable_walk',
    K('kvmtest', 308, 2, '.....', '74.883058', 'kvm_entry: PC: 0x000000001000001c'),
  ];
  const text = lines.join('\n');
  for (const chunks of [[1 << 16], [1], [7, 13, 64], [100]]) {
    assertSame(Buffer.from(text + '\n', 'utf8'), `edge lines, chunks ${chunks.join(',')}`, chunks);
    assertSame(Buffer.from(text.replace(/\n/g, '\r\n'), 'utf8'), `edge lines CRLF, no final newline, chunks ${chunks.join(',')}`, chunks);
  }
});

test('byte path equals string path on seeded mutations of real lines', () => {
  const base = [
    K('kvmtest', 308, 2, '.....', '74.883045', 'kvm_guest_fault: ipa 0x40000000, hsr 0x93c38047, hxfar 0x40000800, pc 0x0000001000001c'),
    K('kvmtest', 308, 2, 'd....', '74.883113', 's2_map_ret: (kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=-11'),
    K('kvmtest', 307, 1, '.....', '74.883067', 'kvm_pgtable_stage2_map <-[unknown/kretprobe\'d]'),
  ];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = ' :-[]().0123456789abcdefx<>#\u00e9\u2713\t\r';
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    let s = base[rnd(base.length)];
    const edits = 1 + rnd(3);
    for (let e = 0; e < edits; e++) {
      const at = rnd(s.length + 1);
      const op = rnd(3);
      const ch = alphabet[rnd(alphabet.length)];
      if (op === 0) s = s.slice(0, at) + ch + s.slice(at);
      else if (op === 1) s = s.slice(0, at) + s.slice(at + 1);
      else s = s.slice(0, at) + ch + s.slice(at + 1);
    }
    out.push(s);
    if (rnd(4) === 0) out.push(s); // repeated lines exercise the memo and prefix reuse
  }
  assertSame(Buffer.from(out.join('\n') + '\n', 'utf8'), 'mutated lines', [4096, 333]);
});

test('byte path equals string path on the bench generator output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stage2-lens-bytepath-'));
  const file = join(dir, 'g.trace');
  generateTrace(file, { bytes: 300_000, seed: 11 });
  const calls = assertSame(readFileSync(file), 'generated trace', [65536, 4099]);
  assert.ok(calls > 2000);
});

test('byte path equals string path on the shared arm64-nested and trace-cmd traces', (t) => {
  const nested = sharedOrSkip(t, 'traces', 'arm64-nested');
  const tc = sharedOrSkip(t, 'traces', 'trace-cmd');
  if (nested === undefined || tc === undefined) return;
  let files = 0;
  for (const [dir, names] of [nested, tc].map((d) => [d, readdirSync(d)] as const)) {
    for (const name of names) {
      if (!/\.(trace|txt)(\.gz)?$/.test(name)) continue;
      let data = readFileSync(join(dir, name));
      if (name.endsWith('.gz')) data = gunzipSync(data);
      // the head is enough: every layout in these files shows up within it
      assertSame(data.subarray(0, 1_500_000), name);
      files++;
    }
  }
  assert.ok(files >= 10, `only ${files} traces`);
});
