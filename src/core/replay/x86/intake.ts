// Event intake: kvm/kvmmmu events into fault episodes (kvm_exit -> kvm_page_fault -> MMU events ->
// kvm_entry), SPTE changes into the model, host events to the host actions; a bad event is counted,
// never fatal.
import type { TraceEvent } from '../../parse/types';
import { alignGfn, bytesPerEntry } from '../../model/x86/geometry';
import { classifyTransition, decodeSpte, transitionLabel } from '../../model/x86/spte';
import { episodeGfn, type Episode } from './episode';
import { inc } from './segmentTally';
import { decodeFaultCode } from '../../parse/decoders/x86Vendor';
import { FAULT_EXIT, type Lane } from './types';
import { X86FaultRules } from './faultRules';
import { label } from './wording';

export class X86Intake extends X86FaultRules {
  protected openEpisode(lane: Lane, ev: TraceEvent, reason: string): Episode {
    const ep: Episode = {
      vcpu: lane.vcpu, lane: lane.id, pid: ev.pid, exitLine: ev.line, exitTs: ev.ts, exitReason: reason,
      faultLine: 0, faultTs: ev.ts, address: 0, errorCode: 0, access: { source: undefined, access: undefined, present: undefined }, fast: undefined, requested: [], sets: [], changes: [], splits: [], newPages: 0,
      whatIf: undefined, whatIfReplaces: false, segment: this.segments.length - 1,
    };
    this.open.set(ev.pid, ep);
    return ep;
  }


  protected onSpteChange(ev: TraceEvent, gfn: number, level: number, oldSpte: bigint, newSpte: bigint): void {
    if (!this.formatFixed) {
      this.table.format = this.flavour.result().format;
      this.formatFixed = this.flavour.eptExits + this.flavour.npfExits > 0;
    }
    const transition = classifyTransition(oldSpte, newSpte, level, this.table.format);
    const sum = this.seg().summary;
    inc(sum.transitions, `L${level}:${transitionLabel(transition)}`);
    const ep = this.open.get(ev.pid);
    const lane = this.lanesByPid.get(ev.pid);
    const actor = lane?.id ?? 'host';
    const prev = this.table.get(gfn, level);
    this.table.set(gfn, level, newSpte, ev.line, ev.ts, actor, { splitFrom: transition === 'split' ? oldSpte : undefined });
    if (transition === 'split' || (transition === 'map' && level > 1)) this.table.dropBelow(gfn, level, ev.line);
    const rk = this.regionKey(gfn, level);
    if (transition === 'split') {
      if (ep && ep.faultLine !== 0) {
        this.faultSplits++;
        this.whatIf.onFaultSplit(gfn);
        this.lastSplit.set(rk, { line: ev.line, lane: actor });
        this.marks.push({ ts: ev.ts, lane: actor, kind: 'split', line: ev.line, ipa: alignGfn(gfn, level) * 4096, size: bytesPerEntry(level), label: label.faultPathSplit });
      } else {
        this.hostSplits++;
        this.marks.push({ ts: ev.ts, lane: 'host', kind: 'split', line: ev.line, ipa: alignGfn(gfn, level) * 4096, size: bytesPerEntry(level), label: label.eagerSplit });
      }
    }
    if (ep && ep.faultLine !== 0) {
      const change = { gfn: alignGfn(gfn, level), level, oldSpte, newSpte, transition, line: ev.line, ts: ev.ts, prevBy: prev?.installedBy, prevLine: prev?.installedLine, prevTs: prev?.installedTs };
      ep.changes.push(change);
      if (transition === 'map' && level > 1 && this.collapsible.delete(rk)) {
        this.hugeRecovered++;
        this.counters.coalesces++;
        this.marks.push({ ts: ev.ts, lane: actor, kind: 'coalesce', line: ev.line, ipa: alignGfn(gfn, level) * 4096, size: bytesPerEntry(level), label: label.hugeRecovered });
      }
      if (transition !== 'link' && transition !== 'unchanged') this.decideWhatIf(ep);
    } else {
      // A host-side change (an ioctl thread, the NX-recovery thread, or a vCPU thread outside a fault).
      this.noteHost(ev, `L${level} ${transitionLabel(transition)}`);
      if (level >= 2 && transition === 'wrprot') {
        this.hostHugeWp++;
        const o = decodeSpte(oldSpte, level, this.table.format);
        const n = decodeSpte(newSpte, level, this.table.format);
        this.hugeProtects.set(rk, { line: ev.line, clearedMmuWritable: o.mmuWritable && !n.mmuWritable, clear: this.clearDirtyContext });
        this.loggingOn = true;
      }
      if (level === 1 && transition === 'wrprot') this.loggingOn = true;
      if (level >= 2 && transition === 'unlink') this.collapsible.add(rk);
      this.whatIf.onHostChange(gfn, level, transition, ev.line, this.clearDirtyContext);
    }
  }

  event(ev: TraceEvent): void {
    // The facade already drops ignored events; kept for replays driven directly (tests, benches).
    if (this.ignore.has(ev.name)) return;
    try {
      this.dispatch(ev);
    } catch (e) {
      // A trace is untrusted: an inconsistent combination of events skips that event (counted), never the replay.
      this.errors.note(ev.line, e);
    }
  }

  protected dispatch(ev: TraceEvent): void {
    this.flavour.observe(ev);
    const d = ev.decoded;
    if (!d) return;
    if (this.rangeFlushPending.size > 0 && !(d.kind === 'kprobe' && d.op === 'flush-remote-tlbs')) this.rangeFlushPending.delete(ev.pid);
    switch (d.kind) {
      case 'kprobe':
        if (d.op === 'flush-remote-tlbs') this.onRemoteFlush(ev.pid, d.symbol);
        break;
      case 'marker':
        this.onMarker(ev, d.text);
        break;
      case 'x86.kvm_exit': {
        this.faultSources.exit(ev.pid, d.reason, d.vendor);
        const lane = this.laneFor(ev.pid, ev.task, d.vcpu);
        const prev = this.open.get(ev.pid);
        if (prev) this.closeEpisode(prev, ev.ts);
        this.pendingExit.delete(ev.pid);
        const reason = d.reason.split(' ')[0] === 'PF' ? 'PF excp' : d.reason.split(' ')[0];
        if (FAULT_EXIT.test(d.reason)) {
          if (lane) this.openEpisode(lane, ev, reason);
          else this.pendingExit.set(ev.pid, { line: ev.line, ts: ev.ts, reason });
        }
        break;
      }
      case 'x86.kvm_page_fault': {
        const lane = this.laneFor(ev.pid, ev.task, d.vcpu);
        if (!lane) break;
        let ep = this.open.get(ev.pid);
        if (ep && ep.faultLine !== 0) {
          // A second fault before re-entry (e.g. after an emulated retry): close the first, keep the exit.
          const reason = ep.exitReason;
          const exitLine = ep.exitLine;
          const exitTs = ep.exitTs;
          this.closeEpisode(ep, ev.ts);
          ep = this.openEpisode(lane, ev, reason);
          ep.exitLine = exitLine;
          ep.exitTs = exitTs;
        }
        if (!ep) {
          const pending = this.pendingExit.get(ev.pid);
          this.pendingExit.delete(ev.pid);
          ep = this.openEpisode(lane, ev, pending?.reason ?? 'unknown'); // kvm_exit ignored or absent when no pending exit
          if (pending) {
            ep.exitLine = pending.line;
            ep.exitTs = pending.ts;
          }
        }
        ep.faultLine = ev.line;
        ep.faultTs = ev.ts;
        ep.segment = this.segments.length - 1;
        ep.address = d.address;
        ep.errorCode = d.errorCode;
        ep.access = decodeFaultCode(d.errorCode, this.faultSources.fault(ev.pid));
        break;
      }
      case 'x86.fast_page_fault': {
        this.fastSeen++;
        const sum = this.seg().summary;
        sum.fast.total++;
        if (d.spurious) sum.fast.spurious++;
        else if (d.fixed) sum.fast.fixed++;
        else sum.fast.neither++;
        const ep = this.open.get(ev.pid);
        if (ep) {
          ep.fast = { line: ev.line, spurious: d.spurious, fixed: d.fixed, oldSpte: d.oldSpte, newSpte: d.newSpte };
          this.decideWhatIf(ep);
        }
        if (d.fixed) {
          const gfn = ep && ep.faultLine !== 0 ? episodeGfn(ep, false) : Math.floor(d.gva / 4096);
          const level = this.faultLeafLevel(gfn, d.oldSpte);
          this.table.set(gfn, level, d.newSpte, ev.line, ev.ts, this.lanesByPid.get(ev.pid)?.id ?? 'host');
        }
        break;
      }
      case 'x86.kvm_mmu_spte_requested': {
        const ep = this.open.get(ev.pid);
        if (ep) ep.requested.push({ gfn: d.gfn, pfn: d.pfn, level: d.level, line: ev.line });
        break;
      }
      case 'x86.kvm_mmu_set_spte': {
        const ep = this.open.get(ev.pid);
        // A set for another gfn than the fault's own is a neighbour prefetched by direct_pte_prefetch() (legacy MMU)
        // or FNAME(pte_prefetch)() (shadow paging): arch/x86/kvm/mmu/mmu.c, paging_tmpl.h; no fault asked for it.
        const prefetched = ep !== undefined && ep.faultLine !== 0 && d.gfn !== alignGfn(episodeGfn(ep, this.shadowPaging()), d.level);
        if (ep) {
          const before = this.flavour.tdpChanges === 0 ? this.table.get(d.gfn, d.level) : undefined;
          const actor = this.lanesByPid.get(ev.pid)?.id ?? 'host';
          // A repeat of another vCPU's fault: that vCPU's fault set this SPTE since the last host activity. Re-setting
          // a prefetched SPTE (mmu_set_spte() traces it: the fault's SPTE adds the Accessed bit) is no second fault.
          const fresh = before && before.ts > this.lastHostTs && before.actor !== actor && !before.prefetched && decodeSpte(before.spte, d.level, this.table.format).present;
          ep.sets.push({ gfn: d.gfn, level: d.level, spte: d.spte, line: ev.line, prev: fresh ? { spte: before.spte, actor: before.actor, line: before.line, ts: before.ts } : undefined });
          this.decideWhatIf(ep);
        }
        // The TDP MMU's real old/new pairs come from kvm_tdp_mmu_spte_changed; set_spte may print a newer value.
        if (this.flavour.tdpChanges === 0) {
          const actor = this.lanesByPid.get(ev.pid)?.id ?? 'host';
          if (d.level < 3) {
            // The legacy MMU never splits: a 4 KiB set_spte inside a huge mapping means the huge SPTE was dropped.
            const huge = this.table.get(d.gfn, d.level + 1);
            if (huge && decodeSpte(huge.spte, d.level + 1, this.table.format).huge) {
              this.table.set(d.gfn, d.level + 1, 0n, ev.line, ev.ts, actor, { inferred: true });
              this.faultSplits++;
              if (ep && ep.faultLine !== 0) ep.hugeDropped = { gfn: huge.gfn, level: d.level + 1, line: ev.line };
              this.droppedHuge.add(this.regionKey(huge.gfn, d.level + 1));
              this.marks.push({ ts: ev.ts, lane: actor, kind: 'split', line: ev.line, ipa: huge.gfn * 4096, size: bytesPerEntry(d.level + 1), label: label.hugeDropped(this.shadowPaging()) });
            }
          }
          if (d.level >= 2 && this.droppedHuge.delete(this.regionKey(d.gfn, d.level))) {
            // A huge mapping again where one was dropped: the recovery after dirty logging (the zap is not traced).
            this.hugeRecovered++;
            this.counters.coalesces++;
            this.table.dropBelow(d.gfn, d.level, ev.line);
            this.marks.push({ ts: ev.ts, lane: actor, kind: 'coalesce', line: ev.line, ipa: alignGfn(d.gfn, d.level) * 4096, size: bytesPerEntry(d.level), label: label.hugeRecovered });
          }
          this.table.set(d.gfn, d.level, d.spte, ev.line, ev.ts, actor, { prefetched });
        }
        break;
      }
      case 'x86.kvm_tdp_mmu_spte_changed':
        this.onSpteChange(ev, d.gfn, d.level, d.oldSpte, d.newSpte);
        break;
      case 'x86.kvm_mmu_split_huge_page': {
        inc(this.seg().summary.splitEvents, `${d.errno === 0 ? 'ok' : `errno${d.errno}`}/L${d.level}`);
        const ep = this.open.get(ev.pid);
        if (ep && ep.faultLine !== 0) {
          ep.splits.push({ gfn: d.gfn, level: d.level, spte: d.spte, errno: d.errno, line: ev.line, ts: ev.ts });
          this.decideWhatIf(ep);
        } else this.noteHost(ev, `split L${d.level}${d.errno ? ` errno ${d.errno}` : ''}`);
        break;
      }
      case 'x86.kvm_mmu_get_page': {
        const ep = this.open.get(ev.pid);
        if (ep && d.created) ep.newPages++;
        break;
      }
      case 'x86.kvm_mmu_prepare_zap_page':
        if (!this.open.get(ev.pid)) this.noteHost(ev, `zap sp l${d.level}`);
        break;
      case 'x86.kvm_mmu_zap_all_fast':
        this.noteHost(ev, 'zap all (fast)');
        break;
      case 'x86.kvm_entry': {
        this.laneFor(ev.pid, ev.task, d.vcpu);
        const ep = this.open.get(ev.pid);
        if (ep) this.closeEpisode(ep, ev.ts);
        break;
      }
      case 'kvm.kvm_unmap_hva_range':
        this.lastUnmapTs = ev.ts;
        break;
      default:
        break;
    }
  }
}
