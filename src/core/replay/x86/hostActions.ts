// Host actions: runs of host-side MMU events (ioctls, the NX-recovery thread), the kvmtest markers
// that cut the trace into segments and tell dirty logging and eager_page_split, and remote TLB flushes.
import type { TraceEvent } from '../../parse/types';
import { X86ReplayState } from './replayState';

export class X86HostActions extends X86ReplayState {
  protected flushHostRun(): void {
    if (!this.hostRun) return;
    const parts = [...this.hostRun.counts].map(([k, v]) => `${k}×${v}`).join(', ');
    this.marks.push({ ts: this.hostRun.ts, endTs: this.hostRun.endTs, lane: 'host', kind: 'host', line: this.hostRun.line, label: parts });
    this.hostRun = undefined;
  }

  protected noteHost(ev: TraceEvent, what: string): void {
    this.lastHostTs = ev.ts;
    const segIndex = this.segments.length - 1;
    if (!this.hostRun || this.hostRun.pid !== ev.pid || this.hostRun.segment !== segIndex) {
      this.flushHostRun();
      this.hostRun = { pid: ev.pid, segment: segIndex, line: ev.line, ts: ev.ts, endTs: ev.ts, counts: new Map() };
    }
    this.hostRun.endTs = ev.ts;
    this.hostRun.counts.set(what, (this.hostRun.counts.get(what) ?? 0) + 1);
  }

  protected onMarker(ev: TraceEvent, text: string): void {
    this.flushHostRun();
    this.lastHostTs = ev.ts;
    // Faults still open belong to the old segment and close later: keep its page lists until then.
    if (![...this.open.values()].some((e) => e.segment === this.segments.length - 1)) this.seg().close();
    this.newSegment(text.replace(/^kvmtest:\s*/, '').trim(), ev.line, ev.ts);
    const eager = /eager_page_split\s*(?:<-|=)\s*([YN])/.exec(text);
    if (eager) this.eagerFromMarker = eager[1] as 'Y' | 'N';
    this.clearDirtyContext = /CLEAR_DIRTY_LOG/.test(text);
    if (/LOG_DIRTY_PAGES/.test(text)) this.loggingOn = true;
    else if (/flags=0\b/.test(text)) this.loggingOn = false;
    this.marks.push({ ts: ev.ts, lane: 'host', kind: 'marker', line: ev.line, label: text.slice(0, 120) });
  }

  /**
   * A remote TLB flush probe (record-script --probes full). kvm_flush_remote_tlbs_range falls back to
   * kvm_flush_remote_tlbs when the arch has no ranged flush (x86 without Hyper-V): that pair is one whole-VM flush.
   */
  protected onRemoteFlush(pid: number, symbol: string): void {
    this.remoteFlushes++;
    if (/^kvm_(arch_)?flush_remote_tlbs_range/.test(symbol)) {
      this.counters.tlbi.range++;
      this.rangeFlushPending.add(pid);
      return;
    }
    if (this.rangeFlushPending.delete(pid)) this.counters.tlbi.range--;
    this.counters.tlbi.vmid++;
  }
}
