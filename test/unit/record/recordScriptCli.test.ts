// `stage2-lens record-script`: options reach the generator, the script goes to stdout or to a file
// (executable), an existing file is never overwritten without --force, bad options are usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli/commands/recordScript';
import { ExitCode, InputError, UsageError, type CliIo } from '../../../src/cli/io';
import { generateRecordingScript } from '../../../src/core/record';

/** What src/cli/main.ts does around a command (its dynamic import does not load unbundled). */
async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv.slice(1), io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.err(`stage2-lens ${argv[0]}: ${e.message}\n`);
      return e instanceof UsageError ? ExitCode.usage : ExitCode.input;
    }
    throw e;
  }
}

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', isTty: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}

test('prints the script for the chosen options to stdout', async () => {
  const io = capture();
  const code = await main(['record-script', '--arch', 'arm64', '--mode', 'nvhe', '--tool', 'trace-cmd', '--probes', 'full', '--duration', '0', '--buffer-kb', '8192'], io);
  assert.equal(code, 0);
  assert.equal(io.stdout, generateRecordingScript({ arch: 'arm64', mode: 'nvhe', tool: 'trace-cmd', probes: 'full', durationSec: 0, bufferKb: 8192 }));
  assert.match(io.stdout, /--arch arm64 --mode nvhe --tool trace-cmd --probes full --duration 0/);
  assert.equal(io.stderr, '');
});

test('defaults: arm64, VHE, tracefs, basic probes, 30 s', async () => {
  const io = capture();
  assert.equal(await main(['record-script'], io), 0);
  assert.equal(io.stdout, generateRecordingScript({ arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic' }));
  assert.match(io.stdout, /^DURATION=\$\{S2LENS_DURATION:-30\}$/m);
});

test('-o writes an executable file and never overwrites without --force', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's2lens-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rec.sh');
  const first = capture();
  assert.equal(await main(['record-script', '--arch=x86', '-o', file], first), 0);
  assert.equal(first.stdout, '');
  assert.match(first.stderr, /^wrote .*rec\.sh \(x86, tracefs, basic probes\): run it on the host as root: sudo sh /);
  assert.equal(readFileSync(file, 'utf8'), generateRecordingScript({ arch: 'x86', mode: 'vhe', tool: 'tracefs', probes: 'basic' }));
  assert.equal(statSync(file).mode & 0o111, 0o111);

  writeFileSync(file, 'mine\n');
  const again = capture();
  assert.equal(await main(['record-script', '-o', file], again), 3);
  assert.match(again.stderr, /already exists \(use --force to overwrite it\)/);
  assert.equal(readFileSync(file, 'utf8'), 'mine\n');

  const forced = capture();
  assert.equal(await main(['record-script', '--probes', 'full', '-o', file, '--force'], forced), 0);
  assert.match(readFileSync(file, 'utf8'), /add_probe p s2_break /);
});

test('bad options are usage errors (exit 2) with one clear line', async () => {
  for (const [args, msg] of [
    [['--arch', 'riscv'], /--arch must be one of arm64, x86, not 'riscv'/],
    [['--probes'], /--probes needs a value/],
    [['--duration', '-3'], /--duration needs a whole number >= 0/],
    [['--buffer-kb', '0'], /--buffer-kb needs a whole number >= 1/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ] as const) {
    const io = capture();
    assert.equal(await main(['record-script', ...args], io), 2, args.join(' '));
    assert.match(io.stderr, msg);
    assert.equal(io.stdout, '');
  }
});

test('--mode with --arch x86 is ignored with a note; --help prints the usage', async () => {
  const io = capture();
  assert.equal(await main(['record-script', '--arch', 'x86', '--mode', 'nvhe'], io), 0);
  assert.match(io.stderr, /--mode applies to arm64 only; ignored for x86/);
  assert.match(io.stdout, /x86 host/);
  const help = capture();
  assert.equal(await main(['record-script', '--help'], help), 0);
  assert.match(help.stdout, /^usage: stage2-lens record-script \[--arch arm64\|x86\]/);
});
