// Bad input through the bundled CLI as a user runs it (a child process, real files, pipes and
// FIFOs): every case of issue #22 and of the README's exit-code table, with the exact exit code
// and the exact first line on stderr. Inputs are made from the committed example trace, seeded
// random bytes and the synthetic trace.dat writer, so the suite runs on a fresh clone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../../support/shared';
import { mulberry32 } from '../../support/prng';
import { writeDat } from '../tracedat/datWriter';
import { synthSpec } from '../tracedat/synthDat';

const CLI = resolve(__dirname, '..', '..', '..', 'cli', 'main.js');
const EXAMPLE = join(repoRoot(), 'test', 'fixtures', 'example.trace');
const dir = mkdtempSync(join(tmpdir(), 'stage2-lens-badinput-'));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], input?: Buffer): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, data: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const example = (): Buffer => readFileSync(EXAMPLE);

function skipWithoutCli(t: { skip(msg: string): void }): boolean {
  if (existsSync(CLI)) return false;
  t.skip(`no bundled CLI at ${CLI}`);
  return true;
}

/** Exit code and the first stderr line of `stats` and `analyze` on one file. */
function refusedBoth(path: string, reason: string): void {
  for (const cmd of ['stats', 'analyze']) {
    const r = cli([cmd, path]);
    assert.equal(r.status, 3, `${cmd} ${path}: ${r.stderr}`);
    assert.equal(r.stderr, `stage2-lens ${cmd}: ${path}: not a trace: ${reason}\n`);
    assert.equal(r.stdout, '', `${cmd} prints no report for what is not a trace`);
  }
}

test('not a trace: random bytes, UTF-16 with and without BOM, NUL-laced text, empty, other formats: exit 3 and the reason', (t) => {
  if (skipWithoutCli(t)) return;
  const rand = mulberry32(22);
  const noise = Buffer.alloc(1 << 20);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rand() * 256);
  const random = file('random.bin', noise);
  const r = cli(['analyze', random]);
  assert.equal(r.status, 3);
  assert.match(r.stderr, new RegExp(`^stage2-lens analyze: ${random.replace(/[.\\/]/g, '\\$&')}: not a trace: binary data \\(\\d+ of its first \\d+ lines hold control bytes or invalid UTF-8\\)\\n$`));

  const text = example().toString('utf8');
  refusedBoth(file('utf16.trace', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])), 'UTF-16 text: convert with iconv -f UTF-16 -t UTF-8');
  refusedBoth(file('utf16be.trace', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])), 'UTF-16 text: convert with iconv -f UTF-16 -t UTF-8');
  refusedBoth(file('utf16le-nobom.trace', Buffer.from(text, 'utf16le')), 'UTF-16LE text without a byte-order mark: convert with iconv -f UTF-16LE -t UTF-8');
  refusedBoth(file('nul-laced.trace', Buffer.from(text.replace(/ /g, '\0 '))), 'text laced with NUL bytes (96 of its first 98 lines hold NULs)');
  refusedBoth(file('empty.trace', ''), 'the input is empty');
  refusedBoth(file('prose.txt', 'Dear maintainers,\nplease find the trace attached.\n'.repeat(40)), 'no event line was recognised');
  refusedBoth(file('trace.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])), 'zstd-compressed data: decompress it first (zstd -d FILE); .gz is read directly');
  refusedBoth(file('trace.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0])), 'xz-compressed data: decompress it first (xz -d FILE); .gz is read directly');
  refusedBoth(file('perf.data', 'PERFILE2\0\0\0\0\0\0\0\0'), 'a perf.data file: this tool reads ftrace text and trace.dat; record with trace-cmd or tracefs (stage2-lens record-script)');
  refusedBoth(file('utf16.trace.gz', gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))), 'UTF-16 text: convert with iconv -f UTF-16 -t UTF-8 (inside the .gz)');
  refusedBoth(file('random.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), noise.subarray(0, 4096)])), 'gzip data that does not inflate: the .gz is corrupt: zlib failed in the compressed bytes 0..65536 (invalid block type)');
});

test('trace.dat: a flipped byte in the magic is refused (not read as text); the intact file is read', (t) => {
  if (skipWithoutCli(t)) return;
  const dat = writeDat(synthSpec(7, 'none'));
  const good = file('good.dat', dat);
  const ok = cli(['stats', good]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^file: .*good\.dat\nformat: trace\.dat \(binary\)\n/);
  for (const [i, b] of [[0, 0x16], [3, 0x55], [9, 0x68]] as const) {
    const bad = Buffer.from(dat);
    bad[i] = b;
    const p = file(`flip${i}.dat`, bad);
    const was = `0x${dat[i].toString(16).padStart(2, '0')}`;
    refusedBoth(p, `a damaged trace.dat: its magic is wrong (byte ${i} is 0x${b.toString(16).padStart(2, '0')} instead of ${was})`);
  }
  const report = cli(['report', file('flip3b.dat', Buffer.concat([dat.subarray(0, 3), Buffer.from([0x55]), dat.subarray(4)]))]);
  assert.equal(report.status, 3);
  assert.match(report.stderr, /^stage2-lens report: .*flip3b\.dat: not a trace: a damaged trace\.dat: its magic is wrong \(byte 3 is 0x55 instead of 0x74\)\n$/);
});

test('a truncated .gz: warning with the byte offset, every output marked partial, exit 5', (t) => {
  if (skipWithoutCli(t)) return;
  const gz = gzipSync(example());
  const whole = cli(['analyze', file('whole.trace.gz', gz)]);
  assert.equal(whole.status, 0, whole.stderr);
  assert.equal(whole.stderr, '');
  for (const [name, cut] of [['half', gz.length >> 1], ['lastbyte', gz.length - 1]] as const) {
    const p = file(`${name}.trace.gz`, gz.subarray(0, cut));
    const warning = new RegExp(`^the \\.gz is cut short: the file ends at byte ${cut}, inside the compressed data \\(gzip -t: "unexpected end of file"\\); everything reported is of the \\d+ bytes of text inflated before it$`);
    const text = cli(['analyze', p]);
    assert.equal(text.status, 5, text.stderr);
    const [first] = text.stdout.split('\n');
    assert.match(first.replace(/^PARTIAL ANALYSIS: /, ''), warning);
    assert.ok(first.startsWith('PARTIAL ANALYSIS: '), first);
    const said = text.stderr.split('\n').filter((l) => l.startsWith(`stage2-lens analyze: ${p}: warning: partial analysis: `));
    assert.equal(said.length, 1, text.stderr);
    assert.match(said[0].slice(`stage2-lens analyze: ${p}: warning: partial analysis: `.length), warning);
    const json = cli(['analyze', p, '--format', 'json']);
    assert.equal(json.status, 5);
    const j = JSON.parse(json.stdout) as { partial: { offset: number; reason: string } };
    assert.equal(j.partial.offset, cut);
    assert.match(j.partial.reason, warning);
    const md = cli(['analyze', p, '--format', 'md']);
    assert.equal(md.status, 5);
    assert.match(md.stdout, /^> \*\*partial analysis: the \.gz is cut short: /);
    const sarif = JSON.parse(cli(['analyze', p, '--format', 'sarif']).stdout) as { runs: { properties: { partial: unknown }; invocations: { toolExecutionNotifications: { level: string }[] }[] }[] };
    assert.deepEqual(sarif.runs[0].properties.partial, j.partial);
    assert.equal(sarif.runs[0].invocations[0].toolExecutionNotifications[0].level, 'warning');
    const stats = cli(['stats', p]);
    assert.equal(stats.status, 5);
    assert.ok(stats.stdout.startsWith('PARTIAL ANALYSIS: the .gz is cut short'));
    const statsJson = JSON.parse(cli(['stats', p, '--json']).stdout) as { partial: { offset: number } };
    assert.equal(statsJson.partial.offset, cut);
  }
  // the last byte missing still holds every line: the same events as the whole file
  const events = (p: string): unknown => (JSON.parse(cli(['stats', p, '--json']).stdout) as { events: unknown }).events;
  assert.deepEqual(events(join(dir, 'lastbyte.trace.gz')), events(join(dir, 'whole.trace.gz')));
});

test('NUL bytes inside event names: the damaged lines are named and the analysis is partial (exit 5), no NUL on stdout', (t) => {
  if (skipWithoutCli(t)) return;
  const p = file('nul-names.trace', Buffer.from(example().toString('utf8').replace(/kvm_guest_fault/g, 'kvm_guest\0fault')));
  const r = cli(['analyze', p]);
  assert.equal(r.status, 5);
  assert.equal(
    r.stderr,
    `stage2-lens analyze: ${p}: 8 lines not recognised (binary: NUL bytes inside the line: not trace text; e.g. line 21, 23, 36)\n` +
      `stage2-lens analyze: ${p}: warning: partial analysis: 8 lines hold NUL bytes (the first is line 21, at byte 1316 of the text): the file is damaged there and those lines are left out\n`,
  );
  assert.ok(!r.stdout.includes('\0'));
  const s = cli(['stats', p]);
  assert.equal(s.status, 5);
  assert.ok(!s.stdout.includes('\0'));
});

test('control characters from a trace are escaped in stats, analyze text and Markdown, and report', (t) => {
  if (skipWithoutCli(t)) return;
  const hostile = example().toString('utf8').replace(/CPU 1\/KVM/g, '\x1b]0;pwned\x07\x1b[31mCPU 1/KVM').replace('demo: pass 1', 'demo:\x1b[2J\u009b pass 1');
  const p = file('escapes.trace', hostile);
  for (const args of [['stats', p], ['analyze', p], ['analyze', p, '--format', 'md'], ['compare', p, '--b', 'bbm2']]) {
    const r = cli(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, args.join(' '));
  }
  assert.match(cli(['stats', p]).stdout, /\\e\]0;pwned\\x07\\e\[31mCPU 1\/KVM-4102 \(vCPU 1\)/);
  assert.match(cli(['analyze', p]).stdout, /vCPU 1 \(\\e\]0;pwned\\x07\\e\[31mCPU 1\/KVM-4102\)/);
  // JSON keeps the exact name (JSON.stringify escapes control characters itself)
  const j = cli(['stats', p, '--json']);
  assert.ok((JSON.parse(j.stdout) as { perTask: Record<string, number> }).perTask['\x1b]0;pwned\x07\x1b[31mCPU 1/KVM-4102'] > 0);
});

test('streams: `-`, /dev/stdin and a .gz on a pipe read like the file; a trace.dat on a pipe needs a seekable file', (t) => {
  if (skipWithoutCli(t)) return;
  // A stream is read once: the lever check (a second read) is not run, so the file is compared without it.
  const fromFile = cli(['analyze', EXAMPLE, '--format', 'json', '--no-what-if']);
  assert.equal(fromFile.status, 0);
  for (const name of ['-', '/dev/stdin']) {
    const r = cli(['analyze', name, '--format', 'json'], example());
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fromFile.stdout, name);
    const gz = cli(['analyze', name, '--format', 'json'], gzipSync(example()));
    assert.equal(gz.stdout, fromFile.stdout, `${name} with gzip bytes`);
  }
  const dat = writeDat(synthSpec(7, 'none'));
  for (const cmd of ['stats', 'analyze']) {
    const r = cli([cmd, '-'], dat);
    assert.equal(r.status, 3);
    assert.equal(r.stderr, `stage2-lens ${cmd}: -: not a trace: a trace.dat needs a seekable file, not a pipe: save it to a file first (or pipe \`trace-cmd report\` text instead)\n`);
  }
  const report = cli(['report', '-'], dat);
  assert.equal(report.status, 3);
  assert.equal(report.stderr, 'stage2-lens report: -: a trace.dat needs a seekable file, not a pipe: save it to a file first (or pipe `trace-cmd report` text instead)\n');
});

test('a FIFO with a writer: 20 runs of analyze, 20 complete and identical outputs', async (t) => {
  if (skipWithoutCli(t)) return;
  if (process.platform === 'win32') return t.skip('no mkfifo on Windows');
  const fifo = join(dir, 'trace.fifo');
  execFileSync('mkfifo', [fifo]);
  const want = cli(['analyze', EXAMPLE, '--no-what-if']).stdout.replaceAll(EXAMPLE, fifo);
  assert.match(want, /avoidable: not checked/);
  for (let i = 0; i < 20; i++) {
    const reader = spawn(process.execPath, [CLI, 'analyze', fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    reader.stdout.on('data', (c: Buffer) => (out += c.toString()));
    reader.stderr.on('data', (c: Buffer) => (err += c.toString()));
    // the writer opens the FIFO while the reader does (either may come first), writes in two parts
    // with a pause between them, and closes
    const w = spawn(process.execPath, ['-e', `const fs=require('fs');const d=fs.readFileSync(${JSON.stringify(EXAMPLE)});const fd=fs.openSync(${JSON.stringify(fifo)},'w');fs.writeSync(fd,d.subarray(0,${i * 97}));setTimeout(()=>{fs.writeSync(fd,d.subarray(${i * 97}));fs.closeSync(fd)},${i % 3})`], { stdio: 'ignore' });
    const code = await new Promise<number | null>((res) => {
      const timer = setTimeout(() => {
        reader.kill();
        w.kill();
        res(null);
      }, 30_000);
      reader.on('close', (c) => {
        clearTimeout(timer);
        res(c);
      });
    });
    assert.equal(code, 0, `run ${i}: ${err}`);
    assert.equal(out, want, `run ${i}`);
  }
});

test('flags: one strict grammar (the configuration file validation), ranges checked, exact messages, exit 2', (t) => {
  if (skipWithoutCli(t)) return;
  const refused: [string[], string][] = [
    [['--bbm', '0x1'], "--bbm: '0x1' is not a decimal integer (0 to 2)"],
    [['--bbm', '01'], "--bbm: '01' is not a decimal integer (0 to 2)"],
    [['--bbm', '3'], '--bbm: 3 is out of range (0 to 2)'],
    [['--eager-split', '3M'], '--eager-split 3M: must be "auto", 0 or a block size such as "2M" or "1G"'],
    [['--eager-split', '99999999999G'], '--eager-split 99999999999G: must be "auto", 0 or a block size such as "2M" or "1G"'],
    [['--from', '10s', '--to', '1s'], '--from 10s is after --to 1s: the range would be empty'],
    [['--from', 'abc'], "--from: 'abc' is not a time (nanoseconds, or a number with s, ms, us or ns: 20.5s, 300ms)"],
    [['--examples', '1e9'], "--examples: '1e9' is not a decimal integer (0 to 10000)"],
    [['--examples', '1000000000'], '--examples: 1000000000 is out of range (0 to 10000)'],
    [['--ipa-bits', '40.0'], "--ipa-bits: '40.0' is not a decimal integer (32 to 52)"],
    [['--granule', '8K'], '--granule 8K: must be 4K, 16K or 64K (4096, 16384, 65536)'],
    [['--bbm'], '--bbm needs a value'],
  ];
  for (const [flags, message] of refused) {
    const r = cli(['analyze', EXAMPLE, ...flags]);
    assert.equal(r.status, 2, flags.join(' '));
    assert.equal(r.stderr, `stage2-lens analyze: ${message}\n`);
  }
  // the configuration file refuses the same value with the same words
  const cfg = file('eager3m.json', JSON.stringify({ eagerSplitChunk: '3M' }));
  const c = cli(['analyze', EXAMPLE, '--config', cfg]);
  assert.equal(c.status, 2);
  assert.equal(c.stderr, `stage2-lens analyze: ${cfg}: invalid configuration:\n  eagerSplitChunk: must be "auto", 0 or a block size such as "2M" or "1G"\n`);
  assert.equal(cli(['analyze', EXAMPLE, '--eager-split', '2M', '--bbm', '2', '--from', '1s', '--to', '1s']).status, 0);
  const cmp = cli(['compare', EXAMPLE, '--b', 'bbm2', '--eager-split', '3M']);
  assert.equal(cmp.status, 2);
  assert.equal(cmp.stderr, 'stage2-lens compare: --eager-split 3M: must be "auto", 0 or a block size such as "2M" or "1G"\n');
});

test('configuration files are read with a size limit: a device or a big file is refused before it is read', (t) => {
  if (skipWithoutCli(t)) return;
  const dev = cli(['analyze', EXAMPLE, '--config', '/dev/urandom']);
  assert.equal(dev.status, 3);
  assert.equal(dev.stderr, 'stage2-lens analyze: /dev/urandom: the configuration must be a regular file\n');
  const big = file('big.json', `{"bbmLevel": 1${' '.repeat(2 << 20)}}`);
  const b = cli(['analyze', EXAMPLE, '--config', big]);
  assert.equal(b.status, 3);
  assert.equal(b.stderr, `stage2-lens analyze: ${big}: the configuration is ${(2 << 20) + 15} bytes, more than the 1048576 a configuration can be\n`);
});

test('a cut trace.dat: its metadata cut is refused (exit 3), its CPU data cut is a partial analysis (exit 5) with the offset', (t) => {
  if (skipWithoutCli(t)) return;
  const dat = writeDat(synthSpec(6, 'none'));
  const early = file('cut-early.dat', dat.subarray(0, 6144));
  refusedBoth(early, 'a trace.dat that cannot be read: file ends inside an option: 8 of 42 bytes missing (at byte offset 6144)');
  const late = file('cut-late.dat', dat.subarray(0, 12288));
  const reason = 'the trace.dat stops being readable: file ends inside CPU 1 pages: 8192 bytes expected (at byte offset 12288); everything reported is of the 6 events read before it';
  const r = cli(['stats', late]);
  assert.equal(r.status, 5);
  assert.equal(r.stderr, `stage2-lens stats: ${late}: warning: partial analysis: ${reason}\n`);
  assert.ok(r.stdout.startsWith(`PARTIAL ANALYSIS: ${reason}\n\nfile: ${late}\nformat: trace.dat (binary)\n`), r.stdout);
  const j = JSON.parse(cli(['analyze', late, '--format', 'json']).stdout) as { partial: { offset: number; reason: string } };
  assert.deepEqual(j.partial, { offset: 12288, reason });
});

test('exit 1 with --fail-on when a finding at that severity exists, 0 when none does; exit 5 outranks it', (t) => {
  if (skipWithoutCli(t)) return;
  // the example's findings are warnings and information, none is an error
  const warned = cli(['analyze', EXAMPLE, '--fail-on', 'warning', '--no-what-if']);
  assert.equal(warned.status, 1, warned.stderr);
  assert.match(warned.stdout, /^Stage-2 Lens: /);
  assert.equal(cli(['analyze', EXAMPLE, '--fail-on', 'error', '--no-what-if']).status, 0);
  const damaged = file('fail-on-damaged.trace', example().toString('latin1').replace(/kvm_guest_fault/, 'kvm_guest\0fault'));
  assert.equal(cli(['analyze', damaged, '--fail-on', 'information', '--no-what-if']).status, 5);
});
