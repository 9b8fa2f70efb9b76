// x86 two-dimensional paging geometry (NPT on AMD, EPT on Intel, and KVM's shadow page tables):
// 4-level (48-bit GPA) or 5-level (57-bit) tables of 512 entries, 4 KiB pages at level 1 and huge
// pages at levels 2 (2 MiB) and 3 (1 GiB). Levels are numbered as KVM prints them (`level 1..5`).

export const X86_PAGE_SHIFT = 12;
export const X86_ENTRIES_PER_TABLE = 512;
export const X86_HUGE_LEVELS: readonly number[] = [2, 3];

/** Address bits translated by a table hierarchy whose root is at `rootLevel` (4 -> 48, 5 -> 57). */
export function gpaBitsForRootLevel(rootLevel: number): number {
  return X86_PAGE_SHIFT + 9 * rootLevel;
}

/** Root level for a GPA width (48 -> 4, 57 -> 5); anything above 48 bits needs 5 levels. */
export function rootLevelForGpaBits(bits: number): 4 | 5 {
  return bits > 48 ? 5 : 4;
}

/** Number of 4 KiB frames one entry at `level` covers (1, 512, 262144, ...). */
export function pagesPerEntry(level: number): number {
  return 2 ** (9 * (Math.max(1, level) - 1));
}

/** Bytes one entry at `level` maps. */
export function bytesPerEntry(level: number): number {
  return pagesPerEntry(level) * 4096;
}

/** The first gfn of the entry at `level` that covers `gfn` (GFNs exceed 32 bits: no bitwise ops). */
export function alignGfn(gfn: number, level: number): number {
  const span = pagesPerEntry(level);
  return gfn - (gfn % span);
}

export function isHugeLevel(level: number): boolean {
  return X86_HUGE_LEVELS.includes(level);
}

/** `4K`, `2M`, `1G`, `512G` for messages. */
export function levelSizeName(level: number): string {
  const names = ['4K', '2M', '1G', '512G', '256T'];
  return names[level - 1] ?? `L${level}`;
}

/** `4 KiB`, `2 MiB`, `1 GiB` for sentences. */
export function levelSizeWords(level: number): string {
  const names = ['4 KiB', '2 MiB', '1 GiB', '512 GiB', '256 TiB'];
  return names[level - 1] ?? `level ${level}`;
}
