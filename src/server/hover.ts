// textDocument/hover: on an event line, the decoded fields (ESR decoded) and the model's state for
// the line's IPA at that moment (Analysis.stateAt); on a finding's line, its explanation, cause and
// what would avoid it, and a "Reveal in Timeline" command link; on line 1, the trace-sufficiency coverage. Trace text is untrusted: every
// piece of it is escaped before it becomes Markdown.
import type { Hover } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import type { Analysis, EntryState } from '../core/index';
import type { Decoded, TraceEvent } from '../core/index';
import type { Finding } from '../core/index';
import { findingEntry, leverSentences } from '../core/index';
import { findingDocUrl } from './diagnostics';
import { esrMarkdown } from './esrText';
import { formatBytes } from './summary';
import { escapeControls } from '../shared/controlChars';
import { plural } from '../shared/plural';
import { revealInTimelineCommandUri } from '../shared/timelineProtocol';

/** Trace text as inert Markdown: no emphasis, links, code, tables, HTML or headings can come out of it, no control character. */
export function escapeMarkdown(text: string): string {
  return escapeControls(text).replace(/[\\`*_[\]|<>~]/g, (c) => `\\${c}`).replace(/^([#+-]|\d+\.)/, '\\$1');
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

function lineLink(uri: string, line: number): string {
  return `[line ${line}](${uri}#L${line})`;
}

/** Raw text for a code span (a code span cannot hold a backtick or a line break). */
function codeSpan(text: string): string {
  return `\`${escapeControls(text.replace(/[`\r\n]/g, ' '))}\``;
}

/** The IPA an event is about, for the model-state query. */
export function ipaOf(d: Decoded | undefined): number | undefined {
  if (!d) return undefined;
  switch (d.kind) {
    case 'arm64.kvm_guest_fault': return d.ipa;
    case 'arm64.kvm_access_fault': return d.ipa;
    case 'kvm.kvm_mmio': return d.gpa;
    case 'x86.kvm_page_fault': return d.address;
    case 'x86.kvm_mmu_spte_requested':
    case 'x86.kvm_mmu_set_spte':
    case 'x86.kvm_tdp_mmu_spte_changed':
    case 'x86.kvm_mmu_split_huge_page':
    case 'x86.kvm_mmu_get_page':
    case 'x86.kvm_mmu_prepare_zap_page':
      return d.gfn * 4096;
    case 'kprobe': return d.s2?.ipa;
    default: return undefined;
  }
}

function fieldValue(v: unknown): string {
  if (typeof v === 'bigint') return hex(v);
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) > 4095 ? hex(v) : String(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === undefined) return '—';
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? hex(x) : x));
}

function decodedMarkdown(ev: TraceEvent): string[] {
  const out = [`**${escapeMarkdown(ev.name)}** · ${escapeMarkdown(ev.task)}\\-${ev.pid} · CPU ${ev.cpu} · ${(ev.ts / 1e9).toFixed(6)} s`];
  const d = ev.decoded;
  if (!d) {
    out.push('', '_Not an event the model replays._');
    return out;
  }
  out.push('');
  for (const [key, value] of Object.entries(d)) {
    if (key === 'kind' || key === 'esrInfo' || key === 's2' || key === 'args') continue;
    out.push(`- ${escapeMarkdown(key)}: ${codeSpan(fieldValue(value))}`);
  }
  if (d.kind === 'arm64.kvm_guest_fault') out.push('', ...esrMarkdown(d.esr, d.esrInfo));
  return out;
}

function stateMarkdown(uri: string, s: EntryState, line: number): string[] {
  const leaf = s.leaf === 'invalid' ? 'invalid (not mapped)' : s.leaf === 'locked' ? 'locked (being broken by another actor)' : s.leaf;
  const out = [`**Model at line ${line}**, IPA \`${hex(s.ipa)}\`${s.observed ? '' : ' (inferred)'}`, ''];
  out.push(`- level ${s.level} ${leaf}, ${formatBytes(s.size)}, permissions \`${s.perms}\``);
  if (s.mappedAtLine !== undefined) out.push(`- mapped by ${escapeMarkdown(s.mappedBy ?? 'unknown')} at ${lineLink(uri, s.mappedAtLine)}`);
  else out.push('- not mapped in this trace yet');
  out.push(`- invalid window open: ${s.invalidWindowOpen ? '**yes**' : 'no'}`);
  out.push(`- last cache maintenance: ${s.lastCmoLine === undefined ? 'none' : lineLink(uri, s.lastCmoLine)}`);
  return out;
}

// Finding indices sorted by line, built once per analysis (4 bytes per finding): a hover must not
// scan half a million findings, nor hold a Map of them.
const findingsByLine = new WeakMap<Analysis, Uint32Array>();

function findingsOn(a: Analysis, line: number): Finding[] {
  let order = findingsByLine.get(a);
  if (!order) {
    order = Uint32Array.from(a.findings.keys()).sort((x, y) => a.findings[x].line - a.findings[y].line || x - y);
    findingsByLine.set(a, order);
  }
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a.findings[order[mid]].line < line) lo = mid + 1;
    else hi = mid;
  }
  const out: Finding[] = [];
  for (let i = lo; i < order.length && a.findings[order[i]].line === line; i++) out.push(a.findings[order[i]]);
  return out;
}

function findingsMarkdown(uri: string, a: Analysis, line: number, docsRoot: string): string[] {
  const out: string[] = [];
  for (const f of findingsOn(a, line)) {
    const info = findingEntry(f.cls, a.arch);
    out.push(`**${escapeMarkdown(f.code)}**: ${escapeMarkdown(info.title)} (${f.observed ? 'observed' : 'inferred'})`, '');
    out.push(escapeMarkdown(f.message), '');
    out.push(escapeMarkdown(info.means), '');
    if (f.related.length) out.push('Cause:', ...f.related.map((r) => `- ${lineLink(uri, r.line)}: ${escapeMarkdown(r.message)}`), '');
    out.push(`Levers: ${leverSentences(f.cls, a.arch).map(escapeMarkdown).join('; ')}`, '');
    if (f.costNs !== undefined) out.push(`Exit to entry: ${(f.costNs / 1000).toFixed(1)} µs (as measured: includes any preemption of the vCPU thread)`, '');
    out.push(`[About ${escapeMarkdown(f.cls)}](${findingDocUrl(f.cls, docsRoot)})`, '');
  }
  // VS Code runs it only because the client trusts this one command in hovers (languageClient.ts)
  if (out.length) out.push(`[Reveal in Timeline](${revealInTimelineCommandUri(uri, line)})`, '');
  return out;
}

function coverageMarkdown(a: Analysis): string[] {
  const out = ['**Trace coverage**', '', '| analysis | support | why | add |', '| --- | --- | --- | --- |'];
  const cell = (t: string) => escapeMarkdown(t).replace(/\n/g, ' ');
  for (const c of a.coverage) out.push(`| ${c.analysis} | ${c.support} | ${cell(c.why)} | ${cell(c.add.join('; ')) || '—'} |`);
  if (!a.coverage.length) out.push('| — | — | no coverage information | — |');
  const s = a.stats;
  out.push('', `${plural(s.lines.total, 'line')}: ${plural(s.lines.events, 'event')}, ${s.lines.unrecognized} unrecognised, ${s.lines.special} special (${escapeMarkdown(s.format)}).`);
  for (const l of s.lacks) out.push(`- ${escapeMarkdown(l)}`);
  return out;
}

export interface HoverInput {
  uri: string;
  /** 1-based. */
  line: number;
  analysis: Analysis | undefined;
  event: TraceEvent | undefined;
  docsRoot: string;
  /** True while a run is still reading the trace. */
  analyzing: boolean;
}

export function buildHover(h: HoverInput): Hover | null {
  const parts: string[][] = [];
  if (h.analysis && h.line === 1) parts.push(coverageMarkdown(h.analysis));
  if (h.analysis) {
    const f = findingsMarkdown(h.uri, h.analysis, h.line, h.docsRoot);
    if (f.length) parts.push(f);
  }
  if (h.event) {
    parts.push(decodedMarkdown(h.event));
    const ipa = ipaOf(h.event.decoded);
    if (ipa !== undefined && h.analysis) {
      let state: EntryState | undefined;
      try {
        state = h.analysis.stateAt(h.line, ipa);
      } catch {
        state = undefined; // a query the engine cannot answer must not take the hover down
      }
      parts.push(state ? stateMarkdown(h.uri, state, h.line) : [`_The model has no entry for IPA \`${hex(ipa)}\` at line ${h.line}._`]);
    } else if (ipa !== undefined && h.analyzing) parts.push(['_Model state: the analysis is still running._']);
  }
  if (!parts.length) return null;
  return { contents: { kind: MarkupKind.Markdown, value: parts.map((p) => p.join('\n')).join('\n\n---\n\n') } };
}
