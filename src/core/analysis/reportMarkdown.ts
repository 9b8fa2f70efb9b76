// The Markdown report (`--format md`, and "Export Report..." in the editor): configuration,
// summary counts, a table of classes, examples per class with their related lines, and windows.
// Trace text is escaped so that a hostile trace cannot inject Markdown structure or HTML.
import type { Analysis, Comparison } from '../api';
import { describeConfig } from './compare';
import { fmtBytes, fmtNs, groupFindings, headline } from './reportSummary';

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+!|<>&]/g, (c) => `\\${c}`);
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function reportMarkdown(a: Analysis, opts: { title?: string; examples?: number } = {}): string {
  const o: string[] = [];
  o.push(`# Stage-2 Lens report${opts.title ? `: ${esc(opts.title)}` : ''}`);
  o.push('');
  o.push(`- Architecture: ${a.arch}; model: ${esc(describeConfig(a.config))}; ${a.config.granule / 1024}K granule, ${a.config.ipaBits}-bit IPA`);
  for (const d of a.detected) o.push(`- Detected ${esc(d)}`);
  o.push('');
  o.push('## Summary');
  o.push('');
  for (const h of headline(a)) o.push(`- ${esc(h)}`);
  o.push('');
  const groups = groupFindings(a, opts.examples ?? 5);
  if (groups.length) {
    o.push('| code | count | observed | vCPU time | bytes |');
    o.push('|---|---|---|---|---|');
    for (const g of groups) o.push(`| \`${g.code}\` | ${g.count} | ${g.observed} | ${g.costNs ? fmtNs(g.costNs) : ''} | ${g.bytes ? fmtBytes(g.bytes) : ''} |`);
    o.push('');
  }
  for (const g of groups) {
    o.push(`## ${g.code}${g.expected ? ' (expected by design)' : ''}`);
    o.push('');
    o.push(`${esc(g.title)}. ${g.count} finding(s).`);
    o.push('');
    for (const f of g.examples) {
      o.push(`- line ${f.line}, ${esc(f.vcpu)}${f.ipa ? `, ${hex(f.ipa.start)}` : ''}: ${esc(f.message)}`);
      for (const r of f.related.slice(0, 3)) o.push(`  - line ${r.line}: ${esc(r.message)}`);
    }
    if (g.examples[0]?.avoid.length) o.push(`- Avoided by: ${esc(g.examples[0].avoid.join('; '))}`);
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
  return o.join('\n');
}

export function comparisonMarkdown(c: Comparison): string {
  const o = ['# Stage-2 Lens what-if comparison', '', ...c.summary.map((s) => `- ${esc(s)}`), ''];
  o.push('| class | A | B |', '|---|---|---|');
  for (const [k, v] of Object.entries(c.faults.byClass).sort()) o.push(`| ${k} | ${v.a} | ${v.b} |`);
  o.push('');
  return o.join('\n');
}
