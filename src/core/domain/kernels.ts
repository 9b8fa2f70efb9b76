// The kernel behaviour eras the arm64 model replays, written once: the model configuration, the
// CLI's --kernel flag, the settings enum, the configuration schema and the presets all read this
// list (a test checks package.json and schemas/config.schema.json against it). What each era
// changes is in src/core/model/arm64/kernelProfile.ts (kernelBehaviour).

export const KERNEL_ERAS = ['5.13', '5.14', '6.2', '6.5', '6.6'] as const;

export type KernelEra = (typeof KERNEL_ERAS)[number];

/** `auto`: the era the trace's own lines prove, else the newest (and the report says so). */
export type KernelProfile = 'auto' | KernelEra;

export const KERNEL_PROFILES: readonly KernelProfile[] = ['auto', ...KERNEL_ERAS];

/** The era assumed when no line of the trace pins one down. */
export const DEFAULT_KERNEL_ERA: KernelEra = '6.6';

/** What first appeared in each era (for the header and the presets' descriptions). */
export const KERNEL_ERA_CHANGE: Readonly<Record<KernelEra, string>> = {
  '5.13': 'cache maintenance in the abort path before mapping, in every fault',
  '5.14': 'cache maintenance only when a leaf is written ("KVM: arm64: Move guest CMOs to the fault handlers")',
  '6.2': 'parallel stage-2 faults under the read lock (entries locked while they are replaced)',
  '6.5': 'eager page splitting (KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE) and a local TLBI on permission relaxation',
  '6.6': 'range TLB invalidation for stage 2 (__kvm_tlb_flush_vmid_range)',
};

export function isKernelProfile(v: unknown): v is KernelProfile {
  return typeof v === 'string' && (KERNEL_PROFILES as readonly string[]).includes(v);
}
