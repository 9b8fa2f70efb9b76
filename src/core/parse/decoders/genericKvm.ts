// Decoders for the architecture-independent `kvm` tracepoints (kernel-behaviour.md section 3): kvm_mmio,
// kvm_userspace_exit and the MMU-notifier events (unmap_hva_range, age_hva, test_age_hva), in
// kernel text and `trace-cmd report -R` raw-field form.
import * as fieldScanModule from '../fieldScan';
import type { DecodeResult } from './result';

// Imported functions bound once: a per-file CommonJS build (tests, bench) would otherwise reach
// them through an export getter on every call, a measurable share of the decoding cost.
const decNumberAt = fieldScanModule.decNumberAt;
const findField = fieldScanModule.findField;
const hexBigAt = fieldScanModule.hexBigAt;
const hexNumberAt = fieldScanModule.hexNumberAt;
const intAt = fieldScanModule.intAt;
const wordAt = fieldScanModule.wordAt;

const MMIO_TYPES: Record<number, string> = { 0: 'unsatisfied-read', 1: 'read', 2: 'write' };

/** include/uapi/linux/kvm.h KVM_EXIT_* (the ERSN table of the tracepoint). */
const EXIT_REASONS: Record<number, string> = {
  0: 'KVM_EXIT_UNKNOWN', 1: 'KVM_EXIT_EXCEPTION', 2: 'KVM_EXIT_IO', 3: 'KVM_EXIT_HYPERCALL', 4: 'KVM_EXIT_DEBUG',
  5: 'KVM_EXIT_HLT', 6: 'KVM_EXIT_MMIO', 7: 'KVM_EXIT_IRQ_WINDOW_OPEN', 8: 'KVM_EXIT_SHUTDOWN',
  9: 'KVM_EXIT_FAIL_ENTRY', 10: 'KVM_EXIT_INTR', 11: 'KVM_EXIT_SET_TPR', 12: 'KVM_EXIT_TPR_ACCESS',
  13: 'KVM_EXIT_S390_SIEIC', 14: 'KVM_EXIT_S390_RESET', 15: 'KVM_EXIT_DCR', 16: 'KVM_EXIT_NMI',
  17: 'KVM_EXIT_INTERNAL_ERROR', 18: 'KVM_EXIT_OSI', 19: 'KVM_EXIT_PAPR_HCALL', 20: 'KVM_EXIT_S390_UCONTROL',
  21: 'KVM_EXIT_WATCHDOG', 22: 'KVM_EXIT_S390_TSCH', 23: 'KVM_EXIT_EPR', 24: 'KVM_EXIT_SYSTEM_EVENT',
  25: 'KVM_EXIT_S390_STSI', 26: 'KVM_EXIT_IOAPIC_EOI', 27: 'KVM_EXIT_HYPERV', 28: 'KVM_EXIT_ARM_NISV',
  29: 'KVM_EXIT_X86_RDMSR', 30: 'KVM_EXIT_X86_WRMSR', 31: 'KVM_EXIT_DIRTY_RING_FULL', 32: 'KVM_EXIT_AP_RESET_HOLD',
  33: 'KVM_EXIT_X86_BUS_LOCK', 34: 'KVM_EXIT_XEN', 35: 'KVM_EXIT_RISCV_SBI', 36: 'KVM_EXIT_RISCV_CSR',
  37: 'KVM_EXIT_NOTIFY', 38: 'KVM_EXIT_LOONGARCH_IOCSR', 39: 'KVM_EXIT_MEMORY_FAULT',
};

export function decodeMmio(p: string): DecodeResult {
  let type: string | undefined;
  const typeAt = findField(p, 'mmio');
  if (typeAt >= 0) type = wordAt(p, typeAt);
  else {
    const t = intAt(p, findField(p, 'type'));
    if (t !== undefined) type = MMIO_TYPES[t] ?? String(t);
  }
  const len = decNumberAt(p, findField(p, 'len'));
  const gpa = hexNumberAt(p, findField(p, 'gpa'));
  const val = hexBigAt(p, findField(p, 'val'));
  if (type === undefined || len === undefined || gpa === undefined || val === undefined) return 'expected "mmio TYPE len N gpa 0x.. val 0x.."';
  return { kind: 'kvm.kvm_mmio', type, len, gpa, val };
}

export function decodeUserspaceExit(p: string): DecodeResult {
  const at = findField(p, 'reason');
  if (at < 0) return 'no reason';
  if (p.charCodeAt(at - 1) === 61) {
    const code = decNumberAt(p, at);
    if (code === undefined) return 'reason is not a number';
    return { kind: 'kvm.kvm_userspace_exit', reason: EXIT_REASONS[code] ?? String(code), code };
  }
  const reason = wordAt(p, at);
  const open = p.indexOf('(', at);
  const code = open > 0 ? decNumberAt(p, open + 1) : undefined;
  if (reason === undefined) return 'no reason';
  // `restart`/`error` carry no number in some kernels
  return { kind: 'kvm.kvm_userspace_exit', reason, code: code ?? -1 };
}

/** `A -- B` after the given label text, or `start=A end=B`. */
function range(p: string, label: string): { start: bigint; end: bigint } | undefined {
  const startRaw = findField(p, 'start');
  if (startRaw >= 0 && p.charCodeAt(startRaw - 1) === 61) {
    const start = hexBigAt(p, startRaw);
    const end = hexBigAt(p, findField(p, 'end'));
    return start !== undefined && end !== undefined ? { start, end } : undefined;
  }
  const at = p.indexOf(label);
  if (at < 0) return undefined;
  let i = at + label.length;
  while (p.charCodeAt(i) === 32) i++;
  const start = hexBigAt(p, i);
  const dash = p.indexOf('--', i);
  if (start === undefined || dash < 0) return undefined;
  let j = dash + 2;
  while (p.charCodeAt(j) === 32) j++;
  const end = hexBigAt(p, j);
  return end === undefined ? undefined : { start, end };
}

export function decodeUnmapHvaRange(p: string): DecodeResult {
  const r = range(p, 'range:');
  return r ? { kind: 'kvm.kvm_unmap_hva_range', start: r.start, end: r.end } : 'expected "unmap range: A -- B"';
}

export function decodeAgeHva(p: string): DecodeResult {
  const r = range(p, 'hva:');
  return r ? { kind: 'kvm.kvm_age_hva', start: r.start, end: r.end } : 'expected "age hva: A -- B"';
}

export function decodeTestAgeHva(p: string): DecodeResult {
  const c = p.indexOf('hva:');
  const hva = hexBigAt(p, c >= 0 ? skipSpaces(p, c + 4) : findField(p, 'hva'));
  return hva === undefined ? 'expected "test age hva: A"' : { kind: 'kvm.kvm_test_age_hva', hva };
}

function skipSpaces(p: string, i: number): number {
  while (p.charCodeAt(i) === 32) i++;
  return i;
}
