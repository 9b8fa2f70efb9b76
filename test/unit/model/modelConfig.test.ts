// The configuration validator against schemas/config.schema.json: every schema property is
// accepted by the validator (they cannot drift), good files pass, bad ones get one plain message per field.
import { test } from 'node:test';
import { checkGeometry } from '../../../src/cli/flags';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig, parseSize, normalizeConfig, ignoredEventNames } from '../../../src/core/model/modelConfig';
import { presetByName } from '../../../src/core/catalog/presets';
import { repoRoot } from '../../support/shared';

test('schema and validator know the same settings', () => {
  const schema = JSON.parse(readFileSync(join(repoRoot(), 'schemas', 'config.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
  const keys = Object.keys(schema.properties).filter((k) => k !== '$schema').sort();
  const defaults = Object.keys(normalizeConfig({})).sort();
  assert.deepEqual(keys, defaults);
});

test('a valid configuration file', () => {
  const v = validateConfig({ bbmLevel: 2, eagerSplitChunk: '32M', fwb: true, kernel: '5.13', granule: '16K', pinned: [{ start: '0x80000000', size: '2M', label: 'SPE' }] });
  assert.deepEqual(v.errors, []);
  assert.deepEqual(v.config, { bbmLevel: 2, eagerSplitChunk: 33554432, fwb: true, kernel: '5.13', granule: 16384, pinned: [{ start: 0x80000000, size: 2097152, label: 'SPE' }] });
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

test('geometry the kernel refuses: 52-bit IPA without LPA2 on 4K/16K, a split chunk the granule has no block for (#14 item 8)', () => {
  assert.match(validateConfig({ ipaBits: 52 }).errors.join('\n'), /^ipaBits: 52-bit IPA with a 4K granule needs FEAT_LPA2/);
  assert.match(validateConfig({ ipaBits: 52, granule: '16K' }).errors.join('\n'), /FEAT_LPA2/);
  assert.deepEqual(validateConfig({ ipaBits: 52, granule: '64K' }).errors, []);
  assert.deepEqual(validateConfig({ ipaBits: 48 }).errors, []);
  // kvm_supported_block_sizes(): 16K pages have 16K and 32M blocks, not 2M; 64K pages 64K and 512M
  assert.match(validateConfig({ granule: '16K', eagerSplitChunk: '2M' }).errors.join('\n'), /^eagerSplitChunk: 2M is not a block size of the 16K granule \(KVM accepts 0 or 16K, 32M\)/);
  assert.match(validateConfig({ granule: '64K', eagerSplitChunk: '1G' }).errors.join('\n'), /64K, 512M/);
  assert.deepEqual(validateConfig({ granule: '4K', eagerSplitChunk: '1G' }).errors, []);
  assert.deepEqual(validateConfig({ granule: '64K', eagerSplitChunk: 0 }).errors, []);
});

test('ignoreEvents: one rule for every replay, the name with or without its system', () => {
  assert.deepEqual([...ignoredEventNames({ ignoreEvents: ['kvmmmu:fast_page_fault', 'kvm_exit', 's2lens:s2_map'] })], ['fast_page_fault', 'kvm_exit', 's2_map']);
});

test('CLI flags are held to the same geometry rules as a configuration file', () => {
  assert.throws(() => checkGeometry({ granule: 16384, eagerSplitChunk: 2 ** 21 }), /eagerSplitChunk: 2M is not a block size of the 16K granule/);
  assert.throws(() => checkGeometry({ ipaBits: 52 }), /needs FEAT_LPA2/);
  assert.doesNotThrow(() => checkGeometry({ granule: 16384, eagerSplitChunk: 2 ** 25 }));
});
