// The command bench (issue #16): the bundled CLI (dist/cli/main.js) timed as whole processes, the
// way a user runs it, each run paired with the naive baseline (test/bench/naiveBaseline.ts) in the
// same round (baseline, command, baseline, command, ...), on generated traces of the three recorded
// shapes (test/bench/shapedTrace.ts) and on real corpus traces repeated to 1 GB
// (scripts/repeat-trace.mjs); then `stats` and `report` on a real trace.dat against
// `trace-cmd report`, optionally with the machine kept busy; then peak RSS of `analyze` as the
// input grows. Wall time, user+system CPU and peak RSS of each child come from GNU time
// (`/usr/bin/time`); ratios are medians of the per-pair ratios, with their range. Prints figures,
// asserts nothing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync, createWriteStream, createReadStream } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { repoRoot, sharedPath } from '../support/shared';
import { generateShapedTrace, TRACE_SHAPES, type TraceShape } from './shapedTrace';

export interface CliBenchOptions {
  /** Size of each generated shaped trace in bytes (default 20 MB; the issue's figures use 200 MB). */
  shapeBytes: number;
  /** Size the real traces are repeated to (default 40 MB; the issue's figures use 1 GB; 0 skips them). */
  realBytes: number;
  /** Paired rounds per command (default 3). */
  pairs: number;
  /** Sizes for the peak-RSS sweep of analyze (default 20 MB and 100 MB; the issue's are 100 MB and 2 GB; empty skips it). */
  rssBytes: number[];
  /** Spinning processes run beside the trace.dat pairs in a second pass (default: one per core). */
  busy: number;
  /** Only these parts: shapes, real, tracedat, rss. */
  parts: string[];
  /** Bundle to run (default <repo>/dist/cli/main.js). */
  cli: string;
}

interface Usage {
  wall: number;
  cpu: number;
  rssMb: number;
  exit: number;
}

const TIME = '/usr/bin/time';

/** One whole process under GNU time; its stdout goes to /dev/null (as a user's `> out.json`). */
function timed(argv: string[]): Usage {
  const r = spawnSync(TIME, ['-f', 'S2BENCH %e %U %S %M %x', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const m = /S2BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`${argv.join(' ')}: no timing (${(r.stderr ?? '').slice(-400)})`);
  const u = { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMb: Number(m[4]) / 1024, exit: Number(m[5]) };
  if (u.exit !== 0 && u.exit !== 1) throw new Error(`${argv.join(' ')} exited with ${u.exit}: ${(r.stderr ?? '').slice(-400)}`);
  return u;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const f2 = (x: number): string => x.toFixed(2);
const range = (xs: number[], d = 2): string => `${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}`;

interface Paired {
  label: string;
  runs: Usage[];
  base: Usage[];
}

function report(log: (l: string) => void, p: Paired): void {
  const ratios = p.runs.map((r, i) => p.base[i].wall / r.wall);
  const cpuRatios = p.runs.map((r, i) => p.base[i].cpu / r.cpu);
  log(
    `  ${p.label.padEnd(34)} ${f2(median(ratios))}x the baseline (wall, median of ${ratios.length} pairs, range ${range(ratios)}; CPU ${f2(median(cpuRatios))}x)` +
      `  wall ${f2(median(p.runs.map((r) => r.wall)))} s vs ${f2(median(p.base.map((r) => r.wall)))} s, CPU ${f2(median(p.runs.map((r) => r.cpu)))} s, peak RSS ${median(p.runs.map((r) => r.rssMb)).toFixed(0)} MB`,
  );
}

/** The commands of the bench on one text trace, each paired with the baseline, rounds interleaved. */
function benchTrace(log: (l: string) => void, o: CliBenchOptions, file: string, title: string): void {
  const node = process.execPath;
  const baseline = [node, join(__dirname, 'naiveBaseline.js'), file];
  const commands: { label: string; argv: string[] }[] = [
    { label: 'stats --json', argv: [node, o.cli, 'stats', file, '--json'] },
    { label: 'analyze', argv: [node, o.cli, 'analyze', file] },
    { label: 'analyze --format json', argv: [node, o.cli, 'analyze', file, '--format', 'json'] },
    { label: 'compare --b bbm2', argv: [node, o.cli, 'compare', file, '--b', 'bbm2'] },
  ];
  log(`\n${title}: ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB)`);
  const results: Paired[] = commands.map((c) => ({ label: c.label, runs: [], base: [] }));
  for (let round = 0; round < o.pairs; round++) {
    commands.forEach((c, i) => {
      results[i].base.push(timed(baseline));
      results[i].runs.push(timed(c.argv));
    });
  }
  log(`  naive baseline (readline + 1 regex)  wall median ${f2(median(results.flatMap((r) => r.base.map((b) => b.wall))))} s, peak RSS ${median(results[0].base.map((b) => b.rssMb)).toFixed(0)} MB`);
  for (const r of results) report(log, r);
  const an = results[1].runs;
  const cmp = results[3].runs;
  const perRound = cmp.map((c, i) => c.wall / an[i].wall);
  log(`  compare / analyze (same rounds)     ${f2(median(perRound))}x (range ${range(perRound)})`);
}

async function gunzipTo(src: string, dst: string): Promise<void> {
  await pipeline(createReadStream(src), createGunzip(), createWriteStream(dst));
}

function repeatTo(src: string, dst: string, bytes: number): void {
  if (existsSync(dst) && statSync(dst).size >= bytes) return;
  const r = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'repeat-trace.mjs'), src, dst, String(bytes)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`repeat-trace failed: ${r.stderr}`);
}

function shapedFile(dir: string, shape: TraceShape, bytes: number): string {
  const file = join(dir, `shape-${shape}-${bytes}.trace`);
  if (!existsSync(file) || statSync(file).size < bytes) generateShapedTrace(file, { shape, bytes, seed: 1 });
  return file;
}

/** `n` processes that spin until killed: a busy machine for the trace.dat pairs. */
function spinners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

async function stopAll(ps: ChildProcess[]): Promise<void> {
  for (const p of ps) p.kill('SIGKILL');
  await Promise.all(ps.map((p) => (p.exitCode === null && p.signalCode === null ? once(p, 'exit') : Promise.resolve())));
}

async function benchTraceDat(log: (l: string) => void, o: CliBenchOptions): Promise<void> {
  const dat = sharedPath('traces', 'trace-cmd', 'big_tc-vhe.dat');
  if (!dat) {
    log('\ntrace.dat: ../shared/traces/trace-cmd/big_tc-vhe.dat is absent: skipped');
    return;
  }
  if (spawnSync('sh', ['-c', 'command -v trace-cmd'], { encoding: 'utf8' }).status !== 0) {
    log('\ntrace.dat: trace-cmd is not installed (apt-get install -y trace-cmd): skipped');
    return;
  }
  const node = process.execPath;
  // trace-cmd writes its text to stdout, which timed() sends to /dev/null
  const baseline = ['trace-cmd', 'report', '-i', dat];
  const commands = [
    { label: 'stats --json <trace.dat>', argv: [node, o.cli, 'stats', dat, '--json'] },
    { label: 'report <trace.dat>', argv: [node, o.cli, 'report', dat] },
  ];
  const n = Math.max(o.pairs, 5);
  for (const busy of o.busy > 0 ? [0, o.busy] : [0]) {
    log(`\ntrace.dat: ${dat} (${(statSync(dat).size / 1e6).toFixed(1)} MB) against \`trace-cmd report > /dev/null\`${busy ? `, with ${busy} spinning processes beside (a busy machine)` : ''}:`);
    const hogs = spinners(busy);
    try {
      const results: Paired[] = commands.map((c) => ({ label: c.label, runs: [], base: [] }));
      for (let round = 0; round < n; round++) {
        commands.forEach((c, i) => {
          results[i].base.push(timed(baseline));
          results[i].runs.push(timed(c.argv));
        });
      }
      log(`  trace-cmd report                    wall median ${f2(median(results.flatMap((r) => r.base.map((b) => b.wall))))} s, CPU ${f2(median(results.flatMap((r) => r.base.map((b) => b.cpu))))} s`);
      for (const r of results) report(log, r);
    } finally {
      await stopAll(hogs);
    }
  }
}

function benchRss(log: (l: string) => void, o: CliBenchOptions, dir: string): void {
  if (o.rssBytes.length === 0) return;
  log('\npeak RSS of `analyze --format json` as the input grows (record-script --probes full shape):');
  const node = process.execPath;
  const rss: number[] = [];
  for (const bytes of o.rssBytes) {
    const file = shapedFile(dir, 'full', bytes);
    const u = timed([node, o.cli, 'analyze', file, '--format', 'json']);
    rss.push(u.rssMb);
    log(`  ${(statSync(file).size / 1e6).toFixed(0).padStart(6)} MB: peak RSS ${u.rssMb.toFixed(0)} MB, wall ${f2(u.wall)} s, CPU ${f2(u.cpu)} s`);
  }
  const lo = Math.min(...rss);
  log(`  spread: ${(((Math.max(...rss) - lo) / lo) * 100).toFixed(1)}% above the smallest`);
}

export async function cliBench(log: (l: string) => void, o: CliBenchOptions): Promise<void> {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for the child's peak RSS: apt-get install -y time`);
  if (!existsSync(o.cli)) throw new Error(`${o.cli} is missing: npm run build first`);
  const dir = join(tmpdir(), 'stage2-lens-cli-bench');
  mkdirSync(dir, { recursive: true });
  log(`node ${process.version}, ${availableParallelism()} cores; whole processes of ${o.cli}; a shared machine is noisy: medians of paired runs, with ranges`);
  // analyze's lever check runs in a worker only while a core is idle (src/cli/leverCheck.ts): say which the runs got
  const worker = process.env.STAGE2_LENS_LEVER_WORKER;
  log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the start; lever check worker: ${worker === 'always' || worker === 'never' ? `${worker} (STAGE2_LENS_LEVER_WORKER)` : 'when the load average leaves a core idle'}`);
  const want = (p: string): boolean => o.parts.length === 0 || o.parts.includes(p);
  if (want('shapes')) {
    for (const shape of TRACE_SHAPES) {
      const title = { evmin: 'tracepoints only (evmin)', basic: 'record-script (basic probes)', full: 'record-script --probes full' }[shape];
      benchTrace(log, o, shapedFile(dir, shape, o.shapeBytes), title);
    }
  }
  if (want('real') && o.realBytes > 0) {
    // one real recording per shape: tracepoints only, record-script --probes full, and kvm events
    // with kprobes and the function tracer
    const real: { name: string; path: string | undefined }[] = [
      { name: 'race4_4k_evmin-vhe.trace (tracepoints only, the evmin event set)', path: sharedPath('traces', 'arm64-nested', 'race4_4k_evmin-vhe.trace') },
      { name: 'race4_4k_fnkp-vhe.trace (kvm events, kprobes, function tracer)', path: sharedPath('traces', 'arm64-nested', 'race4_4k_fnkp-vhe.trace') },
      { name: 's2lens_race4_4k-vhe (recorded by record-script --probes full)', path: join(repoRoot(), 'test', 'fixtures', 'recorded', 's2lens_race4_4k-vhe.trace.gz') },
    ];
    for (const r of real) {
      if (!r.path || !existsSync(r.path)) {
        log(`\n${r.name}: absent, skipped`);
        continue;
      }
      let src = r.path;
      if (src.endsWith('.gz')) {
        const plain = join(dir, 'recorded-vhe.trace');
        if (!existsSync(plain)) await gunzipTo(src, plain);
        src = plain;
      }
      const out = join(dir, `real-${src.split('/').pop()}-${o.realBytes}.trace`);
      repeatTo(src, out, o.realBytes);
      benchTrace(log, o, out, `${r.name}, repeated`);
    }
  }
  if (want('tracedat')) await benchTraceDat(log, o);
  if (want('rss')) benchRss(log, o, dir);
}
