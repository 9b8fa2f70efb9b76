// The extension-host entry of the mocha suite: the `run()` contract of @vscode/test-electron, also
// used by test/e2e/run.mjs through code-server's `?payload=extensionTestsPath` route. Runs every
// sibling *.test.js; when STAGE2_E2E_RESULT names a file, writes pass/fail counts and failures there.
import Mocha from 'mocha';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface FailedTest {
  title: string;
  error: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, file));
  return new Promise((resolve, reject) => {
    const failed: FailedTest[] = [];
    const runner = mocha.run((failures) => {
      const resultFile = process.env.STAGE2_E2E_RESULT;
      if (resultFile) {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        writeFileSync(resultFile, JSON.stringify({ passes: stats.passes, failures: stats.failures, pending: stats.pending, failed }, null, 2));
      }
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('fail', (test: Mocha.Test, err: Error) => failed.push({ title: test.fullTitle(), error: String(err?.message ?? err).split('\n')[0] }));
  });
}
