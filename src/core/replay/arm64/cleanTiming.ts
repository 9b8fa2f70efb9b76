// FEAT_S2FWB from the trace: clean_dcache_guest_page is called on every cacheable map whether or
// not the CPU has FWB, and with FWB it returns at once (__clean_dcache_guest_page() in
// arch/arm64/kvm/mmu.c tests ARM64_HAS_STAGE2_FWB first), so the calls alone cannot tell. Their
// durations can, from a kprobe at the entry and a kretprobe at the return (record-script --probes
// full) on the same thread. The rule compares block cleans with page cleans of the same trace, so
// that the probes' own overhead (large on a nested or emulated host) cancels out: a clean to the
// point of coherency of a 2 MiB block walks 512 times the cache lines of a 4 KiB page, while a
// no-op takes the same time whatever the size.

export interface CleanTimingVerdict {
  /** undefined: the durations do not decide. */
  fwb: boolean | undefined;
  /** What was measured, one sentence. */
  measured: string | undefined;
  /** Line of the first timed call. */
  line: number | undefined;
}

const PAGE = 4096;
const BLOCK = 2 * 1024 * 1024;
/** Calls of each size needed before the ratio is trusted. */
const MIN_CALLS = 3;
/** Block/page median ratio at or below which the call does not scale with size: a no-op (FWB). */
const NOOP_RATIO = 4;
/** Ratio at or above which it scales with size: a real clean (no FWB). */
const CLEAN_RATIO = 32;
const MAX_SAMPLES = 100_000;

function median(v: number[]): number {
  const s = Float64Array.from(v).sort();
  return s[Math.floor(s.length / 2)];
}

function us(ns: number): string {
  return `${(ns / 1e3).toFixed(1)} us`;
}

export class CleanTiming {
  private readonly open = new Map<number, { ts: number; size: number }>();
  private readonly page: number[] = [];
  private readonly block: number[] = [];
  private firstLine: number | undefined;

  /** A clean_dcache_guest_page kprobe line (size: its size argument). */
  entered(pid: number, ts: number, size: number | undefined): void {
    if (size === undefined) return;
    this.open.set(pid, { ts, size });
  }

  /** Its kretprobe line on the same thread. */
  returned(pid: number, ts: number, line: number): void {
    const o = this.open.get(pid);
    if (!o) return;
    this.open.delete(pid);
    const d = ts - o.ts;
    if (!(d >= 0)) return;
    const list = o.size === PAGE ? this.page : o.size === BLOCK ? this.block : undefined;
    if (!list || list.length >= MAX_SAMPLES) return;
    list.push(d);
    this.firstLine ??= line;
  }

  verdict(): CleanTimingVerdict {
    if (!this.page.length && !this.block.length) return { fwb: undefined, measured: undefined, line: undefined };
    const p = this.page.length ? median(this.page) : undefined;
    const b = this.block.length ? median(this.block) : undefined;
    const parts = [p !== undefined ? `4 KiB cleans median ${us(p)} (${this.page.length})` : undefined, b !== undefined ? `2 MiB cleans median ${us(b)} (${this.block.length})` : undefined].filter(Boolean);
    const measured = `clean_dcache_guest_page timed from entry to return: ${parts.join(', ')}`;
    if (p === undefined || b === undefined || this.page.length < MIN_CALLS || this.block.length < MIN_CALLS || p <= 0)
      return { fwb: undefined, measured: `${measured}; both sizes, ${MIN_CALLS} calls each, are needed to tell a no-op from a clean`, line: this.firstLine };
    const ratio = b / p;
    if (ratio <= NOOP_RATIO) return { fwb: true, measured: `${measured}: a 2 MiB call takes ${ratio.toFixed(1)}x a 4 KiB one, so it cleans nothing`, line: this.firstLine };
    if (ratio >= CLEAN_RATIO) return { fwb: false, measured: `${measured}: a 2 MiB call takes ${ratio.toFixed(0)}x a 4 KiB one, so it cleans to the point of coherency`, line: this.firstLine };
    return { fwb: undefined, measured: `${measured}: a ratio of ${ratio.toFixed(1)} decides neither way`, line: this.firstLine };
  }
}
