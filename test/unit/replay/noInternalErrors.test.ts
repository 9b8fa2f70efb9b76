// A replay never swallows its own bugs: an event whose handling throws is skipped and counted
// (replayErrors.ts), and no trace of the corpus may produce one, in the observed configuration or in
// a what-if. The committed fixtures always run; ../shared/traces when present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createAnalyzer, type ModelConfig } from '../../../src/core/index';
import { repoRoot, sharedPath } from '../../support/shared';

const TRACE = /\.(trace|txt|dat|gz)$/;

function* traces(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* traces(p);
    else if (TRACE.test(name) && !name.endsWith('.expected.txt')) yield p;
  }
}

const CONFIGS: Partial<ModelConfig>[] = [{}, { bbmLevel: 2 }, { eagerSplitChunk: 2 * 1024 * 1024 }, { kernel: '5.13' }];

const refused: string[] = [];

async function internalErrors(file: string): Promise<string[]> {
  const open = (start?: number, end?: number) => createReadStream(file, { start, end: end === undefined ? undefined : end - 1, highWaterMark: 1 << 20 });
  try {
    const all = await createAnalyzer().analyzeMany(open(), CONFIGS, { openRange: open });
    return all.flatMap((a, i) => (a.internalErrors ? [`${JSON.stringify(CONFIGS[i])}: ${a.internalErrors.count} (first at line ${a.internalErrors.firstLine}: ${a.internalErrors.firstMessage})`] : []));
  } catch (e) {
    // Not a trace (refused by the reader, whose own tests cover that): reported apart, never as a pass.
    refused.push(`${file}: ${(e as Error).message.slice(0, 80)}`);
    return [];
  }
}

test('no trace of the corpus makes a replay throw, observed or in a what-if', async () => {
  const root = repoRoot();
  const dirs = [join(root, 'test', 'fixtures'), sharedPath('traces')].filter((d): d is string => d !== undefined && existsSync(d));
  const failures: string[] = [];
  let n = 0;
  for (const dir of dirs) {
    for (const file of traces(dir)) {
      n++;
      for (const e of await internalErrors(file)) failures.push(`${relative(root, file)} ${e}`);
    }
  }
  assert.ok(n > 10, `${n} traces read`);
  assert.ok(refused.length <= n / 10, `most of the corpus is read, not refused: ${refused.join('; ')}`);
  assert.deepEqual(failures, []);
});
