// Test helper: one synthetic recording exercising every record type and print-fmt construct the
// reader handles, written in each file layout (v6, v7 uncompressed, v7 zlib) by datWriter.
import { Body, type DatSpec, formatText, type Page } from './datWriter';

export const KALLSYMS = [
  'ffffb009fa000000 T tracing_mark_write',
  'ffffb009f9c9f3e0 t kvm_pgtable_stage2_map',
  'ffffb009f9c9f520 t stage2_next_fn',
  'ffffb009f9c63000 t kvm_handle_guest_abort',
  'ffffb009f9c63e68 t after_abort',
  'ffffb009fa000100 T other_fn',
  'ffffb009fa000100 T other_alias',
  'ffffb009f0000000 t modfunc\t[kvm]',
  'ffffb009f0000080 t modfunc2\t[kvm]',
  '0000000000000000 A zero_abs',
  '',
].join('\n');

const FUNCTION = formatText('function', 1, ['field:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;', 'field:unsigned long parent_ip;\toffset:16;\tsize:8;\tsigned:0;'], '" %ps <-- %ps", (void *)REC->ip, (void *)REC->parent_ip');
const PRINT = formatText('print', 5, ['field:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;', 'field:char buf[];\toffset:16;\tsize:0;\tsigned:0;'], '"%ps: %s", (void *)REC->ip, REC->buf');
const GUEST_FAULT = formatText(
  'kvm_guest_fault',
  60,
  ['field:unsigned long vcpu_pc;\toffset:8;\tsize:8;\tsigned:0;', 'field:unsigned long hsr;\toffset:16;\tsize:8;\tsigned:0;', 'field:unsigned long hxfar;\toffset:24;\tsize:8;\tsigned:0;', 'field:unsigned long long ipa;\toffset:32;\tsize:8;\tsigned:0;'],
  '"ipa %#llx, hsr %#08lx, hxfar %#08lx, pc %#016lx", REC->ipa, REC->hsr, REC->hxfar, REC->vcpu_pc',
);
const USERSPACE_EXIT = formatText(
  'kvm_userspace_exit',
  70,
  ['field:__u32 reason;\toffset:8;\tsize:4;\tsigned:0;', 'field:int errno;\toffset:12;\tsize:4;\tsigned:1;'],
  '"reason %s (%d)", REC->errno < 0 ? (REC->errno == -4 ? "restart" : "error") : __print_symbolic(REC->reason, { 0, "KVM_EXIT_" "UNKNOWN" }, { 6, "KVM_EXIT_" "MMIO" }), REC->errno < 0 ? -REC->errno : REC->reason',
);
const EXIT = formatText(
  'kvm_exit',
  71,
  ['field:int ret;\toffset:8;\tsize:4;\tsigned:1;', 'field:unsigned int esr_ec;\toffset:12;\tsize:4;\tsigned:0;', 'field:unsigned long vcpu_pc;\toffset:16;\tsize:8;\tsigned:0;'],
  '"%s: HSR_EC: 0x%04x (%s), PC: 0x%016lx", __print_symbolic(REC->ret, {0, "IRQ" }, {1, "SERROR" }, {2, "TRAP" }, {0xbadca11, "HYP_GONE" }), REC->esr_ec, __print_symbolic(REC->esr_ec, { (((0x20UL))), "IABT_LOW" }, { (((0x24UL))), "DABT_LOW" }), REC->vcpu_pc',
);
const S2_MAP = formatText(
  's2_map',
  1382,
  ['field:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;', 'field:u64 addr;\toffset:16;\tsize:8;\tsigned:0;', 'field:u64 size;\toffset:24;\tsize:8;\tsigned:0;', 'field:u64 phys;\toffset:32;\tsize:8;\tsigned:0;', 'field:u32 prot;\toffset:40;\tsize:4;\tsigned:0;'],
  '"(%lx) addr=0x%Lx size=0x%Lx phys=0x%Lx prot=0x%x", REC->__probe_ip, REC->addr, REC->size, REC->phys, REC->prot',
);
const S2_MAP_RET = formatText(
  's2_map_ret',
  1383,
  ['field:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;', 'field:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;', 'field:s32 ret;\toffset:24;\tsize:4;\tsigned:1;'],
  '"(%lx <- %lx) ret=%d", REC->__probe_func, REC->__probe_ret_ip, REC->ret',
);
const STRINGS = formatText(
  'test_strings',
  900,
  ['field:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;', 'field:s16 delta;\toffset:12;\tsize:2;\tsigned:1;', 'field:u8 arr[4];\toffset:14;\tsize:4;\tsigned:0;', 'field:char comm[8];\toffset:18;\tsize:8;\tsigned:0;', 'field:u64 big;\toffset:26;\tsize:8;\tsigned:0;'],
  '"name=%s delta=%d arr1=%u zero=%#x oct=%#o pad=[%-6s] [%6s] flags=%s big=%llu neg=%lld sh=%x", __get_str(name), REC->delta, REC->arr[1], 0, 8, REC->comm, REC->comm, __print_flags(REC->arr[0], "|", { 1, "A" }, { 2, "B" }, { 8, "D" }), REC->big, (long long)REC->big, (REC->big >> 60) & 0xf',
);
const BROKEN = formatText('test_broken', 901, ['field:u32 value;\toffset:8;\tsize:4;\tsigned:0;'], '"v=%d", __no_such_helper(REC->value)');

const A_MAP = 0xffffb009f9c9f3e0n;
const A_ABORT = 0xffffb009f9c63000n;
const A_MARK = 0xffffb009fa000000n;

function fn(delta: number, ip: bigint, parent: bigint, pid = 205): Page['items'][number] {
  return { t: 'ev', delta, id: 1, pid, body: new Body().u64(ip).u64(parent).done() };
}

function stringsBody(name: string): Uint8Array {
  // the fixed fields end at offset 34 (common header included); the string follows there
  const b = new Body();
  const nameOff = 34;
  b.u32(((name.length + 1) << 16) | nameOff);
  b.u16(0xfffe); // delta = -2
  b.u8(0x0b).u8(200).u8(0).u8(0); // arr: flags A|B|D (0x0b), arr[1] = 200
  b.text('kvm', false).u8(0).u8(0).u8(0).u8(0).u8(0); // comm[8]
  b.u64(0xf000000000000001n);
  b.text(name);
  return b.done();
}

export function synthSpec(version: 6 | 7, compression: 'none' | 'zlib'): DatSpec {
  const cpu0: Page[] = [
    {
      ts: 59_317_716_000,
      items: [
        fn(0, A_MAP, A_ABORT + 0x9a0n),
        { t: 'ext', delta: 3 * 134217728 + 5 },
        { t: 'ev', delta: 0, id: 1382, pid: 206, flags: 0x01, preempt: 0x11, body: new Body().u64(A_MAP).u64(0x10000000).u64(0x1000).u64(0x103a3e000).u32(7).done() },
        { t: 'abs', ts: 60_000_000_123 },
        { t: 'ev', delta: 1000, id: 60, pid: 207, flags: 0x0c, body: new Body().u64(0x10000000).u64(0x82000005).u64(0x10000000).u64(0x10000000).done() },
        { t: 'pad', len: 8 },
        { t: 'ev', delta: 10, id: 5, pid: 205, flags: 0x80 | 0x01, body: new Body().u64(A_MARK).text('kvmtest: hello\n').done() },
        fn(0, 0xffffb009f0000090n, 0n),
        fn(1, 0xffffb00000000000n, 0xffffb009fa000104n),
      ],
    },
  ];
  const cpu1: Page[] = [
    {
      ts: 59_500_000_499,
      missed: 7,
      items: [
        { t: 'ev', delta: 0, id: 1383, pid: 206, body: new Body().u64(A_MAP).u64(A_ABORT + 0xbb8n).u32(0xfffffff5).done() },
        { t: 'ev', delta: 3, id: 900, pid: 4242, flags: 0x10 | 0x08, preempt: 2, body: stringsBody('x'.repeat(100)) },
        { t: 'ev', delta: 1, id: 901, pid: 4242, body: new Body().u32(5).done() },
        { t: 'ev', delta: 1, id: 999, pid: 4242, body: new Body().u32(5).done() },
      ],
    },
    {
      ts: 61_000_000_000,
      missed: 'unknown',
      items: [
        { t: 'ev', delta: 0, id: 70, pid: 0, body: new Body().u32(6).u32(0).done() },
        { t: 'ev', delta: 0, id: 70, pid: 206, body: new Body().u32(6).u32(-4).done() },
        { t: 'ev', delta: 2000, id: 71, pid: 206, flags: 0x04 | 0x20, body: new Body().u32(2).u32(0x24).u64(0xffff800012345678n).done() },
      ],
    },
  ];
  return {
    version,
    compression,
    ftraceFormats: [FUNCTION, PRINT],
    systems: [
      { name: 'kvm', formats: [GUEST_FAULT, USERSPACE_EXIT, EXIT] },
      { name: 'kvmprobe', formats: [S2_MAP, S2_MAP_RET] },
      { name: 'test', formats: [STRINGS, BROKEN] },
    ],
    kallsyms: KALLSYMS,
    cmdlines: '205 kvmtest\n206 CPU 0/KVM\n207 kvmtest\n',
    cpus: [cpu0, cpu1, []],
    uname: 'Linux (none) 6.12.117+deb12-arm64 aarch64',
  };
}
