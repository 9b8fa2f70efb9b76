// Event intake: trace events to per-vCPU fault episodes (kvm_exit -> kvm_guest_fault -> probe and
// function lines -> kvm_entry on one task), and an episode's close, where its decision becomes
// counts, marks and a finding.
import { findingEntry } from '../../catalog/findings';
import type { Decoded, TraceEvent } from '../../parse/types';
import { REC_MAP } from './stateHistory';
import { HOST, NO_ARGS, kindLevel, type FaultInfo, type Episode, type VcpuState, type WindowEntry } from './types';
import { PROT_R as R_BIT, PROT_W as W_BIT, PROT_X as X_BIT, PROT_DEVICE as DEVICE_BIT } from '../../model/arm64/pageTable';
import { Arm64FaultRules } from './faultRules';
import { label } from './wording';

// Module-local copies: the bundled CommonJS output reads imported bindings through getters, on every use.
const PROT_R = R_BIT;
const PROT_W = W_BIT;
const PROT_X = X_BIT;
const PROT_DEVICE = DEVICE_BIT;

export class Arm64Intake extends Arm64FaultRules {
  event(ev: TraceEvent): void {
    if (ev.ts > this.lastTs) this.lastTs = ev.ts;
    if (ev.line > this.maxLine) this.maxLine = ev.line;
    const d = ev.decoded;
    if (!d) return;
    try {
      this.dispatch(ev, d);
    } catch (e) {
      // A malformed combination of events must never stop the replay: the event is skipped, and counted.
      this.errors.note(ev.line, e);
    }
  }

  protected dispatch(ev: TraceEvent, d: Decoded): void {
    switch (d.kind) {
      case 'arm64.kvm_exit': {
        const s = this.state(ev);
        s.isVcpu = true;
        if (s.ep) this.close(s, ev);
        s.ep = this.newEpisode(s, ev);
        return;
      }
      case 'arm64.kvm_entry': {
        this.wpFlushPending = false;
        const s = this.state(ev);
        s.isVcpu = true;
        if (s.ep) this.close(s, ev);
        s.lastEntryTs = ev.ts;
        s.lastEntryLine = ev.line;
        return;
      }
      case 'arm64.kvm_guest_fault': {
        const s = this.state(ev);
        s.isVcpu = true;
        if (!s.ep || s.ep.fault) {
          if (s.ep) this.close(s, ev);
          s.ep = this.newEpisode(s, ev);
        }
        const esr = d.esrInfo;
        const s1ptw = esr.s1ptw;
        const isIabt = esr.ec === 0x20;
        const write = esr.faultClass === 'permission' ? esr.wnr || s1ptw : esr.wnr && !s1ptw && !isIabt;
        s.ep.fault = { line: ev.line, ts: ev.ts, ipa: d.ipa, esr, write, exec: isIabt && !s1ptw, pc: d.pc };
        if (s.pendingLostRace) this.settleLostRace(s, s.ep.fault);
        this.onFaultArrival(s, s.ep.fault);
        return;
      }
      case 'arm64.kvm_access_fault':
        return;
      case 'kvm.kvm_mmio': {
        const s = this.state(ev);
        if (s.ep) s.ep.mmio = true;
        if (s.vcpuIndex === undefined && d.type === 'write') s.vcpuIndex = Number(d.val & 0xffn);
        return;
      }
      case 'kvm.kvm_userspace_exit': {
        const s = this.state(ev);
        if (s.ep && d.reason.includes('MMIO')) s.ep.mmio = true;
        return;
      }
      case 'kvm.vcpu_index': {
        const s = this.state(ev);
        // kvm_get_timer_map on the VMM's main thread lists every vCPU; only a vCPU thread's own line counts.
        if (s.isVcpu || s.ep) s.vcpuIndex = d.vcpu;
        else s.pendingIndex = d.vcpu;
        return;
      }
      case 'kvm.kvm_unmap_hva_range':
        this.lastNotifierUnmapLine = ev.line;
        this.notifier = { line: ev.line, unmapLine: undefined, endedBy: undefined };
        this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, label: label.notifierUnmap });
        return;
      case 'kvm.kvm_age_hva':
        this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, label: label.notifierAge });
        return;
      case 'arm64.kvm_set_way_flush':
        this.setWayFlush(ev);
        return;
      case 'arm64.kvm_toggle_cache': {
        // Caches on: KVM clears HCR_EL2.TVM, so the next set/way op flushes again, legitimately.
        if (d.now) this.state(ev).setWayFlush = undefined;
        if (d.was !== d.now) this.marks.push({ ts: ev.ts, lane: this.state(ev).key, kind: 'cmo', line: ev.line, label: label.cachesToggled(d.now) });
        return;
      }
      case 'marker':
        if (d.text.includes('cpu-features')) this.applyCpuFeatures();
        else if (d.text.includes('probe s2_map') && !this.cfg.tracepointsOnly) this.mapProbesDeclared = this.recording?.()?.probes.some((p) => p.op === 'map') ?? false;
        this.marks.push({ ts: ev.ts, lane: HOST, kind: 'marker', line: ev.line, label: d.text.slice(0, 120) });
        this.phases.push({ label: d.text.slice(0, 160), line: ev.line, faults: 0, faultsByKindLevel: {}, byClass: {} });
        return;
      case 'kprobe':
        this.kprobe(ev, d);
        return;
      case 'kretprobe':
        this.kretprobe(ev, d);
        return;
      case 'function':
        this.functionLine(ev, d.op);
        return;
      case 'funcgraph':
        if (d.phase === 'exit' && d.op === 'map' && d.retval !== undefined) this.mapReturned(this.state(ev), ev, d.retval);
        else if (d.phase !== 'exit') this.functionLine(ev, d.op);
        return;
      default:
        return;
    }
  }

  protected newEpisode(s: VcpuState, ev: TraceEvent): Episode {
    if (s.vcpuIndex === undefined && s.pendingIndex !== undefined) s.vcpuIndex = s.pendingIndex;
    return {
      exitTs: ev.ts,
      exitLine: ev.line,
      runStartTs: s.lastEntryTs,
      runStartLine: s.lastEntryLine,
      mmio: false,
      resolved: false,
      fnTryLeaf: 0,
      fnMakePte: 0,
      fnMap: false,
      sawLocked: false,
      appliedAtBreak: false,
      observedDcache: 0,
      observedIcache: 0,
      cmoProbes: undefined,
      // Every field present from the start: one hidden class for all episodes keeps the hot paths monomorphic.
      fault: undefined,
      pendingMap: undefined,
      pendingRelax: undefined,
      decision: undefined,
    };
  }

  protected mapReturned(s: VcpuState, ev: TraceEvent, ret: number): void {
    if (s.ep && s.ep.fault && !s.ep.resolved) {
      this.resolve(s, ev, { mapRet: ret });
      return;
    }
    const m = s.pendingHostMap;
    s.pendingHostMap = undefined;
    if (m && ret === 0) {
      const r = this.pt.map(m.ipa, m.size, m.prot, { line: m.line, actor: this.actor(HOST) });
      this.account(r, ev, HOST, m.ipa, m.size, false);
      this.history.add(REC_MAP, m.ipa, m.size, m.line, r.level ?? 3, m.prot, this.actor(HOST));
    }
  }

  protected kprobe(ev: TraceEvent, d: Extract<Decoded, { kind: 'kprobe' }>): void {
    const s = this.state(ev);
    const a = d.s2 ?? NO_ARGS;
    switch (d.op) {
      case 'map':
        this.sawMapProbes = true;
        if (s.ep?.fault) this.noteRetryPassed(ev);
        if (a.ipa !== undefined && a.size !== undefined) {
          if (s.ep && s.ep.fault) s.ep.pendingMap = { ipa: a.ipa, size: a.size, prot: a.prot, line: ev.line };
          else s.pendingHostMap = { ipa: a.ipa, size: a.size, prot: a.prot ?? PROT_R | PROT_W, line: ev.line };
          if (a.prot !== undefined && s.ep?.fault && !s.ep.fault.exec && a.prot & PROT_X && !(a.prot & PROT_DEVICE)) this.dicEvidence ??= ev.line;
        }
        return;
      case 'relax':
        if (s.ep?.fault) this.noteRetryPassed(ev);
        if (a.ipa !== undefined && s.ep) s.ep.pendingRelax = { ipa: a.ipa, prot: a.prot, line: ev.line };
        return;
      case 'unmap':
        this.sawUnmapProbes = true;
        if (this.notifier && this.notifier.unmapLine === undefined) this.notifier.unmapLine = ev.line;
        if (a.ipa !== undefined && a.size !== undefined) this.hostUnmap(ev, s, a.ipa, a.size);
        return;
      case 'wrprotect':
        if (a.ipa !== undefined && a.size !== undefined) this.hostWrprotect(ev, s, a.ipa, a.size);
        return;
      case 'split':
        if (a.ipa !== undefined && a.size !== undefined) {
          this.evidence.eagerSplits ??= ev.line;
          // Applied at the return, so that the per-block break probes inside it still see the blocks.
          if (this.cfg.eagerSplitChunk !== 0) s.pendingSplit = { ipa: a.ipa, size: a.size, ts: ev.ts };
        }
        return;
      case 'mkyoung':
        if (a.ipa !== undefined) this.pt.setAccessFlag(a.ipa, true);
        return;
      case 'age':
        if (a.ipa !== undefined && a.size !== undefined && a.mkold) this.pt.clearYoungRange(a.ipa, a.size);
        return;
      case 'tlbi-ipa-nsh':
        this.evidence.nshTlbi ??= ev.line;
        return;
      case 'tlbi-range':
        this.noteRangeTlbi(ev.line);
        return;
      case 'dcache-clean':
        this.cleanTiming.entered(ev.pid, ev.ts, a.size);
        if (s.ep) s.ep.observedDcache++;
        if (s.ep && s.ep.fault && (!s.ep.resolved || s.ep.appliedAtBreak)) {
          // Before the map probe: <= 5.13's user_mem_abort(); inside it: 5.14+'s stage2_map_walker_try_leaf().
          if (s.ep.pendingMap) this.evidence.dcacheInsideMap ??= ev.line;
          else this.evidence.dcacheBeforeMap ??= ev.line;
        }
        this.cmoProbe(s, ev, 'dcache', a.size);
        return;
      case 'icache-inval':
        if (s.ep) s.ep.observedIcache++;
        this.cmoProbe(s, ev, 'icache', a.size);
        return;
      case 'try-break':
        this.sawBreakProbes = true;
        if (a.ipa !== undefined && a.level !== undefined && a.oldDesc !== undefined) {
          const size = this.sizeAt(a.level);
          s.lastBreak = { ipa: Math.floor(a.ipa / size) * size, level: a.level, old: a.oldDesc, ts: ev.ts, line: ev.line };
          // The entry may already be locked before the return probe fires: open the window now.
          if ((a.oldDesc & 1n) === 1n && a.level < 3) this.openObservedWindow(s, s.lastBreak);
        }
        return;
      default:
        return;
    }
  }

  protected kretprobe(ev: TraceEvent, d: Extract<Decoded, { kind: 'kretprobe' }>): void {
    const s = this.state(ev);
    switch (d.op) {
      case 'map':
        if (d.ret !== undefined) this.mapReturned(s, ev, d.ret);
        return;
      case 'relax':
        if (s.ep && s.ep.fault && !s.ep.resolved) this.resolve(s, ev, { relaxRet: d.ret ?? 0 });
        return;
      case 'split': {
        const p = s.pendingSplit;
        s.pendingSplit = undefined;
        if (p) this.eagerSplit(ev, this.hostKey(s), p.ipa, p.size, true, p.ts);
        return;
      }
      case 'try-break': {
        const b = s.lastBreak;
        if (!b) return;
        const ok = d.ret ?? Number(d.args.ok ?? '0');
        if (ok === 1) this.mapAtLeafBreak(s, b, ev.ts);
        if (ok !== 1 && s.openWindow && s.openWindow.line === b.line) {
          // The cmpxchg lost: no window after all.
          s.openWindow.dropped = true;
          s.openWindow.avoidedHere = true;
          s.openWindow = undefined;
        }
        if (ok === 0 && b.old === 0x400n && s.ep) {
          s.ep.sawLocked = true;
          this.evidence.lockedBreaks ??= ev.line;
        }
        s.lastBreak = undefined;
        return;
      }
      case 'dcache-clean':
        this.cleanTiming.returned(ev.pid, ev.ts, ev.line);
        return;
      case 'make-pte': {
        const m = s.mapInFlight;
        if (m) {
          const at = this.mapsMadeAt.get(m.line);
          if (at) at.madeTs = ev.ts;
          s.mapInFlight = undefined;
        }
        const w = s.openWindow;
        if (w) {
          w.endTs = ev.ts;
          s.openWindow = undefined;
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * A fault-path map is applied when its leaf's break succeeds, not at its return: from that cmpxchg
   * the entry is locked for this map and stage2_map_walker_try_leaf() always goes on to
   * stage2_make_pte() (arch/arm64/kvm/hyp/pgtable.c), so the map cannot fail any more, and other
   * vCPUs' faults from then on meet this map, in flight until the make, not the entry before it.
   * The leaf is the break at the map's own level (a split's block break and table make come first).
   */
  protected mapAtLeafBreak(s: VcpuState, b: NonNullable<VcpuState['lastBreak']>, lockedTs: number): void {
    const ep = s.ep;
    const pm = ep?.pendingMap;
    if (!ep || !ep.fault || ep.resolved || !pm) return;
    const size = this.sizeAt(b.level);
    if (size !== pm.size || Math.floor(pm.ipa / size) * size !== b.ipa) return;
    ep.appliedAtBreak = true;
    this.resolve(s, { line: b.line, ts: b.ts } as TraceEvent, { mapRet: 0 });
    if (this.mapsMadeAt.size >= 4096) this.mapsMadeAt.delete(this.mapsMadeAt.keys().next().value!);
    this.mapsMadeAt.set(b.line, { lockedTs, madeTs: undefined });
    s.mapInFlight = { line: b.line, level: b.level };
  }

  /**
   * A vCPU's user_mem_abort() reached its map or relax, so its mmu_invalidate_retry() passed: no
   * invalidation was in progress then. After the notifier's s2_unmap (which ran under the write lock,
   * after kvm_mmu_invalidate_begin()) that check came later than the begin, so the invalidation had ended.
   */
  protected noteRetryPassed(ev: TraceEvent): void {
    const n = this.notifier;
    if (n && n.endedBy === undefined && n.unmapLine !== undefined && ev.line > n.unmapLine) n.endedBy = ev.ts;
  }

  protected functionLine(ev: TraceEvent, op: string | undefined): void {
    if (!op) return;
    const s = this.state(ev);
    const ep = s.ep;
    switch (op) {
      case 'map':
        if (ep) ep.fnMap = true;
        return;
      case 'try-leaf':
        if (ep) ep.fnTryLeaf++;
        return;
      case 'make-pte':
        if (ep) ep.fnMakePte++;
        return;
      case 'dcache-clean':
        if (ep && !this.sawMapProbes) ep.observedDcache++;
        if (ep?.fault && ep.fnMap) this.evidence.dcacheInsideMap ??= ev.line;
        return;
      case 'icache-inval':
        if (ep && !this.sawMapProbes) ep.observedIcache++;
        return;
      case 'tlbi-range':
        this.noteRangeTlbi(ev.line);
        return;
      default:
        return;
    }
  }

  protected onFaultArrival(s: VcpuState, f: FaultInfo): void {
    const ph = this.phases[this.phases.length - 1];
    ph.faults++;
    if (!this.whatIf) ph.faultsByKindLevel[kindLevel(f.esr)] = (ph.faultsByKindLevel[kindLevel(f.esr)] ?? 0) + 1;
    // Inferred windows (no break probes): a write fault on a write-protected block will split it;
    // the window opens now and closes when the owner re-enters the guest.
    if (this.sawBreakProbes || f.esr.faultClass !== 'permission' || !f.write) return;
    const look = this.pt.lookup(f.ipa);
    if (look.kind === 'leaf' && look.level < 3 && !(look.prot & PROT_W)) {
      if (this.eagerWhatIf()) return;
      if (this.cfg.bbmLevel > 0) return;
      const w: WindowEntry = {
        kind: 'split', owner: s.key, ownerKey: s.key, ipa: look.base, size: look.size, level: look.level, ts: f.ts, endTs: undefined,
        line: f.line, observed: false, faults: 0, costNs: 0, avoidedHere: false,
      };
      s.openWindow = w;
      this.addWindow(w);
    }
  }

  /** Episode end (kvm_entry, next kvm_exit, or end of trace): resolve if probes did not, emit the finding. */
  protected close(s: VcpuState, endEv: TraceEvent): void {
    const endTs = endEv.ts;
    const ep = s.ep;
    s.ep = undefined;
    if (!ep) return;
    if (s.openWindow && !s.openWindow.observed) {
      s.openWindow.endTs = endTs;
      s.openWindow = undefined;
    }
    if (!ep.fault) return;
    if (!ep.resolved) {
      s.ep = ep;
      this.resolve(s, endEv, {});
      s.ep = undefined;
    }
    const f = ep.fault;
    const dec = ep.decision!;
    const cost = Math.max(0, endTs - ep.exitTs);
    const lane = s.key;
    this.counters.faults.total += dec.avoided ? 0 : 1;
    if (dec.avoided) {
      this.avoidedFaults.push({ line: f.line, costNs: cost, cls: dec.cls });
      return;
    }
    const eff = dec.effKindLevel ?? kindLevel(f.esr);
    this.counters.faults.byKindLevel[eff] = (this.counters.faults.byKindLevel[eff] ?? 0) + 1;
    this.counters.faults.perVcpu[lane] = (this.counters.faults.perVcpu[lane] ?? 0) + 1;
    this.bumpRegion(f.ipa, dec.cls);
    const ph = this.phaseOf(f.line);
    if (this.whatIf) ph.faultsByKindLevel[eff] = (ph.faultsByKindLevel[eff] ?? 0) + 1;
    if (dec.cls) {
      ph.byClass[dec.cls] = (ph.byClass[dec.cls] ?? 0) + 1;
      const w = dec.win;
      if (w) w.costNs += cost;
    }
    if (this.cmoFromProbes && this.sawCmoProbes) this.observedCmos(ep, dec, f, lane);
    else {
      const seen = ep.observedDcache + ep.observedIcache > 0;
      for (const c of dec.cmos) {
        if (seen) c.observed = true;
        this.addCmo(c);
      }
    }
    if (dec.extra) for (const x of dec.extra) this.sink.push(x);
    let markIndex = -1;
    if (this.marks.wouldDrop('fault', dec.cls)) this.marks.countDropped(ep.exitTs);
    else if (this.marks.push({ ts: ep.exitTs, endTs, lane, kind: 'fault', cls: dec.cls, line: f.line, ipa: f.ipa, size: this.geom.granule, label: eff })) markIndex = this.marks.length - 1;
    this.inPinned(f, lane, cost);
    if (!dec.cls) return;
    let findingIndex = -1;
    if (!this.sink.countOnly(dec.cls, cost)) {
      const k = findingEntry(dec.cls);
      findingIndex = this.sink.push({
        code: k.code, cls: dec.cls, severity: k.severity, line: f.line, ts: f.ts, vcpu: lane,
        ipa: dec.ipa ?? { start: f.ipa, size: this.geom.granule }, message: dec.message, related: dec.related,
        observed: dec.observed, costNs: cost,
      });
    }
    const leaf = dec.lostTo;
    if (leaf && dec.cls === 'S1') {
      s.pendingLostRace = {
        findingIndex, markIndex, line: f.line, ts: f.ts, ipa: f.ipa, page: Math.floor(f.ipa / this.geom.granule) * this.geom.granule, pc: f.pc,
        costNs: cost, phase: ph, leaf, related: dec.related,
      };
    }
  }
}
