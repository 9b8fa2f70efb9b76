// Intel VMX or AMD SVM, and what `kvm_page_fault`'s error_code means on each.
//
// The kernel traces different things under the same field (torvalds/linux):
// - VMX, `handle_ept_violation()` (arch/x86/kvm/vmx/vmx.c; the decode moved to
//   `__vmx_handle_ept_violation()` in vmx/common.h): `trace_kvm_page_fault(vcpu, gpa,
//   exit_qualification)`, the raw EPT-violation exit qualification: bit 0 read, 1 write,
//   2 instruction fetch, 3-5 the EPT entry was readable/writable/executable
//   (EPT_VIOLATION_PROT_MASK: "ept page table entry is present?"), 7 guest linear address valid,
//   8 the access was to the final translation (else to a guest paging structure). KVM converts it to
//   PFERR bits only after the tracepoint.
// - SVM, `npf_interception()` (arch/x86/kvm/svm/svm.c): `trace_kvm_page_fault(vcpu, gpa,
//   error_code)` with error_code = VMCB exit_info_1, the #NPF error code in PFERR layout
//   (arch/x86/include/asm/kvm_host.h): bit 0 present, 1 write, 2 user, 3 reserved bit, 4 fetch;
//   bit 32 PFERR_GUEST_FINAL, bit 33 PFERR_GUEST_PAGE.
// - Shadow paging (EPT/NPT off), `kvm_handle_page_fault()` (arch/x86/kvm/mmu/mmu.c): the guest's own
//   #PF error code (PFERR layout) at the guest's linear address: a guest page fault that KVM
//   intercepts, not an EPT or NPT fault.
// The vendor comes from the exit reasons: `kvm_exit` prints VMX_EXIT_REASONS (upper case,
// arch/x86/include/uapi/asm/vmx.h) when isa == KVM_ISA_VMX (1) and SVM_EXIT_REASONS (lower case,
// arch/x86/include/uapi/asm/svm.h) otherwise; libtraceevent's kvm plugin prints SVM reasons as
// `EXIT_<NAME>`. Kernels of 2009-2010 printed VMX reasons in lower case (`io_instruction`).

import type { X86Vendor } from '../types';

export type { X86Vendor };

/** Which hardware path produced a kvm_page_fault: an EPT violation, an AMD #NPF, or an intercepted guest #PF (shadow paging). */
export type X86FaultSource = 'ept' | 'npf' | 'pf';

/** How reports name each source: a shadow-paging #PF is the guest's own page fault, not a stage-2 fault. */
export function faultSourceLabel(s: X86FaultSource): string {
  return s === 'pf' ? 'guest #PF' : s;
}

/** KVM_ISA_VMX / KVM_ISA_SVM, the `isa` field of kvm_exit (arch/x86/kvm/trace.h). */
export function vendorOfIsa(isa: number | undefined): X86Vendor | undefined {
  return isa === 1 ? 'vmx' : isa === 2 ? 'svm' : undefined;
}

/** SVM_EXIT_REASONS names that no VMX kernel ever printed (the shared ones, cpuid, hlt, invlpg, ..., decide nothing). */
const SVM_ONLY = new Set([
  'npf', 'PF excp', 'DB excp', 'BP excp', 'UD excp', 'NM excp', 'GP excp', 'MC excp', 'AC excp', 'DE excp', 'OF excp', 'BR excp', 'DF excp',
  'TS excp', 'NP excp', 'SS excp', 'MF excp', 'XF excp', 'interrupt', 'nmi', 'smi', 'init', 'vintr', 'cr0_sel_write', 'io', 'msr',
  'vmrun', 'hypercall', 'vmload', 'vmsave', 'stgi', 'clgi', 'skinit', 'icebp', 'ferr_freeze', 'shutdown', 'iret', 'swint', 'pushf',
  'popf', 'rsm', 'invlpga', 'read_cr0', 'read_cr3', 'read_cr4', 'read_cr8', 'write_cr0', 'write_cr3', 'write_cr4', 'write_cr8',
  'write_efer_trap', 'write_cr0_trap', 'write_cr4_trap', 'write_cr8_trap', 'avic_incomplete_ipi', 'avic_unaccelerated_access',
  'vmgexit', 'invalid_guest_state',
]);

/** The lower-case VMX names of 2009-2010 kernels (kvm_vmx_exit_reasons_str) that SVM never used. */
const OLD_VMX = new Set([
  'exception', 'ext_irq', 'triple_fault', 'nmi_window', 'io_instruction', 'cr_access', 'dr_access', 'rdmsr', 'wrmsr',
  'pending_interrupt', 'interrupt_window', 'halt', 'vmcall', 'tpr_below_thres', 'apic_access', 'ept_violation', 'ept_misconfig',
]);

/** The vendor a kvm_exit reason name belongs to; undefined when the name is shared or unknown. */
export function vendorOfExitReason(reason: string): X86Vendor | undefined {
  if (reason.startsWith('EXIT_')) return 'svm'; // libtraceevent plugin_kvm: `EXIT_NPF`, `EXIT_IOIO`, ...
  if (SVM_ONLY.has(reason)) return 'svm';
  if (OLD_VMX.has(reason)) return 'vmx';
  // VMX_EXIT_REASONS are upper case (EXCEPTION_NMI, EPT_VIOLATION, IO_INSTRUCTION, ...); no SVM name is.
  if (/^[A-Z][A-Z0-9_]+$/.test(reason)) return 'vmx';
  return undefined;
}

/** Numeric exit reasons (`trace-cmd report -R`: exit_reason=48 isa=1) that matter to faults, as the kernel names them. */
export function exitReasonName(code: number, vendor: X86Vendor | undefined): string | undefined {
  if (vendor === 'vmx') return code === 0 ? 'EXCEPTION_NMI' : code === 48 ? 'EPT_VIOLATION' : code === 49 ? 'EPT_MISCONFIG' : undefined;
  if (vendor === 'svm') return code === 0x400 ? 'npf' : code === 0x4e ? 'PF excp' : undefined;
  return undefined;
}

/** The fault path a kvm_exit reason leads to when a kvm_page_fault follows it (undefined: not a fault exit). */
export function faultSourceOfExit(reason: string): X86FaultSource | undefined {
  if (reason.startsWith('EPT_VIOLATION') || reason === 'ept_violation') return 'ept';
  if (reason === 'npf' || reason === 'NPF' || reason === 'EXIT_NPF') return 'npf';
  // An intercepted #PF: VMX reports it as EXCEPTION_NMI (vector 14 in intr_info), SVM as `PF excp`.
  if (reason === 'EXCEPTION_NMI' || reason === 'exception' || reason === 'PF excp' || reason === 'EXIT_EXCP_PF' || reason.startsWith('PF')) return 'pf';
  return undefined;
}

/** The access a kvm_page_fault reports, decoded for its source; `undefined` fields are not knowable without the vendor. */
export interface X86FaultAccess {
  source: X86FaultSource | undefined;
  /** 'read', 'write' or 'fetch'; undefined when a fetch cannot be told from a read (vendor unknown). */
  access: 'read' | 'write' | 'fetch' | undefined;
  /** The faulting entry was present (the access was not allowed by it); undefined when the vendor is unknown. */
  present: boolean | undefined;
}

/**
 * Decode `kvm_page_fault`'s error_code. Bit 1 is "write" in both layouts; the others differ: on an
 * EPT violation bit 0 is a read access and the entry's R/W/X bits (3-5) say whether it was present;
 * in PFERR layout (#NPF, guest #PF) bit 0 is "present" and bit 4 a fetch.
 */
export function decodeFaultCode(errorCode: number, source: X86FaultSource | undefined): X86FaultAccess {
  const bit = (n: number): boolean => Math.floor(errorCode / 2 ** n) % 2 === 1; // error codes reach bit 33: no 32-bit `&`
  const write = bit(1);
  if (source === 'ept') {
    return { source, access: bit(2) ? 'fetch' : write ? 'write' : 'read', present: bit(3) || bit(4) || bit(5) };
  }
  if (source === 'npf' || source === 'pf') {
    return { source, access: bit(4) ? 'fetch' : write ? 'write' : 'read', present: bit(0) };
  }
  return { source, access: write ? 'write' : undefined, present: undefined };
}

/** Votes of a trace's kvm_exit lines; the vendor is the one with votes when the other has none. */
export class VendorVotes {
  vmx = 0;
  svm = 0;
  add(v: X86Vendor | undefined): void {
    if (v === 'vmx') this.vmx++;
    else if (v === 'svm') this.svm++;
  }
  /** The trace's vendor, or undefined when no exit said, or both did (a paste of two hosts' traces). */
  vendor(): X86Vendor | undefined {
    if (this.vmx > 0 && this.svm === 0) return 'vmx';
    if (this.svm > 0 && this.vmx === 0) return 'svm';
    return undefined;
  }
}

/**
 * The source of each kvm_page_fault: the fault exit that preceded it on the same thread, else (its
 * kvm_exit lost, filtered or wrapped away) the source of the trace's other faults, since one host runs
 * one vendor with EPT/NPT on or off for the whole trace.
 */
export class FaultSourceTracker {
  private readonly byPid = new Map<number, X86FaultSource | undefined>();
  private lastSeen: X86FaultSource | undefined;
  readonly votes = new VendorVotes();

  exit(pid: number, reason: string, vendor: X86Vendor | undefined): void {
    this.votes.add(vendor);
    const s = faultSourceOfExit(reason);
    this.byPid.set(pid, s);
    if (s !== undefined) this.lastSeen = s;
  }

  /** The source of a kvm_page_fault on `pid` now; consumes the thread's exit. */
  fault(pid: number): X86FaultSource | undefined {
    const own = this.byPid.get(pid);
    this.byPid.delete(pid);
    if (own !== undefined) return own;
    if (this.lastSeen !== undefined) return this.lastSeen;
    // No fault exit seen yet: SVM's error code is PFERR whether NPT is on or off; on VMX it depends.
    return this.votes.vendor() === 'svm' ? 'npf' : undefined;
  }
}
