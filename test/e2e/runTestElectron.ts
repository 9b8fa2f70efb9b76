// `npm run test:vscode`: the same extension-host mocha suite as the code-server run, under
// @vscode/test-electron (downloads VS Code, so only on machines with internet). The extension is
// the repository itself (dist/ from `npm run build`); the workspace holds a copy of the trace.
import { runTests } from '@vscode/test-electron';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { repoRoot, sharedPath } from '../support/shared';

async function main(): Promise<void> {
  const root = repoRoot();
  const trace = process.env.STAGE2_E2E_TRACE ?? sharedPath('traces', 'arm64-nested', 'race4_4k-vhe.trace') ?? join(root, 'test', 'fixtures', 'e2e', 'race4_4k-head.trace');
  if (!existsSync(trace)) throw new Error(`no trace at ${trace}`);
  const workspace = join(root, '.out', 'test-electron', 'workspace');
  mkdirSync(workspace, { recursive: true });
  const copy = join(workspace, basename(trace));
  copyFileSync(trace, copy);
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(__dirname, 'suite', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: { STAGE2_E2E_TRACE: copy, ...(process.env.E2E_BREAK ? { E2E_BREAK: process.env.E2E_BREAK } : {}) },
  });
}

main().catch((e: unknown) => {
  console.error(`test:vscode failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
