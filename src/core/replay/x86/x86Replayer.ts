// The x86 replay: drives the SPTE model (src/core/model/x86) from kvm/kvmmmu events, correlates
// per-vCPU fault episodes (kvm_exit -> kvm_page_fault -> MMU events -> kvm_entry), classifies each
// fault's outcome (fast fixed/spurious, slow map/unprotect/rewrite, retry, split) and turns them into
// findings: S1 lost races, S5 fault-path splits, X1 SPTE rewrites, X2 lost split races (errno -16),
// X3 fast-path failures; remote TLB flush probes are counted (counters.tlbi). Settings used:
// ModelConfig.eagerSplitChunk (0 = as if kvm.eager_page_split=N, > 0 = as if Y, 'auto' = as the
// trace shows) and ignoreEvents (lines replayed as if absent). Built in layers like the arm64 replay
// (replayState -> hostActions -> faultRules -> intake -> this file, which writes the output); the
// findings' sentences are in wording.ts.
import type { CoverageItem, EntryState, ModelConfig } from '../../domain/types';
import { bytesPerEntry, gpaBitsForRootLevel } from '../../model/x86/geometry';
import { decodeSpte, sptePerms } from '../../model/x86/spte';
import { flavourCoverage } from './mmuFlavour';
import type { X86ReplayOutput, X86Replayer } from './types';
import { X86Intake } from './intake';

export type { X86Details, X86ReplayOutput, X86Replayer } from './types';
export type { X86SegmentSummary } from './segmentTally';

export function createX86Replayer(config: ModelConfig): X86Replayer {
  return new X86ReplayerImpl(config);
}

class X86ReplayerImpl extends X86Intake implements X86Replayer {
  finish(): X86ReplayOutput {
    for (const ep of [...this.open.values()]) this.closeEpisode(ep, ep.faultTs);
    this.flushHostRun();
    for (const s of this.segments) s.close();
    this.sink.findings.sort((a, b) => a.line - b.line);
    const fl = this.flavour.result();
    // Eager page splitting is a TDP MMU feature (kernel-parameters.txt: "only supported when kvm.tdp_mmu=Y"): without
    // it the ioctls split nothing, whatever the parameter says (the real tdp_mmu=N / npt=0 runs with Y and N agree).
    // A legacy MMU that is only assumed (no SPTE events) implies nothing about splitting.
    const noTdpMmu = (fl.flavour === 'legacy-tdp' && !fl.assumed) || fl.flavour === 'shadow';
    const traceEager: 'Y' | 'N' | 'unknown' = this.hostSplits > 0 ? 'Y' : this.faultSplits > 0 || this.hostHugeWp > 0 || noTdpMmu ? 'N' : this.eagerFromMarker ?? 'unknown';
    const mode = this.whatIf.mode;
    // Splits as the replayed configuration has them.
    this.counters.splits.fault = this.faultSplits - this.whatIf.suppressedFaultSplits + this.whatIf.virtualFaultSplits;
    this.counters.splits.eager = this.hostSplits - this.whatIf.suppressedEagerSplits + this.whatIf.virtualEagerSplits;
    const detected: string[] = [`MMU: ${fl.why}`];
    if (fl.rootLevel)
      detected.push(fl.flavour === 'shadow'
        ? `paging levels: ${fl.rootLevel} (shadow root at level ${fl.rootLevel}: the guest's own paging mode)`
        : `paging levels: ${fl.rootLevel} (root SPTEs at level ${fl.rootLevel}: ${gpaBitsForRootLevel(fl.rootLevel)}-bit guest physical addresses)`);
    const layouts = { ept: 'EPT (A bit 8, D bit 9, Host-/MMU-writable bits 57/58)', npt: 'NPT/x86 page-table bits (A bit 5, D bit 6, Host-/MMU-writable bits 9/10)' };
    // The layout follows the vendor's exits; shadow SPTEs use the x86 page-table bits on both vendors.
    const spteEvents = this.flavour.tdpChanges + this.flavour.setSptes + this.flavour.fastFaults + this.flavour.splitEvents;
    if (fl.paging !== 'unknown' || fl.flavour === 'shadow') detected.push(`SPTE layout: ${layouts[fl.format]}; present = bit 11`);
    else if (spteEvents > 0) detected.push(`SPTE layout: unknown (no NPT/EPT exit in the trace says which); SPTE values are decoded with the ${layouts.npt}`);
    // What the trace shows about eager splitting, and what is inferred from the MMU flavour: said apart.
    const eagerLine = this.hostSplits > 0
      ? `Y in the trace (the dirty-log ioctls split ${this.hostSplits} huge page(s) themselves)`
      : noTdpMmu
        ? `none, inferred from the MMU: the trace shows ${fl.flavour === 'shadow' ? 'shadow paging' : 'the legacy MMU'}, and eager page splitting needs the TDP MMU (kvm.tdp_mmu=Y); ${this.faultSplits} huge page(s) dropped in the fault path${this.eagerFromMarker ? ` (the marker says eager_page_split=${this.eagerFromMarker}: without the TDP MMU it has no effect)` : ''}`
        : this.faultSplits > 0 || this.hostHugeWp > 0
        ? `N in the trace (the ioctls write-protected ${this.hostHugeWp} huge SPTE(s) and vCPUs split ${this.faultSplits} in the fault path)`
        : this.eagerFromMarker ? `${this.eagerFromMarker}, from the marker (eager_page_split=${this.eagerFromMarker}); no split in the trace` : 'unknown (no split and no huge-page write-protect in the trace)';
    detected.push(`eager page split: ${eagerLine}${mode === 'as-trace' ? '' : `; replayed as if eager_page_split=${mode === 'on' ? 'Y' : 'N'} (${this.whatIf.virtualEagerSplits + this.whatIf.suppressedEagerSplits} huge page(s) handled differently)`}`);
    if (mode === 'on' && fl.flavour !== 'tdp-mmu') detected.push('eager-split what-if needs kvm_tdp_mmu_spte_changed (the TDP MMU) to see which huge SPTEs the ioctl protected; nothing was changed');
    if (this.remoteFlushes > 0) detected.push(`remote TLB flushes (kvm_flush_remote_tlbs* probes): ${this.counters.tlbi.vmid} whole-VM, ${this.counters.tlbi.range} ranged`);
    if (this.hugeRecovered > 0) detected.push(`huge pages recovered after dirty logging stopped: ${this.hugeRecovered} (zap of the 4 KiB SPTEs, then ${this.hugeRecovered} huge refault(s))`);
    if (this.inferredFastFaults > 0) detected.push(`fast page faults inferred from the model (fast_page_fault absent): ${this.inferredFastFaults}${this.untracedProtects > 0 ? `, ${this.untracedProtects} of them after a write-protection the trace does not show` : ''}`);
    const x3Total = Object.values(this.fastPathFailures).reduce((a, b) => a + b, 0);
    if (x3Total > 0) {
      const inherited = this.fastPathFailures['not-mmu-writable-inherited-from-split'] ?? 0;
      const why = inherited > 0
        ? `; ${inherited} 4 KiB SPTEs lack MMU-writable because their huge parents were write-protected with kvm_mmu_slot_gfn_write_protect (KVM_CLEAR_DIRTY_LOG with manual protect and eager_page_split=N) and split children inherit the bit, so only the slow path may unprotect them; eager splitting at KVM_CLEAR_DIRTY_LOG splits first and keeps MMU-writable`
        : '';
      detected.push(`fast-path failures (X3): ${x3Total} — ${Object.entries(this.fastPathFailures).map(([k, v]) => `${k} ${v}`).join(', ')}${why}`);
    }
    if (this.loggingOn) detected.push('dirty logging was still on at the end of the trace');
    const sinkNote = this.sink.droppedNote();
    if (sinkNote) detected.push(sinkNote);
    const dropNote = this.marks.droppedNote();
    if (dropNote) detected.push(dropNote);
    if (this.table.historyTruncated) detected.push('SPTE history for hovers truncated (very long trace)');

    const rootLevel = fl.rootLevel ?? 4;
    const resolved: ModelConfig = {
      ...this.config,
      arch: 'x86',
      granule: 4096,
      ipaBits: fl.rootLevel ? gpaBitsForRootLevel(rootLevel) : this.config.ipaBits,
      eagerSplitChunk: this.config.eagerSplitChunk === 'auto' ? (traceEager === 'Y' ? 2 * 1024 * 1024 : traceEager === 'N' ? 0 : 'auto') : this.config.eagerSplitChunk,
    };
    const coverage: CoverageItem[] = flavourCoverage(fl, { fastFaults: this.fastSeen, splitEvents: this.hostSplits + this.faultSplits });
    const supported = coverage.filter((c) => c.support !== 'none').map((c) => `${c.analysis} (${c.support})`);
    const notApplicable = coverage.filter((c) => c.support === 'none').map((c) => c.analysis);
    detected.splice(1, 0, `${fl.flavour}${fl.assumed ? ' (assumed)' : ''} supports: ${supported.join(', ') || 'nothing'}${notApplicable.length ? `; not on x86 / not in this trace: ${notApplicable.join(', ')}` : ''}`);

    const lanes = [...this.laneOrder].sort((a, b) => a.vcpu - b.vcpu).map((l) => ({ id: l.id, label: l.id }));
    lanes.push({ id: 'host', label: 'host' });

    const stateAt = (line: number, ipa: number): EntryState | undefined => {
      const gfn = Math.floor(ipa / 4096);
      for (let level = 1; level <= 5; level++) {
        const h = this.table.valueAt(gfn, level, line);
        if (!h) continue;
        const info = decodeSpte(h.spte, level, this.table.format);
        if (!info.present) {
          if (level === 1) return { ipa, level, leaf: 'invalid', size: 4096, perms: '---', mappedAtLine: undefined, mappedBy: undefined, invalidWindowOpen: false, lastCmoLine: undefined, observed: true };
          continue;
        }
        if (info.leaf)
          return { ipa, level, leaf: level === 1 ? 'page' : 'block', size: bytesPerEntry(level), perms: sptePerms(h.spte, level, this.table.format), mappedAtLine: h.line, mappedBy: h.actor, invalidWindowOpen: false, lastCmoLine: undefined, observed: true };
        if (h.splitFrom !== undefined)
          return { ipa, level: level - 1, leaf: 'page', size: bytesPerEntry(level - 1), perms: sptePerms(h.splitFrom, level, this.table.format), mappedAtLine: h.line, mappedBy: h.actor, invalidWindowOpen: false, lastCmoLine: undefined, observed: false };
        return { ipa, level, leaf: 'table', size: bytesPerEntry(level), perms: '---', mappedAtLine: h.line, mappedBy: h.actor, invalidWindowOpen: false, lastCmoLine: undefined, observed: true };
      }
      return undefined;
    }

    return {
      findings: this.sink.findings,
      counters: this.counters,
      marks: this.marks,
      lanes,
      detected,
      config: resolved,
      coverage,
      stateAt,
      internalErrors: this.errors.result(),
      x86: {
        flavour: fl,
        segments: this.segments.map((s) => s.summary).filter((s) => s.faults > 0 || s.label !== '(start)' || Object.keys(s.transitions).length > 0),
        eagerSplit: { trace: traceEager, replayed: mode, hostSplits: this.hostSplits, faultSplits: this.faultSplits, hostHugeWriteProtects: this.hostHugeWp, divergentRegions: this.whatIf.virtualEagerSplits + this.whatIf.suppressedEagerSplits },
        fastPathFailures: this.fastPathFailures,
        hugePagesRecovered: this.hugeRecovered,
        inferredFastFaults: this.inferredFastFaults,
      },
    };
  }
}
