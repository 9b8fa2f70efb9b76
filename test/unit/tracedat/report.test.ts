// `stage2-lens report <file.dat>`: kernel-format text on stdout, exit 0; a truncated file prints
// what it holds and names the offset on stderr (exit 3); a text trace is refused (InputError, exit 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as report } from '../../../src/cli/commands/report';
import { type CliIo, InputError, UsageError } from '../../../src/cli/io';
import { writeDat } from './datWriter';
import { synthSpec } from './synthDat';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTty: false };
  // the command itself (main() maps its InputError/UsageError to exit codes 3/2)
  const code = await report(args.slice(1), io);
  return { code, out, err };
}

test('stage2-lens report prints a .dat as kernel text; truncated and non-.dat inputs fail clearly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stage2lens-report-'));
  try {
    const buf = writeDat(synthSpec(7, 'zlib'));
    const dat = join(dir, 'synth.dat');
    writeFileSync(dat, buf);
    const ok = await run(['report', dat]);
    assert.equal(ok.code, 0);
    assert.equal(ok.err, '');
    const lines = ok.out.split('\n');
    assert.equal(lines.length, 28);
    assert.equal(lines[0], '# tracer: nop');
    assert.equal(lines[12], '         kvmtest-205     [000] .....    59.317716: kvm_pgtable_stage2_map <-kvm_handle_guest_abort');

    const cut = join(dir, 'cut.dat');
    writeFileSync(cut, buf.subarray(0, buf.length - 300));
    const bad = await run(['report', cut]);
    assert.equal(bad.code, 3);
    assert.match(bad.err, /^stage2-lens report: .*cut\.dat: .*\(at byte offset \d+\)\n/);

    const text = join(dir, 'x.trace');
    writeFileSync(text, '# tracer: nop\n');
    await assert.rejects(run(['report', text]), (e: unknown) => e instanceof InputError && /not a trace\.dat file/.test(e.message));
    await assert.rejects(run(['report']), UsageError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
