// The text, Markdown and JSON forms of a recording diff (src/core/diff/recordingDiff.ts). Every
// figure is the trace's: totals from each analysis' counters, per-phase figures from its timeline
// marks, intervals from the stated bootstrap. The rules are printed with the numbers.
import type { DiffRow, Interval, LatencySummary, RecordingDiff } from './recordingDiff';
import { plural } from '../util/plural';

export interface DiffReportOptions {
  before: string;
  after: string;
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function signed(n: number): string {
  return n > 0 ? `+${num(n)}` : num(n);
}

function interval(iv: Interval | undefined): string {
  return iv ? `[${signed(Math.round(iv.lo))}, ${signed(Math.round(iv.hi))}]` : '';
}

/** What the change is, in words: the repeated passes' verdict and the part in single phases. */
function verdict(r: DiffRow): string {
  const once = r.onceDelta ? `${signed(r.onceDelta)} in phases that occur once` : '';
  if (!r.repeated) {
    if (r.delta === 0) return 'same';
    if (r.onceDelta === undefined) return 'changed (no per-pass figure: no interval)';
    return `changed: ${once || 'no repeated passes'}; no interval`;
  }
  if (r.delta === 0 && r.repeated.delta === 0 && !r.onceDelta) return 'same';
  const rep = r.repeated.significant ? `repeated passes ${signed(Math.round(r.repeated.delta))} ${interval(r.repeated.interval)}: significant` : `repeated passes ${interval(r.repeated.interval)}: no significant change`;
  return once ? `${rep}; ${once}` : rep;
}

function latency(l: LatencySummary): string {
  if (!l.count) return 'no fault with an exit and entry';
  const us = (ns: number | undefined): string => (ns === undefined ? '?' : `${(ns / 1000).toFixed(1)} us`);
  return `${l.count} faults, median ${us(l.median)}, p90 ${us(l.p90)}`;
}

const RULES = [
  'Totals are each recording\'s exact counters: a delta equals the difference of the two `analyze --format json` reports.',
  'Spread: the change in repeated passes (phase kinds occurring at least twice in both) gets a 95% bootstrap interval (passes resampled within each kind, 2000 rounds, fixed seed), "no significant change" when it spans zero; the change in phases that occur once is shown as it is (its spread is unknown).',
  'Exit-to-entry latencies are the trace\'s timestamps; under nested or emulated recording they include the emulation.',
];

export function diffText(d: RecordingDiff, o: DiffReportOptions): string {
  const out: string[] = [`Stage-2 Lens diff: ${o.before} (A) -> ${o.after} (B)`];
  out.push('', d.setup.length ? 'Set-up differences (read these first):' : 'Set-up: no difference in architecture, model configuration, detection or vCPU count.');
  for (const s of d.setup) out.push(`  ${s.what}: A ${s.a}; B ${s.b}`);
  out.push('', `Phases: ${d.alignment}; ${d.repeatedGroups ? `${plural(d.repeatedGroups, 'kind')} of phase repeat in both (the intervals rest on them)` : 'no kind of phase repeats in both: no intervals'}.`);
  if (d.droppedMarks.a || d.droppedMarks.b) out.push(`  The timeline store dropped marks (A ${d.droppedMarks.a}, B ${d.droppedMarks.b}): per-phase figures miss them, totals do not.`);
  out.push('', 'Totals');
  const w = Math.max(...d.totals.map((r) => r.metric.length));
  for (const r of d.totals) {
    if (r.a === 0 && r.b === 0) continue;
    out.push(`  ${r.metric.padEnd(w)}  ${num(r.a).padStart(10)} -> ${num(r.b).padStart(10)}  ${signed(r.delta).padStart(10)}  ${verdict(r)}`);
  }
  out.push('', 'Exit-to-entry latency', `  A: ${latency(d.latency.a)}`, `  B: ${latency(d.latency.b)}`);
  const changed = d.phases.filter((p) => !p.a || !p.b || p.a.faults !== p.b.faults || p.a.cmoBytes !== p.b.cmoBytes || p.a.windows !== p.b.windows);
  out.push('', `Phases that differ (${changed.length} of ${d.phases.length}; faults, CMO bytes, windows):`);
  for (const p of changed.slice(0, 40)) {
    const f = (m: typeof p.a): string => (m ? `${m.faults} faults, ${m.cmoBytes} B CMO, ${m.windows} windows` : 'absent');
    out.push(`  ${(p.labelB ?? p.labelA ?? '').slice(0, 90)}`, `      A: ${f(p.a)}; B: ${f(p.b)}`);
  }
  if (changed.length > 40) out.push(`  ... and ${changed.length - 40} more`);
  out.push('', ...RULES.map((r) => `Rule: ${r}`));
  return out.join('\n') + '\n';
}

export function diffMarkdown(d: RecordingDiff, o: DiffReportOptions): string {
  const esc = (s: string): string => s.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`);
  const out: string[] = [`# Stage-2 Lens diff`, '', `A: \`${esc(o.before)}\`  `, `B: \`${esc(o.after)}\``, ''];
  out.push('## Set-up differences', '');
  if (!d.setup.length) out.push('None in architecture, model configuration, detection or vCPU count.');
  else {
    out.push('| what | A | B |', '| --- | --- | --- |');
    for (const s of d.setup) out.push(`| ${esc(s.what)} | ${esc(s.a)} | ${esc(s.b)} |`);
  }
  out.push('', '## Totals', '', `Phases: ${esc(d.alignment)}.`, '', '| metric | A | B | delta | spread |', '| --- | ---: | ---: | ---: | --- |');
  for (const r of d.totals) if (r.a || r.b) out.push(`| ${esc(r.metric)} | ${num(r.a)} | ${num(r.b)} | ${signed(r.delta)} | ${esc(verdict(r))} |`);
  out.push('', '## Exit-to-entry latency', '', `- A: ${latency(d.latency.a)}`, `- B: ${latency(d.latency.b)}`, '', '## Rules', '', ...RULES.map((r) => `- ${r}`));
  return out.join('\n') + '\n';
}

export function diffJson(d: RecordingDiff, o: DiffReportOptions): string {
  const phases = d.phases.map((p) => ({
    key: p.key, labelA: p.labelA, labelB: p.labelB,
    a: p.a && { ...p.a, latencies: undefined, latencyCount: p.a.latencies.length },
    b: p.b && { ...p.b, latencies: undefined, latencyCount: p.b.latencies.length },
  }));
  return JSON.stringify({ before: o.before, after: o.after, setup: d.setup, alignment: d.alignment, repeatedGroups: d.repeatedGroups, totals: d.totals, latency: d.latency, droppedMarks: d.droppedMarks, phases, rules: RULES }, null, 2) + '\n';
}
