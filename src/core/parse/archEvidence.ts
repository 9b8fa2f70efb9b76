// Which architecture's KVM wrote a trace, from one event: a decoded arm64 or x86 payload
// (kvm_exit/kvm_entry are told apart by their shape in decode.ts: `vcpu N reason ...` and
// `vcpu N, rip` are x86, `PC: ... ESR_EC` arm64), or an event that only one architecture's KVM
// fires. The lists hold tracepoints defined in an architecture's own trace headers
// (arch/x86/kvm/trace.h, arch/x86/kvm/mmu/mmutrace.h; arch/arm64/kvm/trace_arm.h,
// trace_handle_exit.h, vgic/trace.h), plus kvm_fpu, defined in include/trace/events/kvm.h but fired
// only by arch/x86/kvm/x86.c (kvm_load_guest_fpu / kvm_put_guest_fpu). Events of the shared header
// that every architecture fires (kvm_mmio, kvm_userspace_exit, kvm_unmap_hva_range, ...) decide nothing.
import type { TraceEvent } from './types';

export type TraceArch = 'arm64' | 'x86';

const X86_ONLY = new Set([
  'kvm_pio', 'kvm_fast_mmio', 'kvm_cpuid', 'kvm_apic', 'kvm_inj_virq', 'kvm_inj_exception', 'kvm_msr', 'kvm_cr', 'kvm_pic_set_irq',
  'kvm_apic_ipi', 'kvm_apic_accept_irq', 'kvm_eoi', 'kvm_pv_eoi', 'kvm_nested_vmenter', 'kvm_nested_vmrun', 'kvm_nested_intercepts',
  'kvm_nested_vmexit', 'kvm_nested_vmexit_inject', 'kvm_nested_intr_vmexit', 'kvm_invlpga', 'kvm_skinit', 'kvm_emulate_insn',
  'vcpu_match_mmio', 'kvm_write_tsc_offset', 'kvm_update_master_clock', 'kvm_track_tsc', 'kvm_pml_full', 'kvm_ple_window_update',
  'kvm_pvclock_update', 'kvm_wait_lapic_expire', 'kvm_smm_transition', 'kvm_pi_irte_update', 'kvm_hypercall', 'kvm_hv_hypercall',
  'kvm_xen_hypercall', 'kvm_fpu', 'kvm_apicv_inhibit_changed', 'kvm_apicv_accept_irq', 'kvm_avic_incomplete_ipi',
  'kvm_avic_unaccelerated_access', 'kvm_avic_ga_log', 'kvm_avic_kick_vcpu_slowpath', 'kvm_avic_doorbell', 'kvm_hv_timer_state',
  'kvm_vmgexit_enter', 'kvm_vmgexit_exit', 'kvm_vmgexit_msr_protocol_enter', 'kvm_vmgexit_msr_protocol_exit', 'kvm_page_fault',
  'kvm_mmu_pagetable_walk', 'kvm_mmu_paging_element', 'kvm_mmu_set_accessed_bit', 'kvm_mmu_set_dirty_bit', 'kvm_mmu_walker_error',
  'kvm_mmu_get_page', 'kvm_mmu_sync_page', 'kvm_mmu_unsync_page', 'kvm_mmu_prepare_zap_page', 'kvm_mmu_zap_all_fast',
  'mark_mmio_spte', 'handle_mmio_page_fault', 'fast_page_fault', 'check_mmio_spte', 'kvm_mmu_set_spte', 'kvm_mmu_spte_requested',
  'kvm_tdp_mmu_spte_changed', 'kvm_mmu_split_huge_page',
]);

const ARM64_ONLY = new Set([
  'kvm_guest_fault', 'kvm_access_fault', 'kvm_irq_line', 'kvm_mmio_emulate', 'kvm_mmio_nisv', 'kvm_set_way_flush', 'kvm_toggle_cache',
  'kvm_timer_update_irq', 'kvm_get_timer_map', 'kvm_timer_save_state', 'kvm_timer_restore_state', 'kvm_timer_hrtimer_expire',
  'kvm_timer_emulate', 'kvm_wfx_arm64', 'kvm_hvc_arm64', 'kvm_arm_setup_debug', 'kvm_arm_clear_debug', 'kvm_arm_set_dreg32',
  'kvm_arm_set_regset', 'kvm_handle_sys_reg', 'kvm_sys_access', 'kvm_set_guest_debug', 'kvm_nested_eret', 'kvm_forward_sysreg_trap',
  'vgic_update_irq_pending', 'trap_reg',
]);

/** The architecture one event proves, if any. */
export function archOfEvent(ev: TraceEvent): TraceArch | undefined {
  const k = ev.decoded?.kind;
  if (k !== undefined) {
    if (k.startsWith('x86.')) return 'x86';
    if (k.startsWith('arm64.')) return 'arm64';
  }
  if (X86_ONLY.has(ev.name)) return 'x86';
  if (ARM64_ONLY.has(ev.name)) return 'arm64';
  return undefined;
}

/** The detection line: what decided the architecture, naming only an event that is in the trace. */
export function archDetectionLine(arch: TraceArch, by: TraceEvent | undefined, forced: boolean): string {
  if (forced) return `architecture: ${arch} (given by the configuration)`;
  if (by === undefined) return `architecture: ${arch} assumed (no architecture-specific KVM event in the trace)`;
  const shape = by.decoded?.kind.startsWith(`${arch}.`) && !(arch === 'x86' ? X86_ONLY : ARM64_ONLY).has(by.name);
  return `architecture: ${arch} (${shape ? `${by.name} in its ${arch} format` : `${by.name}, an ${arch}-only event`}, line ${by.line})`;
}
