// The fault rules: each fault episode's outcome and its findings (S1 lost races, S5 fault-path splits,
// S6 notifier retries, X1 SPTE rewrites, X2 lost split races, X3 fast-path failures with their cause),
// and the eager-split what-if's decision per fault.
import type { Finding, FindingClass } from '../../domain/types';
import { alignGfn } from '../../model/x86/geometry';
import { classifyTransition, decodeSpte, type SpteInfo } from '../../model/x86/spte';
import { episodeGfn, episodeOutcome, isPresentFault, isWriteFault, type Episode } from './episode';
import { inc } from './segmentTally';
import { faultSourceLabel } from '../../parse/decoders/x86Vendor';
import { MARK_PRIORITY } from './types';
import { X86HostActions } from './hostActions';
import { fastPathCause, message, related as relatedText } from './wording';

export class X86FaultRules extends X86HostActions {
  /** Decide the what-if outcome at the episode's first decisive event (trace order = kernel decision order). */
  protected decideWhatIf(ep: Episode): void {
    if (!this.whatIf.active || ep.whatIf !== undefined || ep.faultLine === 0) return;
    const gfn = episodeGfn(ep, this.shadowPaging());
    const prev = this.lastFault.get(ep.lane);
    if (prev && prev.gfn === gfn && prev.retried && prev.whatIfDone && this.whatIf.regionOf(gfn)) {
      ep.whatIf = 'avoided';
      ep.whatIfReplaces = true;
      return;
    }
    const d = this.whatIf.decide(gfn, isWriteFault(ep));
    if (d) {
      ep.whatIf = d;
      ep.whatIfReplaces = true;
    } else ep.whatIf = '';
  }

  protected x3Cause(ep: Episode, gfn: number): { cause: string; message: string; related: { line: number; message: string }[] } {
    const fast = ep.fast!;
    const level = this.faultLeafLevel(gfn, fast.oldSpte);
    const info: SpteInfo = decodeSpte(fast.oldSpte, level, this.table.format);
    const related: { line: number; message: string }[] = [];
    const region2 = this.regionKey(gfn, 2);
    const protect = this.hugeProtects.get(region2) ?? this.hugeProtects.get(this.regionKey(gfn, 3));
    if (protect) related.push({ line: protect.line, message: relatedText.hugeWriteProtected(protect.clear) });
    if (!info.present)
      return { cause: 'not-present', message: fastPathCause.notPresent, related };
    if (info.huge)
      return {
        cause: 'huge-page-under-dirty-logging',
        message: !info.mmuWritable && protect?.clear
          ? fastPathCause.hugeClearDirtyLog(level, fast.oldSpte)
          : fastPathCause.hugeDirtyLogging(level, fast.oldSpte, this.flavour.tdpChanges === 0),
        related,
      };
    if (!info.mmuWritable) {
      const inherited = protect?.clearedMmuWritable ?? false;
      return {
        cause: inherited ? 'not-mmu-writable-inherited-from-split' : 'not-mmu-writable',
        message: inherited ? fastPathCause.inheritedFromSplit(fast.oldSpte, protect?.clear ?? false) : fastPathCause.notMmuWritable(fast.oldSpte),
        related,
      };
    }
    if (info.writable)
      return { cause: 'spte-changed', message: fastPathCause.spteChanged, related };
    return { cause: 'other', message: fastPathCause.other(fast.oldSpte), related };
  }

  protected closeEpisode(ep: Episode, endTs: number): void {
    this.open.delete(ep.pid);
    if (ep.faultLine === 0) return; // an exit without a page fault: not a fault episode
    const segIndex = ep.segment;
    const s = this.segments[segIndex];
    const shadow = this.shadowPaging();
    const gfn = episodeGfn(ep, shadow);
    const tdp = this.flavour.tdpChanges > 0;
    let outcome = episodeOutcome(ep, gfn, { tdp, setBefore: (g, l) => s.setSeen.has(alignGfn(g, l) * 8 + l) });
    // Only the fault's own gfn counts as set (the ground truth's rule): the legacy MMU's prefetch of neighbours
    // (direct_pte_prefetch) does not make a later fault on a neighbour a repeat; X1 below tells that race apart.
    for (const set of ep.sets) if (set.gfn === alignGfn(gfn, set.level)) s.setSeen.add(alignGfn(set.gfn, set.level) * 8 + set.level);
    const write = isWriteFault(ep);
    const costNs = Math.max(0, endTs - ep.exitTs);
    const quiet = !ep.fast && ep.changes.length === 0 && ep.sets.length === 0 && ep.requested.length === 0 && ep.splits.length === 0;
    let inferred = false;
    let fixerLine: number | undefined;
    // Nothing traced but a present fault: with fast_page_fault absent, the model tells what the fast path did.
    if (quiet && isPresentFault(ep) && (this.fastSeen === 0 || this.ignore.has('fast_page_fault')) && !shadow) {
      const leaf = this.table.leaf(gfn);
      const info = leaf ? decodeSpte(leaf.spte, leaf.level, this.table.format) : undefined;
      if (leaf && info?.present) {
        const allowed = !write || info.writable;
        const rec = leaf.record;
        // The TDP MMU traces every write-protect, so an allowing SPTE means another vCPU fixed it (its TLB may still
        // hold the old entry). The legacy MMU does not trace its rmap write-protects: an SPTE fixed before the last
        // host activity (an ioctl, a marker) may have been protected again since.
        const fixedSinceProtect = tdp || (rec !== undefined && rec.ts > this.lastHostTs && rec.actor !== ep.lane);
        if (allowed && fixedSinceProtect) {
          outcome = 'fast_spurious';
          inferred = true;
          fixerLine = rec?.line;
        } else if (write && (info.mmuWritable || allowed)) {
          // Allowed but not fixed since the exit: a write-protection the trace does not show (the legacy MMU's rmap protect).
          if (allowed) this.untracedProtects++;
          outcome = 'fast_fixed';
          inferred = true;
          this.table.set(leaf.gfn, leaf.level, leaf.spte | 2n, ep.faultLine, endTs, ep.lane, { inferred: true });
        }
        if (inferred) this.inferredFastFaults++;
      }
    }
    if (!ep.whatIf && this.whatIf.active && ep.whatIf === undefined) this.decideWhatIf(ep);
    const whatIfOutcome = ep.whatIfReplaces && ep.whatIf ? ep.whatIf : outcome;
    this.lastFault.set(ep.lane, { gfn, retried: /none/.test(outcome), whatIfDone: ep.whatIfReplaces && /^fast_(fixed|spurious)$/.test(whatIfOutcome) });

    s.addFault(gfn, outcome, whatIfOutcome);
    // The last open fault of an earlier segment settles that segment (its page lists are freed).
    if (segIndex < this.segments.length - 1 && ![...this.open.values()].some((e) => e.segment === segIndex)) s.close();
    if (whatIfOutcome !== 'avoided') {
      // Counters describe the replayed configuration: a fault the what-if avoids is not counted.
      this.counters.faults.total++;
      inc(this.counters.faults.perVcpu, ep.lane);
      const leafNow = this.table.leaf(gfn);
      const a = ep.access;
      const source = a.source === undefined ? 'unknown-source' : faultSourceLabel(a.source);
      const presence = a.present === undefined ? 'presence-unknown' : a.present ? 'present' : 'not-present';
      const kind = `${source}/${presence}-${a.access ?? 'read-or-fetch'}/L${leafNow?.level ?? 1}`;
      inc(this.counters.faults.byKindLevel, kind);
    }

    const vcpuLabel = ep.lane;
    const ipa = { start: gfn * 4096, size: 4096 };
    let markCls: FindingClass | undefined;
    const base = { line: ep.faultLine, ts: ep.faultTs, vcpu: vcpuLabel, ipa, costNs };
    const emit = (f: Omit<Finding, 'severity' | 'code' | 'line' | 'ts' | 'vcpu' | 'ipa' | 'costNs'> & { code?: string }): void => {
      if (markCls === undefined || MARK_PRIORITY.indexOf(f.cls) < MARK_PRIORITY.indexOf(markCls)) markCls = f.cls;
      this.addFinding({ ...base, ...f }, segIndex);
    };

    if (ep.whatIfReplaces && ep.whatIf) {
      // The what-if replaces this fault's handling: findings of the virtual outcome only.
      const d = ep.whatIf;
      if (d === 'fast_spurious')
        emit({ cls: 'S1', message: message.whatIfLostRace(this.whatIf.mode, gfn), related: [], observed: false });
      else if (d === 'fast_fail+slow_unwp+split') {
        emit({ cls: 'X3', message: message.whatIfHugeFastFail(gfn), related: [], observed: false });
        emit({ cls: 'S5', message: message.whatIfFaultSplit(gfn), related: [], observed: false });
      } else if (d === 'fast_fail+slow_unwp')
        emit({ cls: 'X3', message: message.whatIfInheritedFastFail(gfn), related: [], observed: false });
    } else {
      // Real handling, as the trace shows it (or as inferred).
      if (outcome === 'fast_spurious') {
        const leaf = this.table.leaf(gfn);
        const by = leaf?.record?.actor;
        const related = fixerLine !== undefined || leaf?.record ? [{ line: fixerLine ?? leaf!.record!.line, message: relatedText.madeWritable(by) }] : [];
        emit({
          cls: 'S1',
          message: inferred ? message.lostRaceInferred(gfn, write, vcpuLabel) : message.lostRaceFast(gfn),
          related, observed: !inferred,
        });
      } else if (/slow_spurious/.test(outcome)) {
        emit({ cls: 'S1', message: message.lostRaceSlow(gfn), related: [], observed: true });
      } else if (/^(fast_fail\+)?none$/.test(outcome) && ep.splits.length === 0) {
        const leaf = this.table.leaf(gfn);
        const rec = leaf?.record;
        if (rec && rec.ts >= ep.exitTs && rec.actor !== ep.lane) {
          emit({
            cls: 'S1',
            message: message.lostRaceRetry(rec.actor, gfn, vcpuLabel, tdp),
            related: [{ line: rec.line, message: relatedText.installed(rec.actor) }], observed: true,
          });
        } else if (this.lastUnmapTs >= ep.exitTs) {
          emit({ cls: 'S6', message: message.notifierRetry(gfn), related: [], observed: false });
        }
      }
      const rewrite = ep.changes.find((c) => c.gfn === alignGfn(gfn, c.level) && ['clear-dirty', 'clear-accessed', 'other', 'set-dirty', 'set-accessed'].includes(c.transition));
      const rewriteInfo = rewrite;
      if (rewriteInfo && rewriteInfo.prevBy && rewriteInfo.prevBy !== ep.lane && rewriteInfo.prevBy !== 'host') {
        const agoNs = rewriteInfo.prevTs !== undefined ? rewriteInfo.ts - rewriteInfo.prevTs : undefined;
        emit({
          cls: 'X1',
          message: message.rewriteTdp(vcpuLabel, gfn, rewriteInfo.prevBy, agoNs, rewriteInfo.oldSpte, rewriteInfo.newSpte, rewriteInfo.transition),
          related: rewriteInfo.prevLine !== undefined ? [{ line: rewriteInfo.prevLine, message: relatedText.installed(rewriteInfo.prevBy) }, { line: rewriteInfo.line, message: relatedText.rewrite }] : [{ line: rewriteInfo.line, message: relatedText.rewrite }],
          observed: true,
        });
      }
      // The legacy/shadow MMU prints no old value: the model's previous set_spte tells a rewrite of another vCPU's SPTE.
      const legacyRewrite = !tdp && ep.changes.length === 0 ? ep.sets.find((st) => st.gfn === alignGfn(gfn, st.level) && st.prev !== undefined && st.prev.actor !== 'host') : undefined;
      if (legacyRewrite?.prev) {
        const p = legacyRewrite.prev;
        const t = classifyTransition(p.spte, legacyRewrite.spte, legacyRewrite.level, this.table.format);
        emit({
          cls: 'X1',
          message: message.rewriteLegacy(vcpuLabel, gfn, p.actor, p.ts - ep.exitTs, p.spte, legacyRewrite.spte, t, shadow),
          related: [{ line: p.line, message: relatedText.set(p.actor) }, { line: legacyRewrite.line, message: relatedText.rewrite }],
          observed: true,
        });
      }
      if (ep.fast && !ep.fast.fixed && !ep.fast.spurious) {
        const c = this.x3Cause(ep, gfn);
        this.fastPathFailures[c.cause] = (this.fastPathFailures[c.cause] ?? 0) + 1;
        emit({ cls: 'X3', message: message.fastPathFailed(c.message), related: [{ line: ep.fast.line, message: relatedText.fastPathGaveUp }, ...c.related], observed: true });
      }
      if (ep.hugeDropped) {
        const h = ep.hugeDropped;
        emit({
          cls: 'S5',
          message: message.hugeDropped(vcpuLabel, h.level, h.gfn, shadow),
          related: [{ line: h.line, message: relatedText.smallInsideHuge }],
          observed: false,
        });
      }
      for (const sp of ep.splits) {
        const rk = this.regionKey(sp.gfn, sp.level);
        if (sp.errno === -16) {
          const winner = this.lastSplit.get(rk);
          emit({
            cls: 'X2',
            message: message.splitRaceLost(vcpuLabel, sp.level, sp.gfn, winner?.lane),
            related: winner ? [{ line: winner.line, message: relatedText.splitBy(winner.lane) }, { line: sp.line, message: relatedText.splitBusy }] : [{ line: sp.line, message: relatedText.splitBusy }],
            observed: true,
          });
        } else if (sp.errno === 0) {
          // Sibling faults: other vCPUs' faults in the same huge page that were in flight during the split.
          const related: { line: number; message: string }[] = [{ line: sp.line, message: relatedText.split }];
          for (const other of this.open.values()) {
            if (other.faultLine === 0) continue;
            const og = episodeGfn(other, shadow);
            if (alignGfn(og, sp.level) === alignGfn(sp.gfn, sp.level) && other.exitTs <= sp.ts) related.push({ line: other.faultLine, message: relatedText.siblingDuringSplit(other.lane) });
          }
          emit({
            cls: 'S5',
            message: message.faultSplit(vcpuLabel, sp.level, sp.gfn, related.length - 1),
            related, observed: true,
          });
        }
      }
    }
    this.marks.push({ ts: ep.exitTs, endTs, lane: ep.lane, kind: 'fault', cls: markCls, line: ep.faultLine, ipa: gfn * 4096, size: 4096, label: whatIfOutcome });
  }
}
