// Decoders for the arm64 `kvm` tracepoints (kernel-behaviour.md section 2): kvm_exit, kvm_entry,
// kvm_guest_fault (with ESR decode), kvm_access_fault, kvm_set_way_flush, kvm_toggle_cache and the
// timer events that reveal a task's vCPU index. Both spellings (hsr/esr, hxfar/far, HSR_EC/ESR_EC),
// `trace-cmd report -R` raw fields and libtraceevent's `CAN'T FIND FIELD` prefixes are accepted.
import * as esrModule from '../esr';
import * as fieldScanModule from '../fieldScan';
import type { DecodeResult } from './result';
import type { EsrInfo } from '../types';

// Imported functions bound once: a per-file CommonJS build (tests, bench) would otherwise reach
// them through an export getter on every call, a measurable share of the decoding cost.
const decodeEsr = esrModule.decodeEsr;
const ecName = esrModule.ecName;
const EXCEPTION_TYPE_NAMES = esrModule.EXCEPTION_TYPE_NAMES;
const decNumberAt = fieldScanModule.decNumberAt;
const findField = fieldScanModule.findField;
const findFieldAny = fieldScanModule.findFieldAny;
const hexBigAt = fieldScanModule.hexBigAt;
const hexNumberAt = fieldScanModule.hexNumberAt;
const intAt = fieldScanModule.intAt;

/** Alternative spellings of a field, allocated once. */
const HSR_EC_LABELS = ['HSR_EC', 'ESR_EC'] as const;
const HSR_LABELS = ['hsr', 'esr'] as const;
const HXFAR_LABELS = ['hxfar', 'far'] as const;
const IPA_LABELS = ['IPA', 'ipa'] as const;

/**
 * Remove the error text libtraceevent's x86 kvm plugin prints into arm64 kvm_entry/kvm_exit lines:
 * `CAN'T FIND FIELD "vcpu_id"<CANT FIND FIELD rip>PC: ...`.
 */
export function stripCantFindField(p: string): string {
  let s = p;
  for (let guard = 0; guard < 8; guard++) {
    if (s.startsWith('CAN\'T FIND FIELD "')) {
      const q = s.indexOf('"', 18);
      if (q < 0) return s;
      s = s.slice(q + 1);
    } else if (s.startsWith('<CANT FIND FIELD ')) {
      const q = s.indexOf('>');
      if (q < 0) return s;
      s = s.slice(q + 1);
    } else break;
  }
  return s.trimStart();
}

export function isArm64Exit(p: string): boolean {
  return p.includes('HSR_EC') || p.includes('ESR_EC') || p.includes('esr_ec=');
}

export function decodeArm64Exit(payload: string): DecodeResult {
  const p = stripCantFindField(payload);
  const raw = findField(p, 'esr_ec');
  if (raw >= 0 && p.charCodeAt(raw - 1) === 61) {
    const ret = intAt(p, findField(p, 'ret'));
    const ec = hexNumberAt(p, raw);
    if (ec === undefined) return 'esr_ec is not a number';
    const pc = hexBigAt(p, findField(p, 'vcpu_pc'));
    const exitType = ret === undefined ? 'UNKNOWN' : (EXCEPTION_TYPE_NAMES[ret] ?? `0x${ret.toString(16)}`);
    return { kind: 'arm64.kvm_exit', exitType, ec, ecName: ecName(ec), pc };
  }
  const ecAt = findFieldAny(p, HSR_EC_LABELS);
  const ec = hexNumberAt(p, ecAt);
  if (ec === undefined) {
    // arm32-era kernels: `PC: 0x%08lx` only (no exception type, no EC)
    const pcOnly = hexBigAt(p, findField(p, 'PC'));
    if (p.startsWith('PC') && pcOnly !== undefined) return { kind: 'arm64.kvm_exit', exitType: 'UNKNOWN', ec: -1, ecName: 'not printed', pc: pcOnly };
    return 'no HSR_EC/ESR_EC value';
  }
  const labelAt = p.indexOf('_EC');
  // `TRAP: HSR_EC: ...`; kernels before 2016 printed no exception type
  const colon = p.indexOf(':');
  const exitType = colon > 0 && colon < labelAt - 3 ? p.slice(0, colon) : 'UNKNOWN';
  let name = ecName(ec);
  const open = p.indexOf('(', ecAt);
  if (open > 0) {
    const close = p.indexOf(')', open);
    if (close > open + 1) name = p.slice(open + 1, close);
  }
  const pc = hexBigAt(p, findField(p, 'PC'));
  // `%s: HSR_EC: 0x%04x (%s), PC: 0x%016lx` (arch/arm64/kvm/trace_arm.h): every form ends with the PC
  if (pc === undefined) return { kind: 'arm64.kvm_exit', exitType, ec, ecName: name, pc, truncated: 'PC' };
  return { kind: 'arm64.kvm_exit', exitType, ec, ecName: name, pc };
}

export function isArm64Entry(p: string): boolean {
  return !p.includes('vcpu ') && (p.includes('PC') || p.includes('vcpu_pc'));
}

export function decodeArm64Entry(payload: string): DecodeResult {
  const p = stripCantFindField(payload);
  const at = findField(p, 'PC');
  const pc = hexBigAt(p, at >= 0 ? at : findField(p, 'vcpu_pc'));
  if (pc === undefined) return 'no PC value';
  return { kind: 'arm64.kvm_entry', pc };
}

/** A guest loop faults with a handful of ESR values: their EsrInfo is built once (read-only, like Decoded). */
const esrInfos = new Map<number, EsrInfo>();
const MAX_ESR_INFOS = 1024;

function esrInfoOf(esr: number): EsrInfo {
  let info = esrInfos.get(esr);
  if (info === undefined) {
    if (esrInfos.size >= MAX_ESR_INFOS) esrInfos.clear();
    info = decodeEsr(esr);
    esrInfos.set(esr, info);
  }
  return info;
}

/** An IPA has at most 52 bits (FEAT_LPA/LPA2; kvm_ipa_limit() in arch/arm64/kvm/reset.c). */
const IPA_LIMIT = 2 ** 52;

/** Why the `ipa` field is not an IPA: absent, not hex, or wider than 52 bits (with its width). */
function ipaProblem(p: string): string {
  const at = findField(p, 'ipa');
  if (at < 0) return 'no ipa value';
  const text = /^(0[xX])?[0-9a-fA-F]*/.exec(p.slice(at, at + 80))![0];
  const digits = text.replace(/^0[xX]/, '').replace(/^0+/, '');
  if (text.replace(/^0[xX]/, '') === '') return 'the ipa field holds no hex number';
  const bits = digits ? (digits.length - 1) * 4 + Number.parseInt(digits[0], 16).toString(2).length : 0;
  return `ipa ${text.length > 40 ? `${text.slice(0, 40)}...` : text} has ${bits} bits: an IPA has at most 52`;
}

export function decodeGuestFault(p: string): DecodeResult {
  const ipa = hexNumberAt(p, findField(p, 'ipa'));
  const esr = hexNumberAt(p, findFieldAny(p, HSR_LABELS));
  const far = hexBigAt(p, findFieldAny(p, HXFAR_LABELS));
  const pcAt = findField(p, 'pc');
  const pc = hexBigAt(p, pcAt >= 0 ? pcAt : findField(p, 'vcpu_pc'));
  if (ipa === undefined || ipa >= IPA_LIMIT) return ipaProblem(p);
  if (esr === undefined) return 'no hsr/esr value';
  if (far === undefined) return 'no hxfar/far value';
  if (pc === undefined) return 'no pc value';
  return { kind: 'arm64.kvm_guest_fault', ipa, esr, far, pc, esrInfo: esrInfoOf(esr) };
}

export function decodeAccessFault(p: string): DecodeResult {
  const at = findFieldAny(p, IPA_LABELS);
  const ipa = hexNumberAt(p, at);
  if (ipa === undefined) return 'no IPA value';
  return { kind: 'arm64.kvm_access_fault', ipa };
}

export function decodeSetWayFlush(p: string): DecodeResult {
  const at = findField(p, 'at');
  const pc = hexBigAt(p, at >= 0 ? at : findField(p, 'vcpu_pc'));
  if (pc === undefined) return 'no PC value';
  const cacheAt = findField(p, 'cache');
  if (cacheAt < 0) return 'no cache state';
  const cacheOn = p.startsWith('on', cacheAt) || p.charCodeAt(cacheAt) === 49;
  return { kind: 'arm64.kvm_set_way_flush', pc, cacheOn };
}

export function decodeToggleCache(p: string): DecodeResult {
  const at = findField(p, 'at');
  const pc = hexBigAt(p, at >= 0 ? at : findField(p, 'vcpu_pc'));
  const wasAt = findField(p, 'was');
  const nowAt = findField(p, 'now');
  if (pc === undefined || wasAt < 0 || nowAt < 0) return 'expected "VM op at PC (cache was X, now Y)"';
  const on = (i: number): boolean => p.startsWith('on', i) || p.charCodeAt(i) === 49;
  return { kind: 'arm64.kvm_toggle_cache', pc, was: on(wasAt), now: on(nowAt) };
}

/** kvm_timer_update_irq / kvm_get_timer_map: `VCPU: N, ...` (or `vcpu_id=N` with -R). */
export function decodeVcpuIndex(p: string): DecodeResult {
  const at = findField(p, 'VCPU');
  const vcpu = decNumberAt(p, at >= 0 ? at : findField(p, 'vcpu_id'));
  if (vcpu === undefined) return 'no VCPU value';
  return { kind: 'kvm.vcpu_index', vcpu };
}
