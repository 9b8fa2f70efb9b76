// Architecture invariants that a lint rule cannot see: core stays free of editor imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/shared';

const root = repoRoot();

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/core imports nothing from vscode, the server, the client or the CLI', () => {
  const offenders = walk(join(root, 'src', 'core')).filter((f) =>
    /from\s+['"](vscode[^'"]*|[^'"]*\/(server|client|cli)\/[^'"]*)['"]/.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});
