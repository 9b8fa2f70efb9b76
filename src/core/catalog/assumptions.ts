// What a what-if replay assumes, written once: `compare` (every output form) prints these lines for
// each setting in which B differs from A, so that a user quoting B's numbers knows which hardware
// behaviour, which kernel change and which costs they rest on, and which parts the model leaves out.
// Each sentence names the kernel function it follows (docs/kernel-behaviour.md has the detail).
import type { Arch, ModelConfig } from '../domain/types';
import { findingEntry } from './findings';
import { DEFAULT_KERNEL_ERA, KERNEL_ERA_CHANGE, KERNEL_ERAS, type KernelEra } from '../domain/kernels';

/** Where FEAT_BBM for stage 2 stands upstream: the catalog's own words for the S2 lever. */
function bbmUpstream(): string {
  const lever = findingEntry('S2').levers.find((l) => l.preset === 'bbm2');
  return lever && !lever.availability.exists ? `B needs a kernel change that upstream does not have (${lever.availability.proposedWhere}).` : '';
}

function mib(bytes: number): string {
  return bytes >= 1 << 30 ? `${bytes / (1 << 30)} GiB` : `${bytes / (1 << 20)} MiB`;
}

function eagerLines(chunk: number, arch: Arch): string[] {
  const how =
    arch === 'x86'
      ? 'the TDP MMU splits every huge page of a logged slot when logging starts (kvm.eager_page_split=Y with kvm.tdp_mmu=Y: kvm_mmu_slot_try_split_huge_pages(), arch/x86/kvm/mmu/mmu.c)'
      : `the VMM enables KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE (${mib(chunk)}; since 6.5) and KVM splits every block of a logged slot when logging starts (kvm_mmu_split_huge_pages(), arch/arm64/kvm/mmu.c)`;
  return [
    `Eager splitting (assumed): ${how}.`,
    arch === 'x86'
      ? 'Costs of eager splitting: B counts the page-table pages its splits allocate (one per 2 MiB page split); how long the splits take is not in the trace, and the 2 MiB TLB reach they lose while logging is on is stated, not measured (What B costs).'
      : 'Costs of eager splitting: B counts the break-before-make and TLB invalidation of each block it splits, the page-table pages it allocates, the lock-hold chunks of the chunk size (the kernel drops and retakes kvm->mmu_lock between chunks) and the time blocks spend split (What B costs); the lock hold time only where the trace times eager splits of its own. Which blocks split does not depend on the chunk size; the kernel stops silently when it cannot allocate, the model never does. A block splits as stage2_split_walker() does with the page cache kvm_mmu_split_nr_page_tables() gives each chunk: a 1 GiB block in 2 MiB chunks first becomes a table of 2 MiB blocks, each split in its own chunk (1 + 512 break-before-make sequences, each with a TLBI by IPA); in 1 GiB chunks it is rebuilt down to pages at once (one).',
  ];
}

function kernelLines(from: KernelEra, to: KernelEra): string[] {
  const lo = Math.min(KERNEL_ERAS.indexOf(from), KERNEL_ERAS.indexOf(to));
  const hi = Math.max(KERNEL_ERAS.indexOf(from), KERNEL_ERAS.indexOf(to));
  const changes = KERNEL_ERAS.slice(lo + 1, hi + 1).map((era) => `${era}: ${KERNEL_ERA_CHANGE[era]}`);
  const lines = [`Kernel ${to} behaviour (modelled): B replays what the model knows to differ between ${from} and ${to} (${changes.join('; ')}); everything else is A's kernel.`];
  if (to === '5.13') lines.push('5.13 cleans and invalidates in user_mem_abort() before mapping (the D-cache on every fault but permission faults, the I-cache on every exec fault, permission faults included), never inside the page-table walk: a class that falls to 0 under 5.13 (C4: the re-clean of a collapsed block) may be 5.13 doing less maintenance, not a better kernel.');
  return lines;
}

/**
 * The assumptions of B relative to A, one sentence per setting that differs, in the order a reader
 * needs them. Empty when B is A. `eagerSplitApplies: false`: the MMU of the trace has no eager
 * splitting (x86 legacy MMU, shadow paging), so a change of it assumes nothing.
 */
export function whatIfAssumptions(a: ModelConfig, b: ModelConfig, arch: Arch, opts: { eagerSplitApplies?: boolean } = {}): string[] {
  const out: string[] = [];
  if (b.bbmLevel !== a.bbmLevel && arch === 'arm64') {
    if (b.bbmLevel === 1) {
      out.push('FEAT_BBM level 1 (assumed): B removes the invalid step of every block-size change (split and coalesce) and its window, as if the CPU translated through entries with the nT bit set. The architecture also lets a level-1 CPU treat an nT entry as invalid, which leaves the faults: B is the best case of level 1, not a prediction.');
    } else if (b.bbmLevel === 2) {
      out.push('FEAT_BBM level 2 (assumed): B removes the invalid step of every block-size change and assumes the CPU raises no TLB conflict abort (FSC 0x30): KVM reports such an abort as an unsupported FSC (kvm_handle_guest_abort(), arch/arm64/kvm/mmu.c), so it would need handling too.');
    } else {
      out.push(`FEAT_BBM level ${b.bbmLevel}: every block-size change breaks before it makes, as in stage2_try_break_pte() (arch/arm64/kvm/hyp/pgtable.c).`);
    }
    if (b.bbmLevel > 0) {
      out.push('B also drops the window when the change is not only a block size (a coalesce that changes permissions or validity of the pages), where the architecture still requires break-before-make.');
      const upstream = bbmUpstream();
      if (upstream) out.push(upstream);
    }
  }
  // x86 without the TDP MMU never splits eagerly: the comparison says so itself, B replays as A.
  if (b.eagerSplitChunk !== a.eagerSplitChunk && opts.eagerSplitApplies !== false) {
    if (typeof b.eagerSplitChunk === 'number' && b.eagerSplitChunk > 0) out.push(...eagerLines(b.eagerSplitChunk, arch));
    else if (b.eagerSplitChunk === 0) out.push('No eager splitting (assumed): blocks of a logged slot split in the fault path, on the first write to each.');
  }
  if (b.fwb !== a.fwb && arch === 'arm64') {
    if (b.fwb === true) out.push('FEAT_S2FWB (assumed present): every D-cache clean on map returns at once (__clean_dcache_guest_page(), arch/arm64/include/asm/kvm_mmu.h). A CPU feature, not a setting: B describes other hardware.');
    else if (b.fwb === false) out.push('No FEAT_S2FWB (assumed): every D-cache clean on map cleans to the point of coherency. A CPU feature, not a setting: B describes other hardware.');
  }
  if (b.dic !== a.dic && arch === 'arm64') {
    if (b.dic === true) out.push('CTR_EL0.DIC (assumed present): no I-cache invalidation on map, and KVM maps every page executable at once (user_mem_abort(), arch/arm64/kvm/mmu.c). A CPU feature: B describes other hardware.');
    else if (b.dic === false) out.push('No CTR_EL0.DIC (assumed): KVM grants execute only on an instruction fault and invalidates the I-cache then (user_mem_abort()).');
  }
  if (b.kernel !== a.kernel && b.kernel !== 'auto' && arch === 'arm64') out.push(...kernelLines(a.kernel === 'auto' ? DEFAULT_KERNEL_ERA : a.kernel, b.kernel));
  if (b.tracepointsOnly !== a.tracepointsOnly && b.tracepointsOnly) out.push('Tracepoints only: B ignores the kprobe and function-tracer lines and shows what the model infers from the KVM tracepoints alone.');
  if (out.length) out.push('A replays the trace as recorded; every count of B is the model\'s prediction for the same events under the settings above.');
  return out;
}
