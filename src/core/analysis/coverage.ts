// Trace sufficiency: for each analysis (lost races, invalid windows, splitting, CMO redundancy,
// TLB cost, access-flag faults, pinned ranges) whether this trace supports it as observed, inferred
// or not at all, why, and the exact events or probes to add (the definitions the recording script
// uses, src/core/record/probes.ts). Works from the trace statistics alone (event names), and more
// precisely with the evidence of src/core/record/traceEvidence.ts: the recording script's markers
// (a probe defined but never hit still counts), probe ops by symbol, and the VHE/nVHE signature.
// On x86 it first tells the TDP MMU from the legacy MMU and shadow paging, whose tracepoints differ:
// advice names only events that can fire on the MMU that made the trace.
import type { CoverageItem, TraceStats } from '../api';
import type { Stage2Op } from '../parse/types';
import { stage2OpOf, symbolFromProbeName } from '../parse/stage2Symbols';
import { PROBES, probeDefinition, type ProbeSpec } from '../record/probes';
import type { CoverageEvidence } from '../record/traceEvidence';

export type { CoverageEvidence } from '../record/traceEvidence';
export { createCoverageCollector } from '../record/traceEvidence';

export interface CoverageOptions {
  arch: 'arm64' | 'x86';
  /** From createCoverageCollector(): makes "probe defined but never hit" and nVHE detection exact. */
  evidence?: CoverageEvidence;
}

export type HostMode = 'vhe' | 'nvhe' | 'protected' | 'unknown';

const TLBI_PRIMITIVES: Stage2Op[] = ['tlbi-ipa', 'tlbi-ipa-nsh', 'tlbi-range', 'tlbi-vmid'];
const TLBI_WRAPPERS: Stage2Op[] = ['tlbi-vmid-range-wrapper', 'flush-remote-tlbs'];

/** What the trace shows, reduced to the questions the rules ask. */
interface Facts {
  arch: 'arm64' | 'x86';
  /** Seen in the trace (count > 0) or enabled by the recording script. */
  event(name: string): boolean;
  eventCount(name: string): number;
  /** A probe/function line for this op was seen, or the script defined one. */
  op(op: Stage2Op): boolean;
  opReturn(op: Stage2Op): boolean;
  opSeen(op: Stage2Op): number;
  mode: HostMode;
  modeWhy: string;
  scripted: boolean;
  lost: number;
  cpuFeatures: Record<string, string>;
  /** The recording script's x86 params marker (tdp_mmu, npt, ept, ...); empty without one. */
  params: Record<string, string>;
  missing(op: Stage2Op): string | undefined;
}

const probeNameOps = new Map<string, Stage2Op>(PROBES.map((p) => [p.name, p.op]));

function opOfEventName(name: string): Stage2Op | undefined {
  const sym = symbolFromProbeName(name);
  if (sym) return stage2OpOf(sym);
  return probeNameOps.get(name);
}

/** arm64 KVM mode from the script's marker, kvm_get_timer_map, or which TLBI functions appear. */
export function detectHostMode(ops: (op: Stage2Op) => number, evidence: CoverageEvidence | undefined): { mode: HostMode; why: string } {
  const hostMode = evidence?.recording?.begin['host-mode'];
  if (hostMode === 'vhe' || hostMode === 'nvhe' || hostMode === 'protected') {
    return { mode: hostMode, why: `the recording script saw ${hostMode === 'vhe' ? 'a VHE' : hostMode === 'nvhe' ? 'an nVHE' : 'a protected (pKVM)'} host` };
  }
  const tm = evidence?.timerMap;
  if (tm && tm.vhe + tm.nvhe > 0) {
    const mode = tm.nvhe > tm.vhe ? 'nvhe' : 'vhe';
    return { mode, why: `kvm_get_timer_map shows the ${mode === 'nvhe' ? 'nVHE pattern (dp: -1 ... ep: 0)' : 'VHE pattern (dp: 0 ... ep: -1)'}` };
  }
  const primitives = TLBI_PRIMITIVES.reduce((n, o) => n + ops(o), 0);
  if (primitives > 0) return { mode: 'vhe', why: '__kvm_tlb_flush_vmid* calls are visible (they run at EL2 unseen on nVHE)' };
  if (TLBI_WRAPPERS.reduce((n, o) => n + ops(o), 0) > 0) {
    return { mode: 'nvhe', why: 'only the host-side TLB flush wrappers appear, no __kvm_tlb_flush_vmid* (those run at EL2 on nVHE)' };
  }
  if (ops('map') > 0) {
    return { mode: 'unknown', why: 'map probes are present but no __kvm_tlb_flush_vmid*: an nVHE host (TLBIs at EL2) or no TLBI probes were defined' };
  }
  return { mode: 'unknown', why: 'nothing in the trace tells VHE from nVHE' };
}

function buildFacts(stats: TraceStats, opts: CoverageOptions): Facts {
  const ev = opts.evidence;
  const rec = ev?.recording;
  const seenOps: Partial<Record<Stage2Op, number>> = { ...(ev?.ops ?? {}) };
  const seenRets: Partial<Record<Stage2Op, number>> = { ...(ev?.opReturns ?? {}) };
  if (!ev) {
    // Statistics only: probe ops from the event names (the names the recording scripts use).
    for (const [name, count] of Object.entries(stats.events)) {
      const op = opOfEventName(name);
      if (!op || !count) continue;
      const isRet = /_ret$/.test(name) || /^r_/.test(name);
      const target = isRet ? seenRets : seenOps;
      target[op] = (target[op] ?? 0) + count;
    }
  }
  const declared = new Map<Stage2Op, { entry: boolean; ret: boolean }>();
  for (const p of rec?.probes ?? []) {
    if (!p.op) continue;
    const spec = PROBES.find((s) => s.name === p.name);
    const d = declared.get(p.op) ?? { entry: false, ret: false };
    if (spec?.type === 'r' || /_ret$/.test(p.name)) d.ret = true;
    else d.entry = true;
    declared.set(p.op, d);
  }
  const enabledEvents = new Set((rec?.events ?? []).map((e) => e.slice(e.indexOf(':') + 1)));
  const enabledSystems = new Set((rec?.events ?? []).filter((e) => e.endsWith(':*')).map((e) => e.slice(0, e.indexOf(':'))));
  const opSeen = (op: Stage2Op): number => (seenOps[op] ?? 0) + (seenRets[op] ?? 0);
  const { mode, why } = opts.arch === 'arm64' ? detectHostMode(opSeen, ev) : { mode: 'unknown' as HostMode, why: '' };
  const lost = stats.lostEvents.reduce((n, l) => n + (l.count ?? 1), 0);
  return {
    arch: opts.arch,
    event: (name) => (stats.events[name] ?? 0) > 0 || enabledEvents.has(name) || (name.startsWith('kvm_mmu') || name === 'fast_page_fault' || name.startsWith('kvm_tdp_mmu') ? enabledSystems.has('kvmmmu') : false),
    eventCount: (name) => stats.events[name] ?? 0,
    op: (op) => (seenOps[op] ?? 0) > 0 || (seenRets[op] ?? 0) > 0 || declared.get(op) !== undefined,
    opReturn: (op) => (seenRets[op] ?? 0) > 0 || declared.get(op)?.ret === true,
    opSeen,
    mode,
    modeWhy: why,
    scripted: rec !== undefined,
    lost,
    cpuFeatures: rec?.cpuFeatures ?? {},
    params: rec?.params ?? {},
    missing: (op) => {
      const names = PROBES.filter((p) => p.op === op).map((p) => p.name);
      const m = rec?.missing.find((x) => names.includes(x.name));
      return m ? `${m.name}: ${m.reason.replace(/-/g, ' ')}` : undefined;
    },
  };
}

function probeAdvice(names: string[]): string[] {
  return names
    .map((n) => PROBES.find((p) => p.name === n))
    .filter((p): p is ProbeSpec => p !== undefined)
    .map((p) => `kprobe ${probeDefinition(p)}`);
}

function scriptAdvice(f: Facts, full: boolean): string {
  if (f.arch === 'x86') return `or record with: stage2-lens record-script --arch x86${full ? ' --probes full' : ''}`;
  const mode = f.mode === 'nvhe' || f.mode === 'protected' ? 'nvhe' : 'vhe';
  return `or record with: stage2-lens record-script --arch arm64 --mode ${mode}${full ? ' --probes full' : ''}`;
}

function item(analysis: CoverageItem['analysis'], support: CoverageItem['support'], why: string, add: string[]): CoverageItem {
  return { analysis, support, why, add };
}

function withAdvice(f: Facts, add: string[], full = false): string[] {
  return add.length ? [...add, scriptAdvice(f, full)] : [];
}

function arm64Coverage(f: Facts): CoverageItem[] {
  const faults = f.event('kvm_guest_fault');
  const noFaults = 'no kvm_guest_fault events: the stage-2 faults are not in the trace';
  const faultAdd = ['event kvm:kvm_guest_fault', 'event kvm:kvm_exit', 'event kvm:kvm_entry'];
  const map = f.op('map');
  const out: CoverageItem[] = [];

  // Lost races: a map that returns -EAGAIN says so; without the return the model infers it.
  if (!faults) out.push(item('lost-races', 'none', noFaults, withAdvice(f, [...faultAdd, ...probeAdvice(['s2_map', 's2_map_ret'])])));
  else if (map && f.opReturn('map')) out.push(item('lost-races', 'observed', 's2_map_ret shows each map result (-11 = -EAGAIN: the fault lost a race to another vCPU)', []));
  else {
    const why = map ? 'map probes without their return value: lost races are inferred from the model (mapping already present)' : 'no map probes: lost races are inferred from duplicate faults on an IPA the model has already mapped';
    out.push(item('lost-races', 'inferred', why, withAdvice(f, probeAdvice(map ? ['s2_map_ret'] : ['s2_map', 's2_map_ret']))));
  }

  // Invalid windows: exact with the break/make probes, else bracketed by map and TLBI.
  const bbm = f.op('try-break') && f.op('make-pte');
  const bbmMissing = f.missing('try-break') ?? f.missing('make-pte');
  if (!faults && !map) out.push(item('invalid-windows', 'none', noFaults, withAdvice(f, [...faultAdd, ...probeAdvice(['s2_map', 's2_break', 's2_break_ret', 's2_mkpte', 's2_mkpte_ret'])], true)));
  else if (bbm) out.push(item('invalid-windows', 'observed', 's2_break / s2_mkpte(_ret) mark each break-before-make window exactly', []));
  else {
    const base = map ? 'no break/make probes: each window is inferred between the map call and its TLBI' : 'no map probes: windows are inferred from fault levels and the model';
    const why = bbmMissing ? `${base} (the recording script could not define ${bbmMissing})` : base;
    out.push(item('invalid-windows', 'inferred', why, withAdvice(f, probeAdvice(['s2_break', 's2_break_ret', 's2_mkpte', 's2_mkpte_ret']), true)));
  }

  // Splitting: fault-path splits show in map sizes; eager splits need kvm_pgtable_stage2_split.
  const split = f.op('split') || f.op('split-huge');
  if (!faults && !map) out.push(item('splitting', 'none', noFaults, withAdvice(f, [...faultAdd, ...probeAdvice(['s2_map', 's2_split', 's2_wrprotect'])])));
  else if (map && split) out.push(item('splitting', 'observed', 's2_map sizes show fault-path splits and coalescing; s2_split / split_huge show eager splits', []));
  else if (map) out.push(item('splitting', 'inferred', `fault-path splits show in s2_map sizes, but ${f.scripted ? 'kvm_pgtable_stage2_split could not be probed' : 'no eager split is recorded (none happened, or kvm_pgtable_stage2_split was not probed)'}: eager splits are inferred from write-protection and fault patterns`, withAdvice(f, probeAdvice(['s2_split', 's2_split_ret', 'split_huge', 's2_wrprotect']))));
  else out.push(item('splitting', 'inferred', 'no map probes: block vs page mappings are inferred from the fault levels', withAdvice(f, probeAdvice(['s2_map', 's2_split', 's2_wrprotect']))));

  // Cache maintenance: the CMO calls themselves, or the model's per-map rule (kernel era, FWB).
  const fwb = f.cpuFeatures.fwb === '1' ? ' (the CPU has stage-2 FWB: every dcache clean is a no-op)' : '';
  if (!faults && !map) out.push(item('cmo-redundancy', 'none', noFaults, withAdvice(f, [...faultAdd, ...probeAdvice(['dcache_clean', 'icache_inval'])])));
  else if (f.op('dcache-clean')) {
    const ic = f.op('icache-inval') ? '' : ' (no icache invalidation recorded)';
    out.push(item('cmo-redundancy', 'observed', `dcache_clean / icache_inval calls are recorded${ic}${fwb}`, []));
  } else {
    const why = map ? 'no CMO probes: each map of cacheable memory is assumed to clean the dcache (kernel 5.14+ rule)' : 'no map or CMO probes: CMOs are inferred from the faults and the kernel era';
    out.push(item('cmo-redundancy', 'inferred', why + fwb, withAdvice(f, probeAdvice(['dcache_clean', 'icache_inval', ...(map ? [] : ['s2_map'])]))));
  }

  // TLB cost: the TLBI calls are visible only in VHE.
  const tlbi = TLBI_PRIMITIVES.some((o) => f.op(o));
  const nvhe = f.mode === 'nvhe' || f.mode === 'protected';
  if (!faults && !map) out.push(item('tlb-cost', 'none', noFaults, withAdvice(f, [...faultAdd, ...probeAdvice(['tlbi_ipa', 'tlbi_ipa_nsh', 'tlbi_range', 'tlbi_vmid'])])));
  else if (tlbi && !nvhe) out.push(item('tlb-cost', 'observed', `every TLB invalidation (__kvm_tlb_flush_vmid*) is recorded (${f.modeWhy})`, []));
  else if (nvhe) {
    const wrappers = TLBI_WRAPPERS.reduce((n, o) => n + f.opSeen(o), 0);
    const why = `nVHE host (${f.modeWhy}): the TLB invalidations run at EL2 and are invisible to the tracer, so their number and cost are inferred from the model${wrappers ? `; ${wrappers} host-side flush requests are recorded` : ''}`;
    const add = f.op('tlbi-vmid-range-wrapper') ? [] : probeAdvice(['tlbi_range_wrapper', 'flush_remote_tlbs']);
    out.push(item('tlb-cost', 'inferred', why, add.length ? [...add, 'the EL2 TLBIs themselves are visible only on a VHE host'] : ['the EL2 TLBIs themselves are visible only on a VHE host']));
  } else {
    const none = f.scripted ? 'the recording script could not probe __kvm_tlb_flush_vmid*' : 'no TLB invalidation in the trace (none happened, or __kvm_tlb_flush_vmid* was not probed)';
    const why = map ? `${none}: invalidations are counted from the model per operation (${f.modeWhy})` : 'no probes: invalidations are counted from the model per inferred operation';
    out.push(item('tlb-cost', 'inferred', why, withAdvice(f, probeAdvice(['tlbi_ipa', 'tlbi_ipa_nsh', 'tlbi_range', 'tlbi_vmid']))));
  }

  // Access flag: the faults show in the FSC; what aged the pages needs the aging events/probes.
  const aging = f.event('kvm_age_hva') || f.event('kvm_test_age_hva') || f.op('age');
  const haf = f.cpuFeatures.hafdbs === '1' ? ' (the CPU updates the access flag in hardware (FEAT_HAFDBS): no access-flag faults are expected)' : '';
  if (!faults) out.push(item('access-flag', 'none', noFaults, withAdvice(f, [...faultAdd, 'event kvm:kvm_access_fault', 'event kvm:kvm_age_hva', ...probeAdvice(['s2_age', 's2_age_ret', 's2_mkyoung'])])));
  else if (aging) out.push(item('access-flag', 'observed', `access-flag faults show in kvm_guest_fault; page aging (kvm_age_hva / s2_age) is recorded${haf}`, []));
  else out.push(item('access-flag', 'inferred', `access-flag faults show in kvm_guest_fault's FSC, but no page aging is in the trace (none happened, or kvm_age_hva / s2_age were not enabled): their cause is inferred${haf}`, withAdvice(f, ['event kvm:kvm_age_hva', 'event kvm:kvm_test_age_hva', 'event kvm:kvm_access_fault', ...probeAdvice(['s2_age', 's2_age_ret', 's2_mkyoung'])])));

  // Pinned ranges: everything that can take a mapping away (unmap, write-protect, split, BBM).
  const unmap = f.op('unmap');
  const hostUnmap = f.event('kvm_unmap_hva_range');
  if (!faults && !map && !hostUnmap) out.push(item('pinned-ranges', 'none', 'nothing in the trace maps or unmaps guest memory', withAdvice(f, [...faultAdd, 'event kvm:kvm_unmap_hva_range', ...probeAdvice(['s2_map', 's2_unmap', 's2_wrprotect'])])));
  else if (map && unmap && f.op('wrprotect')) out.push(item('pinned-ranges', 'observed', 's2_map, s2_unmap and s2_wrprotect record every change to a range by IPA', []));
  else {
    const lacking = [unmap ? '' : 's2_unmap', f.op('wrprotect') ? '' : 's2_wrprotect', map ? '' : 's2_map'].filter(Boolean).join(', ');
    const base = hostUnmap ? 'host unmaps show only as kvm_unmap_hva_range (host VAs): the IPAs they hit are inferred' : 'changes to pinned ranges are inferred from refaults';
    const why = `${base}; not in the trace: ${lacking}${f.scripted ? '' : ' (none happened, or not probed)'}`;
    out.push(item('pinned-ranges', 'inferred', why, withAdvice(f, probeAdvice(['s2_map', 's2_unmap', 's2_wrprotect']).filter((a) => !(map && a.includes('/s2_map '))))));
  }
  return out;
}

type X86Mmu = 'tdp-mmu' | 'legacy' | 'shadow' | 'unknown';

const isOff = (v: string | undefined): boolean => v === 'N' || v === '0';

/**
 * Which x86 MMU made the trace, as far as its events and the recording script's params marker tell:
 * the same signs the replay's flavour detector uses (src/core/replay/x86/mmuFlavour.ts), from counts.
 */
function x86MmuOf(f: Pick<Facts, 'eventCount' | 'params'>): { mmu: X86Mmu; why: string } {
  const p = f.params;
  if (f.eventCount('kvm_tdp_mmu_spte_changed') > 0) return { mmu: 'tdp-mmu', why: 'kvm_tdp_mmu_spte_changed fired' };
  if (isOff(p.npt) || isOff(p.ept)) return { mmu: 'shadow', why: `the params marker says ${isOff(p.npt) ? `npt=${p.npt}` : `ept=${p.ept}`}` };
  if (isOff(p.tdp_mmu)) return { mmu: 'legacy', why: `the params marker says tdp_mmu=${p.tdp_mmu}` };
  const walks = f.eventCount('kvm_mmu_pagetable_walk');
  const faults = f.eventCount('kvm_page_fault');
  // Under TDP only emulation walks guest page tables; under shadow paging every #PF does, and there is no fast path.
  if (walks > 0 && 2 * walks >= faults && f.eventCount('fast_page_fault') === 0) return { mmu: 'shadow', why: `${walks} guest page-table walks for ${faults} faults, no fast_page_fault` };
  if (p.tdp_mmu === 'Y') return { mmu: 'unknown', why: '' };
  if (f.eventCount('kvm_mmu_set_spte') > 0) return { mmu: 'legacy', why: 'kvm_mmu_set_spte but no kvm_tdp_mmu_spte_changed, which the TDP MMU prints for every change' };
  return { mmu: 'unknown', why: '' };
}

/** Legacy MMU and shadow paging: what their tracepoints show, since the TDP MMU's never fire there. */
function x86ShadowPageCoverage(f: Facts, mmu: 'legacy' | 'shadow', mmuWhy: string): CoverageItem[] {
  const faults = f.event('kvm_page_fault');
  const name = mmu === 'legacy' ? 'legacy MMU' : 'shadow paging';
  const faultKind = mmu === 'legacy' ? 'NPT/EPT faults' : 'guest page faults (#PF under shadow paging)';
  const noFaults = `no kvm_page_fault events: the ${faultKind} are not in the trace`;
  const faultAdd = ['event kvm:kvm_page_fault', 'event kvm:kvm_exit', 'event kvm:kvm_entry'];
  const setSpte = f.event('kvm_mmu_set_spte');
  // Only events that can fire here: fast_page_fault needs a direct MMU (not shadow paging); kvm_tdp_mmu_spte_changed
  // and kvm_mmu_split_huge_page are the TDP MMU's (kvm.tdp_mmu=Y), and this MMU never splits, eagerly or not.
  const missing = (names: string[]): string[] => names.filter((n) => !f.event(n)).map((n) => `event kvmmmu:${n}`);
  const noMore = (add: string[]): string => (add.length ? '' : '; no event would show more');
  const out: CoverageItem[] = [];

  const raceEvents = mmu === 'legacy' ? ['fast_page_fault', 'kvm_mmu_spte_requested', 'kvm_mmu_set_spte'] : ['kvm_mmu_spte_requested', 'kvm_mmu_set_spte'];
  if (!faults) out.push(item('lost-races', 'none', noFaults, withAdvice(f, [...faultAdd, ...missing(raceEvents)])));
  else if (setSpte || f.event('fast_page_fault')) out.push(item('lost-races', 'observed', `${name} (${mmuWhy}): kvm_mmu_set_spte${mmu === 'legacy' ? ' and fast_page_fault show' : ' shows'} which faults changed an SPTE`, []));
  else out.push(item('lost-races', 'inferred', `${name} (${mmuWhy}): only kvm_page_fault: duplicate faults on a GFN are inferred from the model`, withAdvice(f, missing(raceEvents))));

  const zapAdd = missing(['kvm_mmu_prepare_zap_page']);
  if (!faults) out.push(item('invalid-windows', 'none', noFaults, withAdvice(f, [...faultAdd, ...zapAdd])));
  else out.push(item('invalid-windows', 'inferred', `${name}: kvm_tdp_mmu_spte_changed never fires without the TDP MMU (kvm.tdp_mmu=Y) and single-SPTE zaps have no tracepoint, only shadow-page zaps (kvm_mmu_prepare_zap_page): zap-and-refault windows are inferred${noMore(zapAdd)}`, withAdvice(f, zapAdd)));

  const levelAdd = missing(['kvm_mmu_set_spte', 'kvm_mmu_spte_requested']);
  if (!faults) out.push(item('splitting', 'none', noFaults, withAdvice(f, [...faultAdd, ...levelAdd])));
  else out.push(item('splitting', 'inferred', `${name}: huge pages are dropped and refaulted at 4 KiB, never split (kvm_mmu_split_huge_page and eager splitting need the TDP MMU): the drops are inferred from kvm_mmu_set_spte levels${noMore(levelAdd)}`, withAdvice(f, levelAdd)));

  out.push(item('cmo-redundancy', 'none', 'not applicable on x86: KVM does no cache maintenance when it maps guest memory (coherent caches)', []));
  out.push(x86TlbCost(f, faults, noFaults, faultAdd));
  out.push(x86AccessFlag(f, faults, noFaults, faultAdd));

  const hostUnmap = f.event('kvm_unmap_hva_range');
  if (!faults && !hostUnmap) out.push(item('pinned-ranges', 'none', 'nothing in the trace maps or unmaps guest memory', withAdvice(f, [...faultAdd, 'event kvm:kvm_unmap_hva_range', ...zapAdd])));
  else {
    const base = hostUnmap ? 'host unmaps show only as kvm_unmap_hva_range (host VAs): the GFNs are inferred' : 'changes to pinned ranges are inferred from refaults';
    out.push(item('pinned-ranges', 'inferred', `${name}: ${base}; single-SPTE zaps and write-protects have no tracepoint without the TDP MMU${noMore(zapAdd)}`, withAdvice(f, zapAdd)));
  }
  return out;
}

function x86TlbCost(f: Facts, anyMapping: boolean, noFaults: string, faultAdd: string[]): CoverageItem {
  const probes = probeAdvice(['x86_flush_remote_tlbs', 'x86_flush_remote_tlbs_range']);
  if (!anyMapping) return item('tlb-cost', 'none', noFaults, withAdvice(f, [...faultAdd, ...probes], true));
  if (f.op('flush-remote-tlbs')) {
    const n = f.opSeen('flush-remote-tlbs');
    return item('tlb-cost', 'observed', `remote TLB flushes (kvm_flush_remote_tlbs*) are recorded: ${n} in this trace`, []);
  }
  return item('tlb-cost', 'inferred', 'no TLB-flush probes: flushes are inferred from SPTE zaps and write-protection', withAdvice(f, probes, true));
}

function x86AccessFlag(f: Facts, faults: boolean, noFaults: string, faultAdd: string[]): CoverageItem {
  const aging = f.event('kvm_age_hva') || f.event('kvm_test_age_hva');
  if (!faults) return item('access-flag', 'none', noFaults, withAdvice(f, [...faultAdd, 'event kvm:kvm_age_hva', 'event kvm:kvm_test_age_hva']));
  if (aging) return item('access-flag', 'observed', 'page aging (kvm_age_hva / kvm_test_age_hva) is recorded', []);
  return item('access-flag', 'inferred', 'no aging events: accessed-bit clearing and its refaults are inferred', withAdvice(f, ['event kvm:kvm_age_hva', 'event kvm:kvm_test_age_hva']));
}

function x86Coverage(f: Facts): CoverageItem[] {
  const { mmu, why } = x86MmuOf(f);
  if (mmu === 'legacy' || mmu === 'shadow') return x86ShadowPageCoverage(f, mmu, why);
  const faults = f.event('kvm_page_fault');
  const noFaults = 'no kvm_page_fault events: the NPT/EPT faults are not in the trace';
  const faultAdd = ['event kvm:kvm_page_fault', 'event kvm:kvm_exit', 'event kvm:kvm_entry'];
  const spteChanged = f.event('kvm_tdp_mmu_spte_changed');
  const setSpte = f.event('kvm_mmu_set_spte');
  const mmuAdd = (names: string[]): string[] => names.map((n) => `event kvmmmu:${n}`);
  const out: CoverageItem[] = [];

  if (!faults) out.push(item('lost-races', 'none', noFaults, withAdvice(f, [...faultAdd, ...mmuAdd(['fast_page_fault', 'kvm_mmu_spte_requested', 'kvm_tdp_mmu_spte_changed'])])));
  else if (spteChanged || setSpte || f.event('fast_page_fault')) out.push(item('lost-races', 'observed', 'SPTE changes (and fast_page_fault spurious=1 verdicts) show which faults changed nothing', []));
  else out.push(item('lost-races', 'inferred', 'only kvm_page_fault: duplicate faults on a GFN are inferred from the model', withAdvice(f, mmuAdd(['fast_page_fault', 'kvm_mmu_spte_requested', 'kvm_mmu_set_spte', 'kvm_tdp_mmu_spte_changed']))));

  if (!faults && !spteChanged) out.push(item('invalid-windows', 'none', noFaults, withAdvice(f, [...faultAdd, ...mmuAdd(['kvm_tdp_mmu_spte_changed'])])));
  else if (spteChanged) out.push(item('invalid-windows', 'observed', 'kvm_tdp_mmu_spte_changed records every SPTE change, including zaps and frozen entries', []));
  else out.push(item('invalid-windows', 'inferred', 'without kvm_tdp_mmu_spte_changed (TDP MMU off, or the event not enabled) zap-and-refault windows are inferred', withAdvice(f, mmuAdd(['kvm_tdp_mmu_spte_changed']))));

  const splitEv = f.event('kvm_mmu_split_huge_page');
  if (!faults && !spteChanged) out.push(item('splitting', 'none', noFaults, withAdvice(f, [...faultAdd, ...mmuAdd(['kvm_mmu_split_huge_page', 'kvm_tdp_mmu_spte_changed'])])));
  else if (spteChanged || splitEv) out.push(item('splitting', 'observed', 'huge SPTEs replaced by tables show in kvm_tdp_mmu_spte_changed / kvm_mmu_split_huge_page (eager_page_split from the params marker when present)', []));
  else out.push(item('splitting', 'inferred', 'splits are inferred from kvm_mmu_spte_requested levels and fault patterns', withAdvice(f, mmuAdd(['kvm_mmu_split_huge_page', 'kvm_tdp_mmu_spte_changed', 'kvm_mmu_spte_requested']))));

  out.push(item('cmo-redundancy', 'none', 'not applicable on x86: KVM does no cache maintenance when it maps guest memory (coherent caches)', []));
  out.push(x86TlbCost(f, faults || spteChanged, noFaults, faultAdd));
  out.push(x86AccessFlag(f, faults, noFaults, faultAdd));

  const hostUnmap = f.event('kvm_unmap_hva_range');
  if (!faults && !spteChanged && !hostUnmap) out.push(item('pinned-ranges', 'none', 'nothing in the trace maps or unmaps guest memory', withAdvice(f, [...faultAdd, 'event kvm:kvm_unmap_hva_range', ...mmuAdd(['kvm_tdp_mmu_spte_changed'])])));
  else if (spteChanged) out.push(item('pinned-ranges', 'observed', 'kvm_tdp_mmu_spte_changed records every change to a GFN range', []));
  else out.push(item('pinned-ranges', 'inferred', hostUnmap ? 'host unmaps show only as kvm_unmap_hva_range (host VAs): the GFNs are inferred' : 'changes to pinned ranges are inferred from refaults', withAdvice(f, mmuAdd(['kvm_tdp_mmu_spte_changed', 'kvm_mmu_prepare_zap_page']))));
  return out;
}

/** Per analysis: observed / inferred / none, why, and what to add to the recording. */
export function computeCoverage(stats: TraceStats, opts: CoverageOptions): CoverageItem[] {
  const f = buildFacts(stats, opts);
  const items = f.arch === 'x86' ? x86Coverage(f) : arm64Coverage(f);
  if (f.lost > 0) {
    for (const it of items) if (it.support !== 'none') it.why += ` (${f.lost} events were lost while recording: the gaps are inferred)`;
  }
  return items;
}
