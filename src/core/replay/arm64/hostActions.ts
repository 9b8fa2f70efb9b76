// Host actions on the stage-2 table: host-side maps, unmaps (probe or MMU notifier), write-protects,
// eager splits (observed or what-if), their TLBI accounting and marks, the recording's CPU features,
// and P1 (a change or a fault inside a pinned range).
import { findingEntry } from '../../catalog/findings';
import type { TraceEvent } from '../../parse/types';
import { type OpResult, splitChunks } from '../../model/arm64/pageTable';
import { REC_PERMS_CLEAR_W, REC_SPLIT, REC_UNMAP } from './stateHistory';
import { HOST, markerBit, type FaultInfo, type VcpuState, type MarkerFeatures } from './types';
import { Arm64CmoAccounting } from './cmoAccounting';
import { label, message } from './wording';

export class Arm64HostActions extends Arm64CmoAccounting {
  /** Takes the CPU features the recording script saw (dmesg / ID registers) for every 'auto' setting. */
  protected applyCpuFeatures(): void {
    const f = this.recording?.()?.cpuFeatures;
    if (!f) return;
    const m: MarkerFeatures = {
      fwb: markerBit(f.fwb), dic: markerBit(f.dic), idc: markerBit(f.idc), tlbiRange: markerBit(f.tlbirange), haf: markerBit(f.hafdbs),
    };
    this.marker = m;
    if (this.cfg.fwb === 'auto' && m.fwb !== undefined) this.pt.features.fwb = m.fwb;
    if (this.cfg.dic === 'auto' && m.dic !== undefined) this.pt.features.dic = m.dic;
    if (this.cfg.tlbiRange === 'auto' && m.tlbiRange !== undefined) this.pt.features.tlbiRange = m.tlbiRange || this.tlbiRangeSeen;
  }

  protected noteRangeTlbi(line: number): void {
    this.evidence.rangeTlbi ??= line;
    if (!this.tlbiRangeSeen) {
      this.tlbiRangeSeen = true;
      if (this.cfg.tlbiRange === 'auto') this.pt.features.tlbiRange = true;
    }
  }

  protected hostUnmap(ev: TraceEvent, s: VcpuState, ipa: number, size: number): void {
    const key = this.hostKey(s);
    const removedBlock = this.pt.lookup(ipa);
    const r = this.pt.unmap(ipa, size, { line: ev.line, actor: this.actor(key) });
    this.account(r, ev, key, ipa, size, false);
    this.history.add(REC_UNMAP, removedBlock.kind === 'leaf' ? Math.min(ipa, removedBlock.base) : ipa, removedBlock.kind === 'leaf' ? Math.max(size, removedBlock.size) : size, ev.line, removedBlock.level, 0, this.actor(key));
    if (r.result !== 'noop') {
      const span = removedBlock.kind === 'leaf' ? { base: Math.min(ipa, removedBlock.base), size: Math.max(size, removedBlock.size) } : { base: ipa, size };
      for (let reg = Math.floor(span.base / this.regionSize); reg * this.regionSize < span.base + span.size; reg++) {
        const prev = this.hostUnmaps.get(reg);
        if (!prev || prev.line < ev.line) this.hostUnmaps.set(reg, { line: ev.line, size: span.size });
      }
      const removedWhole = removedBlock.kind === 'leaf' && removedBlock.size > size ? removedBlock.size : undefined;
      this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, ipa: span.base, size: span.size, label: label.unmap(size, ipa, removedWhole) });
    }
    this.checkPinned(ev, key, ipa, size, 'unmap');
  }

  protected hostWrprotect(ev: TraceEvent, s: VcpuState, ipa: number, size: number): void {
    const key = this.hostKey(s);
    this.sawWrprotect = true;
    const r = this.pt.wrprotect(ipa, size, { line: ev.line, actor: this.actor(key) }, { flush: !this.wpFlushPending });
    if (r.result === 'ok') this.wpFlushPending = true;
    this.account(r, ev, key, ipa, size, false);
    this.history.add(REC_PERMS_CLEAR_W, ipa, size, ev.line, 0, 0, this.actor(key));
    this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, ipa, size, label: label.wrprotect(size, ipa) });
    this.checkPinned(ev, key, ipa, size, 'write-protect');
    // What-if eager split on a trace without it: the kernel splits right after write-protecting (6.3).
    if (this.eagerWhatIf()) {
      this.eagerSplit(ev, key, ipa, size, false);
    }
  }

  /** `startTs`: when the trace's own kvm_pgtable_stage2_split call began (observed splits). */
  protected eagerSplit(ev: TraceEvent, key: string, ipa: number, size: number, observed: boolean, startTs?: number): void {
    // Lock-hold chunks: each kvm_pgtable_stage2_split() call the trace shows is one; a what-if splits
    // the write-protected range in chunks of the configured size, as kvm_mmu_split_huge_pages() does.
    const chunk = observed ? undefined : typeof this.cfg.eagerSplitChunk === 'number' && this.cfg.eagerSplitChunk > 0 ? this.cfg.eagerSplitChunk : this.regionSize;
    const r = this.pt.split(ipa, size, { line: ev.line, actor: this.actor(key) }, chunk);
    if (r.splits === 0) return;
    this.account(r, ev, key, ipa, size, true);
    const costs = this.counters.splitCosts;
    costs.eagerChunks += chunk === undefined ? 1 : splitChunks(ipa, size, chunk).length;
    // Each block split is a break-before-make: the probes time the trace's own (as windows); a
    // what-if's, or the trace's without break/make probes, are counted untimed.
    if (!observed || !this.sawBreakProbes) {
      this.counters.invalidWindows.count += r.windows.length;
      this.counters.invalidWindows.untimed += r.windows.length;
    }
    if (observed && startTs !== undefined) {
      costs.timedEager.chunks++;
      costs.timedEager.blocks += r.splits;
      costs.timedEager.ns += ev.ts - startTs;
    }
    for (const w of r.windows) this.history.add(REC_SPLIT, w.ipa, w.size, ev.line, 3, 0, this.actor(key));
    for (const w of r.bbmAvoided) this.history.add(REC_SPLIT, w.ipa, w.size, ev.line, 3, 0, this.actor(key));
    this.marks.push({ ts: ev.ts, lane: HOST, kind: 'split', line: ev.line, ipa, size, label: label.eagerSplit(r.splits, observed) });
    this.checkPinned(ev, key, ipa, size, 'split');
  }

  protected lazyEagerSplit(ev: TraceEvent, base: number, size: number): void {
    // Without a visible dirty-log enable, the what-if splits every write-protected block at the first sign of logging.
    this.eagerSplit(ev, HOST, base, size, false);
  }

  protected checkPinned(ev: TraceEvent, key: string, ipa: number, size: number, what: string): void {
    for (const p of this.cfg.pinned) {
      if (ipa < p.start + p.size && ipa + size > p.start) {
        this.sink.push({
          code: findingEntry('P1').code, cls: 'P1', severity: 'warning', line: ev.line, ts: ev.ts, vcpu: key,
          ipa: { start: ipa, size },
          message: message.pinnedChange(what, p.label, p.start, p.size),
          related: [], observed: true, costNs: undefined,
        });
      }
    }
  }

  protected inPinned(f: FaultInfo, lane: string, cost: number): void {
    const pinned = this.cfg.pinned;
    if (pinned.length === 0) return;
    for (const p of pinned) {
      if (f.ipa >= p.start && f.ipa < p.start + p.size) {
        this.sink.push({
          code: findingEntry('P1').code, cls: 'P1', severity: 'warning', line: f.line, ts: f.ts, vcpu: lane, ipa: { start: f.ipa, size: this.geom.granule },
          message: message.pinnedFault(p.label, p.start), related: [], observed: true, costNs: cost,
        });
      }
    }
  }

  protected account(r: OpResult, ev: TraceEvent, key: string, ipa: number, size: number, eager: boolean): void {
    const t = this.counters.tlbi;
    t.ipa += r.tlbi.ipa;
    t.ipaNsh += r.tlbi.ipaNsh;
    t.range += r.tlbi.range;
    t.vmid += r.tlbi.vmid;
    if (eager) this.counters.splits.eager += r.splits;
    else this.counters.splits.fault += r.splits;
    this.counters.coalesces += r.coalesces;
    const costs = this.counters.splitCosts;
    costs.tablePages += r.tablePages;
    if (r.splits > 0) {
      for (const w of r.windows) if (w.kind === 'split') this.splitStarted(w.ipa, w.size, ev.ts);
      for (const w of r.bbmAvoided) if (w.kind === 'split') this.splitStarted(w.ipa, w.size, ev.ts);
    }
    if (r.coalesces > 0) this.splitEnded(ipa, size, ev.ts);
    const lane = key;
    const tl = r.tlbi.ipa + r.tlbi.ipaNsh + r.tlbi.range + r.tlbi.vmid;
    if (tl > 0 && (r.splits > 0 || r.coalesces > 0 || r.tlbi.range + r.tlbi.vmid > 0)) {
      this.marks.push({ ts: ev.ts, lane, kind: 'tlbi', line: ev.line, ipa, size, label: label.tlbi(tl) });
    }
    if (r.coalesces > 0) this.marks.push({ ts: ev.ts, lane, kind: 'coalesce', line: ev.line, ipa, size, label: label.coalesce(size) });
    if (r.splits > 0 && !eager) this.marks.push({ ts: ev.ts, lane, kind: 'split', line: ev.line, ipa, size, label: label.faultPathSplit });
  }
}
