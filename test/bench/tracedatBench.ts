// Benchmark of the trace.dat reader (issue 7): reads ../shared big_tc-vhe.dat with decoding
// (readTraceDat, file ranges per CPU) in a fresh process for its peak RSS, renders its text, reads a
// 3-copy rewrite to show memory stays flat as the file grows, and times `trace-cmd report >
// /dev/null` on the same file in the same run when trace-cmd is installed (each side read twice,
// best CPU time of the two compared: one noisy sample must not decide). Prints figures only.
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { repoRoot, sharedPath } from '../support/shared';
import { writeMultiCopyDat } from '../unit/tracedat/multiCopyDat';

interface Run {
  events: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  decoder: string;
}

/** The reader bundled like the CLI and server ship it (one scope: no per-module export getters). */
function bundleReader(): string {
  const outfile = join(tmpdir(), `stage2lens-bench-${process.pid}-tracedat.js`);
  buildSync({
    stdin: { contents: "export * from './src/core/tracedat/index'; export { zstdDecoderName } from './src/core/tracedat/zstd';", resolveDir: repoRoot(), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** One read in a child process (a clean heap: its maxRSS is this read's peak). */
function childRead(bundle: string, path: string, mode: 'read' | 'render'): Run {
  const code = `
    const fs = require('fs');
    const { readTraceDat, renderTraceDat, zstdDecoderName } = require(${JSON.stringify(bundle)});
    const path = ${JSON.stringify(path)};
    const openRange = (s, e) => fs.createReadStream(path, { start: s, end: e === undefined ? undefined : e - 1, highWaterMark: 1 << 20 });
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let n = 0, chars = 0;
    const done = (s) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      process.stdout.write(JSON.stringify({ events: s.events, seconds, cpuSeconds: (c.user + c.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024, decoder: zstdDecoderName(), n, chars }));
    };
    if (${JSON.stringify(mode)} === 'read') readTraceDat(fs.createReadStream(path), { event() { n++; } }, { openRange }).then(done);
    else renderTraceDat(fs.createReadStream(path), (t) => { chars += t.length; }, { openRange }).then(done);
  `;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

/** `trace-cmd report > /dev/null` with GNU time: wall, user+system CPU and peak RSS. */
function traceCmdReport(path: string): { seconds: number; cpuSeconds: number; peakRssMb: number } | undefined {
  const which = spawnSync('sh', ['-c', 'command -v trace-cmd && test -x /usr/bin/time'], { encoding: 'utf8' });
  if (which.status !== 0) return undefined;
  const quoted = `'${path.replace(/'/g, "'\\''")}'`;
  const r = spawnSync('sh', ['-c', `/usr/bin/time -f 'TIME %e %U %S %M' trace-cmd report -i ${quoted} > /dev/null`], { encoding: 'utf8', cwd: tmpdir() });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (!m) return undefined;
  return { seconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), peakRssMb: Number(m[4]) / 1024 };
}

const fmt = (x: number, d = 2): string => x.toFixed(d);

export async function runTracedatBench(log: (line: string) => void = console.log): Promise<void> {
  const big = sharedPath('traces', 'trace-cmd', 'big_tc-vhe.dat');
  if (!big) {
    log('tracedat: ../shared/traces/trace-cmd/big_tc-vhe.dat is absent: skipped');
    return;
  }
  log(`tracedat: ${big} (${fmt(statSync(big).size / 1e6, 1)} MB). Shared noisy machine: the speed-up is taken on CPU time (user+system) of each process, wall time shown too.`);
  const bundle = bundleReader();
  const copies = 3;
  const dest = join(tmpdir(), `stage2lens-bench-${process.pid}-x${copies}.dat`);
  try {
    // trace-cmd runs before and after, and so does the reader: each side's best of two is compared
    const tc = traceCmdReport(big);
    const read1 = childRead(bundle, big, 'read');
    const render = childRead(bundle, big, 'render');
    const read2 = childRead(bundle, big, 'read');
    const tc2 = traceCmdReport(big);
    const read = read1.cpuSeconds <= read2.cpuSeconds ? read1 : read2;
    const line = (what: string, r: { events: number; seconds: number; cpuSeconds: number; peakRssMb: number }): string =>
      `  ${what.padEnd(38)} ${r.events} events: cpu ${fmt(r.cpuSeconds)} s = ${fmt(r.events / r.cpuSeconds / 1e6)} M ev/s, wall ${fmt(r.seconds)} s = ${fmt(r.events / r.seconds / 1e6)} M ev/s, peak RSS ${fmt(r.peakRssMb, 0)} MB`;
    log(line(`readTraceDat (decode, ${read.decoder}) (best)`, read));
    log(`  readTraceDat cpu first/second: ${fmt(read1.cpuSeconds)} s / ${fmt(read2.cpuSeconds)} s (wall ${fmt(read1.seconds)} s / ${fmt(read2.seconds)} s)`);
    log(line('renderTraceDat (kernel text)', render));
    if (tc && tc2) {
      const best = tc.cpuSeconds < tc2.cpuSeconds ? tc : tc2;
      log(line('trace-cmd report > /dev/null (best)', { ...best, events: read.events }));
      log(`  trace-cmd cpu before/after: ${fmt(tc.cpuSeconds)} s / ${fmt(tc2.cpuSeconds)} s`);
      log(`  speed-up of readTraceDat over trace-cmd report: ${fmt(best.cpuSeconds / read.cpuSeconds, 2)}x on CPU time, ${fmt(Math.min(tc.seconds, tc2.seconds) / Math.min(read1.seconds, read2.seconds), 2)}x on wall time`);
    } else log('  trace-cmd (or /usr/bin/time) is not installed: no baseline (apt-get install trace-cmd time)');
    const bytes = await writeMultiCopyDat(big, dest, copies);
    const r = childRead(bundle, dest, 'read');
    log(line(`readTraceDat on a ${copies}-copy file (${fmt(bytes / 1e6, 1)} MB)`, r));
    log(`  peak RSS as the file grows: ${fmt(Math.max(read1.peakRssMb, read2.peakRssMb), 0)} MB (1 copy) -> ${fmt(r.peakRssMb, 0)} MB (${copies} copies)`);
  } finally {
    rmSync(dest, { force: true });
    rmSync(bundle, { force: true });
  }
}

if (require.main === module) void runTracedatBench();
