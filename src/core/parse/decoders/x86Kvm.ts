// Decoders for the x86 `kvm` and `kvmmmu` tracepoints (docs/kernel-behaviour.md section 4): kvm_exit, kvm_entry,
// kvm_page_fault, fast_page_fault (with its `spurious` verdict), kvm_mmu_spte_requested,
// kvm_mmu_set_spte, kvm_tdp_mmu_spte_changed, kvm_mmu_split_huge_page, kvm_mmu_get_page,
// kvm_mmu_prepare_zap_page. Current and older format variants are accepted.
import * as fieldScanModule from '../fieldScan';
import type { DecodeResult } from './result';
import { exitReasonName, vendorOfExitReason, vendorOfIsa } from './x86Vendor';

// Imported functions bound once: a per-file CommonJS build (tests, bench) would otherwise reach
// them through an export getter on every call, a measurable share of the decoding cost.
const decNumberAt = fieldScanModule.decNumberAt;
const findField = fieldScanModule.findField;
const findFieldAny = fieldScanModule.findFieldAny;
const hexBigAt = fieldScanModule.hexBigAt;
const hexNumberAt = fieldScanModule.hexNumberAt;
const intAt = fieldScanModule.intAt;
const wordAt = fieldScanModule.wordAt;

/** Alternative spellings of a field, allocated once. */
const REASON_LABELS = ['reason', 'exit_reason'] as const;
const VCPU_LABELS = ['vcpu', 'vcpu_id'] as const;
const RIP_LABELS = ['rip', 'guest_rip'] as const;
const ADDRESS_LABELS = ['address', 'fault_address'] as const;

/** A reason as the kernel prints it: a VMX/SVM name (`EPT_VIOLATION`, `npf`, `PF`) or -R's number. */
const EXIT_REASON_TEXT = /^[A-Za-z0-9_]+$/;

/**
 * Which field the payload stops before, by the formats arch/x86/kvm/trace.h has printed:
 * `reason %s rip 0x%lx info %llx %llx` (before 5.13), `vcpu %u reason %s%s%s rip 0x%lx info1
 * 0x%016llx info2 0x%016llx intr_info 0x%08x error_code 0x%08x` (TRACE_EVENT_KVM_EXIT since 5.13),
 * and -R's raw fields (`exit_reason=.. guest_rip=..`). Every form prints the rip after the reason.
 */
function exitTruncation(p: string, rip: bigint | undefined, info1: bigint | undefined, info2: bigint | undefined, errorCode: number | undefined): string | undefined {
  if (rip === undefined) return 'rip';
  if (info1 !== undefined && info2 === undefined) return 'info2';
  // the 5.13+ form prints error_code right after intr_info
  if (errorCode === undefined && p.includes('intr_info')) return 'error_code';
  return undefined;
}

export function decodeX86Exit(p: string): DecodeResult {
  const reasonAt = findFieldAny(p, REASON_LABELS);
  let reason = wordAt(p, reasonAt);
  if (reason === undefined) return 'no exit reason';
  // `reason =` (a line cut after the label of -R's `exit_reason=`, or a paste artefact): no reason
  if (!EXIT_REASON_TEXT.test(reason)) return `the exit reason "${reason.slice(0, 20)}" is not a reason name or number (the line is cut?)`;
  // `trace-cmd report -R`: `exit_reason=48 guest_rip=... isa=1`; SVM's `PF excp` is two words
  const isaVendor = vendorOfIsa(decNumberAt(p, findField(p, 'isa')));
  if (isaVendor !== undefined && /^\d+$/.test(reason)) reason = exitReasonName(Number(reason), isaVendor) ?? reason;
  // SVM's exception exits are two words (`PF excp`); `reason` keeps the first, the vendor reads both
  const vendor = isaVendor ?? vendorOfExitReason(p.startsWith(' excp', reasonAt + reason.length) ? `${reason} excp` : reason);
  const vcpu = decNumberAt(p, findFieldAny(p, VCPU_LABELS));
  const rip = hexBigAt(p, findFieldAny(p, RIP_LABELS));
  let info1 = hexBigAt(p, findField(p, 'info1'));
  let info2 = hexBigAt(p, findField(p, 'info2'));
  if (info1 === undefined) {
    // older "reason %s rip 0x%lx info %llx %llx"
    const infoAt = findField(p, 'info');
    if (infoAt >= 0) {
      info1 = hexBigAt(p, infoAt);
      const sp = p.indexOf(' ', infoAt);
      if (sp > 0) info2 = hexBigAt(p, sp + 1);
    }
  }
  const errorCode = hexNumberAt(p, findField(p, 'error_code'));
  const truncated = exitTruncation(p, rip, info1, info2, errorCode);
  if (truncated !== undefined) return { kind: 'x86.kvm_exit', vcpu, reason, vendor, rip, info1, info2, errorCode, truncated };
  return { kind: 'x86.kvm_exit', vcpu, reason, vendor, rip, info1, info2, errorCode };
}

export function decodeX86Entry(p: string): DecodeResult {
  const vcpu = decNumberAt(p, findFieldAny(p, VCPU_LABELS));
  if (vcpu === undefined) return 'no vcpu value';
  const rip = hexBigAt(p, findField(p, 'rip'));
  // `vcpu %u, rip 0x%lx` since 5.x (`vcpu %u` before): a comma or `rip` with no value after it is a cut line
  if (rip === undefined && (p.includes(', rip') || p.trimEnd().endsWith(','))) return { kind: 'x86.kvm_entry', vcpu, rip, truncated: 'rip' };
  return { kind: 'x86.kvm_entry', vcpu, rip };
}

export function decodePageFault(p: string): DecodeResult {
  const vcpu = decNumberAt(p, findField(p, 'vcpu'));
  const rip = hexBigAt(p, findField(p, 'rip'));
  const address = hexNumberAt(p, findFieldAny(p, ADDRESS_LABELS));
  const errorCode = hexNumberAt(p, findField(p, 'error_code'));
  if (address === undefined || errorCode === undefined) return 'expected "address X error_code Y"';
  return { kind: 'x86.kvm_page_fault', vcpu, rip, address, errorCode };
}

export function decodeFastPageFault(p: string): DecodeResult {
  const vcpu = decNumberAt(p, findField(p, 'vcpu'));
  const gva = hexNumberAt(p, findField(p, 'gva'));
  const errorCode = wordAt(p, findField(p, 'error_code'));
  const sptep = hexBigAt(p, findField(p, 'sptep'));
  const oldSpte = hexBigAt(p, findField(p, 'old'));
  const newSpte = hexBigAt(p, findField(p, 'new'));
  const spurious = decNumberAt(p, findField(p, 'spurious'));
  const fixed = decNumberAt(p, findField(p, 'fixed'));
  if (vcpu === undefined || gva === undefined || errorCode === undefined || sptep === undefined || oldSpte === undefined || newSpte === undefined) {
    return 'expected "vcpu N gva X error_code E sptep P old O new N ..."';
  }
  return { kind: 'x86.fast_page_fault', vcpu, gva, errorCode, sptep, oldSpte, newSpte, spurious: spurious === 1, fixed: fixed === 1 };
}

export function decodeSpteRequested(p: string): DecodeResult {
  const gfn = hexNumberAt(p, findField(p, 'gfn'));
  const pfn = hexNumberAt(p, findField(p, 'pfn'));
  const level = decNumberAt(p, findField(p, 'level'));
  if (gfn === undefined || pfn === undefined || level === undefined) return 'expected "gfn X pfn Y level L"';
  return { kind: 'x86.kvm_mmu_spte_requested', gfn, pfn, level };
}

export function decodeSetSpte(p: string): DecodeResult {
  const gfn = hexNumberAt(p, findField(p, 'gfn'));
  const spte = hexBigAt(p, findField(p, 'spte'));
  const open = p.indexOf('(');
  const close = open >= 0 ? p.indexOf(')', open) : -1;
  const level = decNumberAt(p, findField(p, 'level'));
  const sptep = hexBigAt(p, findField(p, 'at'));
  if (gfn === undefined || spte === undefined || close < 0 || level === undefined || sptep === undefined) {
    return 'expected "gfn X spte S (perms) level L at P"';
  }
  return { kind: 'x86.kvm_mmu_set_spte', gfn, spte, perms: p.slice(open + 1, close), level, sptep };
}

export function decodeTdpSpteChanged(p: string): DecodeResult {
  const asId = decNumberAt(p, findField(p, 'as id'));
  const gfn = hexNumberAt(p, findField(p, 'gfn'));
  const level = decNumberAt(p, findField(p, 'level'));
  const oldSpte = hexBigAt(p, findField(p, 'old_spte'));
  const newSpte = hexBigAt(p, findField(p, 'new_spte'));
  if (asId === undefined || gfn === undefined || level === undefined || oldSpte === undefined || newSpte === undefined) {
    return 'expected "as id A gfn X level L old_spte O new_spte N"';
  }
  return { kind: 'x86.kvm_tdp_mmu_spte_changed', asId, gfn, level, oldSpte, newSpte };
}

export function decodeSplitHugePage(p: string): DecodeResult {
  const gfn = hexNumberAt(p, findField(p, 'gfn'));
  const spte = hexBigAt(p, findField(p, 'spte'));
  const level = decNumberAt(p, findField(p, 'level'));
  const errno = intAt(p, findField(p, 'errno'));
  if (gfn === undefined || spte === undefined || level === undefined) return 'expected "gfn X spte S level L errno E"';
  return { kind: 'x86.kvm_mmu_split_huge_page', gfn, spte, level, errno: errno ?? 0 };
}

/** KVM_MMU_PAGE_PRINTK: `sp gen 0 gfn 40000 l1 8-byte q0 direct wux nxe ad root 0 sync [new|existing]`. */
function pageLevel(p: string): number | undefined {
  // older kernels: `sp gfn 0 4 q0 direct ...` (KVM_MMU_PAGE_PRINTK before mmu_valid_gen: no `sp gen`,
  // the level follows the gfn, no `l`), and trace-cmd report's kvm plugin (plugin_kvm.c,
  // kvm_mmu_get_page_handler() then kvm_mmu_print_role(): "new"/"existing" first, then
  // "sp gfn %llx " and "%u/%u q%u%s %s%s %spge %snxe" from role.level, role.glevels, role.cr4_pge,
  // the role layout of kernels whose kvm_mmu_page_role still had glevels):
  // `existing sp gfn 3a22e 1/4 q3 direct --x !pge !nxe root 6 sync`
  const g = findField(p, 'gfn');
  if (g >= 0) {
    const sp = p.indexOf(' ', g);
    if (sp > 0) {
      const d = decNumberAt(p, sp + 1);
      const after = p.charCodeAt(sp + 2);
      if (d !== undefined && (after === 32 || (after === 47 /* / */ && p.charCodeAt(sp + 4) === 32 && decNumberAt(p, sp + 3) !== undefined))) return d;
    }
  }
  let i = p.indexOf(' l');
  while (i >= 0) {
    const d = decNumberAt(p, i + 2);
    if (d !== undefined && p.charCodeAt(i + 2 + String(d).length) === 32) return d;
    i = p.indexOf(' l', i + 2);
  }
  return undefined;
}

/**
 * `perf script` without libtraceevent's kvm plugin cannot run KVM_MMU_PAGE_PRINTK (a statement
 * expression) and prints the raw fields instead (tools/lib/traceevent: "[FAILED TO PARSE]" then
 * `name=value` in decimal): `[FAILED TO PARSE] mmu_valid_gen=0 gfn=16 role=14084 root_count=0
 * unsync=0 created=1`. The level is role bits 0-3 (union kvm_mmu_page_role, arch/x86/include/asm/kvm_host.h).
 */
const FAILED_TO_PARSE = '[FAILED TO PARSE] ';

function rawShadowPage(p: string): { gfn: number; level: number; created: boolean } | undefined {
  const fields = new Map<string, number>();
  for (const m of p.slice(FAILED_TO_PARSE.length).matchAll(/(\w+)=(\d+)/g)) fields.set(m[1]!, Number(m[2]));
  const gfn = fields.get('gfn');
  const role = fields.get('role');
  if (gfn === undefined || role === undefined) return undefined;
  return { gfn, level: role & 0xf, created: fields.get('created') === 1 };
}

export function decodeGetPage(p: string): DecodeResult {
  if (p.startsWith(FAILED_TO_PARSE)) {
    const raw = rawShadowPage(p);
    return raw ? { kind: 'x86.kvm_mmu_get_page', ...raw, raw: p } : 'perf printed the raw fields ([FAILED TO PARSE]) without gfn= and role=';
  }
  const gfn = hexNumberAt(p, findField(p, 'gfn'));
  const level = pageLevel(p);
  if (gfn === undefined || level === undefined) return 'expected a shadow page description "sp gen G gfn X lN ..."';
  // `... sync new` (5.x+) or `new sp ...` / `existing sp ...` (older: the verdict first)
  return { kind: 'x86.kvm_mmu_get_page', gfn, level, created: p.trimEnd().endsWith(' new') || p.startsWith('new '), raw: p };
}

export function decodePrepareZapPage(p: string): DecodeResult {
  if (p.startsWith(FAILED_TO_PARSE)) {
    const raw = rawShadowPage(p);
    return raw ? { kind: 'x86.kvm_mmu_prepare_zap_page', gfn: raw.gfn, level: raw.level, raw: p } : 'perf printed the raw fields ([FAILED TO PARSE]) without gfn= and role=';
  }
  const gfn = hexNumberAt(p, findField(p, 'gfn'));
  const level = pageLevel(p);
  if (gfn === undefined || level === undefined) return 'expected a shadow page description "sp gen G gfn X lN ..."';
  return { kind: 'x86.kvm_mmu_prepare_zap_page', gfn, level, raw: p };
}
