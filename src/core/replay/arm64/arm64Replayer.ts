// The arm64 replay: drives the stage-2 model from trace events in order. It correlates per-vCPU
// fault episodes (kvm_exit -> kvm_guest_fault -> probe/function lines -> kvm_entry on one task),
// applies host actions (unmap, write-protect, eager split, aging) and classifies every stage-2
// fault and cache maintenance call into the classes of docs/kernel-behaviour.md 11 (S1-S9, C1-C7, H1), using
// what probes show where they show it and the model where they do not (labelled observed/inferred).
// Under a what-if configuration (FEAT_BBM level, eager split, FWB, DIC, kernel era) the same
// faults are re-judged against that configuration's model: avoided, converted, or kept. 'auto'
// CPU features come from the recording script's `stage2-lens: cpu-features` marker when present.
// S6 needs map probes, S8 the ESR's S1PTW bit, C5/C6 the CMO probes, C7 kvm_set_way_flush.
// Without map probes a fault's map is assumed read-write: a write fault that lost the race to such a
// map is S1 until the loser's retry takes a write permission fault on it, which revises it to S4.
// Layers: replayState, windows, cmoAccounting, hostActions, faultRules, intake (each file's header says what it owns).
import type { Counters, CoverageItem, EntryState, Finding, FindingClass, ModelConfig } from '../../domain/types';
import type { TraceEvent } from '../../parse/types';
import { levelSize } from '../../model/arm64/geometry';
import { detectKernel } from '../../model/arm64/kernelProfile';
import { type ReplayOutput, type Replayer, type WindowRecord } from '../replayer';
import { HOST, hex, FROM_MARKER, type Arm64ReplayOptions } from './types';
import { Arm64Intake } from './intake';
import { label } from './wording';

export type { Arm64ReplayOptions } from './types';

export function createArm64Replayer(config: ModelConfig, options: Arm64ReplayOptions = {}): Replayer {
  return new Arm64Replayer(config, options);
}

class Arm64Replayer extends Arm64Intake implements Replayer {
  peekFindings(): Finding[] {
    const live = this.sink.live();
    return live.map((f) => ({ ...f, vcpu: this.laneLabel(f.vcpu) }));
  }

  findingClasses(): Iterable<FindingClass> {
    return this.sink.count.keys();
  }

  finish(): ReplayOutput {
    const end = { line: this.maxLine, ts: this.lastTs } as TraceEvent;
    for (const s of this.tasks.values()) if (s.ep) this.close(s, end);
    this.sink.compact();
    // blocks still split at the end of the trace count until then
    for (const s of this.splitSince.values()) this.addSplitTime(s, this.lastTs);
    // What ran, and what proves it: only lines of the trace count (probes, function-tracer lines,
    // the recording script's cpu-features marker); otherwise "unknown" and the value the model used.
    if (!this.sawMapProbes) this.evidence.dcacheBeforeMap = undefined; // without map probes "before the map" is unknowable
    const detected: string[] = [];
    const k = detectKernel(this.evidence);
    const ranKernel = this.behaviour.profile;
    const at = (line: number | undefined): string => (line !== undefined ? `line ${line}: ` : '');
    if (this.cfg.kernel === 'auto') {
      detected.push(k.era === undefined
        ? `kernel: unknown (${k.why}); the model replays ${ranKernel} behaviour`
        : `kernel: ${k.era}${k.bound === 'at-least' ? ' or later' : ' or earlier'} (${at(k.line)}${k.why}); the model replays ${ranKernel} behaviour`);
    }
    const m = this.marker;
    const onOff = (b: boolean): string => (b ? 'on' : 'off');
    const timing = this.cleanTiming.verdict();
    const fwb = this.cfg.fwb === 'auto' ? m.fwb ?? timing.fwb ?? false : this.cfg.fwb;
    const dic = this.cfg.dic === 'auto' ? m.dic ?? this.dicEvidence !== undefined : this.cfg.dic;
    const idc = this.cfg.idc === 'auto' ? m.idc ?? true : this.cfg.idc;
    if (this.cfg.fwb === 'auto')
      detected.push(m.fwb !== undefined ? `fwb: ${onOff(fwb)} (${FROM_MARKER})`
        : timing.fwb !== undefined ? `fwb: ${onOff(timing.fwb)} (${at(timing.line)}${timing.measured})`
        : `fwb: unknown (${timing.measured ?? 'no line of the trace shows it: with FWB clean_dcache_guest_page returns at once, so only its duration can (record-script --probes full times it)'}); the model assumes off: pass --fwb if the CPU has it`);
    if (this.cfg.dic === 'auto')
      detected.push(m.dic !== undefined ? `dic: ${onOff(dic)} (${FROM_MARKER})` : this.dicEvidence !== undefined ? `dic: on (${at(this.dicEvidence)}a data fault mapped its page executable, which KVM does only with DIC)` : 'dic: unknown (no data fault is seen mapping its page executable); the model assumes off');
    if (this.cfg.idc === 'auto' && m.idc !== undefined) detected.push(`idc: ${onOff(idc)} (${FROM_MARKER})`);
    if (this.cfg.tlbiRange === 'auto')
      detected.push(this.tlbiRangeSeen ? `tlbiRange: on (${at(this.evidence.rangeTlbi)}a range TLBI)` : m.tlbiRange !== undefined ? `tlbiRange: ${onOff(m.tlbiRange)} (${FROM_MARKER})` : `tlbiRange: unknown (no range TLBI line in the trace); the model assumes ${onOff(this.pt.features.tlbiRange)} (kernel ${ranKernel})`);
    if (m.haf !== undefined) detected.push(`hardware access flag: ${onOff(m.haf)} (${FROM_MARKER}${m.haf ? ': access-flag faults are not expected' : ''})`);
    if (this.cfg.eagerSplitChunk === 'auto') detected.push(this.evidence.eagerSplits !== undefined ? `eagerSplit: on (${at(this.evidence.eagerSplits)}kvm_pgtable_stage2_split)` : 'eagerSplit: none in the trace (no kvm_pgtable_stage2_split line); the model replays none');
    this.classifyCmos(fwb, dic);
    if (this.regions.size) {
      const per: NonNullable<Counters['perRegion']> = {};
      for (const k of [...this.regions.keys()].sort((x, y) => x - y)) per[hex(k * this.regionSize)] = this.regions.get(k)!;
      this.counters.perRegion = per;
    }

    // Windows: counters and marks.
    for (const w of this.windows) {
      if (w.avoidedHere) continue;
      this.counters.invalidWindows.count++;
      const end = w.endTs ?? w.ts;
      this.counters.invalidWindows.totalNs += Math.max(0, end - w.ts);
      this.marks.push({ ts: w.ts, endTs: end, lane: w.ownerKey, kind: 'window', line: w.line, ipa: w.ipa, size: w.size, label: label.window(w.kind, w.faults) });
      this.history.addWindow({ ipa: w.ipa, size: w.size, startLine: w.line, endLine: undefined });
    }
    const byClass = this.counters.faults.byClass;
    for (const [cls, n] of this.sink.count) {
      if (cls[0] === 'C') (this.counters.cmo.callsByClass ??= {})[cls] = n;
      if (cls[0] === 'S' || cls === 'H1' || cls === 'P1') {
        byClass[cls] = n;
        const cost = this.sink.cost.get(cls);
        if (cost !== undefined) this.counters.costNsByClass[cls] = cost;
      }
    }
    const sinkNote = this.sink.droppedNote();
    if (sinkNote) detected.push(sinkNote);
    const dropNote = this.marks.droppedNote();
    if (dropNote) detected.push(dropNote);
    // Labels: a vCPU's index may be learnt after its first findings. Fixed from here on: each
    // lane's label is made once, not once per finding (thousands share a handful of lanes).
    const labels = new Map<string, string>();
    for (const fd of this.sink.findings) {
      let l = labels.get(fd.vcpu);
      if (l === undefined) labels.set(fd.vcpu, (l = this.laneLabel(fd.vcpu)));
      fd.vcpu = l;
    }
    this.marks.renameLanes((key) => this.laneLabel(key));
    const perVcpu: Record<string, number> = {};
    for (const [kk, v] of Object.entries(this.counters.faults.perVcpu)) perVcpu[this.laneLabel(kk)] = v;
    this.counters.faults.perVcpu = perVcpu;
    this.sink.findings.sort((a, b) => a.line - b.line);
    const lanes = [...this.tasks.values()]
      .filter((s) => s.isVcpu)
      .sort((a, b) => (a.vcpuIndex ?? 1e9) - (b.vcpuIndex ?? 1e9) || a.pid - b.pid)
      .map((s) => ({ id: this.laneLabel(s.key), label: this.laneLabel(s.key) }));
    lanes.push({ id: HOST, label: 'host' });
    const windows: WindowRecord[] = this.windows.filter((w) => !w.avoidedHere).map((w) => ({ kind: w.kind, owner: this.laneLabel(w.ownerKey), ipa: w.ipa, size: w.size, level: w.level, ts: w.ts, endTs: w.endTs, line: w.line, observed: w.observed, faults: w.faults, costNs: w.costNs }));
    const resolved: ModelConfig = {
      ...this.cfg,
      arch: 'arm64',
      fwb,
      dic,
      idc,
      tlbiRange: this.pt.features.tlbiRange,
      eagerSplitChunk: this.cfg.eagerSplitChunk === 'auto' ? (this.evidence.eagerSplits !== undefined ? this.regionSize : 0) : this.cfg.eagerSplitChunk,
      kernel: ranKernel,
    };
    const coverage: CoverageItem[] = [
      { analysis: 'lost-races', support: this.sawMapProbes ? 'observed' : 'inferred', why: this.sawMapProbes ? 'map return values (-EAGAIN) show each lost race' : 'inferred from repeated faults on pages the model already maps', add: this.sawMapProbes ? [] : ['kretprobe on kvm_pgtable_stage2_map (ret=$retval)'] },
      { analysis: 'invalid-windows', support: this.sawBreakProbes ? 'observed' : 'inferred', why: this.sawBreakProbes ? 'stage2_try_break_pte / stage2_make_pte probes bound each window' : 'inferred from fault levels and the owner\'s fault episode', add: this.sawBreakProbes ? [] : ['kprobes on stage2_try_break_pte and stage2_make_pte (+ kretprobes)'] },
    ];
    const geom = this.geom;
    const history = this.history;
    return {
      findings: this.sink.findings,
      counters: this.counters,
      marks: this.marks,
      lanes,
      detected,
      config: resolved,
      coverage,
      phases: this.phases,
      avoidedFaults: this.avoidedFaults,
      windows,
      internalErrors: this.errors.result(),
      stateAt: (line: number, ipa: number): EntryState | undefined =>
        history.stateAt(line, ipa, (a) => this.laneLabel(this.actorKeys[a] ?? HOST), (lvl) => levelSize(geom, lvl)),
    };
  }
}
