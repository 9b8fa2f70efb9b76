// Wording of a decoded ESR_EL2 (core's EsrInfo) for hovers and inlay hints: the exception class,
// the fault status class and level, WnR and S1PTW. Decoding itself is core's (parse/esr.ts).
import type { EsrInfo } from '../core/index';

function faultText(e: EsrInfo): string {
  const cls = e.faultClass === 'other' ? `FSC 0x${e.fsc.toString(16).padStart(2, '0')}` : `${e.faultClass} fault`;
  return e.level === undefined ? cls : `${cls}, level ${e.level}`;
}

/** Short form for an inlay hint: `DABT_LOW translation L3 W`. */
export function esrHint(e: EsrInfo): string {
  const isAbort = e.ec === 0x20 || e.ec === 0x21 || e.ec === 0x24 || e.ec === 0x25;
  if (!isAbort) return e.ecName;
  const cls = e.faultClass === 'other' ? `FSC 0x${e.fsc.toString(16)}` : e.faultClass;
  const level = e.level === undefined ? '' : ` L${e.level}`;
  const dir = e.ec === 0x20 || e.ec === 0x21 ? ' X' : e.wnr ? ' W' : ' R';
  return `${e.ecName} ${cls}${level}${dir}${e.s1ptw ? ' S1PTW' : ''}`;
}

/** Markdown lines for a hover. */
export function esrMarkdown(esr: number, e: EsrInfo): string[] {
  return [
    `ESR \`0x${(esr >>> 0).toString(16).padStart(8, '0')}\`: EC 0x${e.ec.toString(16).padStart(2, '0')} **${e.ecName}** · ${faultText(e)}`,
    `WnR=${e.wnr ? 1 : 0} (${e.wnr ? 'write' : 'read'}) · S1PTW=${e.s1ptw ? 1 : 0}${e.s1ptw ? ' (on the guest\'s stage-1 table walk)' : ''} · ISV=${e.isv ? 1 : 0} · CM=${e.cm ? 1 : 0} · FnV=${e.fnv ? 1 : 0}`,
  ];
}
