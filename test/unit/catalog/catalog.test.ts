// The finding catalog, the preset table and the kernel list are each the one source of truth:
// every consumer is walked here and fails the test when it describes a class, a preset or a
// kernel era its own way. docs/findings/ is rendered from the catalog (regenerate with
// `npm run docs:findings`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CLASS_ORDER, FINDING_CLASSES, findingEntry, isRedundantCmo, isSpurious } from '../../../src/core/catalog/findings';
import { findingDocIndex, findingDocPage } from '../../../src/core/catalog/findingDocs';
import { KERNEL_PROFILES } from '../../../src/core/domain/kernels';
import { PRESETS, presetByName } from '../../../src/core/catalog/presets';
import { MARK_CLASSES } from '../../../src/core/marks/markStore';
import { BIN_CLASS_ORDER, isFaultClass, isRedundantCmoClass, isSpuriousClass } from '../../../src/shared/timelineProtocol';
import { findingClasses, settingDefinitions } from '../../../src/shared/settings';
import { findingsToDiagnostics } from '../../../src/server/diagnostics';
import { normalizeSettings } from '../../../src/shared/settings';
import { reportSarif } from '../../../src/core/report/reportSarif';
import type { Analysis } from '../../../src/core/api';
import type { Finding } from '../../../src/core/domain/types';
import { repoRoot } from '../../support/shared';

const root = repoRoot();

test('docs/findings is the catalog rendered: one page per class and the index', () => {
  const dir = join(root, 'docs', 'findings');
  const pages = new Map<string, string>(FINDING_CLASSES.map((e) => [`${e.cls}.md`, findingDocPage(e)]));
  pages.set('index.md', findingDocIndex());
  if (process.env.STAGE2_LENS_UPDATE_GOLDEN) for (const [name, text] of pages) writeFileSync(join(dir, name), text);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.md')).sort(), [...pages.keys()].sort());
  for (const [name, text] of pages) assert.equal(readFileSync(join(dir, name), 'utf8'), text, `${name} differs from the catalog: npm run docs:findings`);
});

test('the timeline, mark store and settings list exactly the catalog classes; spurious and redundant come from its natures', () => {
  assert.deepEqual([...MARK_CLASSES], [...CLASS_ORDER]);
  assert.deepEqual([...findingClasses], [...CLASS_ORDER]);
  assert.deepEqual(BIN_CLASS_ORDER.filter((c) => (CLASS_ORDER as readonly string[]).includes(c)).sort(), [...CLASS_ORDER].sort());
  for (const e of FINDING_CLASSES) {
    assert.equal(isSpuriousClass(e.cls), isSpurious(e.cls), e.cls);
    assert.equal(isSpurious(e.cls), e.subject === 'fault' && e.nature === 'inherent-race', e.cls);
    assert.equal(isRedundantCmoClass(e.cls), isRedundantCmo(e.cls), e.cls);
    assert.equal(isFaultClass(e.cls), e.subject !== 'cmo', e.cls);
  }
  // No-op static branches are never drawn or counted as redundant cache maintenance.
  for (const e of FINDING_CLASSES.filter((x) => x.nature === 'no-op')) assert.equal(isRedundantCmoClass(e.cls), false, e.cls);
});

test('package.json and the configuration schema list the catalog\'s kernel eras and classes', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { enum?: unknown[]; properties?: Record<string, unknown> }> } } };
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(props['stage2Lens.model.kernel'].enum, [...KERNEL_PROFILES]);
  assert.deepEqual(settingDefinitions['stage2Lens.model.kernel'].enum, [...KERNEL_PROFILES]);
  assert.deepEqual(Object.keys(props['stage2Lens.diagnostics.severity'].properties ?? {}).sort(), [...CLASS_ORDER].sort());
  const schema = JSON.parse(readFileSync(join(root, 'schemas', 'config.schema.json'), 'utf8')) as { properties: { kernel: { enum: string[] } } };
  assert.deepEqual(schema.properties.kernel.enum, [...KERNEL_PROFILES]);
});

test('presets: one table, unique names, aliases resolve to the same preset, every lever names one', () => {
  const names = PRESETS.flatMap((p) => [p.id, ...p.aliases]);
  assert.equal(new Set(names).size, names.length);
  for (const e of FINDING_CLASSES) for (const l of e.levers) if (l.preset) assert.ok(presetByName(l.preset), `${e.cls}: ${l.preset}`);
  for (const era of KERNEL_PROFILES.filter((k) => k !== 'auto')) assert.deepEqual(presetByName(era)?.config, { kernel: era });
});

test('diagnostics and SARIF take code, title and severity from the catalog', () => {
  const findings = FINDING_CLASSES.map((e, i) => ({ code: e.code, cls: e.cls, severity: 'error', line: i + 1, ts: i, vcpu: 'v', ipa: undefined, message: 'm', related: [], observed: true, costNs: undefined }) as Finding);
  const d = findingsToDiagnostics(findings, 'file:///t', normalizeSettings({}), '/docs');
  const lsp = { error: 1, warning: 2, information: 3, hint: 4 };
  for (const [i, e] of FINDING_CLASSES.entries()) {
    assert.equal(d[i].code, e.code);
    assert.equal(d[i].severity, lsp[e.severity], `${e.cls}: the catalog's severity, not the finding's`);
    assert.ok(d[i].codeDescription?.href.endsWith(`/docs/${e.cls}.md`));
  }
  const sarif = JSON.parse(reportSarif({ findings, config: {}, counters: {} } as unknown as Analysis)) as { runs: { tool: { driver: { rules: { id: string; shortDescription: { text: string }; properties: { nature: string } }[] } } }[] };
  for (const r of sarif.runs[0].tool.driver.rules) {
    const e = FINDING_CLASSES.find((x) => x.code === r.id)!;
    assert.equal(r.shortDescription.text, e.title);
    assert.equal(r.properties.nature, e.nature);
  }
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(n) ? [p] : [];
  });
}

test('no source outside the catalog writes its own list of classes, kernel eras or preset ids', () => {
  const classList = /'[SCXHP]\d',\s*'[SCXHP]\d',\s*'[SCXHP]\d'/;
  const classRule = /\/\^\(?[SCX]\[?\d/;
  const kernelList = /'5\.13',\s*'5\.14'/;
  const offenders: string[] = [];
  for (const f of [...sources(join(root, 'src')), ...sources(join(root, 'webview'))]) {
    const rel = relative(root, f);
    // The catalog itself, the one list of kernel eras (below the catalog, since ModelConfig names an
    // era), and the replays, which decide classes (an order of precedence there is a classification rule).
    if (rel.startsWith(join('src', 'core', 'catalog')) || rel === join('src', 'core', 'domain', 'kernels.ts') || rel.startsWith(join('src', 'core', 'replay'))) continue;
    const text = readFileSync(f, 'utf8');
    if (classList.test(text) || classRule.test(text) || kernelList.test(text)) offenders.push(rel);
  }
  assert.deepEqual(offenders, []);
  assert.equal(findingEntry('S1').code, 'S1-lost-race');
});
