// The settings drift test: every `stage2Lens.*` setting in package.json is defined in
// src/shared/settings.ts with the same default, allowed values and bounds, and the other way
// round; plus the normalizer's handling of bad and partial input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';
import { defaultSettings, defaultTimelineSettings, findingClasses, normalizeSettings, normalizeTimelineSettings, settingDefinitions, settingsToModelConfig, severitySettingValues } from '../../../src/shared/settings';

interface ManifestProperty {
  type: string;
  default: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, { enum?: unknown[] }>;
}

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, ManifestProperty> } } };
const properties = manifest.contributes.configuration.properties;

test('package.json and settings.ts declare the same settings', () => {
  assert.deepEqual(Object.keys(properties).sort(), Object.keys(settingDefinitions).sort());
});

test('each setting has the same default, enum and bounds in both places', () => {
  for (const [key, def] of Object.entries(settingDefinitions)) {
    const p = properties[key];
    assert.deepEqual(p.default, def.default, `${key}: default`);
    assert.deepEqual(p.enum, def.enum ? [...def.enum] : undefined, `${key}: enum`);
    assert.equal(p.minimum, def.minimum, `${key}: minimum`);
    assert.equal(p.maximum, def.maximum, `${key}: maximum`);
  }
});

test('the per-class severity setting lists every finding class with the same values', () => {
  const p = properties['stage2Lens.diagnostics.severity'];
  assert.deepEqual(Object.keys(p.properties ?? {}).sort(), [...findingClasses].sort());
  for (const cls of findingClasses) assert.deepEqual(p.properties?.[cls]?.enum, [...severitySettingValues], cls);
});

test('the definitions\' defaults are the typed defaults', () => {
  const flat: Record<string, unknown> = {
    'stage2Lens.model.granule': defaultSettings.model.granule,
    'stage2Lens.model.ipaBits': defaultSettings.model.ipaBits,
    'stage2Lens.model.bbmLevel': defaultSettings.model.bbmLevel,
    'stage2Lens.model.fwb': defaultSettings.model.fwb,
    'stage2Lens.model.dic': defaultSettings.model.dic,
    'stage2Lens.model.idc': defaultSettings.model.idc,
    'stage2Lens.model.eagerSplitChunk': defaultSettings.model.eagerSplitChunk,
    'stage2Lens.model.kernel': defaultSettings.model.kernel,
    'stage2Lens.diagnostics.maxCount': defaultSettings.diagnostics.maxCount,
    'stage2Lens.diagnostics.severity': defaultSettings.diagnostics.severity,
    'stage2Lens.inlayHints.esr': defaultSettings.inlayHints.esr,
    'stage2Lens.trace.server': defaultSettings.trace.server,
    'stage2Lens.timeline.openIn': defaultTimelineSettings.openIn,
  };
  assert.deepEqual(Object.keys(flat).sort(), Object.keys(settingDefinitions).sort());
  for (const [key, value] of Object.entries(flat)) assert.deepEqual(settingDefinitions[key].default, value, key);
});

test('normalizeSettings keeps valid values, drops invalid ones, accepts dotted keys', () => {
  const s = normalizeSettings({
    model: { granule: 16384, ipaBits: 99, bbmLevel: '2', fwb: 'on', dic: 'maybe', eagerSplitChunk: '2MiB', kernel: '5.13' },
    'diagnostics.maxCount': 5,
    diagnostics: { severity: { S7: 'hint', C1: 'off', Z9: 'error', S1: 'loud' } },
    inlayHints: { esr: 'no' },
    trace: { server: 'verbose' },
    'timeline.openIn': 'below',
  });
  assert.equal('timeline' in s, false, 'the server\'s settings leave the timeline\'s place out: changing it re-runs no analysis');
  assert.deepEqual(s, {
    model: { granule: 16384, ipaBits: 40, bbmLevel: 2, fwb: 'on', dic: 'auto', idc: 'auto', eagerSplitChunk: '2MiB', kernel: '5.13' },
    diagnostics: { maxCount: 5, severity: { S7: 'hint', C1: 'off' } },
    inlayHints: { esr: true },
    trace: { server: 'verbose' },
  });
  assert.deepEqual(normalizeSettings(undefined), defaultSettings);
  assert.deepEqual(normalizeSettings('garbage'), defaultSettings);
});

test('settingsToModelConfig maps tri-states and chunk sizes to the engine\'s values', () => {
  const s = normalizeSettings({ model: { fwb: 'on', dic: 'off', eagerSplitChunk: '1GiB', bbmLevel: 1 } });
  assert.deepEqual(settingsToModelConfig(s), { granule: 4096, ipaBits: 40, bbmLevel: 1, fwb: true, dic: false, idc: 'auto', eagerSplitChunk: 1 << 30, kernel: 'auto' });
  assert.equal(settingsToModelConfig(normalizeSettings({ model: { eagerSplitChunk: 'off' } })).eagerSplitChunk, 0);
});

test('normalizeTimelineSettings: where the timeline opens, nested or dotted; an unknown place is beside', () => {
  assert.deepEqual(normalizeTimelineSettings(undefined), { openIn: 'beside' });
  assert.deepEqual(normalizeTimelineSettings({ timeline: { openIn: 'below' } }), { openIn: 'below' });
  assert.deepEqual(normalizeTimelineSettings({ 'timeline.openIn': 'active' }), { openIn: 'active' });
  assert.deepEqual(normalizeTimelineSettings({ timeline: { openIn: 'floating' } }), { openIn: 'beside' });
});
