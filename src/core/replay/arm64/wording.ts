// What the arm64 replay says of its findings and marks: every finding message, related-line text and
// timeline label, one function a sentence, by class. The rules (faultRules.ts, cmoAccounting.ts, hostActions.ts) decide
// the class and pass the facts; nothing else in replay/arm64 writes a sentence. A class's nature,
// levers and page are the catalog's (src/core/catalog/findings.ts), not repeated here.
import { formatSize } from '../../model/arm64/geometry';
import { plural } from '../../util/plural';
import { hex } from './types';

type CmoKind = 'dcache' | 'icache';
const cmoName = (k: CmoKind): string => (k === 'dcache' ? 'D-cache clean' : 'I-cache invalidation');

/** Finding messages, by class. */
export const message = {
  /** S1: another vCPU's map of the entry won; `during` when it came while this fault was handled. */
  lostRace: (winner: string, base: number, size: number, during: boolean): string =>
    `Lost race: ${winner} ${during ? 'mapped' : 'had already mapped'} ${hex(base)} (${formatSize(size)})${during ? ' while this fault was being handled' : ''}, so this fault's map changed nothing.`,
  /** S1: the winner's map had locked the entry (break) and not yet made it when this vCPU faulted. */
  lostRaceInFlight: (winner: string, base: number, size: number, level: number): string =>
    `Lost race: ${winner}'s map of ${hex(base)} (${formatSize(size)}) was in flight when this vCPU faulted (its level-${level} entry locked for the map, not yet made), so this fault's map changed nothing.`,
  /** S1 inferred without map probes: the vCPU's translation fault again on the page its previous fault was taken to map. */
  lostRaceByRepeat: (base: number): string =>
    `Repeated translation fault at ${hex(base)}, same instruction: this vCPU's previous fault on it left no entry, so its map lost to another actor's map in flight, or it was retried for an MMU-notifier invalidation (no map probes to tell); this fault is the retry.`,
  /** S1 from the map probe's -EAGAIN, before the model saw the winner's map. */
  lostRaceByReturn: (page: number): string => `Lost race on ${hex(page)}: the map returned -EAGAIN: another actor had installed the entry, or held it locked to install it.`,
  /** S2 in an observed or inferred break-before-make window. */
  inWindow: (ipa: number, owner: string, level: number, kind: string): string =>
    `Translation fault at ${hex(ipa)} while ${owner} held the level-${level} entry invalid for break-before-make (${kind}).`,
  /** S2 by the level rule (no break probes). */
  inWindowByLevel: (ipa: number, level: number): string =>
    `Translation fault at level ${level} on ${hex(ipa)} although the model holds a valid level-${level} entry: only another actor's break-before-make window explains it.`,
  /** S3 when this vCPU's own earlier change gave the entry the access: its TLB held the older entry. */
  staleTlb: (ipa: number): string => `Permission fault at ${hex(ipa)} although the entry already allowed the access: a stale TLB entry, dropped by a local TLBI.`,
  /** S3: another actor gave the entry the access before this vCPU entered the guest. */
  staleTlbAfter: (ipa: number, who: string): string =>
    `Permission fault at ${hex(ipa)} although ${who} had given the entry this access before this vCPU entered the guest: a stale TLB entry (the relaxing CPU invalidates only its own TLB), dropped by a local TLBI.`,
  /** S3: another actor relaxed the entry after this vCPU's exit. */
  relaxedFirst: (ipa: number, who: string): string =>
    `Lost race: ${who} relaxed ${hex(ipa)} while this fault was being handled, so this fault's relax changed nothing.`,
  /** S3: another actor relaxed the entry while this vCPU ran the guest. */
  relaxedWhileRunning: (ipa: number, who: string): string =>
    `Permission fault at ${hex(ipa)} on an entry ${who} relaxed while this vCPU ran the guest: either this vCPU's walk came first (a lost race) or its TLB still held the stricter entry; the trace cannot tell which. This fault's relax changed nothing.`,
  /** S3 from the relax probe's -EAGAIN. */
  relaxLostRace: (ipa: number): string =>
    `Lost race on ${hex(ipa)}: the relax returned -EAGAIN: another actor changed or invalidated the entry while this vCPU relaxed it, which changed nothing.`,
  /** S4 when the translation fault met an entry with fewer permissions. */
  permsOnly: (base: number): string => `Translation fault on ${hex(base)} whose entry differed only in permissions; the map returned -EAGAIN and the access will fault again.`,
  /** S4 revised from S1 by the loser's retried write. */
  permsOnlyByRetry: (base: number, winner: string, permLine: number): string =>
    `Translation fault on ${hex(base)} whose entry differed only in permissions: ${winner}'s map of it lacked write permission (this vCPU's retried write took a permission fault at line ${permLine}), so this fault's map changed nothing (-EAGAIN) and the write faulted again.`,
  /** S5. */
  siblingAfterSplit: (base: number): string => `Sibling translation fault at ${hex(base)}: the block was split in the fault path and the rest of it was left unmapped.`,
  /** S6; `beganBefore`: the invalidation began before the first fault's exit. */
  notifierRetry: (ipa: number, beganBefore: boolean): string =>
    `Repeated fault at ${hex(ipa)}: the previous fault on this page mapped nothing because an MMU-notifier invalidation was in flight in the VM${beganBefore ? ' (begun before that fault\'s exit, not ended)' : ''}: mmu_invalidate_retry() retries on the VM-wide mmu_invalidate_seq and mmu_invalidate_in_progress, whatever range is invalidated, so the vCPU faulted again.`,
  /** S7. */
  lazyExec: (ipa: number): string => `Execute permission fault at ${hex(ipa)} right after a data-fault mapping: KVM adds X lazily (expected without DIC).`,
  /** S8. */
  walkWrite: (ipa: number): string =>
    `Stage-1 table walk at ${hex(ipa)} faulted a second time, now for write permission: the guest's hardware access-flag/dirty update writes its page table, which the first (translation) fault mapped read-only (expected by design).`,
  /** S9; `hafSeen` when the recording script saw FEAT_HAFDBS. */
  accessFlag: (ipa: number, hafSeen: boolean | undefined): string =>
    `Access-flag fault at ${hex(ipa)}: the host had aged the page ${hafSeen ? 'although the recording script saw FEAT_HAFDBS (hardware access-flag updates are not enabled for stage 2 here)' : 'and this CPU does not set the access flag in hardware'}.`,
  /** H1. */
  refaultAfterUnmap: (base: number, size: number, unmapped: number): string => `Refault at ${hex(base)} (${formatSize(size)}) after the host unmapped the ${formatSize(unmapped)} that covered it.`,
  /** C3. */
  cmoOnNoChange: (k: CmoKind, size: number, ipa: number): string => `${cmoName(k)} of ${formatSize(size)} at ${hex(ipa)} in a fault whose map changed nothing (pre-5.14 abort path).`,
  /** C6. */
  cmoOnDevice: (k: CmoKind, size: number, ipa: number): string =>
    `${cmoName(k)} of ${formatSize(size)} at ${hex(ipa)} on a device (non-cacheable) mapping: kernels since 5.14 never do this (an anomaly).`,
  /** C1. */
  cleanUnderFwb: (size: number, ipa: number): string => `clean_dcache_guest_page of ${formatSize(size)} at ${hex(ipa)} returns at once: FWB makes stage-2 memory attributes override the guest's.`,
  /** C2. */
  icacheUnderDic: (size: number, ipa: number): string => `invalidate_icache_guest_page of ${formatSize(size)} at ${hex(ipa)} reduces to an ISB: CTR_EL0.DIC is set.`,
  /** C5. */
  icacheOnData: (size: number, ipa: number): string =>
    `invalidate_icache_guest_page of ${formatSize(size)} at ${hex(ipa)} in a data fault: without DIC only instruction faults need an executable mapping.`,
  /** C4. */
  /** `mappedBefore`: bytes of the block mapped (and cleaned when they were) before the collapse, by the model's table. */
  recleanOnCollapse: (size: number, ipa: number, mappedBefore: number | undefined, granule: number): string =>
    `D-cache clean of the whole ${formatSize(size)} block at ${hex(ipa)} after a table collapse, although ${mappedBefore === undefined ? 'pages of it were' : `${formatSize(mappedBefore)} of it (${mappedBefore / granule} of ${size / granule} pages) ${mappedBefore === granule ? 'was' : 'were'}`} mapped, and cleaned when mapped, before it.`,
  /** C7. */
  setWayAgain: (): string =>
    'Full-VM cache flush for a set/way operation again, although this vCPU already had one and never turned its caches on since (HCR_EL2.TVM should still have been set).',
  /** P1 for a change of the table. */
  pinnedChange: (what: string, label: string | undefined, start: number, size: number): string =>
    `A ${what} touches the pinned range ${label ?? hex(start)} (${formatSize(size)} at ${hex(start)}).`,
  /** P1 for a fault. */
  pinnedFault: (label: string | undefined, start: number): string => `Stage-2 fault inside the pinned range ${label ?? hex(start)}.`,
};

/** The texts of a finding's related lines (its causes and context). */
export const related = {
  mappedBy: (who: string): string => `${who} mapped it here`,
  mappedWithFewerPerms: 'mapped here with fewer permissions',
  gavePermission: (who: string): string => `${who} gave the entry the access here`,
  ownMapDidNotTake: "this vCPU's previous fault on the page, which the model had taken to map it",
  lockedForMap: (who: string, level: number): string => `${who} locked the level-${level} entry here to map it`,
  window: (owner: string, kind: string): string => `${owner} ${kind === 'coalesce' ? 'collapsed the table into a block' : 'split the block'} here (invalid window)`,
  restructured: (who: string): string => `${who} restructured this block`,
  splitInFaultPath: (who: string): string => `${who} split the block in the fault path here`,
  hostUnmap: 'host unmap (MMU notifier) removed the mapping here',
  notifierInFlight: 'the MMU-notifier invalidation in flight in the VM (any range makes a fault retry on arm64)',
  firstFaultDropped: "this vCPU's previous fault on the page, dropped without a map",
  walkMappedReadOnly: "the stage-1 walk's translation fault that mapped the table page read-only",
  dataFault: (who: string, ipa: number): string => `the data fault: ${who} mapped ${hex(ipa)} without execute permission here`,
  retriedWrite: "the retried write's permission fault: the entry lacked W",
  previousSetWay: 'the previous set/way flush of this vCPU',
};

/** Timeline mark labels. */
export const label = {
  window: (kind: string, faults: number): string => `${kind} window (${plural(faults, 'fault')})`,
  setWayFlush: 'full-VM flush (set/way)',
  cachesToggled: (on: boolean): string => `full-VM flush (caches ${on ? 'on' : 'off'})`,
  wrprotect: (size: number, ipa: number): string => `write-protect ${formatSize(size)} at ${hex(ipa)}`,
  eagerSplit: (blocks: number, observed: boolean): string => `eager split of ${blocks} block(s)${observed ? '' : ' (what-if)'}`,
  tlbi: (count: number): string => `${count} TLBI`,
  coalesce: (size: number): string => `table -> ${formatSize(size)} block`,
  faultPathSplit: 'block split in the fault path',
  /** `removedBlock`: the size of the whole block the unmap removed, when bigger than the range. */
  unmap: (size: number, ipa: number, removedBlock: number | undefined): string =>
    `unmap ${formatSize(size)} at ${hex(ipa)}${removedBlock !== undefined ? ` removed the whole ${formatSize(removedBlock)} block` : ''}`,
  notifierUnmap: 'MMU-notifier unmap',
  notifierAge: 'MMU-notifier age',
};
