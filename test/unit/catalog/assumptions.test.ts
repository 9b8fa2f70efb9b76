// Every what-if states what it assumes and, where it claims a saving, what the change costs: on
// every real text trace (test/fixtures and ../shared/traces), `compare` against each preset that
// changes the model prints the catalog's assumption lines (src/core/catalog/assumptions.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer } from '../../../src/core/index';
import { presetByName } from '../../../src/core/catalog/presets';
import { whatIfAssumptions } from '../../../src/core/catalog/assumptions';
import { defaultConfig } from '../../../src/core/model/modelConfig';
import { repoRoot, sharedPath } from '../../support/shared';

const PRESETS = ['bbm1', 'bbm2', 'eager2m', 'noeager', 'fwb', 'nofwb', 'dic', '5.13'];
/** Traces up to this size: the test replays each once per preset. */
const MAX_BYTES = 4 << 20;

function corpus(): string[] {
  const dirs = [join(repoRoot(), 'test', 'fixtures')];
  for (const d of ['arm64-nested', 'arm64-bbm', 'x86-nested']) {
    const p = sharedPath('traces', d);
    if (p) dirs.push(p);
  }
  return dirs.flatMap((d) =>
    existsSync(d) ? readdirSync(d).filter((f) => /\.trace(\.gz)?$|\.txt$/.test(f) && !/report|head300|expected/.test(f)).map((f) => join(d, f)).filter((f) => statSync(f).size <= MAX_BYTES) : [],
  );
}

test('each setting B changes gets its assumption line; unchanged settings get none', () => {
  const a = { ...defaultConfig(), arch: 'arm64' as const, kernel: '6.6' as const, fwb: false, dic: false, eagerSplitChunk: 0, bbmLevel: 0 as const };
  assert.deepEqual(whatIfAssumptions(a, a, 'arm64'), []);
  const bbm2 = whatIfAssumptions(a, { ...a, bbmLevel: 2 }, 'arm64');
  assert.match(bbm2.join('\n'), /no TLB conflict abort \(FSC 0x30\)/);
  assert.match(bbm2.join('\n'), /upstream does not have/);
  const bbm1 = whatIfAssumptions(a, { ...a, bbmLevel: 1 }, 'arm64');
  assert.match(bbm1.join('\n'), /best case of level 1/);
  const eager = whatIfAssumptions(a, { ...a, eagerSplitChunk: 2 << 20 }, 'arm64');
  assert.match(eager.join('\n'), /KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE \(2 MiB; since 6\.5\)/);
  assert.match(eager.join('\n'), /Costs of eager splitting: .*page-table pages .*MMU lock for write .*TLB reach/);
  const x86 = whatIfAssumptions({ ...a, arch: 'x86' }, { ...a, arch: 'x86', eagerSplitChunk: 2 << 20 }, 'x86');
  assert.match(x86.join('\n'), /kvm\.eager_page_split=Y/);
  assert.doesNotMatch(x86.join('\n'), /KVM_CAP_ARM|arch\/arm64/);
  // FWB and DIC are arm64's; x86 gets nothing for them.
  assert.deepEqual(whatIfAssumptions({ ...a, arch: 'x86' }, { ...a, arch: 'x86', fwb: true }, 'x86'), []);
});

test('on every real trace, compare against each preset prints its assumptions, and a saving comes with the change\'s costs', async (t) => {
  const files = corpus();
  if (!sharedPath('traces')) t.diagnostic('../shared/traces is absent: only test/fixtures are checked');
  const analyzer = createAnalyzer();
  let compared = 0;
  for (const file of files) {
    const a = await analyzer.analyze(createReadStream(file));
    for (const id of PRESETS) {
      const preset = presetByName(id)!;
      const b = await analyzer.analyze(createReadStream(file), { config: { ...a.config, ...preset.config } });
      const cmp = analyzer.compare(a, b);
      const text = cmp.summary.join('\n');
      const changed = (Object.keys(preset.config) as (keyof typeof preset.config)[]).some((k) => JSON.stringify(a.config[k]) !== JSON.stringify(b.config[k]));
      const archSetting = a.arch === 'x86' && !('eagerSplitChunk' in preset.config);
      if (changed && !archSetting) {
        assert.ok(cmp.assumptions.length > 0, `${file} --b ${id}: no assumption`);
        assert.match(text, /What B assumes:\n {2}- /, `${file} --b ${id}`);
        assert.match(text, /every count of B is the model's prediction/, `${file} --b ${id}`);
      }
      const saves = cmp.faults.b < cmp.faults.a || cmp.invalidWindows.b < cmp.invalidWindows.a || Object.values(cmp.faults.byClass).some((v) => v.b < v.a);
      if (changed && saves && 'eagerSplitChunk' in preset.config && preset.config.eagerSplitChunk) assert.match(text, /Costs of eager splitting/, `${file} --b ${id}: a saving without the costs`);
      if (changed && saves && 'bbmLevel' in preset.config) assert.match(text, /upstream does not have/, `${file} --b ${id}: a saving without saying upstream KVM lacks it`);
      compared++;
    }
  }
  assert.ok(compared >= PRESETS.length, 'at least the bundled fixtures');
});
