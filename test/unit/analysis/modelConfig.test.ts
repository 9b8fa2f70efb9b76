// The configuration validator against schemas/config.schema.json: every schema property is
// accepted by the validator (they cannot drift), good files pass, bad ones get one plain message per field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig, parseSize, normalizeConfig } from '../../../src/core/analysis/modelConfig';
import { presetByName } from '../../../src/core/catalog/presets';
import { repoRoot } from '../../support/shared';

test('schema and validator know the same settings', () => {
  const schema = JSON.parse(readFileSync(join(repoRoot(), 'schemas', 'config.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
  const keys = Object.keys(schema.properties).filter((k) => k !== '$schema').sort();
  const defaults = Object.keys(normalizeConfig({})).sort();
  assert.deepEqual(keys, defaults);
});

test('a valid configuration file', () => {
  const v = validateConfig({ bbmLevel: 2, eagerSplitChunk: '2M', fwb: true, kernel: '5.13', granule: '16K', pinned: [{ start: '0x80000000', size: '2M', label: 'SPE' }] });
  assert.deepEqual(v.errors, []);
  assert.deepEqual(v.config, { bbmLevel: 2, eagerSplitChunk: 2097152, fwb: true, kernel: '5.13', granule: 16384, pinned: [{ start: 0x80000000, size: 2097152, label: 'SPE' }] });
});

test('invalid fields each get a message naming the field', () => {
  const v = validateConfig({ bbmLevel: 3, fwb: 'yes', eagerSplitChunk: '3M', ipaBits: 60, colour: 'red', pinned: [{ size: 1 }] });
  assert.equal(v.config, undefined);
  assert.deepEqual(v.errors.map((e) => e.split(':')[0]).sort(), ['bbmLevel', 'colour', 'eagerSplitChunk', 'fwb', 'ipaBits', 'pinned[0]']);
  assert.deepEqual(validateConfig([]).errors, ['the configuration must be a JSON object']);
});

test('sizes and presets', () => {
  assert.equal(parseSize('2M'), 2097152);
  assert.equal(parseSize('4KiB'), 4096);
  assert.equal(parseSize('1G'), 2 ** 30);
  assert.equal(parseSize('two'), undefined);
  assert.deepEqual(presetByName('bbm2')?.config, { bbmLevel: 2 });
  assert.deepEqual(presetByName('eager2m')?.config, { eagerSplitChunk: 2097152 });
  // Earlier spellings stay accepted as aliases of the same preset.
  assert.equal(presetByName('eager-2m'), presetByName('eager2m'));
  assert.equal(presetByName('kernel-5.13'), presetByName('5.13'));
  assert.equal(presetByName('as-recorded'), presetByName('observed'));
});
