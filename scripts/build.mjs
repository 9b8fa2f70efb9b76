// One esbuild script for every entry point: the extension client, the language server,
// the CLI and the webview are bundled (what ships in the .vsix); src/ and test/ are also
// transpiled file by file into dist/ so node's test runner can load the tests directly.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync, mkdirSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// --out DIR lets several builds coexist (parallel work, CI); the layout under it is always the same.
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : 'dist';

function listTs(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const builds = [
  { ...common, entryPoints: ['src/client/extension.ts'], outfile: `${out}/client/extension.js`, external: ['vscode'] },
  { ...common, entryPoints: ['src/server/server.ts'], outfile: `${out}/server/server.js` },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: `${out}/cli/main.js`, banner: { js: '#!/usr/bin/env node' } },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    entryPoints: ['webview/main.ts'],
    outfile: `${out}/webview/main.js`,
  },
];

// Tests and their imports, transpiled without bundling (dist/test/**, dist/src/**, dist/webview/**).
const testBuild = {
  // webview/main.ts is left out: its bundle (above) is what the panel loads, and must not be overwritten.
  entryPoints: [...listTs('src'), ...listTs('test'), ...listTs('webview').filter((f) => !f.endsWith('main.ts'))],
  outdir: out,
  outbase: '.',
  bundle: false,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
};

if (watch) {
  for (const b of [...builds, testBuild]) (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all([...builds, ...(production ? [] : [testBuild])].map((b) => esbuild.build(b)));
  if (existsSync('webview/main.css')) copyFileSync('webview/main.css', `${out}/webview/main.css`);
}
