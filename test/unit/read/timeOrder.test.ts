// Issue #20 item 8: a trace whose lines are grouped by CPU is replayed in time order (its stretches
// merged by timestamp, read/timeOrder.ts) and gives the same findings, on the same lines of its own
// text, as the time-ordered original; without a way to reopen it (a pipe) it is replayed in file
// order and the analysis says that its cross-vCPU results are not reliable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer, type Analysis, type ByteSource } from '../../../src/core/index';
import { repoRoot, sharedPath } from '../../support/shared';

/** The lines of each CPU together, CPUs in order, each CPU's lines in file order (headers first). */
function groupByCpu(text: string): string {
  const head: string[] = [];
  const byCpu = new Map<number, string[]>();
  let last: number | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const cpu = /^\s*.+?-\d+\s+(?:\(\s*\d+\)\s+)?\[(\d+)\]/.exec(line)?.[1];
    if (cpu === undefined) {
      if (last === undefined) head.push(line);
      else byCpu.get(last)!.push(line);
      continue;
    }
    last = Number(cpu);
    if (!byCpu.has(last)) byCpu.set(last, []);
    byCpu.get(last)!.push(line);
  }
  return [...head, ...[...byCpu.keys()].sort((a, b) => a - b).flatMap((c) => byCpu.get(c)!)].join('\n') + '\n';
}

function bytes(text: string) {
  const b = Buffer.from(text, 'utf8');
  const range = async function* (start = 0, end = b.length): AsyncGenerator<Uint8Array> {
    for (let i = start; i < end; i += 4096) yield b.subarray(i, Math.min(i + 4096, end));
  };
  return { source: (): ByteSource => range(), openRange: (start: number, end?: number): ByteSource => range(start, end) };
}

/** Each finding as the text of its line and of its related lines: comparable across two orders of the same lines. */
function findingsByText(a: Analysis, text: string): string[] {
  const lines = text.split('\n');
  return a.findings.map((f) => `${f.cls} ${lines[f.line - 1]} <- ${f.related.map((r) => lines[r.line - 1]).join(' / ')}`).sort();
}

async function compareOrders(text: string): Promise<{ original: Analysis; grouped: Analysis; piped: Analysis; groupedText: string }> {
  const groupedText = groupByCpu(text);
  assert.notEqual(groupedText, text.endsWith('\n') ? text : `${text}\n`, 'the regrouped file differs from the original');
  const o = bytes(text);
  const g = bytes(groupedText);
  const analyzer = createAnalyzer();
  const original = await analyzer.analyze(o.source(), { openRange: o.openRange });
  const grouped = await analyzer.analyze(g.source(), { openRange: g.openRange });
  const piped = await analyzer.analyze(g.source());
  return { original, grouped, piped, groupedText };
}

for (const [name, path] of [
  ['the example trace', join(repoRoot(), 'test', 'fixtures', 'example.trace')],
  ['a real 4-vCPU race (race4_4k, committed excerpt)', join(repoRoot(), 'test', 'fixtures', 'e2e', 'race4_4k-head.trace')],
] as const) {
  test(`${name} grouped by CPU gives the original's findings, on the same lines of its own text`, async () => {
    const text = readFileSync(path, 'utf8');
    const { original, grouped, piped, groupedText } = await compareOrders(text);
    assert.ok(original.findings.length > 0);
    assert.deepEqual(findingsByText(grouped, groupedText), findingsByText(original, text));
    assert.deepEqual(grouped.counters.faults.byClass, original.counters.faults.byClass);
    assert.ok(grouped.detected.some((l) => l.startsWith('order: the file is not in time order') && l.includes('replayed in time order')), grouped.detected.join('\n'));
    assert.ok(!original.detected.some((l) => l.startsWith('order:')));
    assert.ok(!grouped.stats.lacks.some((l) => l.includes('not in time order')), 'a file replayed in time order is not flagged as unreliable');
    // The hover's state of a page at a line of the grouped file is the original's at the same line text.
    const f = original.findings.find((x) => x.ipa)!;
    const gLine = groupedText.split('\n').indexOf(text.split('\n')[f.line - 1]!) + 1;
    assert.deepEqual(grouped.stateAt(gLine, f.ipa!.start)?.perms, original.stateAt(f.line, f.ipa!.start)?.perms);
    // Without a way to reopen it (a pipe), the file order is replayed and the analysis says it is not reliable.
    assert.ok(piped.stats.lacks.some((l) => l.startsWith('The file is not in time order')), piped.stats.lacks.join('\n'));
    assert.ok(!piped.detected.some((l) => l.startsWith('order:')));
  });
}

test('a real race trace of the corpus grouped by CPU gives its findings (../shared)', async (t) => {
  const path = sharedPath('traces', 'arm64-nested', 'race4_4k-vhe.trace');
  if (!path) return t.skip('../shared/traces/arm64-nested/race4_4k-vhe.trace is absent: skipped');
  const text = readFileSync(path, 'utf8');
  const { original, grouped, groupedText } = await compareOrders(text);
  assert.ok(original.findings.length > 500);
  assert.deepEqual(findingsByText(grouped, groupedText), findingsByText(original, text));
});
