// textDocument/inlayHint: after every `hsr`/`esr` value in the visible lines, the decoded ESR
// (`DABT_LOW translation L3 W`). Off with `stage2Lens.inlayHints.esr`. Decoding is core's decodeEsr;
// finding the value on the line is presentation, done with one cheap regex.
import { InlayHintKind, type InlayHint } from 'vscode-languageserver/node';
import { decodeEsr } from '../core/index';
import { esrHint } from './esrText';

const esrValue = /\b(?:hsr|esr)(?:\s*[=:]\s*|\s+)(0x[0-9a-fA-F]{1,16}|[0-9a-fA-F]{8})\b/g;

/** Hints for `lines` (text of lines first, first+1, ...; `first` is 1-based). */
export function buildEsrHints(lines: readonly string[], first: number): InlayHint[] {
  const out: InlayHint[] = [];
  lines.forEach((text, i) => {
    if (text.length > 4096 || (!text.includes('hsr') && !text.includes('esr'))) return;
    esrValue.lastIndex = 0;
    for (let m = esrValue.exec(text); m; m = esrValue.exec(text)) {
      // ESR_EL2 is 64-bit but every field decoded lives in the low 32 bits (and a double holds only 53).
      const value = Number.parseInt(m[1].replace(/^0x/i, '').slice(-8), 16);
      if (!Number.isFinite(value)) continue;
      out.push({
        position: { line: first - 1 + i, character: m.index + m[0].length },
        label: esrHint(decodeEsr(value)),
        kind: InlayHintKind.Type,
        paddingLeft: true,
      });
    }
  });
  return out;
}
