// What would avoid each x86 finding, in the words the findings carry (`Finding.avoid`): eager page
// splitting (kvm.eager_page_split, in the dirty-log ioctl or at KVM_CLEAR_DIRTY_LOG), the TDP MMU
// (alone, with eager splitting, or on a newer kernel), or a newer kernel.

export const AVOID_EAGER = 'eager page splitting (kvm.eager_page_split=Y): the dirty-log ioctl splits huge pages before any vCPU writes';
export const AVOID_EAGER_CLEAR = 'eager page splitting at KVM_CLEAR_DIRTY_LOG (kvm.eager_page_split=Y): huge pages are split before they are write-protected, and the 4 KiB SPTEs keep MMU-writable';
export const AVOID_NEWER_KERNEL = 'Linux 6.13+ (commit 386d69f9f29b "KVM: x86/mmu: Treat TDP MMU faults as spurious if access is already allowed"): the existing SPTE is left alone';
export const AVOID_RACE = 'fewer vCPUs touching the same page at once (an inherent race: the loser only re-enters the guest)';
export const AVOID_TDP_MMU = 'the TDP MMU (kvm.tdp_mmu=Y with NPT/EPT): faults in parallel under the read lock, lockless fast path';
export const AVOID_TDP_MMU_NEWER = 'the TDP MMU on Linux 6.13+ (kvm.tdp_mmu=Y with NPT/EPT; commit 386d69f9f29b): a fault whose access the SPTE already allows is treated as spurious and the SPTE is left alone';
export const AVOID_TDP_MMU_EAGER = 'the TDP MMU with eager page splitting (kvm.tdp_mmu=Y, kvm.eager_page_split=Y): the dirty-log ioctl splits huge pages before any vCPU writes (the legacy MMU and shadow paging drop them in the fault path, eager_page_split or not)';
