// What a trace lacks for the stage-2 analyses, as plain sentences for `stage2-lens stats` and the
// facade: missing fault events, map probes, return values, cache maintenance, TLB invalidations,
// break-before-make observation, markers, vCPU identity, and lost or overwritten events.
import type { Stage2Op } from '../parse/types';
import { plural } from '../util/plural';

export interface TraceFacts {
  events: Record<string, number>;
  /** Decoded kinds seen (`arm64.kvm_guest_fault`, `kprobe`, ...). */
  kinds: Set<string>;
  ops: Partial<Record<Stage2Op, number>>;
  opReturns: Partial<Record<Stage2Op, number>>;
  vcpuTasks: number;
  lostMarkers: number;
  lostCount: number;
  lostUnknown: boolean;
  headerWrapped: { inBuffer: number; written: number } | undefined;
  nEvents: number;
  backwards: number;
  /** Events read after a later timestamp of another CPU. */
  crossCpuBackwards: number;
}

/**
 * Cross-CPU steps back in time that say the file is not in global time order (lines grouped by
 * CPU): ftrace and trace-cmd merge the per-CPU buffers by timestamp, so a step back across CPUs is
 * rare there (clock skew of a `local` trace clock, a few in a file) and common in a regrouped one.
 */
export function outOfTimeOrder(crossCpuBackwards: number, nEvents: number): boolean {
  return crossCpuBackwards >= 10 && crossCpuBackwards * 100 >= nEvents;
}

/** How to put a text trace in time order, whatever its layout (the timestamp is the first `secs.usecs:`). */
export const SORT_BY_TIME = "perl -ne 'print \"$1\\t$_\" if /\\s(\\d+\\.\\d+):\\s/' TRACE | sort -s -n -k1,1 | cut -f2-";

export function lacksOf(f: TraceFacts): string[] {
  const out: string[] = [];
  const has = (k: string): boolean => f.kinds.has(k);
  const op = (...o: Stage2Op[]): boolean => o.some((x) => (f.ops[x] ?? 0) > 0);
  const arm64 = [...f.kinds].some((k) => k.startsWith('arm64.'));
  const x86 = [...f.kinds].some((k) => k.startsWith('x86.'));
  if (f.nEvents === 0) {
    out.push('No trace events at all: nothing to analyse.');
    return out;
  }
  if (!arm64 && !x86 && !op('map', 'unmap', 'relax', 'handle-guest-abort')) {
    out.push('No KVM events (kvm_guest_fault, kvm_exit, kvm_page_fault) and no stage-2 probes: nothing for the stage-2 analyses.');
    return out;
  }
  if (!x86) {
    if (!has('arm64.kvm_guest_fault')) out.push('No kvm_guest_fault events: stage-2 faults (IPA, ESR class and level) cannot be seen; enable events/kvm/kvm_guest_fault.');
    if (!has('arm64.kvm_exit') || !has('arm64.kvm_entry')) out.push('No kvm_exit/kvm_entry pairs: vCPU run time and fault-to-resume latency cannot be measured.');
    if (!op('map')) out.push('No kvm_pgtable_stage2_map probes or function-tracer lines: mappings will be inferred from the faults, not observed.');
    else if ((f.opReturns.map ?? 0) === 0) out.push('No return values of kvm_pgtable_stage2_map (kretprobe or funcgraph-retval): a lost race (-EAGAIN) cannot be told from a successful map.');
    if (!op('dcache-clean', 'icache-inval')) out.push('No clean_dcache_guest_page/invalidate_icache_guest_page probes or function lines: cache maintenance will be inferred, not observed.');
    if (!op('tlbi-ipa', 'tlbi-ipa-nsh', 'tlbi-range', 'tlbi-vmid', 'tlbi-vmid-range-wrapper', 'flush-remote-tlbs')) {
      out.push('No TLB invalidation seen (__kvm_tlb_flush_vmid* probes or function lines): invalidations will be inferred; on an nVHE host they run at EL2 and cannot be traced.');
    }
    if (!op('relax', 'wrprotect')) out.push('No kvm_pgtable_stage2_relax_perms/wrprotect probes or function lines: permission changes will be inferred from the faults.');
    if (!op('try-break', 'make-pte')) out.push('No stage2_try_break_pte/stage2_make_pte probes or function lines: break-before-make windows will be inferred from the maps, not observed.');
    if (!op('unmap', 'unmap-gfn-range') && (f.events.kvm_unmap_hva_range ?? 0) > 0) {
      out.push('kvm_unmap_hva_range is in host-VA space and there are no kvm_pgtable_stage2_unmap probes: the IPAs it unmaps are unknown.');
    }
    if (f.vcpuTasks === 0) out.push('No per-thread vCPU index (kvm_timer_update_irq): vCPUs are identified by thread only.');
  } else {
    if (!has('x86.kvm_page_fault')) out.push('No kvm_page_fault events: stage-2 (NPT/EPT) faults cannot be seen.');
    if (!has('x86.kvm_tdp_mmu_spte_changed') && !has('x86.kvm_mmu_set_spte')) out.push('No kvmmmu SPTE events (kvm_tdp_mmu_spte_changed, kvm_mmu_set_spte): mappings will be inferred from the faults.');
    // Shadow paging has no fast path, so no fast_page_fault to miss; it walks the guest's page
    // tables on (nearly) every fault, which is how the coverage tells it apart too.
    const walks = f.events.kvm_mmu_pagetable_walk ?? 0;
    const shadowPaging = walks > 0 && 2 * walks >= (f.events.kvm_page_fault ?? 0);
    if (!has('x86.fast_page_fault') && !shadowPaging) out.push('No fast_page_fault events: the kernel\'s own spurious-fault verdicts are not available.');
  }
  if ((f.events.tracing_mark_write ?? 0) + (f.events.print ?? 0) === 0) out.push('No tracing_mark_write markers: test phases cannot be delimited.');
  if (f.lostMarkers > 0) {
    const n = f.lostUnknown ? `at least ${f.lostCount}` : String(f.lostCount);
    out.push(`${n} ${n === '1' ? 'event was' : 'events were'} lost (${plural(f.lostMarkers, 'ring-buffer overrun marker')}): counts are lower bounds and some fault episodes are incomplete.`);
  }
  if (f.headerWrapped && f.headerWrapped.written > f.headerWrapped.inBuffer) {
    out.push(`The ring buffer wrapped (${plural(f.headerWrapped.written, 'entry', 'entries')} written, ${f.headerWrapped.inBuffer} kept): the start of the recording is missing.`);
  }
  if (outOfTimeOrder(f.crossCpuBackwards, f.nEvents)) {
    out.push(`The file is not in time order: ${f.crossCpuBackwards} events come after a later event of another CPU (lines grouped by CPU?). An analysis of a file it can reopen (not a pipe or a .gz) replays it in time order, merging its stretches by timestamp; otherwise the replay follows the file's order, so what happens across vCPUs (lost races, invalid windows) is not reliable: sort it by time first: ${SORT_BY_TIME}`);
  }
  if (f.backwards > 0) out.push(`${plural(f.backwards, 'timestamp goes', 'timestamps go')} backwards on their CPU (trace_pipe or merged files?): ordering within a CPU is not reliable there.`);
  return out;
}
