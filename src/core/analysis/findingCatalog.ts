// The finding classes of domain.md section 11 as stable codes users can search for and suppress
// (`S1-lost-race`, `C1-fwb-noop`, ...), with a severity, a title and what would avoid each one.
// Reports, diagnostics (code = finding code) and the CLI all read this one table.
import type { FindingClass, Severity } from './types';

export interface FindingKind {
  cls: FindingClass;
  code: string;
  title: string;
  severity: Severity;
  /** Expected by design (reported separately, not as a problem). */
  expected: boolean;
  /** What the trace must show for the replay to detect the class honestly (absent: any stage-2 trace). */
  needs?: string;
}

const KINDS: FindingKind[] = [
  { cls: 'S1', code: 'S1-lost-race', title: 'lost race: another vCPU had already mapped the page', severity: 'information', expected: false },
  { cls: 'S2', code: 'S2-bbm-window', title: 'fault inside another actor\'s break-before-make window', severity: 'warning', expected: false },
  { cls: 'S3', code: 'S3-stale-tlb-perm', title: 'permission fault although the entry already allowed the access (stale TLB)', severity: 'information', expected: false },
  { cls: 'S4', code: 'S4-perms-only-translation', title: 'translation fault on an entry that differed only in permissions', severity: 'information', expected: false },
  { cls: 'S5', code: 'S5-split-cascade', title: 'sibling fault after a block was split in the fault path', severity: 'warning', expected: false },
  { cls: 'S6', code: 'S6-notifier-retry', title: 'fault retried because an MMU-notifier invalidation was in flight', severity: 'information', expected: false, needs: 'map probes (s2_map, or the recording script\'s probe marker): only they show that the first fault mapped nothing; plus kvm_unmap_hva_range during that fault' },
  { cls: 'S7', code: 'S7-lazy-exec', title: 'execute permission granted lazily (expected by design without DIC)', severity: 'hint', expected: true },
  { cls: 'S8', code: 'S8-s1ptw-double', title: 'stage-1 table walk fault taken twice (expected with guest HW AF/DBM)', severity: 'hint', expected: true, needs: 'kvm_guest_fault (ESR.S1PTW is in its hsr)' },
  { cls: 'S9', code: 'S9-af-after-aging', title: 'access-flag fault after the host aged the page', severity: 'information', expected: false },
  { cls: 'C1', code: 'C1-fwb-noop', title: 'D-cache clean that FWB turns into a no-op', severity: 'hint', expected: false },
  { cls: 'C2', code: 'C2-dic-noop', title: 'I-cache invalidation that DIC turns into an ISB', severity: 'hint', expected: false },
  { cls: 'C3', code: 'C3-cmo-on-eagain', title: 'cache maintenance in a fault whose map changed nothing (<= 5.13)', severity: 'warning', expected: false },
  { cls: 'C4', code: 'C4-reclean-mapped', title: 'D-cache clean of memory that was already mapped and cleaned', severity: 'information', expected: false },
  { cls: 'C5', code: 'C5-icache-without-exec', title: 'I-cache invalidation on a map that did not need execute', severity: 'information', expected: false, needs: 'icache_inval probes, and DIC known clear (configuration or the cpu-features marker): an executable data-fault map is otherwise read as DIC' },
  { cls: 'C6', code: 'C6-cmo-non-cacheable', title: 'cache maintenance on non-cacheable memory', severity: 'warning', expected: false, needs: 's2_map probes with prot (the device bit) and CMO probes in the same fault' },
  { cls: 'C7', code: 'C7-redundant-vm-flush', title: 'repeated full-VM cache flush', severity: 'information', expected: false, needs: 'kvm_set_way_flush and kvm_toggle_cache (never emitted with FWB: set/way ops are not tracked then)' },
  { cls: 'X1', code: 'X1-spte-rewrite', title: 'SPTE rewritten after another vCPU installed it', severity: 'information', expected: false },
  { cls: 'X2', code: 'X2-split-race', title: 'huge-page split lost a race', severity: 'information', expected: false },
  { cls: 'X3', code: 'X3-fast-path-failure', title: 'fast page fault path failed', severity: 'information', expected: false },
  { cls: 'P1', code: 'P1-pinned-range', title: 'change or fault inside a pinned range', severity: 'warning', expected: false },
  { cls: 'H1', code: 'H1-refault-after-unmap', title: 'refault caused by a host-side unmap', severity: 'information', expected: false },
];

const BY_CLASS = new Map(KINDS.map((k) => [k.cls, k]));

export function findingKind(cls: FindingClass): FindingKind {
  return BY_CLASS.get(cls) ?? { cls, code: `${cls}-unknown`, title: cls, severity: 'information', expected: false };
}

export function allFindingKinds(): readonly FindingKind[] {
  return KINDS;
}

/** Display order: spurious faults, then cache maintenance, then the rest. */
export const CLASS_ORDER: FindingClass[] = KINDS.map((k) => k.cls);
