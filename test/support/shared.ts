// Locating ../shared (the real traces and docs beside the repository). A user's clone has no
// ../shared: tests that need it call sharedOrSkip() and are skipped with a message.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

/** Repository root, found from a compiled test file under <out>/test/... or from the source tree. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'core'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error(`repository root not found above ${__dirname}`);
}

/** Absolute path of ../shared/<parts>, or undefined when that file or folder is absent. */
export function sharedPath(...parts: string[]): string | undefined {
  const p = join(process.env.STAGE2_LENS_SHARED ?? join(repoRoot(), '..', 'shared'), ...parts);
  return existsSync(p) ? p : undefined;
}

/** The path, or skip the test with a message saying what is missing. */
export function sharedOrSkip(t: TestContext, ...parts: string[]): string | undefined {
  const p = sharedPath(...parts);
  if (!p) t.skip(`../shared/${parts.join('/')} is absent (a clone without the shared corpus): skipped`);
  return p;
}
