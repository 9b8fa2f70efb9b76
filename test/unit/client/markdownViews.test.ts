// The comparison opened in VS Code says what B assumes in its own section, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer } from '../../../src/core/index';
import { compareMarkdown } from '../../../src/client/markdownViews';
import { repoRoot } from '../../support/shared';

test('compare view: the assumptions of B in their own section, not repeated in the summary list', async () => {
  const file = join(repoRoot(), 'test', 'fixtures', 'example.trace');
  const analyzer = createAnalyzer();
  const source = () => createReadStream(file);
  const a = await analyzer.analyze(source());
  const b = await analyzer.analyze(source(), { config: { ...a.config, bbmLevel: 2 } });
  const md = compareMarkdown({ ...analyzer.compare(a, b), labelA: 'As recorded', labelB: 'FEAT_BBM level 2' }, 'example.trace');
  assert.match(md, /^## What FEAT\\_BBM level 2 \(B\) assumes$/m);
  const tlbConflict = md.split('\n').filter((l) => l.includes('TLB conflict abort'));
  assert.equal(tlbConflict.length, 1, md);
  assert.doesNotMatch(md, /What B assumes:/);
});
