// Markdown renderings of server answers (summary, comparison, coverage), opened as untitled
// Markdown documents the user can read, keep or save. Presentation only: every number comes from
// the server; trace-derived text is escaped.
import type { AnalysisSummary, CompareResult, CoverageResult } from '../shared/protocol';
import { plural } from '../shared/plural';

function esc(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-!|<>~]/g, (c) => `\\${c}`);
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}

export function summaryMarkdown(s: AnalysisSummary, traceName: string): string {
  const c = s.counters;
  const out = [
    `# Stage-2 Lens: ${esc(traceName)}`,
    '',
    `Configuration: **${esc(s.label)}** (${esc(s.arch)}, ${esc(s.format)}, ${plural(s.lines, 'line')}, ${plural(s.events, 'event')}, analysed in ${s.durationMs} ms)`,
    '',
    '| | |',
    '| --- | --- |',
    `| stage-2 faults | ${c.faults.total} |`,
    `| spurious / avoidable | ${s.spurious} |`,
    `| findings | ${s.findings} |`,
    `| data-cache clean | ${bytes(c.cmo.dcacheCleanBytes)} |`,
    `| instruction-cache invalidate | ${bytes(c.cmo.icacheInvalBytes)} |`,
    `| redundant CMO | ${bytes(s.redundantCmoBytes)} |`,
    `| TLBI (ipa / ipa nsh / range / vmid) | ${c.tlbi.ipa} / ${c.tlbi.ipaNsh} / ${c.tlbi.range} / ${c.tlbi.vmid} |`,
    `| splits (fault / eager), coalesces | ${c.splits.fault} / ${c.splits.eager}, ${c.coalesces} |`,
    `| invalid windows | ${c.invalidWindows.count} (${(c.invalidWindows.totalNs / 1000).toFixed(1)} µs) |`,
    '',
    '## Findings by code',
    '',
    '| code | count |',
    '| --- | --- |',
    ...Object.entries(s.findingsByCode).sort((a, b) => b[1] - a[1]).map(([code, n]) => `| ${esc(code)} | ${n} |`),
    '',
    '## Faults by kind and level',
    '',
    ...Object.entries(c.faults.byKindLevel).map(([k, n]) => `- ${esc(k)}: ${n}`),
    '',
    '## Detected',
    '',
    ...s.detected.map((d) => `- ${esc(d)}`),
    '',
  ];
  return out.join('\n');
}

export function compareMarkdown(r: CompareResult, traceName: string): string {
  const row = (name: string, a: number, b: number) => `| ${name} | ${a} | ${b} | ${b - a >= 0 ? '+' : ''}${b - a} |`;
  return [
    `# Stage-2 Lens: ${esc(traceName)}, ${esc(r.labelA)} vs ${esc(r.labelB)}`,
    '',
    ...(r.assumptions.length ? [`## What ${esc(r.labelB)} (B) assumes`, '', ...r.assumptions.map((x) => `- ${esc(x)}`), ''] : []),
    `| | ${esc(r.labelA)} | ${esc(r.labelB)} | change |`,
    '| --- | --- | --- | --- |',
    row('faults', r.faults.a, r.faults.b),
    ...Object.entries(r.faults.byClass).map(([cls, v]) => row(`faults ${esc(cls)}`, v.a, v.b)),
    row('CMO bytes', r.cmoBytes.a, r.cmoBytes.b),
    row('TLBI', r.tlbi.a, r.tlbi.b),
    row('invalid windows', r.invalidWindows.a, r.invalidWindows.b),
    row('invalid-window ns', r.invalidWindows.nsA, r.invalidWindows.nsB),
    ...Object.entries(r.perVcpu).map(([v, x]) => row(esc(v), x.a, x.b)),
    '',
    `Exit-to-entry time of the faults B avoids, as measured (any preemption included): ${(r.vcpuTimeSavedNs / 1000).toFixed(1)} µs; ${r.avoidedLines.length} findings avoided.`,
    '',
    // The summary repeats the assumptions and costs for plain-text outputs; here they have their own sections.
    ...r.summary.filter((s) => s !== 'What B assumes:' && s !== 'What B costs:' && ![...r.assumptions, ...r.costs].some((x) => s.endsWith(x))).map((s) => `- ${esc(s)}`),
    '',
    ...(r.costs.length ? [`## What ${esc(r.labelB)} (B) costs`, '', ...r.costs.map((x) => `- ${esc(x)}`), ''] : []),
  ].join('\n');
}

export function coverageMarkdown(c: CoverageResult, traceName: string): string {
  return [
    `# Trace coverage: ${esc(traceName)}`,
    '',
    `${plural(c.lines.total, 'line')}: ${plural(c.lines.events, 'event')}, ${c.lines.unrecognized} unrecognised, ${c.lines.special} special.`,
    '',
    '| analysis | support | why | add to the recording |',
    '| --- | --- | --- | --- |',
    ...c.items.map((i) => `| ${i.analysis} | ${i.support} | ${esc(i.why)} | ${esc(i.add.join('; ')) || '—'} |`),
    '',
    '## What the trace lacks',
    '',
    ...(c.lacks.length ? c.lacks.map((l) => `- ${esc(l)}`) : ['- nothing the analyses need']),
    '',
    '## Unrecognised lines',
    '',
    ...(c.unrecognized.length
      ? c.unrecognized.map((g) => `- ${esc(g.reason)}: ${g.count} lines (e.g. line ${g.examples.join(', ')}): ${esc(g.detail)}`)
      : ['- none']),
    '',
  ].join('\n');
}
