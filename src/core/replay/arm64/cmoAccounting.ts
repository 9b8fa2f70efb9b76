// Cache maintenance accounting and the C rules: CMO records (observed from probe lines, or the
// model's prediction), their classification at the end of the trace (C1-C6: FWB and DIC may be
// learnt late) and C7 (a repeated set/way full-VM flush).
import type { FindingClass } from '../../domain/types';
import { findingEntry } from '../../catalog/findings';
import type { TraceEvent } from '../../parse/types';
import { MAX_CMO_RECORDS, type FaultInfo, type Episode, type Decision, type PendingCmo, type VcpuState } from './types';
import { PROT_DEVICE as DEVICE_BIT } from '../../model/arm64/pageTable';
import { Arm64Windows } from './windows';
import { label, message as say, related } from './wording';

// Module-local copies: the bundled CommonJS output reads imported bindings through getters, on every use.
const PROT_DEVICE = DEVICE_BIT;

export class Arm64CmoAccounting extends Arm64Windows {
  /** A CMO probe line: the observed replay classifies these calls themselves rather than the model's prediction. */
  protected cmoProbe(s: VcpuState, ev: TraceEvent, kind: 'dcache' | 'icache', size: number | undefined): void {
    this.sawCmoProbes = true;
    if (!this.cmoFromProbes) return;
    const bytes = size ?? this.geom.granule;
    if (s.ep && s.ep.fault) {
      const list = (s.ep.cmoProbes ??= []);
      if (list.length < 64) list.push({ kind, line: ev.line, ts: ev.ts, size: bytes });
      return;
    }
    // Outside a fault (host-side map, or no fault line seen): the model has no IPA for it.
    const ipa = s.pendingHostMap?.ipa ?? 0;
    this.addCmo({ kind, ipa, size: bytes, line: ev.line, ts: ev.ts, lane: this.hostKey(s), onNoChange: false, reclean: false, observed: true });
  }

  /** <= 5.13: the abort path cleans (and for exec faults invalidates) before mapping, whatever the map then does. */
  protected cmoInFaultPath(dec: Decision, f: FaultInfo, ev: TraceEvent | undefined, key: string, size: number, noChange: boolean): void {
    if (!this.behaviour.cmoInFaultPath) return;
    const base = Math.floor(f.ipa / size) * size;
    const line = ev?.line ?? f.line;
    dec.cmos.push({ kind: 'dcache', ipa: base, size, line, ts: f.ts, lane: key, onNoChange: noChange, reclean: false, observed: false });
    if (f.exec) dec.cmos.push({ kind: 'icache', ipa: base, size, line, ts: f.ts, lane: key, onNoChange: noChange, reclean: false, observed: false });
  }

  /** With CMO probes the trace shows every call: each one is a record, placed and flagged by the model's view of the fault. */
  protected observedCmos(ep: Episode, dec: Decision, f: FaultInfo, lane: string): void {
    // The n-th call of a kind pairs with the model's n-th prediction (its line, so that what-if lanes,
    // which keep the model's records, compare line for line); calls the model did not predict stand alone.
    let nextD = 0;
    let nextI = 0;
    for (const p of ep.cmoProbes ?? []) {
      let model: PendingCmo | undefined;
      const cmos = dec.cmos;
      let j = p.kind === 'dcache' ? nextD : nextI;
      while (j < cmos.length && cmos[j].kind !== p.kind) j++;
      if (j < cmos.length) model = cmos[j];
      if (p.kind === 'dcache') nextD = j + 1;
      else nextI = j + 1;
      const size = model?.size ?? p.size;
      const ipa = model?.ipa ?? Math.floor(f.ipa / size) * size;
      const pm = ep.pendingMap;
      const onNoChange = model?.onNoChange ?? false;
      const reclean = model?.reclean ?? false;
      const dataFault = p.kind === 'icache' && !f.exec;
      const nonCacheable = pm?.prot !== undefined && (pm.prot & PROT_DEVICE) !== 0;
      // Past the record cap only the sums are kept: no record object is built.
      if (this.pendingCmos.length >= MAX_CMO_RECORDS) {
        this.overflowCmo(p.kind, onNoChange, reclean, dataFault, nonCacheable, p.size, model?.mappedBefore);
        continue;
      }
      this.addCmo({
        kind: p.kind, ipa, size: p.size, line: model?.line ?? p.line, ts: model?.ts ?? p.ts, lane, onNoChange, reclean, observed: true,
        dataFault, nonCacheable, ...(model?.mappedBefore !== undefined ? { mappedBefore: model.mappedBefore } : {}),
      });
    }
  }

  /** CMO records are classified at the end (FWB/DIC may be learnt late); beyond a cap only their sums are kept. */
  protected addCmo(c: PendingCmo): void {
    if (this.pendingCmos.length < MAX_CMO_RECORDS) {
      this.pendingCmos.push(c);
      return;
    }
    this.overflowCmo(c.kind, c.onNoChange, c.reclean, c.dataFault === true, c.nonCacheable === true, c.size, c.mappedBefore);
  }

  /** `mappedBefore`: of a re-clean, the bytes mapped before the collapse (the redundant part of a C4). */
  protected overflowCmo(kind: 'dcache' | 'icache', onNoChange: boolean, reclean: boolean, dataFault: boolean, nonCacheable: boolean, size: number, mappedBefore?: number): void {
    // The five flags as a number: no key string per call (huge traces overflow on most CMOs).
    const code = (kind === 'icache' ? 16 : 0) | (onNoChange ? 8 : 0) | (reclean ? 4 : 0) | (dataFault ? 2 : 0) | (nonCacheable ? 1 : 0);
    let agg = this.cmoOverflow.get(code);
    if (agg === undefined) this.cmoOverflow.set(code, (agg = { count: 0, bytes: 0, mappedBefore: 0 }));
    agg.count++;
    agg.bytes += size;
    agg.mappedBefore += mappedBefore ?? size;
  }

  protected cmoClass(kind: 'dcache' | 'icache', onNoChange: boolean, reclean: boolean, fwb: boolean, dic: boolean, dataFault = false, nonCacheable = false): FindingClass | undefined {
    if (onNoChange) return 'C3';
    if (nonCacheable) return 'C6';
    if (kind === 'dcache' && fwb) return 'C1';
    if (kind === 'icache' && dic) return 'C2';
    if (kind === 'icache' && dataFault) return 'C5';
    if (reclean) return 'C4';
    return undefined;
  }

  protected classifyCmos(fwb: boolean, dic: boolean): void {
    const c = this.counters.cmo;
    for (const [code, agg] of this.cmoOverflow) {
      const kind = code & 16 ? 'icache' : 'dcache';
      const cls = this.cmoClass(kind, (code & 8) !== 0, (code & 4) !== 0, fwb, dic, (code & 2) !== 0, (code & 1) !== 0);
      c.calls += agg.count;
      const effective = (kind === 'dcache' && !fwb) || (kind === 'icache' && !dic);
      if (kind === 'dcache' && effective) c.dcacheCleanBytes += agg.bytes;
      if (kind === 'icache' && effective) c.icacheInvalBytes += agg.bytes;
      if (cls) {
        // a re-clean (C4) is redundant only for what was mapped, and cleaned, before the collapse
        c.redundantBytesByClass[cls] = (c.redundantBytesByClass[cls] ?? 0) + (cls === 'C4' ? agg.mappedBefore : agg.bytes);
        this.sink.countUnlisted(cls, agg.count);
      }
    }
    for (const p of this.pendingCmos) {
      c.calls++;
      let cls: FindingClass | undefined;
      let message = '';
      if (p.onNoChange) {
        cls = 'C3';
        message = say.cmoOnNoChange(p.kind, p.size, p.ipa);
      } else if (p.nonCacheable) {
        cls = 'C6';
        message = say.cmoOnDevice(p.kind, p.size, p.ipa);
      } else if (p.kind === 'dcache' && fwb) {
        cls = 'C1';
        message = say.cleanUnderFwb(p.size, p.ipa);
      } else if (p.kind === 'icache' && dic) {
        cls = 'C2';
        message = say.icacheUnderDic(p.size, p.ipa);
      } else if (p.kind === 'icache' && p.dataFault) {
        cls = 'C5';
        message = say.icacheOnData(p.size, p.ipa);
      } else if (p.reclean) {
        cls = 'C4';
        message = say.recleanOnCollapse(p.size, p.ipa, p.mappedBefore, this.geom.granule);
      }
      const effective = (p.kind === 'dcache' && !fwb) || (p.kind === 'icache' && !dic);
      if (p.kind === 'dcache' && effective) c.dcacheCleanBytes += p.size;
      if (p.kind === 'icache' && effective) c.icacheInvalBytes += p.size;
      this.marks.push({ ts: p.ts, lane: p.lane, kind: 'cmo', cls, line: p.line, ipa: p.ipa, size: p.size, label: p.kind === 'dcache' ? 'D-cache clean' : 'I-cache inval' });
      if (!cls) continue;
      c.redundantBytesByClass[cls] = (c.redundantBytesByClass[cls] ?? 0) + (cls === 'C4' ? (p.mappedBefore ?? p.size) : p.size);
      const k = findingEntry(cls);
      this.sink.push({ code: k.code, cls, severity: k.severity, line: p.line, ts: p.ts, vcpu: p.lane, ipa: { start: p.ipa, size: p.size }, message, related: [], observed: p.observed, costNs: undefined });
    }
  }

  /** kvm_set_way_flush fires only when HCR_EL2.TVM was clear, right before stage2_flush_vm(): a second one
   * from a vCPU whose caches were never turned on in between means TVM was lost (docs/kernel-behaviour.md 11, C7). */
  protected setWayFlush(ev: TraceEvent): void {
    const s = this.state(ev);
    const prev = s.setWayFlush;
    s.setWayFlush = { line: ev.line };
    this.marks.push({ ts: ev.ts, lane: s.key, kind: 'cmo', cls: prev ? 'C7' : undefined, line: ev.line, label: label.setWayFlush });
    if (!prev) return;
    const k = findingEntry('C7');
    this.sink.push({
      code: k.code, cls: 'C7', severity: k.severity, line: ev.line, ts: ev.ts, vcpu: s.key, ipa: undefined,
      message: say.setWayAgain(),
      related: [{ line: prev.line, message: related.previousSetWay }],
      observed: true, costNs: undefined,
    });
  }
}
