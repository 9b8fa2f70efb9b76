// The fault rules: how a stage-2 fault is resolved against the model and which class it gets
// (S1-S9, H1), and the revision of a provisional S1 to S4 by the loser's retry. The kernel
// functions each rule follows are cited where the rule is written (arch/arm64/kvm/mmu.c,
// arch/arm64/kvm/hyp/pgtable.c).
import { findingEntry } from '../../catalog/findings';
import type { TraceEvent } from '../../parse/types';
import { PageTable, type OpResult, PROT_R as R_BIT, PROT_W as W_BIT, PROT_X as X_BIT, PROT_DEVICE as DEVICE_BIT } from '../../model/arm64/pageTable';
import { REC_MAP, REC_PERMS_CLEAR_W, REC_PERMS_SET } from './stateHistory';
import { HOST, kindLevel, moveClass, type FaultInfo, type Decision, type PendingLostRace, type VcpuState, type WindowEntry } from './types';
import { Arm64HostActions } from './hostActions';
import { message, related } from './wording';

// Module-local copies: the bundled CommonJS output reads imported bindings through getters, on every use.
const PROT_R = R_BIT;
const PROT_W = W_BIT;
const PROT_X = X_BIT;
const PROT_DEVICE = DEVICE_BIT;

export class Arm64FaultRules extends Arm64HostActions {
  protected resolve(s: VcpuState, ev: TraceEvent | undefined, obs: { mapRet?: number; relaxRet?: number }): void {
    const ep = s.ep!;
    const f = ep.fault!;
    const page = Math.floor(f.ipa / this.geom.granule) * this.geom.granule;
    const retried = s.retried;
    s.retried = undefined;
    // S6: the probes show every map; a fault handled without one while an MMU-notifier invalidation was
    // in flight anywhere in the VM bailed out on mmu_invalidate_retry(): no model change, and the vCPU
    // faults again on the same page. On arm64 user_mem_abort() (arch/arm64/kvm/mmu.c) snapshots the
    // VM-wide mmu_invalidate_seq after the exit and, under mmu_lock, calls mmu_invalidate_retry(kvm,
    // mmu_seq) (include/linux/kvm_host.h), which retries while mmu_invalidate_in_progress is non-zero or
    // once the sequence moved: any invalidation of the VM, whatever its range, including one that began
    // before this fault's exit and had not ended (x86 checks the range: mmu_invalidate_retry_gfn()).
    const noMapSeen = (this.sawMapProbes || this.mapProbesDeclared) && !ep.mmio && !ep.pendingMap && !ep.pendingRelax && !ep.fnMap && obs.mapRet === undefined && obs.relaxRet === undefined;
    const inv = this.notifier;
    if (noMapSeen && inv && (inv.endedBy === undefined || inv.endedBy > ep.exitTs) && f.esr.faultClass === 'translation') {
      ep.resolved = true;
      const dec: Decision = { observed: true, message: '', related: [], ipa: { start: page, size: this.geom.granule }, avoided: false, effKindLevel: kindLevel(f.esr), cmos: [], extra: undefined, win: undefined, lostTo: undefined };
      ep.decision = dec;
      // A retry that is dropped again (the invalidation still in flight) is a repeated fault as well.
      if (retried && retried.page === page) {
        dec.related.push({ line: retried.unmapLine, message: related.notifierInFlight }, { line: retried.line, message: related.firstFaultDropped });
        this.setClass(dec, 'S6', true, message.notifierRetry(f.ipa, retried.beganBefore));
      }
      s.retried = { line: f.line, page, unmapLine: inv.line, beganBefore: inv.line < ep.exitLine };
      return;
    }
    const s1ptwMapBefore = f.esr.s1ptw && f.esr.faultClass === 'permission' ? this.s1ptwMaps.get(page) : undefined;
    this.resolveFault(s, ev, obs);
    const dec = ep.decision!;
    if (dec.avoided) return;
    if (retried && retried.page === page) {
      dec.related.unshift({ line: retried.unmapLine, message: related.notifierInFlight }, { line: retried.line, message: related.firstFaultDropped });
      this.setClass(dec, 'S6', true, message.notifierRetry(f.ipa, retried.beganBefore));
      return;
    }
    if (f.esr.s1ptw && f.esr.faultClass === 'translation' && this.s1ptwMaps.size < 65536) this.s1ptwMaps.set(page, f.line);
    if (s1ptwMapBefore !== undefined && !dec.cls) {
      this.s1ptwMaps.delete(page);
      dec.related.push({ line: s1ptwMapBefore, message: related.walkMappedReadOnly });
      this.setClass(dec, 'S8', true, message.walkWrite(f.ipa));
    }
  }

  protected resolveFault(s: VcpuState, ev: TraceEvent | undefined, obs: { mapRet?: number; relaxRet?: number }): void {
    const ep = s.ep!;
    const f = ep.fault!;
    ep.resolved = true;
    const prevAssumed = s.prevAssumedMap;
    s.prevAssumedMap = undefined;
    const line = ev?.line ?? f.line;
    const key = s.key;
    const actor = this.actor(key);
    const esr = f.esr;
    const L = esr.level;
    const dec: Decision = { observed: false, message: '', related: [], ipa: undefined, avoided: false, effKindLevel: kindLevel(esr), cmos: [], extra: undefined, win: undefined, lostTo: undefined };
    ep.decision = dec;
    const page = this.geom.granule;
    const pageBase = Math.floor(f.ipa / page) * page;
    const need = PROT_R | (f.write ? PROT_W : 0) | (f.exec ? PROT_X : 0);
    const mapEagain = obs.mapRet === -11 || (obs.mapRet === undefined && ep.fnMap && ep.fnTryLeaf > 0 && ep.fnMakePte === 0);
    const probeSaysMapped = obs.mapRet === 0 || (obs.mapRet === undefined && ep.fnMap && ep.fnMakePte > 0);
    const observedOutcome = obs.mapRet !== undefined || obs.relaxRet !== undefined || ep.fnMap;

    if (ep.mmio) {
      dec.effKindLevel = kindLevel(esr);
      return;
    }
    if (esr.faultClass === 'access-flag') {
      this.pt.setAccessFlag(f.ipa, true);
      this.setClass(dec, 'S9', true, message.accessFlag(f.ipa, this.marker.haf));
      dec.ipa = { start: pageBase, size: page };
      return;
    }
    let look = this.pt.lookup(f.ipa);
    let faultClass = esr.faultClass;
    let level = L;

    if (faultClass === 'translation') {
      const win = this.findWindow(f.ipa, L, ep.runStartTs, ep.exitTs, key);
      if (win) {
        win.faults++;
        dec.ipa = { start: win.ipa, size: win.size };
        dec.related.push({ line: win.line, message: related.window(this.laneLabel(win.ownerKey), win.kind) });
        if (win.avoidedHere) {
          dec.avoided = true;
          dec.effKindLevel = undefined;
          return;
        }
        this.setClass(dec, 'S2', win.observed, message.inWindow(f.ipa, this.laneLabel(win.ownerKey), win.level, win.kind));
        dec.win = win;
        const pm = ep.pendingMap;
        if (pm && obs.mapRet === 0 && !this.whatIf) {
          // The fault met the window, and its map, retried under mmu_lock after the make, still installed
          // its page (the probes say so): the model takes that page, so that later faults meet it.
          const base = Math.floor(f.ipa / pm.size) * pm.size;
          const prot = pm.prot ?? PROT_R | PROT_W;
          this.applyMapResult(this.pt.map(base, pm.size, prot, { line, actor }), dec, f, ev, s, base, pm.size, prot, true);
        }
        return;
      }
      if (!this.sawUnmapProbes && this.lastNotifierUnmapLine > 0 && (look.kind === 'leaf' || this.pt.validAtLevel(f.ipa, L ?? 3)) && this.leafLineAt(f.ipa, look) < this.lastNotifierUnmapLine && this.lastNotifierUnmapLine < f.line) {
        // An MMU-notifier unmap (host VA, not translatable without the memslots) came after this
        // mapping: the refault is explained by it; the model drops the covering leaf.
        const cover = look.kind === 'leaf' ? look : this.pt.lookup(f.ipa);
        const span = cover.kind === 'leaf' ? { base: cover.base, size: cover.size } : { base: Math.floor(f.ipa / this.regionSize) * this.regionSize, size: this.regionSize };
        this.pt.unmap(span.base, span.size, { line: this.lastNotifierUnmapLine, actor: 0 });
        for (let reg = Math.floor(span.base / this.regionSize); reg * this.regionSize < span.base + span.size; reg++)
          this.hostUnmaps.set(reg, { line: this.lastNotifierUnmapLine, size: span.size });
        this.splitOnFault.delete(Math.floor(span.base / this.regionSize));
        look = this.pt.lookup(f.ipa);
      }
      // Without map probes every fault's map is the model's assumption. A translation fault of a vCPU on
      // the leaf the model had its own previous fault map says that map never took: the walk met no
      // entry, and a vCPU cannot fault inside its own break-before-make window (it is in the host for
      // it). So the earlier map lost (another actor's map was in flight) and this fault is the retry
      // (S1), not a window.
      // Only the retry of the same access counts (same page and PC, the vCPU's fault just before): a
      // vCPU that ran on its page before faults there again in another actor's window (S2).
      const prev = prevAssumed;
      const ownAssumedMap = prev !== undefined && !this.sawMapProbes && !this.mapProbesDeclared && !this.whatIf && look.kind === 'leaf' && look.actor === actor && look.line === prev.line && prev.pc === f.pc && prev.page === pageBase;
      if (ownAssumedMap) {
        // The entry the model holds is the one the winner installs: the model keeps it (and its CMOs,
        // counted once), and this fault is the loser's retry.
        dec.ipa = { start: look.base, size: look.size };
        dec.related.push({ line: prev.faultLine, message: related.ownMapDidNotTake });
        this.setClass(dec, 'S1', false, message.lostRaceByRepeat(look.base));
        s.prevAssumedMap = prev; // a further retry of the same access is one more
        return;
      }
      // Level rule: a walk stopping at level L although the model holds a valid entry there can only
      // have met an invalid (locked) entry: another actor's break-before-make window.
      if (!this.sawBreakProbes && L !== undefined && L < 3 && this.pt.validAtLevel(f.ipa, L)) {
        // Entries written after this vCPU entered the guest mean a plain race on a fresh table, not a window.
        const atL = this.pt.entryAt(f.ipa, L);
        const fresh = atL !== undefined && atL.line >= ep.runStartLine;
        const tableHere = atL?.kind === 'table' && !(look.kind === 'leaf' && look.line >= ep.runStartLine);
        const oldLeaf = look.kind === 'leaf' && look.level === L && look.line < ep.runStartLine && look.actor !== actor;
        // A what-if whose walk ends on a leaf without the access (a page its eager split left
        // read-only) takes the fault as the permission fault it would be (below), not as a window.
        const whatIfPermission = this.whatIf && look.kind === 'leaf' && (look.prot & need) !== need;
        if (!fresh && (tableHere || oldLeaf) && !whatIfPermission) {
          const size = this.sizeAt(L);
          const base = Math.floor(f.ipa / size) * size;
          const restr = this.splitOnFault.get(Math.floor(base / this.regionSize));
          dec.ipa = { start: base, size };
          if (restr) dec.related.push({ line: restr.line, message: related.restructured(this.laneLabel(restr.actor)) });
          if (this.cfg.bbmLevel > 0 || (this.whatIf && !this.inferredWindowNear(f.ipa, ep, key))) {
            dec.avoided = true;
            dec.effKindLevel = undefined;
            return;
          }
          this.setClass(dec, 'S2', false, message.inWindowByLevel(f.ipa, L));
          return;
        }
      }
      if (look.kind === 'leaf' && obs.mapRet === 0 && !this.whatIf && look.level === 3) {
        // The map probe says this fault wrote the entry (a map over an identical valid entry returns
        // -EAGAIN): the model's page is stale, left over from an earlier VM at the same IPA or removed
        // by something the trace does not show. Forget it silently; the fault maps afresh below.
        this.pt.unmap(look.base, look.size, { line: look.line, actor: look.actor });
        const reg = Math.floor(look.base / this.regionSize);
        this.hostUnmaps.delete(reg);
        this.splitOnFault.delete(reg);
        look = this.pt.lookup(f.ipa);
      }
      // The fault's level (ESR) says where the walk stopped: below the model's leaf, the hardware met a
      // table there, so that leaf (a block the model still holds) is not what this fault saw; another
      // actor restructured it and the model has not seen how. No verdict is drawn from it.
      const walkBelowLeaf = look.kind === 'leaf' && L !== undefined && look.level < L && !this.whatIf;
      if (look.kind === 'leaf' && !walkBelowLeaf) {
        // A what-if keeps the recorded -EAGAIN only when its own entry changed during this fault
        // (another vCPU's map or relax after this vCPU entered the guest). An entry it has held since
        // before then is not what the recorded map lost to: that was the recorded state (a block
        // being broken by another vCPU, say), which the what-if does not have.
        const lostHere = mapEagain && !(this.whatIf && look.line < ep.runStartLine);
        if ((look.prot & need) === need || lostHere) {
          if (this.whatIf && look.line < ep.runStartLine && !lostHere) {
            dec.avoided = true;
            dec.effKindLevel = undefined;
            return;
          }
          // A what-if replays a fault on an entry that lacks the access as the permission fault it
          // would be, unless the trace shows the map lost a race (-EAGAIN): then the entry appeared
          // during this fault in any configuration, and it is the same S4 as recorded.
          if (!((look.prot & need) === need) && this.whatIf && !lostHere) {
            faultClass = 'permission';
            level = look.level;
          } else {
            dec.ipa = { start: look.base, size: look.size };
            const already = (look.prot & need) === need;
            // A write that lost to a map whose W the model only assumed: S1 unless the retry shows otherwise.
            if (already && f.write && !f.exec && !esr.s1ptw && this.assumedWrite.isAssumed(look.base, look.line))
              dec.lostTo = { base: look.base, size: look.size, line: look.line, actor: look.actor };
            if (!this.sink.listing(already ? 'S1' : 'S4')) {
              this.setClass(dec, already ? 'S1' : 'S4', mapEagain, '');
              this.cmoInFaultPath(dec, f, ev, key, look.size, true);
              return;
            }
            const winner = this.laneLabel(this.actorKeys[look.actor]);
            const timing = this.mapsMadeAt.get(look.line);
            if (timing && look.actor !== actor && timing.lockedTs < ep.exitTs && (timing.madeTs === undefined || timing.madeTs > ep.exitTs)) {
              // The winner had locked the entry for its map before this vCPU's exit and made it only after:
              // the walk met the locked (invalid) entry of a map in flight.
              dec.related.push({ line: look.line, message: related.lockedForMap(winner, look.level) });
              this.setClass(dec, 'S1', mapEagain || obs.mapRet !== undefined, message.lostRaceInFlight(winner, look.base, look.size, look.level));
              this.cmoInFaultPath(dec, f, ev, key, look.size, true);
              return;
            }
            dec.related.push({ line: look.line, message: related.mappedBy(winner) });
            // For a map applied at its break, "during" is decided by when its entry was made, not by its line.
            const during = timing ? timing.madeTs === undefined || timing.madeTs > ep.exitTs : look.line > f.line;
            this.setClass(dec, already ? 'S1' : 'S4', mapEagain, already ? message.lostRace(winner, look.base, look.size, during) : message.permsOnly(look.base));
            this.cmoInFaultPath(dec, f, ev, key, look.size, true);
            return;
          }
        } else if (this.whatIf) {
          faultClass = 'permission';
          level = look.level;
        } else {
          dec.ipa = { start: look.base, size: look.size };
          dec.related.push({ line: look.line, message: related.mappedWithFewerPerms });
          this.setClass(dec, 'S4', mapEagain, message.permsOnly(look.base));
          return;
        }
      }
    }

    if (faultClass === 'translation') {
      if (mapEagain) {
        // The probes say another vCPU won although the model has not seen its map yet.
        if (!this.sink.listing('S1')) this.setClass(dec, 'S1', true, '');
        else this.setClass(dec, 'S1', true, message.lostRaceByReturn(pageBase));
        dec.ipa = { start: pageBase, size: page };
        this.cmoInFaultPath(dec, f, ev, key, page, true);
        return;
      }
      const pm = ep.pendingMap;
      let size = pm?.size ?? this.inferSize();
      if (this.whatIf && pm && size > page && this.inLoggingRegion(f.ipa)) size = page;
      let prot = pm?.prot ?? PROT_R | PROT_W | (f.exec || this.pt.features.dic ? PROT_X : 0);
      if (this.cfg.dic === true && !(prot & PROT_DEVICE)) prot |= PROT_X;
      if (this.cfg.dic === false && this.whatIf && !f.exec && pm?.prot !== undefined) prot &= ~PROT_X;
      const base = Math.floor(f.ipa / size) * size;
      this.cmoInFaultPath(dec, f, ev, key, size, false);
      const r = this.pt.map(base, size, prot, { line, actor });
      this.applyMapResult(r, dec, f, ev, s, base, size, prot, pm !== undefined || probeSaysMapped);
      if (r.result === 'ok') {
        if (pm === undefined && !probeSaysMapped) {
          s.prevAssumedMap = { line, faultLine: f.line, pc: f.pc, page: pageBase };
        }
        if (pm?.prot === undefined && prot & PROT_W) this.assumedWrite.remember(base, line);
        const reg = Math.floor(base / this.regionSize);
        const sp = this.splitOnFault.get(reg);
        const un = this.hostUnmaps.get(reg);
        if (sp && size < this.regionSize && r.splits === 0) {
          dec.ipa = { start: base, size };
          if (!this.sink.listing('S5')) this.setClass(dec, 'S5', observedOutcome, '');
          else {
            dec.related.push({ line: sp.line, message: related.splitInFaultPath(this.laneLabel(sp.actor)) });
            this.setClass(dec, 'S5', observedOutcome, message.siblingAfterSplit(base));
          }
        } else if (un && (!sp || un.line > sp.line)) {
          dec.ipa = { start: base, size };
          dec.related.push({ line: un.line, message: related.hostUnmap });
          this.setClass(dec, 'H1', observedOutcome, message.refaultAfterUnmap(base, size, un.size));
        }
        if (!f.exec && !(prot & PROT_X)) this.dataMapsWithoutX.remember(base, f.line, f.ts, key, size);
      }
      return;
    }

    if (faultClass === 'permission') {
      if (obs.relaxRet === -11 && !this.whatIf) {
        // stage2_attr_walker() (arch/arm64/kvm/hyp/pgtable.c) returns -EAGAIN only when the leaf was invalid
        // or its cmpxchg lost: another actor changed the entry while this vCPU relaxed it. No model change.
        dec.ipa = { start: look.base || pageBase, size: look.size || page };
        this.setClass(dec, 'S3', true, message.relaxLostRace(f.ipa));
        return;
      }
      if (mapEagain && !this.whatIf) {
        // The probes say the map changed nothing (another vCPU held or had changed the entry): no model change.
        dec.ipa = { start: look.base, size: look.size || page };
        return;
      }
      if (look.kind !== 'leaf') {
        // The model missed the mapping (made before the trace started): reconcile at the fault's level.
        const lv = level ?? 3;
        const size = this.sizeAt(lv);
        const base = Math.floor(f.ipa / size) * size;
        this.pt.map(base, size, PROT_R | (f.exec ? 0 : PROT_X & 0), { line: f.line, actor: 0 });
        look = this.pt.lookup(f.ipa);
      } else if (level !== undefined && look.level > level && !this.sawMapProbes) {
        // The fault's level says the leaf is bigger than the model thought: a block mapped earlier.
        const size = this.sizeAt(level);
        const base = Math.floor(f.ipa / size) * size;
        this.pt.unmap(base, size, { line: f.line, actor: 0 });
        this.pt.map(base, size, PROT_R, { line: look.line, actor: look.actor });
        look = this.pt.lookup(f.ipa);
      }
      if (this.whatIf) dec.effKindLevel = `permission/L${look.level}`;
      const pm = ep.pendingMap;
      if (pm && pm.size > look.size) {
        // Logging off again: a permission fault on a page maps the whole block over the table.
        const base = Math.floor(f.ipa / pm.size) * pm.size;
        const prot = pm.prot ?? PROT_R | PROT_W;
        const r = this.pt.map(base, pm.size, prot, { line, actor });
        this.splitOnFault.delete(Math.floor(base / this.regionSize));
        this.hostUnmaps.delete(Math.floor(base / this.regionSize));
        this.applyMapResult(r, dec, f, ev, s, base, pm.size, prot, true);
        return;
      }
      if ((look.prot & need) === need) {
        if (this.whatIf && look.line < ep.runStartLine) {
          dec.avoided = true;
          dec.effKindLevel = undefined;
          return;
        }
        if (this.sawWrprotect && obs.relaxRet !== undefined) this.classifyS3(dec, f, ep, look, actor);
        this.relax(f, ev, key, look, need, dec);
        return;
      }
      if (f.write && !(look.prot & PROT_W) && look.level < 3) {
        // Dirty logging on a block: split in the fault path (or, under eager split, split it now).
        if (this.eagerWhatIf()) {
          this.eagerSplitThenRelax(f, ev, key, look, need, dec);
          return;
        }
        const prot = (ep.pendingMap?.prot ?? PROT_R | PROT_W) | (look.prot & PROT_X);
        const r = this.pt.map(pageBase, page, prot | PROT_W, { line, actor });
        this.splitOnFault.set(Math.floor(look.base / this.regionSize), { line: f.line, actor: key });
        this.applyMapResult(r, dec, f, ev, s, pageBase, page, prot | PROT_W, true);
        return;
      }
      if (f.exec && !(look.prot & PROT_X) && !(look.prot & PROT_W) && look.level < 3 && obs.relaxRet === undefined && (pm === undefined || pm.size < look.size)) {
        // An execute fault on a write-protected block, taken as dirty logging (enabling it write-protects
        // the slot, kvm_mmu_wp_memory_region(); with manual protect a block stays writable until cleared,
        // and that case is missed without map probes): user_mem_abort() maps one page (force_pte under
        // memslot_is_logging()), and as vma_pagesize != fault_granule it maps rather than relaxes: the
        // block is broken and replaced by a table holding only this page, as for a write (#14 item 7).
        this.lazyExec(dec, f, look, observedOutcome);
        if (this.eagerWhatIf()) {
          this.eagerSplitThenRelax(f, ev, key, look, need, dec);
          return;
        }
        const prot = pm?.prot ?? (look.prot | PROT_R | PROT_X);
        const r = this.pt.map(pageBase, page, prot, { line, actor });
        this.applyMapResult(r, dec, f, ev, s, pageBase, page, prot, true);
        return;
      }
      if (f.exec && !(look.prot & PROT_X)) this.lazyExec(dec, f, look, observedOutcome || obs.relaxRet !== undefined);
      this.relax(f, ev, key, look, need, dec);
      return;
    }
  }

  /**
   * S3, a permission fault on an entry that already allows the access, told apart by when the entry got
   * the permission (the model's leaf line: the change that gave it) against this vCPU's run [entry, exit].
   * kvm_pgtable_stage2_relax_perms() returns 0 both when it writes and when the entry already allows the
   * access (stage2_attr_walker() writes only a changed value), so its return does not tell them apart:
   * - given after this vCPU's exit: its walk met the old entry and another actor relaxed it first, a lost race;
   * - given before this vCPU entered the guest: the walk would have seen it, so this CPU's TLB held the
   *   stricter entry; since a12ab1378a88 the relaxing vCPU invalidates only its own TLB, so the others
   *   keep theirs until they fault (kernel-behaviour.md 5.7);
   * - given while this vCPU ran the guest: either; the trace cannot tell which.
   */
  protected classifyS3(dec: Decision, f: FaultInfo, ep: NonNullable<VcpuState['ep']>, look: ReturnType<PageTable['lookup']>, actor: number): void {
    dec.ipa = { start: look.base, size: look.size };
    if (look.kind !== 'leaf' || look.actor === actor) {
      this.setClass(dec, 'S3', true, message.staleTlb(f.ipa));
      return;
    }
    const who = this.laneLabel(this.actorKeys[look.actor] ?? HOST);
    dec.related.push({ line: look.line, message: related.gavePermission(who) });
    if (look.line > ep.exitLine) this.setClass(dec, 'S3', true, message.relaxedFirst(f.ipa, who));
    else if (look.line < ep.runStartLine) this.setClass(dec, 'S3', true, message.staleTlbAfter(f.ipa, who));
    else this.setClass(dec, 'S3', true, message.relaxedWhileRunning(f.ipa, who));
  }

  /** An eager-split what-if split this block when logging began: do it now, then the fault relaxes its page. */
  protected eagerSplitThenRelax(f: FaultInfo, ev: TraceEvent | undefined, key: string, block: ReturnType<PageTable['lookup']>, need: number, dec: Decision): void {
    if (ev) this.lazyEagerSplit(ev, block.base, block.size);
    const look = this.pt.lookup(f.ipa);
    dec.effKindLevel = `permission/L${look.level}`;
    this.relax(f, ev, key, look, need, dec);
  }

  /**
   * S7: one finding per lazily granted execute permission. The data fault before it was needed (it
   * mapped the page), so it is the related line, not a second S7. user_mem_abort() (arch/arm64/kvm/mmu.c)
   * maps a data fault without X when !cpus_have_final_cap(ARM64_HAS_CACHE_DIC) and adds X only on an
   * exec fault.
   */
  protected lazyExec(dec: Decision, f: FaultInfo, look: ReturnType<PageTable['lookup']>, observed: boolean): void {
    const data = this.dataMapsWithoutX.take(look.base);
    dec.ipa = { start: look.base, size: look.size };
    if (data) dec.related.push({ line: data.line, message: related.dataFault(this.laneLabel(data.lane), data.ipa) });
    this.setClass(dec, 'S7', observed, message.lazyExec(f.ipa));
  }

  /** Line of the leaf covering ipa, or of the deepest valid table entry above it. */
  protected leafLineAt(ipa: number, look: ReturnType<PageTable['lookup']>): number {
    if (look.kind === 'leaf') return look.line;
    for (let l = 3; l >= this.geom.startLevel; l--) {
      const e = this.pt.entryAt(ipa, l);
      if (e && e.kind !== 'invalid') return e.line;
    }
    return 0;
  }

  protected inLoggingRegion(ipa: number): boolean {
    const look = this.pt.lookup(ipa);
    return look.kind === 'table' || this.splitOnFault.has(Math.floor(ipa / this.regionSize)) || (look.kind === 'invalid' && look.level === 3);
  }

  protected inferSize(): number {
    const b = this.cfg.backingPageSize;
    if (typeof b === 'number' && b > 0) return b;
    return this.geom.granule;
  }

  protected relax(f: FaultInfo, ev: TraceEvent | undefined, key: string, look: ReturnType<PageTable['lookup']>, need: number, dec: Decision): void {
    const line = ev?.line ?? f.line;
    // <= 5.13: user_mem_abort() invalidates the I-cache for the mapping size on every exec fault,
    // permission faults included, before relaxing (docs/kernel-behaviour.md 5.10)
    if (this.behaviour.cmoInFaultPath && f.exec)
      dec.cmos.push({ kind: 'icache', ipa: look.base, size: look.size, line, ts: f.ts, lane: key, onNoChange: false, reclean: false, observed: false });
    const r = this.pt.relax(f.ipa, need, { line, actor: this.actor(key) });
    this.counters.tlbi.ipa += r.tlbi.ipa;
    this.counters.tlbi.ipaNsh += r.tlbi.ipaNsh;
    if (r.result === 'ok') this.history.add(REC_PERMS_SET, look.base, look.size, line, look.level, look.prot | need, this.actor(key));
    for (const c of r.cmos) dec.cmos.push({ kind: c.kind, ipa: c.ipa, size: c.size, line, ts: f.ts, lane: key, onNoChange: false, reclean: false, observed: false });
    if (!dec.ipa) dec.ipa = { start: look.base, size: look.size };
  }

  protected applyMapResult(r: OpResult, dec: Decision, f: FaultInfo, ev: TraceEvent | undefined, s: VcpuState, base: number, size: number, prot: number, observed: boolean): void {
    const line = ev?.line ?? f.line;
    const key = s.key;
    const actor = this.actor(key);
    const evt = ev ?? ({ line, ts: f.ts } as TraceEvent);
    this.account(r, evt, key, base, size, false);
    if (r.result === 'ok') {
      this.history.add(REC_MAP, base, size, line, r.level ?? 3, prot, actor);
      const restructured = r.splits > 0 || r.coalesces > 0;
      for (const c of r.cmos) {
        // C4 only when pages of the new block were mapped (and so cleaned) before the collapse
        const reclean = c.kind === 'dcache' && r.coalesces > 0 && r.mappedUnderCoalesce > 0;
        dec.cmos.push({ kind: c.kind, ipa: c.ipa, size: c.size, line, ts: f.ts, lane: key, onNoChange: false, reclean, ...(reclean ? { mappedBefore: r.mappedUnderCoalesce } : {}), observed });
        this.history.addCmo(c.ipa, line);
      }
      if (restructured) {
        if (r.splits > 0) this.splitOnFault.set(Math.floor(base / this.regionSize), { line: f.line, actor: key });
        this.checkPinned(evt, key, base, size, r.splits > 0 ? 'split' : 'coalesce');
      }
      // Inferred windows (no break probes): [fault, owner's next kvm_entry].
      if (!this.sawBreakProbes) {
        for (const need of r.windows) {
          if (s.openWindow && s.openWindow.ipa === need.ipa) continue;
          const w: WindowEntry = {
            kind: need.kind, owner: key, ownerKey: key, ipa: need.ipa, size: need.size, level: need.level, ts: f.ts, endTs: undefined,
            line: f.line, observed: false, faults: 0, costNs: 0, avoidedHere: false,
          };
          s.openWindow = w;
          this.addWindow(w);
        }
      }
    }
  }

  /**
   * The vCPU's next stage-2 fault after an S1 against an assumed-writable leaf. After -EAGAIN
   * user_mem_abort returns 0 and the vCPU re-enters at the same instruction, so the retried write is
   * this vCPU's next access to the page: a write permission fault there, same PC, proves the entry
   * lacked W, i.e. this vCPU's map (with W) differed from it only in permissions: S4, two faults for
   * one access. Only the loser's own retry counts: another vCPU's write permission fault shows the
   * entry lacked W as well (the stage-2 table is per VM), but if it relaxed the entry before the
   * loser retried, the loser took one fault only (a plain lost race), and another vCPU's fault is
   * not bound to the race in time (an untraced write-protect could explain it).
   */
  protected settleLostRace(s: VcpuState, f: FaultInfo): void {
    const p = s.pendingLostRace!;
    s.pendingLostRace = undefined;
    if (f.esr.faultClass !== 'permission' || !f.write || f.esr.s1ptw || f.pc !== p.pc) return;
    if (Math.floor(f.ipa / this.geom.granule) * this.geom.granule !== p.page) return;
    const look = this.pt.lookup(f.ipa);
    if (look.kind !== 'leaf' || look.base !== p.leaf.base || look.size !== p.leaf.size) return;
    if (look.line === p.leaf.line) {
      // The model's belief becomes what the retry showed: read-only since that map, so this fault's
      // handling relaxes it (a real change, with its TLBI) and hovers in between show r--. Blocks keep
      // their W: a read-only block is what the model takes for dirty logging, which splits on write.
      if (look.prot & PROT_W && look.level === 3) {
        this.pt.wrprotect(look.base, look.size, { line: look.line, actor: look.actor }, { flush: false });
        this.history.add(REC_PERMS_CLEAR_W, look.base, look.size, look.line, look.level, 0, look.actor);
      }
      this.assumedWrite.markReadOnly(look.base, look.line);
    } else if (!this.assumedWrite.provenReadOnly(look.base, p.leaf.line)) {
      // The leaf changed since the race and nothing showed that map lacked W.
      return;
    }
    this.reviseToS4(p, s.key, f.line);
  }

  /** Moves a pending S1 to S4 everywhere it was counted: class counts and costs, phase, region, mark, finding. */
  protected reviseToS4(p: PendingLostRace, lane: string, permLine: number): void {
    moveClass(p.phase.byClass, 'S1', 'S4');
    const region = this.regions.get(Math.floor(p.ipa / this.regionSize));
    if (region) moveClass(region.byClass, 'S1', 'S4');
    if (p.markIndex >= 0) this.marks.setClsAt(p.markIndex, 'S4');
    this.sink.revise('S1', p.findingIndex, p.costNs, () => {
      const k = findingEntry('S4');
      const winner = this.laneLabel(this.actorKeys[p.leaf.actor] ?? HOST);
      return {
        code: k.code, cls: 'S4', severity: k.severity, line: p.line, ts: p.ts, vcpu: lane,
        ipa: { start: p.leaf.base, size: p.leaf.size },
        message: message.permsOnlyByRetry(p.leaf.base, winner, permLine),
        related: [
          p.related.find((r) => r.line === p.leaf.line) ?? { line: p.leaf.line, message: related.mappedBy(winner) },
          { line: permLine, message: related.retriedWrite },
        ],
        observed: false, costNs: p.costNs,
      };
    }, 'S4');
  }
}
