// Which kernel functions are stage-2 operations (kernel-behaviour.md section 10), so that kprobes, kretprobes,
// function-tracer and function_graph lines are recognised by the probed symbol, whatever the
// user named the probe. A fallback table maps well-known probe names for reports that print no
// symbol (trace-cmd report prints raw addresses for kprobes).
import type { Stage2Op } from './types';

const SYMBOL_OP_TABLE: Record<string, Stage2Op> = {
  kvm_pgtable_stage2_map: 'map',
  kvm_pgtable_stage2_relax_perms: 'relax',
  kvm_pgtable_stage2_wrprotect: 'wrprotect',
  kvm_pgtable_stage2_unmap: 'unmap',
  kvm_pgtable_stage2_split: 'split',
  kvm_pgtable_stage2_create_unlinked: 'create-unlinked',
  kvm_pgtable_stage2_free_unlinked: 'free-unlinked',
  kvm_pgtable_stage2_mkyoung: 'mkyoung',
  kvm_pgtable_stage2_test_clear_young: 'age',
  kvm_pgtable_stage2_flush: 'flush',
  __kvm_tlb_flush_vmid_ipa: 'tlbi-ipa',
  __kvm_tlb_flush_vmid_ipa_nsh: 'tlbi-ipa-nsh',
  __kvm_tlb_flush_vmid_range: 'tlbi-range',
  __kvm_tlb_flush_vmid: 'tlbi-vmid',
  kvm_tlb_flush_vmid_range: 'tlbi-vmid-range-wrapper',
  kvm_arch_flush_remote_tlbs: 'flush-remote-tlbs',
  kvm_arch_flush_remote_tlbs_range: 'flush-remote-tlbs',
  // The generic callers of the arch hooks: x86's kvm_arch_flush_remote_tlbs* only reach Hyper-V's flush, so these
  // are what `record-script --arch x86 --probes full` probes (an arm64 function trace may show both: counted twice).
  kvm_flush_remote_tlbs: 'flush-remote-tlbs',
  kvm_flush_remote_tlbs_range: 'flush-remote-tlbs',
  clean_dcache_guest_page: 'dcache-clean',
  invalidate_icache_guest_page: 'icache-inval',
  kvm_arch_mmu_enable_log_dirty_pt_masked: 'wp-masked',
  kvm_mmu_split_huge_pages: 'split-huge',
  kvm_handle_guest_abort: 'handle-guest-abort',
  user_mem_abort: 'user-mem-abort',
  handle_access_fault: 'handle-access-fault',
  stage2_map_walker_try_leaf: 'try-leaf',
  stage2_try_break_pte: 'try-break',
  stage2_make_pte: 'make-pte',
  stage2_map_walker: 'map-walker',
  stage2_unmap_walker: 'unmap-walker',
  kvm_arch_commit_memory_region: 'commit-memory-region',
  kvm_unmap_gfn_range: 'unmap-gfn-range',
  kvm_pgtable_stage2_destroy: 'destroy',
};

// A Map: symbols come from untrusted text (`constructor`, `__proto__`), and Map lookups are fast.
const SYMBOL_OPS = new Map<string, Stage2Op>(Object.entries(SYMBOL_OP_TABLE));

/** Probe names used by ../shared recordings and kernel-behaviour.md 10, for unsymbolized probes only. */
const PROBE_NAME_SYMBOLS: Record<string, string> = {
  s2_map: 'kvm_pgtable_stage2_map',
  s2_map_ret: 'kvm_pgtable_stage2_map',
  map: 'kvm_pgtable_stage2_map',
  map_ret: 'kvm_pgtable_stage2_map',
  s2_relax: 'kvm_pgtable_stage2_relax_perms',
  s2_relax_ret: 'kvm_pgtable_stage2_relax_perms',
  relax: 'kvm_pgtable_stage2_relax_perms',
  relax_ret: 'kvm_pgtable_stage2_relax_perms',
  s2_wrprotect: 'kvm_pgtable_stage2_wrprotect',
  s2_split: 'kvm_pgtable_stage2_split',
  s2_split_ret: 'kvm_pgtable_stage2_split',
  split: 'kvm_pgtable_stage2_split',
  s2_unmap: 'kvm_pgtable_stage2_unmap',
  unmap: 'kvm_pgtable_stage2_unmap',
  s2_mkyoung: 'kvm_pgtable_stage2_mkyoung',
  s2_age: 'kvm_pgtable_stage2_test_clear_young',
  s2_age_ret: 'kvm_pgtable_stage2_test_clear_young',
  tlbi_ipa: '__kvm_tlb_flush_vmid_ipa',
  tlbi_ipa_nsh: '__kvm_tlb_flush_vmid_ipa_nsh',
  tlbi_nsh: '__kvm_tlb_flush_vmid_ipa_nsh',
  tlbi_range: '__kvm_tlb_flush_vmid_range',
  tlbi_vmid: '__kvm_tlb_flush_vmid',
  dcache_clean: 'clean_dcache_guest_page',
  dc: 'clean_dcache_guest_page',
  icache_inval: 'invalidate_icache_guest_page',
  ic: 'invalidate_icache_guest_page',
  wp_masked: 'kvm_arch_mmu_enable_log_dirty_pt_masked',
  split_huge: 'kvm_mmu_split_huge_pages',
  s2_break: 'stage2_try_break_pte',
  s2_break_ret: 'stage2_try_break_pte',
  s2_mkpte: 'stage2_make_pte',
  s2_mkpte_ret: 'stage2_make_pte',
  x86_flush_remote_tlbs: 'kvm_flush_remote_tlbs',
  x86_flush_remote_tlbs_range: 'kvm_flush_remote_tlbs_range',
};

/** Strip compiler clone suffixes (`.isra.0`, `.constprop.0`, `.part.1`, `.cold`). */
export function baseSymbol(sym: string): string {
  const dot = sym.indexOf('.');
  return dot > 0 ? sym.slice(0, dot) : sym;
}

export function stage2OpOf(symbol: string): Stage2Op | undefined {
  const op = SYMBOL_OPS.get(symbol);
  if (op !== undefined) return op;
  const dot = symbol.indexOf('.');
  return dot > 0 ? SYMBOL_OPS.get(symbol.slice(0, dot)) : undefined;
}

/**
 * The probed symbol guessed from a probe's name when the line carries only an address: kernel
 * default names (`p_kvm_pgtable_stage2_map_0`, `r_..._0`) and the well-known names above.
 */
export function symbolFromProbeName(name: string): string | undefined {
  const known = Object.prototype.hasOwnProperty.call(PROBE_NAME_SYMBOLS, name) ? PROBE_NAME_SYMBOLS[name] : undefined;
  if (known) return known;
  const m = /^[pr]_(.+)_\d+$/.exec(name);
  if (m && stage2OpOf(m[1]) !== undefined) return m[1];
  return undefined;
}

/** True for a printed symbol that is really a raw kernel address (unsymbolized). */
export function isRawAddress(sym: string): boolean {
  if (sym.length < 8) return false;
  for (let i = sym.startsWith('0x') ? 2 : 0; i < sym.length; i++) {
    const c = sym.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
