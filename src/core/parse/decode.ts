// The decoder table: event name -> decoder. Names not in the table are tried as kprobe/kretprobe
// lines (a `(sym+off/size)` payload); anything else is a well-formed event no decoder knows
// (`decoded: undefined`). kvm_exit/kvm_entry are told apart by payload shape (arm64 vs x86).
import * as arm64 from './decoders/arm64Kvm';
import * as generic from './decoders/genericKvm';
import * as lock from './decoders/lock';
import * as probes from './decoders/probes';
import type { DecodeResult } from './decoders/result';
import * as x86 from './decoders/x86Kvm';

type Decoder = (payload: string, name: string) => DecodeResult;

// A Map, not an object literal: event names come from untrusted text (`constructor`, `__proto__`).
const TABLE = new Map<string, Decoder>(Object.entries({
  kvm_exit: (p) => {
    if (arm64.isArm64Exit(p) || p.startsWith('PC: ')) return arm64.decodeArm64Exit(p);
    // x86 (`vcpu N reason ...`, `reason ...`, -R `exit_reason=`); other architectures' kvm_exit
    // (LoongArch `vcpu 0 [0x0] PC: ...`) are well-formed events no decoder knows
    return p.includes('reason') ? x86.decodeX86Exit(p) : undefined;
  },
  kvm_entry: (p) => (arm64.isArm64Entry(p) ? arm64.decodeArm64Entry(p) : x86.decodeX86Entry(p)),
  kvm_guest_fault: arm64.decodeGuestFault,
  kvm_access_fault: arm64.decodeAccessFault,
  kvm_set_way_flush: arm64.decodeSetWayFlush,
  kvm_toggle_cache: arm64.decodeToggleCache,
  kvm_timer_update_irq: arm64.decodeVcpuIndex,
  kvm_get_timer_map: arm64.decodeVcpuIndex,
  kvm_mmio: generic.decodeMmio,
  kvm_userspace_exit: generic.decodeUserspaceExit,
  kvm_unmap_hva_range: generic.decodeUnmapHvaRange,
  kvm_age_hva: generic.decodeAgeHva,
  kvm_test_age_hva: generic.decodeTestAgeHva,
  kvm_page_fault: x86.decodePageFault,
  fast_page_fault: x86.decodeFastPageFault,
  kvm_mmu_spte_requested: x86.decodeSpteRequested,
  kvm_mmu_set_spte: x86.decodeSetSpte,
  kvm_tdp_mmu_spte_changed: x86.decodeTdpSpteChanged,
  kvm_mmu_split_huge_page: x86.decodeSplitHugePage,
  kvm_mmu_get_page: x86.decodeGetPage,
  kvm_mmu_prepare_zap_page: x86.decodePrepareZapPage,
  kvm_mmu_zap_all_fast: () => ({ kind: 'x86.kvm_mmu_zap_all_fast' }),
  contention_begin: lock.decodeContentionBegin,
  contention_end: lock.decodeContentionEnd,
  function: probes.decodeFunction,
  tracing_mark_write: (p, n) => probes.decodeMarker(n, p),
  print: (p, n) => (p.startsWith('tracing_mark_write') || p.startsWith('ip=tracing_mark_write') ? probes.decodeMarker(n, p) : undefined),
} satisfies Record<string, Decoder>));

/** Names this table decodes (stats uses it to tell "known but undecodable" from "unknown"). */
export function isKnownEvent(name: string): boolean {
  return TABLE.has(name);
}

export function decodePayload(name: string, payload: string): DecodeResult {
  const d = TABLE.get(name);
  if (d !== undefined) {
    const r = d(payload, name);
    // perf script without a libtraceevent plugin for the event prints its raw fields instead of its text
    if (typeof r === 'string' && payload.startsWith('[FAILED TO PARSE]')) return `perf could not render the event ([FAILED TO PARSE]: its raw fields, not its text): ${r}`;
    return r;
  }
  if (probes.looksLikeProbe(payload)) return probes.decodeProbe(name, payload);
  return undefined;
}
