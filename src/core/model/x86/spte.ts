// x86 SPTE bits as KVM writes them (arch/x86/kvm/mmu/spte.h, mmu.h) and the transition an old/new
// pair represents (map, link, zap, split, write-protect, unprotect, clear dirty, ...). Two layouts:
// `npt` = x86 page-table bits (AMD NPT, and the shadow MMU's own tables) and `ept` (Intel EPT).

export type SpteFormat = 'npt' | 'ept';

interface BitLayout {
  writable: bigint;
  accessed: bigint;
  dirty: bigint;
  hostWritable: bigint;
  mmuWritable: bigint;
}

/** Bit 11 is SPTE_MMU_PRESENT_MASK for every flavour (MMIO and frozen SPTEs do not set it). */
export const SPTE_MMU_PRESENT = 1n << 11n;
/** PT_PAGE_SIZE_MASK: a leaf at level 2 or 3. */
export const SPTE_HUGE = 1n << 7n;
export const SPTE_PFN_MASK = ((1n << 52n) - 1n) & ~0xfffn;

const LAYOUTS: Record<SpteFormat, BitLayout> = {
  // NPT uses the x86 PTE format; KVM keeps its Host-/MMU-writable flags in ignored bits 9 and 10.
  npt: { writable: 1n << 1n, accessed: 1n << 5n, dirty: 1n << 6n, hostWritable: 1n << 9n, mmuWritable: 1n << 10n },
  // EPT bits 9/10 are architectural, so KVM moves its flags to 57/58; A/D are bits 8/9.
  ept: { writable: 1n << 1n, accessed: 1n << 8n, dirty: 1n << 9n, hostWritable: 1n << 57n, mmuWritable: 1n << 58n },
};

export interface SpteInfo {
  present: boolean;
  /** A leaf: level 1, or a huge page (PS) at level 2/3. */
  leaf: boolean;
  huge: boolean;
  writable: boolean;
  accessed: boolean;
  dirty: boolean;
  /** The fast path may set W locklessly (cleared when KVM write-protects for shadowing or per-gfn protection). */
  mmuWritable: boolean;
  hostWritable: boolean;
  pfn: number;
}

export function decodeSpte(value: bigint, level: number, format: SpteFormat = 'npt'): SpteInfo {
  const b = LAYOUTS[format];
  const present = (value & SPTE_MMU_PRESENT) !== 0n;
  const huge = present && level > 1 && (value & SPTE_HUGE) !== 0n;
  return {
    present,
    leaf: present && (level === 1 || huge),
    huge,
    writable: present && (value & b.writable) !== 0n,
    accessed: present && (value & b.accessed) !== 0n,
    dirty: present && (value & b.dirty) !== 0n,
    mmuWritable: present && (value & b.mmuWritable) !== 0n,
    hostWritable: present && (value & b.hostWritable) !== 0n,
    pfn: Number((value & SPTE_PFN_MASK) >> 12n),
  };
}

export type SpteTransition =
  | 'map' // not present -> leaf
  | 'link' // not present -> page-table pointer
  | 'zap' // leaf -> not present
  | 'unlink' // page-table pointer -> not present
  | 'split' // huge leaf -> page-table pointer
  | 'collapse' // page-table pointer -> huge leaf
  | 'remap' // leaf -> leaf with another pfn
  | 'wrprot' // W 1 -> 0
  | 'unwp' // W 0 -> 1
  | 'clear-dirty'
  | 'set-dirty'
  | 'clear-accessed'
  | 'set-accessed'
  | 'other' // leaf -> leaf, other bits (or several of A/D/MMU-writable at once)
  | 'relink' // pointer -> pointer
  | 'unchanged'
  | 'nonpresent'; // not present -> not present (e.g. frozen/removed values)

/** The transition an old/new pair of one SPTE at `level` represents (the order mirrors the capture tool's analyze.py). */
export function classifyTransition(oldSpte: bigint, newSpte: bigint, level: number, format: SpteFormat = 'npt'): SpteTransition {
  if (oldSpte === newSpte) return 'unchanged';
  const o = decodeSpte(oldSpte, level, format);
  const n = decodeSpte(newSpte, level, format);
  if (!o.present && !n.present) return 'nonpresent';
  if (!o.present) return n.leaf ? 'map' : 'link';
  if (!n.present) return o.leaf ? 'zap' : 'unlink';
  if (o.leaf && !n.leaf) return 'split';
  if (!o.leaf && n.leaf) return 'collapse';
  if (!o.leaf) return 'relink';
  if (o.pfn !== n.pfn) return 'remap';
  if (o.writable && !n.writable) return 'wrprot';
  if (!o.writable && n.writable) return 'unwp';
  const b = LAYOUTS[format];
  const diff = oldSpte ^ newSpte;
  if (diff === b.dirty) return o.dirty ? 'clear-dirty' : 'set-dirty';
  if (diff === b.accessed) return o.accessed ? 'clear-accessed' : 'set-accessed';
  return 'other';
}

/** The label analyze.py prints for a transition (`clear_D`, `unwp`, ...): lets results be compared with the ground truth. */
export function transitionLabel(t: SpteTransition): string {
  switch (t) {
    case 'clear-dirty':
      return 'clear_D';
    case 'set-dirty':
      return 'set_D';
    case 'clear-accessed':
      return 'clear_A';
    case 'set-accessed':
      return 'set_A';
    case 'remap':
      return 'pfn_change';
    default:
      return t;
  }
}

/** The SPTE a child of a split huge page gets (make_huge_page_split_spte: same bits, PS dropped at 4K, pfn offset). */
export function splitChildSpte(hugeSpte: bigint, hugeLevel: number, childIndex: number): bigint {
  const pagesPerChild = 2 ** (9 * (hugeLevel - 2));
  const pfnOffset = BigInt(childIndex * pagesPerChild) << 12n;
  let child = hugeSpte + pfnOffset;
  if (hugeLevel - 1 === 1) child &= ~SPTE_HUGE;
  return child;
}

/** `rwx`, `r--`, ... for hovers (NPT: present = readable, NX bit 63 clear = executable; EPT: bits 0..2). */
export function sptePerms(value: bigint, level: number, format: SpteFormat = 'npt'): string {
  const i = decodeSpte(value, level, format);
  if (!i.present) return '---';
  const exec = format === 'ept' ? (value & 4n) !== 0n : (value & (1n << 63n)) === 0n;
  return `r${i.writable ? 'w' : '-'}${exec ? 'x' : '-'}`;
}

/** Hex without 0x, as the kernel prints SPTEs. */
export function hexSpte(v: bigint): string {
  return v.toString(16);
}
