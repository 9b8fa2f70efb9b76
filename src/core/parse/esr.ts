// Decoding of ESR_EL2 (printed as `hsr`/`esr` in kvm_guest_fault) and the kvm_exit symbol tables
// of arch/arm64 (kernel-behaviour.md 2.1 and 2.3): exception class names, fault status class and level.
import type { EsrInfo, FaultStatusClass } from './types';

const EC_NAMES: Record<number, string> = {
  0x00: 'UNKNOWN', 0x01: 'WFx', 0x03: 'CP15_32', 0x04: 'CP15_64', 0x05: 'CP14_MR', 0x06: 'CP14_LS',
  0x07: 'FP_ASIMD', 0x08: 'CP10_ID', 0x09: 'PAC', 0x0c: 'CP14_64', 0x0d: 'BTI', 0x0e: 'ILL', 0x11: 'SVC32',
  0x12: 'HVC32', 0x13: 'SMC32', 0x15: 'SVC64', 0x16: 'HVC64', 0x17: 'SMC64', 0x18: 'SYS64', 0x19: 'SVE',
  0x1a: 'ERET', 0x1c: 'FPAC', 0x1d: 'SME', 0x1f: 'IMP_DEF', 0x20: 'IABT_LOW', 0x21: 'IABT_CUR',
  0x22: 'PC_ALIGN', 0x24: 'DABT_LOW', 0x25: 'DABT_CUR', 0x26: 'SP_ALIGN', 0x27: 'MOPS', 0x28: 'FP_EXC32',
  0x2c: 'FP_EXC64', 0x2d: 'GCS', 0x2f: 'SERROR', 0x30: 'BREAKPT_LOW', 0x31: 'BREAKPT_CUR',
  0x32: 'SOFTSTP_LOW', 0x33: 'SOFTSTP_CUR', 0x34: 'WATCHPT_LOW', 0x35: 'WATCHPT_CUR', 0x38: 'BKPT32',
  0x3a: 'VECTOR32', 0x3c: 'BRK64',
};

/** `kvm_arm_exception_type` (the `ret` field of kvm_exit, raw in `trace-cmd report -R`). */
export const EXCEPTION_TYPE_NAMES: Record<number, string> = { 0: 'IRQ', 1: 'SERROR', 2: 'TRAP', 0xbadca11: 'HYP_GONE' };

export function ecName(ec: number): string {
  return EC_NAMES[ec] ?? `0x${ec.toString(16).padStart(2, '0')}`;
}

type FscInfo = { readonly faultClass: FaultStatusClass; readonly level: number | undefined };

/** Every xFSC value's class and level, computed once (no object per fault). */
const FSC_TABLE: readonly FscInfo[] = Array.from({ length: 64 }, (_, fsc) => classifyFscUncached(fsc));

function classifyFscUncached(fsc: number): FscInfo {
  if (fsc === 0x2b) return { faultClass: 'translation', level: -1 };
  if (fsc === 0x29) return { faultClass: 'address-size', level: -1 };
  if (fsc === 0x10) return { faultClass: 'sea', level: undefined };
  if (fsc === 0x30) return { faultClass: 'tlb-conflict', level: undefined };
  const type = fsc & 0x3c;
  const level = fsc & 0x3;
  switch (type) {
    case 0x00: return { faultClass: 'address-size', level };
    case 0x04: return { faultClass: 'translation', level };
    case 0x08: return { faultClass: 'access-flag', level };
    case 0x0c: return { faultClass: 'permission', level };
    case 0x14: return { faultClass: 'sea', level }; // SEA on a table walk, with level
    default: return { faultClass: 'other', level: undefined };
  }
}

/** Fault status class and level of an xFSC (DFSC/IFSC) value. */
export function classifyFsc(fsc: number): FscInfo {
  return FSC_TABLE[fsc & 0x3f];
}

export function decodeEsr(esr: number): EsrInfo {
  // esr fits 32 bits for the fields used here; >>> keeps it unsigned.
  const lo = esr >>> 0;
  const ec = (lo >>> 26) & 0x3f;
  const fsc = lo & 0x3f;
  const isAbort = ec === 0x20 || ec === 0x21 || ec === 0x24 || ec === 0x25;
  let faultClass: FaultStatusClass = 'other';
  let level: number | undefined;
  if (isAbort) {
    const c = classifyFsc(fsc);
    faultClass = c.faultClass;
    level = c.level;
  }
  return {
    ec,
    ecName: ecName(ec),
    il: ((lo >>> 25) & 1) === 1,
    isv: ((lo >>> 24) & 1) === 1,
    wnr: ((lo >>> 6) & 1) === 1,
    s1ptw: ((lo >>> 7) & 1) === 1,
    cm: ((lo >>> 8) & 1) === 1,
    fnv: ((lo >>> 10) & 1) === 1,
    fsc,
    faultClass,
    level,
  };
}
