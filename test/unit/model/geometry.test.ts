// Geometry against ../shared/docs/levels_table.tsv (all 63 rows) and a few rows that need no
// shared corpus (kernel comments: 4K/40-bit uses 2 concatenated L1 tables, 16K/40-bit 16 at L2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { computeGeometry, levelSize, blockLevels, levelForSize } from '../../../src/core/model/arm64/geometry';
import type { Granule } from '../../../src/core/domain/types';
import { sharedOrSkip } from '../../support/shared';

test('geometry equals levels_table.tsv on every row', (t) => {
  const p = sharedOrSkip(t, 'docs', 'levels_table.tsv');
  if (!p) return;
  const rows = readFileSync(p, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t').map(Number));
  assert.equal(rows.length, 63);
  for (const [kb, ipa, levels, start, concat, pgd] of rows) {
    const g = computeGeometry((kb * 1024) as Granule, ipa);
    assert.deepEqual([g.levels, g.startLevel, g.concatTables, g.pgdBytes], [levels, start, concat, pgd], `${kb}K/${ipa}`);
  }
});

test('geometry: kernel cross-checks and block sizes', () => {
  const g4 = computeGeometry(4096, 40);
  assert.deepEqual([g4.levels, g4.startLevel, g4.concatTables, g4.pgdBytes], [3, 1, 2, 8192]);
  const g16 = computeGeometry(16384, 40);
  assert.deepEqual([g16.levels, g16.startLevel, g16.concatTables], [2, 2, 16]);
  assert.equal(levelSize(g4, 1), 2 ** 30);
  assert.equal(levelSize(g4, 2), 2 ** 21);
  assert.equal(levelSize(g4, 3), 4096);
  assert.equal(levelSize(computeGeometry(65536, 42), 2), 2 ** 29);
  assert.deepEqual(blockLevels(g4), [1, 2]);
  assert.deepEqual(blockLevels(computeGeometry(65536, 42)), [2]);
  assert.equal(levelForSize(g4, 2 ** 21), 2);
  assert.equal(levelForSize(g4, 12345), undefined);
});
