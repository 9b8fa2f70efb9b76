// Packaging the extension into a build directory of one's own (`run.mjs --build .out/<name>`):
// the same production build and vsce call as `npm run package`, but staged outside dist/ so a
// developer can run the end-to-end tests while others build into the shared tree. Relative README
// links (docs/screenshots/...) stay relative: there is no repository URL to rewrite them against.
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './install.mjs';

// Everything vsce may take from the root; .vscodeignore decides what really ships.
const STAGED = ['package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'ARCHITECTURE.md', 'language-configuration.json', 'images', 'syntaxes', 'schemas', 'docs'];

export async function stageAndPackage(repo, buildDir) {
  const stage = join(buildDir, 'pkg');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  await run(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--production', '--out', join(stage, 'dist')], { cwd: repo });
  for (const name of STAGED) {
    const from = join(repo, name);
    if (existsSync(from)) cpSync(from, join(stage, name), { recursive: true });
  }
  const vsix = join(buildDir, 'stage2-lens.vsix');
  rmSync(vsix, { force: true });
  await run(join(repo, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license', '-o', vsix], {
    cwd: stage,
  });
  return { vsix, size: statSync(vsix).size, stage };
}
