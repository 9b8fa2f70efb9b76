// The lever check on the second core (src/cli/leverCheck.ts): presets started in a worker thread
// while the trace is still read give exactly what the in-process check gives, through the facade
// and through the bundled CLI as a user runs it. The trace is the committed example (which has S2
// faults, whose lever is eager splitting) repeated past the 4 MiB of the first progress report,
// the timestamps of each copy shifted past the one before, as scripts/repeat-trace.mjs does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAnalyzer } from '../../../src/core/index';
import { LeverCheck } from '../../../src/cli/leverCheck';
import { repoRoot } from '../../support/shared';

const CLI = resolve(__dirname, '..', '..', '..', 'cli', 'main.js');
const STAMP = /^(\s*\S.*?\s\[\d+\]\s+(?:\S{4,5}\s+)?)(\d+)\.(\d{6}):/;

function repeated(bytes: number): string {
  const lines = readFileSync(join(repoRoot(), 'test', 'fixtures', 'example.trace'), 'latin1').split('\n');
  const header = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => l && !l.startsWith('#'));
  const us = (l: string): number => {
    const m = STAMP.exec(l)!;
    return Number(m[2]) * 1e6 + Number(m[3]);
  };
  const span = us(body[body.length - 1]) - us(body[0]) + 1000;
  const out = [header.join('\n')];
  let size = out[0].length;
  for (let k = 0; size < bytes; k++) {
    const copy = body.map((l) => l.replace(STAMP, (_m, prefix: string, s: string, f: string) => {
      const t = Number(s) * 1e6 + Number(f) + k * span;
      return `${prefix}${Math.floor(t / 1e6)}.${String(t % 1e6).padStart(6, '0')}:`;
    })).join('\n');
    out.push(copy);
    size += copy.length + 1;
  }
  const file = join(mkdtempSync(join(tmpdir(), 'stage2-lens-levers-')), 'example-repeated.trace');
  writeFileSync(file, out.join('\n') + '\n', 'latin1');
  return file;
}

const file = repeated(6 << 20);

test('presets replayed in the worker give what checkLevers gives in process', async () => {
  const analyzer = createAnalyzer();
  const source = () => createReadStream(file);
  const check = new LeverCheck(file, {}, true);
  const whole = await analyzer.analyze(source(), { onFindingClasses: check.onFindingClasses });
  assert.deepEqual(check.workerPresets, ['eager2m'], 'the worker starts on the first progress report with S2 found');
  const viaWorker = await check.results(whole);
  const inProcess = await analyzer.checkLevers(async () => source(), whole);
  assert.ok(inProcess.length > 0 && inProcess.some((l) => l.removed > 0), 'the check has something to say on this trace');
  assert.deepEqual(viaWorker, inProcess);
  // and without a worker, the same again
  const local = new LeverCheck(file, {}, false);
  const again = await analyzer.analyze(source(), { onFindingClasses: local.onFindingClasses });
  assert.deepEqual(local.workerPresets, []);
  assert.deepEqual(await local.results(again), inProcess);
});

test('the bundled CLI prints the same with the worker forced on and off', (t) => {
  if (!existsSync(CLI)) return t.skip('dist/cli/main.js is not built');
  for (const args of [['analyze', file], ['analyze', file, '--format', 'json']]) {
    const run = (mode: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, STAGE2_LENS_LEVER_WORKER: mode }, maxBuffer: 256 << 20, timeout: 120_000 });
    const on = run('always');
    const off = run('never');
    assert.equal(on.status, off.status, `${args.join(' ')}: exit code`);
    assert.equal(on.stderr, off.stderr, `${args.join(' ')}: stderr`);
    assert.equal(on.stdout, off.stdout, `${args.join(' ')}: stdout`);
    assert.match(off.stdout, /eager2m/, `${args.join(' ')}: the lever's preset is reported`);
  }
});
