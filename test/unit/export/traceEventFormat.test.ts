// The Trace Event Format export (Perfetto UI, chrome://tracing) checked against the format's rules
// and against the analysis it came from, on the bundled fixtures and, when present, the whole real
// corpus in ../shared: every event has ph/ts/pid/tid/name, complete slices have non-negative
// durations and never partly overlap on one track, every track used is named, counters are in
// time order and never decrease, and the finding events per class equal the analysis' own counts
// (what `analyze --format json` reports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer, type Analysis } from '../../../src/core/index';
import { writeTraceEvents } from '../../../src/core/export/traceEventFormat';
import { MAX_LISTED_PER_CLASS } from '../../../src/core/replay/findingSink';
import type { FindingClass } from '../../../src/core/domain/types';
import { repoRoot, sharedPath } from '../../support/shared';

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  s?: string;
  args?: Record<string, unknown>;
}

/**
 * Findings per class as the JSON report gives them: fault classes from the exact counters, the
 * other classes (CMO, P1) from its findings list, exact while a class stays under the cap.
 */
function classCounts(a: Analysis): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [c, n] of Object.entries(a.counters.faults.byClass)) if (n) out[c] = n;
  for (const f of a.findings) if (!(f.cls in a.counters.faults.byClass)) out[f.cls] = (out[f.cls] ?? 0) + 1;
  return out;
}

async function exportOf(a: Analysis, batchChars?: number): Promise<{ text: string; counts: Awaited<ReturnType<typeof writeTraceEvents>> }> {
  const parts: string[] = [];
  const counts = await writeTraceEvents(a, async (c) => {
    parts.push(c);
    await Promise.resolve();
  }, { source: 'test', batchChars });
  return { text: parts.join(''), counts };
}

export function checkTraceEventRules(events: TraceEvent[]): void {
  const named = new Set<string>();
  const namedPids = new Set<number>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'thread_name') named.add(`${e.pid}:${e.tid}`);
    if (e.name === 'process_name') namedPids.add(e.pid);
  }
  const slices = new Map<string, { ts: number; end: number }[]>();
  const lastCounter = new Map<string, { ts: number; args: Record<string, number> }>();
  for (const e of events) {
    assert.equal(typeof e.ph, 'string');
    assert.ok(typeof e.name === 'string' && e.name.length > 0, `event has a name: ${JSON.stringify(e)}`);
    assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid), `pid/tid: ${JSON.stringify(e)}`);
    if (e.ph === 'M') continue;
    assert.ok(['X', 'i', 'C'].includes(e.ph), `phase ${e.ph}`);
    assert.ok(typeof e.ts === 'number' && Number.isFinite(e.ts), `ts: ${JSON.stringify(e)}`);
    assert.ok(namedPids.has(e.pid), `process ${e.pid} is named`);
    assert.ok(named.has(`${e.pid}:${e.tid}`), `track ${e.pid}:${e.tid} is named (${e.name})`);
    if (e.ph === 'X') {
      assert.ok(typeof e.dur === 'number' && e.dur >= 0, `non-negative duration: ${JSON.stringify(e)}`);
      const k = `${e.pid}:${e.tid}`;
      if (!slices.has(k)) slices.set(k, []);
      slices.get(k)!.push({ ts: e.ts!, end: e.ts! + e.dur });
    }
    if (e.ph === 'i') assert.ok(['t', 'p', 'g'].includes(e.s ?? 't'), 'instant scope');
    if (e.ph === 'C') {
      const k = `${e.pid}:${e.name}`;
      const prev = lastCounter.get(k);
      const args = e.args as Record<string, number>;
      if (prev) {
        assert.ok(e.ts! >= prev.ts, `counter ${e.name} in time order`);
        for (const [s, v] of Object.entries(prev.args)) assert.ok((args[s] ?? 0) >= v, `counter ${e.name}.${s} never decreases`);
      }
      lastCounter.set(k, { ts: e.ts!, args });
    }
  }
  // Complete slices on one track nest or follow each other; they never partly overlap.
  for (const [k, list] of slices) {
    list.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const open: number[] = [];
    for (const s of list) {
      while (open.length && open[open.length - 1] <= s.ts) open.pop();
      if (open.length) assert.ok(s.end <= open[open.length - 1] + 1e-6, `slices on ${k} nest (${s.ts}..${s.end} inside ..${open[open.length - 1]})`);
      open.push(s.end);
    }
  }
}

function traceFiles(): string[] {
  const out = [join(repoRoot(), 'test', 'fixtures', 'example.trace')];
  const dirs = [join(repoRoot(), 'test', 'fixtures', 'recorded'), join(repoRoot(), 'test', 'fixtures', 'x86', 'real')];
  for (const d of ['arm64-nested', 'arm64-bbm', 'x86-nested', 'trace-cmd']) {
    const p = sharedPath('traces', d);
    if (p) dirs.push(p);
  }
  for (const d of dirs) for (const f of readdirSync(d).sort()) if (/\.(trace|trace\.gz|dat)$/.test(f)) out.push(join(d, f));
  return out;
}

test('the export follows the Trace Event Format rules and has one finding event per finding, on every trace', async (t) => {
  if (!sharedPath('traces')) t.diagnostic('../shared is absent: only the bundled fixtures are exported');
  for (const file of traceFiles()) {
    const a = await createAnalyzer().analyze(createReadStream(file, { highWaterMark: 1 << 20 }));
    const { text, counts } = await exportOf(a);
    const doc = JSON.parse(text) as { traceEvents: TraceEvent[]; displayTimeUnit: string; otherData: { arch: string } };
    assert.equal(doc.displayTimeUnit, 'ns');
    assert.equal(doc.otherData.arch, a.arch);
    checkTraceEventRules(doc.traceEvents);
    const findingEvents: Record<string, number> = {};
    for (const e of doc.traceEvents) if (e.ph === 'i' && (e as { cat?: string }).cat === 'finding') findingEvents[String(e.args!.class)] = (findingEvents[String(e.args!.class)] ?? 0) + 1;
    assert.deepEqual(findingEvents, counts.findingsByClass, file);
    // Every counted finding is an event, except those of a class past the listing cap that no mark carries: those are said.
    const drawnOrSaid: Record<string, number> = { ...findingEvents };
    for (const [cls, n] of Object.entries(counts.notExported)) {
      assert.ok((a.counters.faults.byClass[cls as FindingClass] ?? 0) > MAX_LISTED_PER_CLASS, `${file}: ${cls} not exported though under the cap`);
      drawnOrSaid[cls] = (drawnOrSaid[cls] ?? 0) + n;
    }
    assert.deepEqual(drawnOrSaid, classCounts(a), `${file}: finding events per class (plus those said not exported) = the analysis' counts`);
    if (Object.keys(counts.notExported).length) assert.ok(doc.traceEvents.some((e) => e.name === 'findings not in the export'), file);
    assert.equal(doc.traceEvents.length, counts.events, file);
  }
});

test('the export is the same whatever the batch size, and streams in batches', async () => {
  const file = join(repoRoot(), 'test', 'fixtures', 'example.trace');
  const a = await createAnalyzer().analyze(createReadStream(file));
  const big = await exportOf(a);
  const parts: string[] = [];
  await writeTraceEvents(a, (c) => void parts.push(c), { source: 'test', batchChars: 200 });
  assert.ok(parts.length > 5, 'written in several batches');
  assert.equal(parts.join(''), big.text);
});
