// Which x86 MMU produced a trace, from the events alone: the TDP MMU (kvm_tdp_mmu_spte_changed),
// the legacy MMU on NPT/EPT (npf / EPT_VIOLATION exits, direct shadow pages, kvm_mmu_set_spte only),
// or shadow paging (PF exceptions, guest page-table walks, indirect shadow pages); NPT vs EPT from
// the exit reasons (which also decides the SPTE bit layout), and the root level (4 or 5).
import type { CoverageItem } from '../../domain/types';
import type { TraceEvent } from '../../parse/types';
import type { SpteFormat } from '../../model/x86/spte';
import { gpaBitsForRootLevel } from '../../model/x86/geometry';

export type MmuFlavour = 'tdp-mmu' | 'legacy-tdp' | 'shadow' | 'unknown';

export interface FlavourResult {
  flavour: MmuFlavour;
  paging: 'npt' | 'ept' | 'unknown';
  format: SpteFormat;
  rootLevel: number | undefined;
  why: string;
  /**
   * The flavour is assumed, not shown: NPT/EPT exits without any kvmmmu SPTE event, where the TDP MMU and the
   * legacy MMU look the same. Nothing that only one of them does (eager splitting, dropping huge pages) is implied.
   */
  assumed: boolean;
}

const WALK_EVENTS = new Set(['kvm_mmu_pagetable_walk', 'kvm_mmu_paging_element', 'kvm_mmu_set_accessed_bit', 'kvm_mmu_set_dirty_bit', 'kvm_mmu_walker_error']);

/** The shadow-paging signs a trace holds, counted (only the non-zero ones are named). */
function shadowEvidence(d: FlavourDetector): string {
  const signs = [
    d.walks > 0 ? `${d.walks} guest page-table walk events` : '',
    d.pfExceptionExits > 0 ? `${d.pfExceptionExits} #PF exits` : '',
    // VMX reports every intercepted exception and NMI as EXCEPTION_NMI: not necessarily a #PF
    d.exceptionNmiExits > 0 ? `${d.exceptionNmiExits} EXCEPTION_NMI exits` : '',
    d.directPages === 0 && d.indirectPages > 0 ? `${d.indirectPages} indirect shadow pages` : '',
  ];
  return signs.filter((x) => x !== '').join(', ');
}

export class FlavourDetector {
  tdpChanges = 0;
  setSptes = 0;
  fastFaults = 0;
  splitEvents = 0;
  directPages = 0;
  indirectPages = 0;
  walks = 0;
  npfExits = 0;
  eptExits = 0;
  /** SVM `PF excp` exits (an intercepted #PF). */
  pfExceptionExits = 0;
  /** VMX EXCEPTION_NMI exits (an intercepted exception or NMI; #PF under shadow paging). */
  exceptionNmiExits = 0;
  maxLevel = 0;

  observe(ev: TraceEvent): void {
    const d = ev.decoded;
    if (WALK_EVENTS.has(ev.name)) this.walks++;
    if (!d) return;
    switch (d.kind) {
      case 'x86.kvm_tdp_mmu_spte_changed':
        this.tdpChanges++;
        this.maxLevel = Math.max(this.maxLevel, d.level);
        break;
      case 'x86.kvm_mmu_set_spte':
        this.setSptes++;
        break;
      case 'x86.fast_page_fault':
        this.fastFaults++;
        break;
      case 'x86.kvm_mmu_split_huge_page':
        this.splitEvents++;
        break;
      case 'x86.kvm_mmu_get_page':
        if (/\bdirect\b/.test(d.raw)) this.directPages++;
        else if (/\bindirect\b/.test(d.raw) || /\bq\d/.test(d.raw)) this.indirectPages++;
        this.maxLevel = Math.max(this.maxLevel, d.level);
        break;
      case 'x86.kvm_exit': {
        const r = d.reason;
        if (r === 'npf' || r === 'NPF') this.npfExits++;
        else if (r.startsWith('EPT_VIOLATION') || r.startsWith('EPT_MISCONFIG')) this.eptExits++;
        else if (r.startsWith('PF')) this.pfExceptionExits++;
        else if (r === 'EXCEPTION_NMI') this.exceptionNmiExits++;
        break;
      }
      default:
        break;
    }
  }

  result(): FlavourResult {
    const paging = this.eptExits > this.npfExits ? 'ept' : this.npfExits > 0 ? 'npt' : 'unknown';
    const format: SpteFormat = paging === 'ept' ? 'ept' : 'npt';
    const rootLevel = this.maxLevel >= 4 ? this.maxLevel : undefined;
    const hw = paging === 'ept' ? 'EPT' : paging === 'npt' ? 'NPT' : 'two-dimensional paging';
    // Every reason names only events that are in the trace, with their counts.
    if (this.tdpChanges > 0)
      return { flavour: 'tdp-mmu', paging, format, rootLevel, assumed: false, why: `TDP MMU on ${hw} (${this.tdpChanges} kvm_tdp_mmu_spte_changed events)` };
    const shadowSigns = this.walks + this.pfExceptionExits + this.exceptionNmiExits + (this.directPages === 0 ? this.indirectPages : 0);
    if (shadowSigns > 0 && this.npfExits + this.eptExits === 0)
      return { flavour: 'shadow', paging: 'unknown', format: 'npt', rootLevel, assumed: false, why: `shadow paging (${shadowEvidence(this)}, no NPT/EPT exits)` };
    if (this.npfExits + this.eptExits > 0)
      return this.setSptes > 0
        ? { flavour: 'legacy-tdp', paging, format, rootLevel, assumed: false, why: `legacy (shadow-page) MMU on ${hw}: ${this.npfExits + this.eptExits} ${hw} exits, ${this.setSptes} kvm_mmu_set_spte and no kvm_tdp_mmu_spte_changed events` }
        : {
          flavour: 'legacy-tdp', paging, format, rootLevel, assumed: true,
          why: `TDP MMU or legacy MMU on ${hw}, not told apart: ${this.npfExits + this.eptExits} ${hw} exits and no kvmmmu SPTE event in the trace; replayed as the legacy MMU, which needs none`,
        };
    const seen = [
      this.setSptes > 0 ? `${this.setSptes} kvm_mmu_set_spte` : '',
      this.fastFaults > 0 ? `${this.fastFaults} fast_page_fault` : '',
      this.directPages + this.indirectPages > 0 ? `${this.directPages + this.indirectPages} kvm_mmu_get_page` : '',
    ].filter((x) => x !== '');
    return {
      flavour: 'unknown', paging, format, rootLevel, assumed: false,
      why: seen.length > 0
        ? `unknown: ${seen.join(', ')}, but no TDP MMU SPTE change and no fault exit to tell the legacy MMU from shadow paging`
        : 'unknown: no kvmmmu event and no fault exit in the trace',
    };
  }

  gpaBits(): number | undefined {
    const r = this.result().rootLevel;
    return r ? gpaBitsForRootLevel(r) : undefined;
  }
}

/** What each flavour lets the replay conclude (merged with the trace-level coverage by the facade). */
export function flavourCoverage(f: FlavourResult, seen: { fastFaults: number; splitEvents: number }): CoverageItem[] {
  const items: CoverageItem[] = [];
  const fastNote = seen.fastFaults > 0 ? 'fast_page_fault prints the kernel\'s own verdict (spurious/fixed)' : 'fast_page_fault absent: fast-path outcomes are inferred from the model SPTE';
  switch (f.flavour) {
    case 'tdp-mmu':
      items.push({
        analysis: 'lost-races',
        support: seen.fastFaults > 0 ? 'observed' : 'inferred',
        why: `TDP MMU: ${fastNote}; kvm_tdp_mmu_spte_changed gives every SPTE's old/new value, so slow-path rewrites (X1) and retries are visible`,
        add: seen.fastFaults > 0 ? [] : ['kvmmmu:fast_page_fault'],
      });
      items.push({
        analysis: 'splitting',
        support: 'observed',
        why: 'TDP MMU: kvm_mmu_split_huge_page (with errno) and huge leaf -> table transitions show every split, in the fault path or eager',
        add: seen.splitEvents > 0 ? [] : ['kvmmmu:kvm_mmu_split_huge_page'],
      });
      break;
    case 'legacy-tdp':
      items.push({
        analysis: 'lost-races',
        support: seen.fastFaults > 0 ? 'observed' : 'inferred',
        why: `legacy MMU: ${fastNote}; slow-path repeats are inferred (kvm_mmu_set_spte fires only on a change and prints no old value: a repeat of another vCPU's SPTE, X1, is told from the model's earlier set_spte; a fault that sets nothing is a retry)`,
        add: seen.fastFaults > 0 ? [] : ['kvmmmu:fast_page_fault'],
      });
      items.push({
        analysis: 'splitting',
        support: 'inferred',
        why: 'legacy MMU: huge pages are dropped and refaulted at 4K (no split events); splits are inferred from kvm_mmu_set_spte levels',
        add: ['tdp_mmu=Y for observed splits'],
      });
      break;
    case 'shadow':
      items.push({
        analysis: 'lost-races',
        support: 'inferred',
        why: 'shadow paging: no fast path; a fault that sets no SPTE is inferred to be spurious or a retry, one that re-sets an SPTE another vCPU set (X1) is told from the model\'s earlier kvm_mmu_set_spte',
        add: ['npt=1/ept=1 with tdp_mmu=Y for the kernel\'s own verdicts'],
      });
      items.push({
        analysis: 'splitting',
        support: 'inferred',
        why: 'shadow paging: a guest huge page backed by a host huge page gets a huge SPTE; dirty logging drops it and the pages refault at 4 KiB (no split events, no eager splitting): inferred from kvm_mmu_set_spte levels',
        add: [],
      });
      break;
    case 'unknown':
      items.push({ analysis: 'lost-races', support: 'none', why: 'no x86 MMU events', add: ['kvmmmu:*', 'kvm:kvm_page_fault', 'kvm:kvm_exit', 'kvm:kvm_entry'] });
      break;
  }
  items.push({ analysis: 'invalid-windows', support: 'none', why: 'x86 splits and updates SPTEs without break-before-make (the translation stays valid)', add: [] });
  items.push({ analysis: 'cmo-redundancy', support: 'none', why: 'x86 KVM does no guest cache maintenance in the fault path', add: [] });
  items.push({ analysis: 'access-flag', support: 'none', why: f.paging === 'ept' ? 'EPT A/D bits are set by hardware; access tracking is not traced' : 'NPT A/D bits are set by hardware', add: [] });
  return items;
}
