// Issue #15: no what-if claims a saving without saying what its change costs. Every preset is
// replayed on every trace of the corpus (the committed fixtures; ../shared/traces when present), and
// wherever B avoids faults or cache maintenance, its comparison carries "What B costs" lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createAnalyzer, PRESETS, presetByName, type ModelConfig } from '../../../src/core/index';
import { repoRoot, sharedPath } from '../../support/shared';

function* traces(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* traces(p);
    else if (/\.(trace|txt|gz)$/.test(name) && !name.endsWith('.expected.txt')) yield p;
  }
}

test('every what-if that saves faults or cache maintenance on a corpus trace says what it costs', async () => {
  const root = repoRoot();
  const dirs = [join(root, 'test', 'fixtures', 'recorded'), join(root, 'test', 'fixtures', 'example.trace'), sharedPath('traces')].filter((d): d is string => d !== undefined && existsSync(d));
  const presets = PRESETS.filter((p) => p.id !== 'observed');
  const configs: Partial<ModelConfig>[] = [{}, ...presets.map((p) => presetByName(p.id)!.config)];
  const analyzer = createAnalyzer();
  const missing: string[] = [];
  let claims = 0;
  for (const dir of dirs) {
    for (const file of statSync(dir).isDirectory() ? traces(dir) : [dir]) {
      let all;
      try {
        all = await analyzer.analyzeMany(createReadStream(file), configs);
      } catch {
        continue; // not a trace: the reader's tests cover it
      }
      const [a, ...bs] = all;
      bs.forEach((b, i) => {
        const cmp = analyzer.compare(a!, b);
        if (cmp.faults.b >= cmp.faults.a && cmp.cmoBytes.b >= cmp.cmoBytes.a) return;
        // B with A's own settings changes nothing: its summary says any difference is a gap in the model
        if (cmp.assumptions.length === 0) return;
        claims++;
        if (cmp.costs.length === 0 || !cmp.summary.includes('What B costs:')) missing.push(`${relative(root, file)} --b ${presets[i]!.id}`);
      });
    }
  }
  assert.ok(claims > 10, `${claims} what-ifs claim a saving`);
  assert.deepEqual(missing, []);
});
