#!/usr/bin/env node
// Writes what the bundled CLI prints for every trace of the corpus (test/fixtures and, when present,
// ../shared/traces) into one directory, so that a refactor can be checked to change no output:
//   node scripts/output-snapshot.mjs /tmp/before   (on the old tree, after npm run build)
//   node scripts/output-snapshot.mjs /tmp/after    (on the new tree)
//   diff -r /tmp/before /tmp/after                 (empty when behaviour is identical)
// Each trace gets `analyze` (text and JSON), `stats --json`, `compare --b bbm2` and `compare --b eager2m`;
// exit codes are kept.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/output-snapshot.mjs OUTDIR');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/cli/main.js');
if (!existsSync(cli)) {
  console.error('dist/cli/main.js is missing: run npm run build first');
  process.exit(2);
}
const TRACE = /\.(trace|txt|dat|gz)$/;
const roots = [join(root, 'test/fixtures'), resolve(root, '../shared/traces')].filter((d) => existsSync(d));

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (TRACE.test(name) && !name.endsWith('.expected.txt')) yield p;
  }
}

const runs = [
  ['analyze.txt', ['analyze']],
  ['analyze.json', ['analyze', '--format', 'json']],
  ['stats.json', ['stats', '--json']],
  ['compare-bbm2.txt', ['compare', '--b', 'bbm2']],
  ['compare-eager2m.txt', ['compare', '--b', 'eager2m']],
];
let n = 0;
for (const base of roots) {
  for (const file of walk(base)) {
    const name = relative(resolve(root, '..'), file).replaceAll('/', '__');
    for (const [suffix, args] of runs) {
      const r = spawnSync(process.execPath, [cli, ...args.slice(0, 1), file, ...args.slice(1)], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        cwd: root,
      });
      mkdirSync(outDir, { recursive: true });
      // Timings would differ from run to run; they are the only thing masked.
      const out = `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`.replace(
        /"(elapsedMs|durationMs|wallMs)":\s*[\d.]+/g,
        '"$1":0',
      );
      writeFileSync(join(outDir, `${name}.${suffix}`), out);
    }
    n++;
    process.stderr.write(`\r${n} traces`);
  }
}
process.stderr.write(`\n${n} traces, ${n * runs.length} outputs in ${outDir}\n`);
