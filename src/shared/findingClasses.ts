// What each finding class means, in one title and one plain sentence, and the name of its
// documentation page under docs/findings/ (the target of a diagnostic's codeDescription and of
// the hover's "read more" link). Wording only: the engine decides which class a finding has.
import type { FindingClass } from '../core/analysis/types';

export interface FindingClassInfo {
  title: string;
  explanation: string;
  /** File name under docs/findings/. */
  page: string;
}

export const findingClassInfo: Record<FindingClass, FindingClassInfo> = {
  S1: { title: 'Lost race', explanation: 'A translation fault whose mapping another vCPU had already installed: the handler found nothing to do (map returned -EAGAIN) and the vCPU paid a full exit for it.', page: 'S1.md' },
  S2: { title: 'Break-before-make window', explanation: 'A fault on an address another actor was breaking (between its invalidation and the new entry): the entry was invalid or locked, so the guest faulted and retried. FEAT_BBM level 1 or 2 removes the window.', page: 'S2.md' },
  S3: { title: 'Stale-TLB permission fault', explanation: 'A permission fault although the entry already granted the access: a TLB still held the old permissions, so KVM only invalidated locally.', page: 'S3.md' },
  S4: { title: 'Permissions-only translation fault', explanation: 'A translation fault that found a valid entry differing only in permissions, followed by a second (permission) fault for the same access.', page: 'S4.md' },
  S5: { title: 'Split-on-fault cascade', explanation: 'During dirty logging a write to a block split it into pages, and sibling pages of the same block then faulted one by one. Eager splitting turns these into plain page faults.', page: 'S5.md' },
  S6: { title: 'MMU-notifier retry', explanation: 'A fault retried because an MMU-notifier invalidation was in flight for the same range.', page: 'S6.md' },
  S7: { title: 'Lazy execute fault', explanation: 'An execute permission fault right after a data fault mapped the page: expected without CTR_EL0.DIC, reported separately.', page: 'S7.md' },
  S8: { title: 'Stage-1 walk double fault', explanation: 'A translation then a permission fault on a guest page-table page (ESR.S1PTW=1, guest hardware AF/DBM): expected, reported separately.', page: 'S8.md' },
  S9: { title: 'Access-flag fault after aging', explanation: 'An access-flag fault caused by page aging clearing the flag: the cost of aging.', page: 'S9.md' },
  C1: { title: 'Data-cache clean with FWB', explanation: 'A data-cache clean of guest memory while FEAT_S2FWB is in force: the call returns without doing anything.', page: 'C1.md' },
  C2: { title: 'Instruction-cache invalidation with DIC', explanation: 'An instruction-cache invalidation while CTR_EL0.DIC is set: it reduces to an ISB.', page: 'C2.md' },
  C3: { title: 'Cache maintenance in a fault that changed nothing', explanation: 'Cache maintenance during a fault whose map made no change (pre-5.14 kernels clean before mapping), or an instruction-cache invalidation where execute was already allowed.', page: 'C3.md' },
  C4: { title: 'Re-clean of an already-mapped page', explanation: 'A data-cache clean of memory that was mapped cacheable before and was only restructured (split or collapsed), with no unmap or host write in between.', page: 'C4.md' },
  C5: { title: 'Instruction-cache invalidation without execute need', explanation: 'An instruction-cache invalidation on a map that did not need execute permission.', page: 'C5.md' },
  C6: { title: 'Cache maintenance on non-cacheable memory', explanation: 'Cache maintenance of a non-cacheable mapping: never expected on 5.14+ kernels, an anomaly.', page: 'C6.md' },
  C7: { title: 'Redundant full-VM flush', explanation: 'A full-VM cache flush (set/way emulation or cache toggle) repeated without a state change.', page: 'C7.md' },
  X1: { title: 'SPTE rewrite after another vCPU\'s install (x86)', explanation: 'An x86 fault rewrote an SPTE another vCPU had just installed with the same value.', page: 'X1.md' },
  X2: { title: 'Lost split race (x86)', explanation: 'An x86 huge-page split lost a race with another vCPU and returned -EBUSY (-16).', page: 'X2.md' },
  X3: { title: 'Fast-path failure (x86)', explanation: 'The x86 fast page-fault path could not fix the fault and fell back to the slow path.', page: 'X3.md' },
  H1: { title: 'Refault after a host unmap', explanation: 'A fault on memory the host had unmapped (MMU notifier: swap, migration, compaction, ballooning): the cost of the host action, not of the fault path.', page: 'H1.md' },
  P1: { title: 'Touches a pinned range', explanation: 'An unmap, split or permission change touched an IPA range that must stay mapped (for example an SPE buffer).', page: 'P1.md' },
};
