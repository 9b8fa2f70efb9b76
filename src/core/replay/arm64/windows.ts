// Break-before-make windows (kernel-behaviour.md): observed ones from the stage2_try_break_pte /
// stage2_make_pte probes, inferred ones from a fault that splits or collapses a block, and the
// lookup that finds another actor's window over a faulting IPA (S2).
import { type Episode, type VcpuState, type WindowEntry } from './types';
import { Arm64ReplayState } from './replayState';

export class Arm64Windows extends Arm64ReplayState {
  protected openObservedWindow(s: VcpuState, b: NonNullable<VcpuState['lastBreak']>): void {
    const isTable = (b.old & 3n) === 3n;
    const kind = isTable ? 'coalesce' : 'split';
    const size = this.sizeAt(b.level);
    // Would this replay's configuration open this window? FEAT_BBM 1/2 does size changes without one;
    // an eager split already turned the block into a table, so the fault path does not split it.
    const look = this.pt.lookup(b.ipa);
    const presentHere =
      this.cfg.bbmLevel === 0 &&
      (!this.whatIf ||
      (kind === 'coalesce' ? this.pt.validAtLevel(b.ipa, b.level) && !(look.kind === 'leaf' && look.level === b.level) : look.kind === 'leaf' && look.level === b.level));
    const w: WindowEntry = {
      kind,
      owner: s.key,
      ownerKey: s.key,
      ipa: b.ipa,
      size,
      level: b.level,
      ts: b.ts,
      endTs: undefined,
      line: b.line,
      observed: true,
      faults: 0,
      costNs: 0,
      avoidedHere: !presentHere,
    };
    // An inferred window of the same owner (opened at its fault, before the break probe showed up) is superseded.
    if (s.openWindow && !s.openWindow.observed) {
      s.openWindow.dropped = true;
      s.openWindow.avoidedHere = true;
    }
    s.openWindow = w;
    this.addWindow(w);
  }

  protected addWindow(w: WindowEntry): void {
    this.windows.push(w);
    const first = Math.floor(w.ipa / this.regionSize);
    const last = Math.floor((w.ipa + w.size - 1) / this.regionSize);
    for (let r = first; r <= last && r - first < 4096; r++) {
      let l = this.windowsByRegion.get(r);
      if (!l) this.windowsByRegion.set(r, (l = []));
      l.push(w);
    }
  }

  /** Another actor's window over ipa at `level` that overlaps the vCPU's run interval. */
  protected findWindow(ipa: number, level: number | undefined, from: number, to: number, self: string): WindowEntry | undefined {
    const l = this.windowsByRegion.get(Math.floor(ipa / this.regionSize));
    if (!l) return undefined;
    for (let j = l.length - 1; j >= 0; j--) {
      const w = l[j];
      if (w.ownerKey === self || w.dropped) continue;
      if (ipa < w.ipa || ipa >= w.ipa + w.size) continue;
      if (level !== undefined && w.level !== level) continue;
      const end = w.endTs ?? Infinity;
      if (w.ts <= to && end >= from) return w;
    }
    return undefined;
  }

  protected inferredWindowNear(ipa: number, ep: Episode, self: string): boolean {
    return this.findWindow(ipa, undefined, ep.runStartTs, ep.exitTs, self) !== undefined;
  }
}
