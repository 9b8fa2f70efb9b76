// The Markdown report (`--format md`, and "Export Report..." in the editor): configuration,
// summary counts, a table of classes, examples per class with their related lines, and windows.
// Trace text is escaped so that a hostile trace cannot inject Markdown structure or HTML.
import type { Analysis, Comparison } from '../api';
import { describeConfig } from '../analysis/compare';
import { fmtBytes, fmtNs, groupFindings, headline, leverResultText } from './reportSummary';
import { verdicts, type LeverResult } from '../analysis/verdicts';
import { describeAvailability, findingEntry, leverSentences, NATURE_TITLE_ONE } from '../catalog/findings';
import { mmuLockLines, vcpuNamer } from '../lock/lockReport';

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+!|<>&]/g, (c) => `\\${c}`);
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function reportMarkdown(a: Analysis, opts: { title?: string; examples?: number; levers?: LeverResult[] } = {}): string {
  const v = verdicts(a, opts.levers);
  const source = opts.title ?? '<file>';
  const o: string[] = [];
  o.push(`# Stage-2 Lens report${opts.title ? `: ${esc(opts.title)}` : ''}`);
  o.push('');
  o.push(`- Architecture: ${a.arch}; model: ${esc(describeConfig(a.config))}; ${a.config.granule / 1024}K granule, ${a.config.ipaBits}-bit IPA`);
  for (const d of a.detected) o.push(`- ${esc(d)}`);
  o.push('');
  o.push('## Summary');
  o.push('');
  for (const h of headline(a, v, source)) o.push(`- ${esc(h.trim())}`);
  o.push('');
  const groups = groupFindings(a, v, opts.examples ?? 5);
  if (groups.length) {
    o.push('| code | nature | count | observed (of listed) | exit to entry, median | p90 | bytes |');
    o.push('|---|---|---|---|---|---|---|');
    for (const g of groups) o.push(`| \`${g.code}\` | ${NATURE_TITLE_ONE[g.nature]} | ${g.count} | ${g.observed} of ${g.listed} | ${g.time ? fmtNs(g.time.medianNs) : ''} | ${g.time ? fmtNs(g.time.p90Ns) : ''} | ${g.bytes ? fmtBytes(g.bytes) : ''} |`);
    o.push('');
  }
  for (const g of groups) {
    o.push(`## ${g.code} (${NATURE_TITLE_ONE[g.nature]})`);
    o.push('');
    o.push(`${esc(g.title)}: ${esc(findingEntry(g.cls, a.arch).means)} Count: ${g.count}.`);
    o.push('');
    for (const f of g.examples) {
      o.push(`- line ${f.line}, ${esc(f.vcpu)}${f.ipa ? `, ${hex(f.ipa.start)}` : ''}: ${esc(f.message)}`);
      for (const r of f.related.slice(0, 3)) o.push(`  - line ${r.line}: ${esc(r.message)}`);
    }
    const checked = new Map(g.levers.map((l) => [l.lever, l]));
    const levers = findingEntry(g.cls, a.arch).levers;
    if (!levers.length) o.push(`- Levers: ${esc(leverSentences(g.cls, a.arch)[0])}`);
    for (const l of levers) {
      const r = checked.get(l);
      o.push(`- Lever: ${esc(r ? leverResultText(r, source) : `${l.text}: ${describeAvailability(l.availability)}`)}`);
    }
    o.push('');
  }
  const ws = a.windows ?? [];
  if (ws.length) {
    o.push('## Break-before-make windows');
    o.push('');
    o.push('| line | owner | kind | IPA | size | length | faults |');
    o.push('|---|---|---|---|---|---|---|');
    for (const w of ws.slice(0, 50)) o.push(`| ${w.line} | ${esc(w.owner)} | ${w.kind} | ${hex(w.ipa)} | ${fmtBytes(w.size)} | ${w.endTs !== undefined ? fmtNs(w.endTs - w.ts) : 'open'} | ${w.faults} |`);
    o.push('');
  }
  if (a.mmuLock?.support === 'observed') {
    const [title, ...rest] = mmuLockLines(a.mmuLock, vcpuNamer(a.lanes));
    o.push('## MMU lock', '', esc(title), '', ...rest.map((l) => `- ${esc(l.trim())}`), '');
  }
  return o.join('\n');
}

export function comparisonMarkdown(c: Comparison): string {
  const o = ['# Stage-2 Lens what-if comparison', '', ...c.summary.map((s) => `- ${esc(s)}`), ''];
  o.push('| class | A | B |', '|---|---|---|');
  for (const [k, v] of Object.entries(c.faults.byClass).sort()) o.push(`| ${k} | ${v.a} | ${v.b} |`);
  o.push('');
  return o.join('\n');
}
