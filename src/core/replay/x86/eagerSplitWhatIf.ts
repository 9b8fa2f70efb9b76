// The eager-split what-if for x86 (kvm.eager_page_split, David Matlack, v5.18+): replays a trace
// as if huge pages had been split in the dirty-log ioctl (memslot LOG_DIRTY_PAGES, or
// KVM_CLEAR_DIRTY_LOG with manual protect) instead of in the fault path, or the reverse. Regions
// where the what-if differs from the trace keep a virtual copy of their 4 KiB children; faults there
// get the outcome the kernel would have produced on that virtual state.
import { alignGfn, pagesPerEntry } from '../../model/x86/geometry';

export type EagerMode = 'as-trace' | 'on' | 'off';

interface VirtualChild {
  writable: boolean;
  mmuWritable: boolean;
}

export interface WhatIfRegion {
  gfn: number;
  level: number;
  /** `split`: the what-if has 4 KiB children; `unsplit`: the what-if still has the write-protected huge SPTE. */
  mode: 'split' | 'unsplit';
  hugeMmuWritable: boolean;
  children: Map<number, VirtualChild>;
  line: number;
}

export type WhatIfDecision = 'fast_fixed' | 'fast_spurious' | 'fast_fail+slow_unwp' | 'fast_fail+slow_unwp+split';

export class EagerSplitWhatIf {
  private readonly regions = new Map<number, WhatIfRegion>();
  /** Huge pages the what-if splits in the ioctl although the trace did not. */
  virtualEagerSplits = 0;
  /** Huge pages the what-if splits in the fault path although the trace split them eagerly. */
  virtualFaultSplits = 0;
  /** Real splits that the what-if does not perform where the trace did (fault-path splits moved to the ioctl, eager ones undone). */
  suppressedFaultSplits = 0;
  suppressedEagerSplits = 0;

  constructor(readonly mode: EagerMode) {}

  get active(): boolean {
    return this.mode !== 'as-trace';
  }

  private static key(gfn: number, level: number): number {
    return alignGfn(gfn, level) * 8 + level;
  }

  /** The divergent region covering a 4 KiB gfn, if any. */
  regionOf(gfn: number): WhatIfRegion | undefined {
    for (const level of [2, 3]) {
      const r = this.regions.get(EagerSplitWhatIf.key(gfn, level));
      if (r) return r;
    }
    return undefined;
  }

  get divergentRegions(): number {
    return this.regions.size;
  }

  /**
   * A host task (an ioctl, not a vCPU) changed an SPTE. With the what-if on, write-protecting a huge
   * leaf is where eager splitting would have split it; with it off, an eager split is where the huge
   * leaf would only have been write-protected (`clearsMmuWritable`: the KVM_CLEAR_DIRTY_LOG path,
   * kvm_mmu_slot_gfn_write_protect, also clears MMU-writable).
   */
  onHostChange(gfn: number, level: number, transition: string, line: number, clearsMmuWritable: boolean): void {
    if (!this.active) return;
    const k = EagerSplitWhatIf.key(gfn, level);
    if (this.mode === 'on' && level >= 2 && transition === 'wrprot') {
      if (!this.regions.has(k)) {
        this.regions.set(k, { gfn: alignGfn(gfn, level), level, mode: 'split', hugeMmuWritable: true, children: new Map(), line });
        this.virtualEagerSplits++;
      }
      return;
    }
    if (this.mode === 'off' && level >= 2 && transition === 'split') {
      this.regions.set(k, { gfn: alignGfn(gfn, level), level, mode: 'unsplit', hugeMmuWritable: !clearsMmuWritable, children: new Map(), line });
      this.suppressedEagerSplits++;
      return;
    }
    const region = level === 1 ? this.regionOf(gfn) : this.regions.get(k);
    if (!region) return;
    if (transition === 'zap' || transition === 'unlink') {
      // Logging stopped (zap for huge-page recovery) or teardown: real and what-if agree again.
      this.regions.delete(EagerSplitWhatIf.key(region.gfn, region.level));
      return;
    }
    if (level === 1 && transition === 'wrprot' && region.mode === 'split') this.child(region, gfn).writable = false;
  }

  /** A real fault-path split of a huge page; returns true when the what-if would not split there. */
  onFaultSplit(gfn: number): boolean {
    const region = this.regionOf(gfn);
    if (region && this.mode === 'on') {
      this.suppressedFaultSplits++;
      return true;
    }
    return false;
  }

  private child(region: WhatIfRegion, gfn: number): VirtualChild {
    let c = region.children.get(gfn);
    if (!c) {
      c = { writable: false, mmuWritable: region.hugeMmuWritable };
      region.children.set(gfn, c);
    }
    return c;
  }

  /** The what-if outcome of a write fault on `gfn` (undefined: not in a divergent region, real outcome stands). */
  decide(gfn: number, write: boolean): WhatIfDecision | undefined {
    if (!this.active || !write) return undefined;
    const region = this.regionOf(gfn);
    if (!region) return undefined;
    if (region.mode === 'unsplit') {
      region.mode = 'split';
      this.virtualFaultSplits++;
      const c = this.child(region, gfn);
      c.writable = true;
      c.mmuWritable = true;
      return 'fast_fail+slow_unwp+split';
    }
    const c = this.child(region, gfn);
    let out: WhatIfDecision;
    if (c.writable) out = 'fast_spurious';
    else if (c.mmuWritable) out = 'fast_fixed';
    else out = 'fast_fail+slow_unwp';
    c.writable = true;
    c.mmuWritable = true;
    return out;
  }

  /** Pages covered by a region (for messages). */
  static pages(region: WhatIfRegion): number {
    return pagesPerEntry(region.level);
  }
}
