// `npm run bench`: the command bench (test/bench/cliBench.ts): the bundled CLI timed as whole
// processes, paired with the naive baseline, on traces of the three recorded shapes and real traces
// repeated to 1 GB, trace.dat against trace-cmd, and peak RSS as the input grows. Options:
//   --shape-size 20m  --real-size 40m (0: skip)  --pairs 3  --rss 20m,100m (none: skip)  --busy N
//   --only shapes,real,tracedat,rss
// The defaults finish in a few minutes on a busy 2-core machine; the issue's figures take
// `--shape-size 200m --real-size 1g --rss 100m,2g` (about an hour there).
// `npm run bench -- --sections a,b [<size>...] [--seed N]`: the in-process benches instead: seeded
// synthetic traces under os.tmpdir(), each section in its own child process, printing MB/s
// (MB = 10^6 bytes), events/s and peak RSS, plus tokenize+decode against the naive baseline.
// Sizes: `1g` (default), `100m`, `512m`, ... Sections live in test/bench/sections/, one per file;
// then the trace.dat, timeline (10 M marks) and language-server benches (`--sections` picks any subset).
import { fork } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTrace } from './generateTrace';
import { naiveSection } from './sections/naiveSection';
import { parseSection, parseTextSection } from './sections/parseSection';
import type { BenchSection, SectionResult } from './sections/section';
import { analyzeSection, modelMemorySection } from './analyzeBench';
import { cliBench, type CliBenchOptions } from './cliBench';
import { availableParallelism } from 'node:os';
import { repoRoot } from '../support/shared';

/** Every section run on each generated trace size, in run order (each in its own child process). */
export const SECTIONS: BenchSection[] = [parseSection, naiveSection, parseTextSection, analyzeSection, modelMemorySection];

/** Benches with inputs of their own (a real trace.dat, 10 M timeline marks, a 500 MB trace through the server), run once after the sized sections; `trace()` is the first sized trace (generated when missing). */
// Loaded only when run, in the parent: their modules (esbuild, playwright-core) would otherwise
// count in every section child's peak RSS. `require`, since the per-file build is CommonJS.
/* eslint-disable @typescript-eslint/no-require-imports */
const WHOLE_BENCHES: { name: string; run: (trace: () => string) => Promise<void> }[] = [
  { name: 'tracedat', run: () => (require('./tracedatBench') as typeof import('./tracedatBench')).runTracedatBench(console.log) },
  { name: 'timeline', run: () => (require('./timelineBench') as typeof import('./timelineBench')).timelineBench(console.log) },
  { name: 'timeline-real', run: (trace) => (require('./timelineRealBench') as typeof import('./timelineRealBench')).timelineRealBench(console.log, trace()) },
  { name: 'lsp', run: () => (require('./lspBench') as typeof import('./lspBench')).lspBench(console.log) },
];
/* eslint-enable @typescript-eslint/no-require-imports */

interface ChildReply {
  result: SectionResult;
  maxRssKb: number;
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s} (try 100m or 1g)`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

function traceFor(bytes: number, seed: number): string {
  const file = join(tmpdir(), `stage2-lens-bench-${bytes}-s${seed}.trace`);
  if (existsSync(file) && statSync(file).size >= bytes) return file;
  const t0 = Date.now();
  const g = generateTrace(file, { bytes, seed });
  console.log(`generated ${file}: ${(g.bytes / 1e6).toFixed(0)} MB, ${g.lines} lines, ${g.passes} passes, ${g.dataFaults} data faults, map ret=0 ${g.mapOk} / ret=-11 ${g.mapEagain} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return file;
}

function runChild(section: string, file: string): Promise<ChildReply> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', section, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let reply: ChildReply | undefined;
    child.on('message', (m) => (reply = m as ChildReply));
    child.on('error', reject);
    child.on('exit', (code) => (reply && code === 0 ? resolve(reply) : reject(new Error(`section ${section} exited with ${code}`))));
  });
}

async function childMain(name: string, file: string): Promise<void> {
  const section = SECTIONS.find((s) => s.name === name);
  if (!section) throw new Error(`unknown section ${name}`);
  const c0 = process.cpuUsage();
  const result = await section.run({ file, bytes: statSync(file).size });
  const c = process.cpuUsage(c0);
  result.cpuSeconds ??= (c.user + c.system) / 1e6;
  process.send?.({ result, maxRssKb: process.resourceUsage().maxRSS } satisfies ChildReply);
}

function fmt(r: SectionResult, rssKb: number): string {
  const mbs = r.bytes / 1e6 / r.seconds;
  const cpu = r.cpuSeconds ?? r.seconds;
  return `  ${r.label.padEnd(42)} ${mbs.toFixed(1).padStart(7)} MB/s wall, ${(r.bytes / 1e6 / cpu).toFixed(1).padStart(7)} MB/s CPU  ${(r.events / cpu / 1e6).toFixed(2).padStart(5)} M events/s  peak RSS ${(rssKb / 1024).toFixed(0).padStart(4)} MB  (${r.seconds.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU${r.notes ? `; ${r.notes}` : ''})`;
}

/** `npm run bench` without --sections: the whole-process command bench. */
async function commandBench(argv: string[]): Promise<void> {
  const o: CliBenchOptions = { shapeBytes: 20e6, realBytes: 40e6, pairs: 3, rssBytes: [20e6, 100e6], busy: availableParallelism(), parts: [], cli: join(repoRoot(), 'dist', 'cli', 'main.js') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--shape-size': o.shapeBytes = parseSize(v); i++; break;
      case '--real-size': o.realBytes = v === '0' ? 0 : parseSize(v); i++; break;
      case '--pairs': o.pairs = Math.max(1, Number(v)); i++; break;
      case '--rss': o.rssBytes = v === 'none' ? [] : v.split(',').map(parseSize); i++; break;
      case '--busy': o.busy = Number(v); i++; break;
      case '--only': o.parts = v.split(','); i++; break;
      case '--cli': o.cli = v; i++; break;
      default: throw new Error(`unknown option ${argv[i]} (see the header of test/bench/bench.ts)`);
    }
  }
  await cliBench(console.log, o);
}

async function main(argv: string[]): Promise<void> {
  const ci = argv.indexOf('--child');
  if (ci >= 0) return childMain(argv[ci + 1], argv[ci + 2]);
  if (!argv.includes('--sections')) return commandBench(argv);
  const sizes: number[] = [];
  let only: string[] | undefined;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sections') only = argv[++i].split(',');
    else if (argv[i] === '--seed') seed = Number(argv[++i]);
    else sizes.push(parseSize(argv[i]));
  }
  if (sizes.length === 0) sizes.push(1e9);
  const sections = SECTIONS.filter((s) => !only || only.includes(s.name));
  console.log(`node ${process.version}, in-process figures, one core per section (child process); timings on a shared machine are noisy`);
  for (const bytes of sections.length ? sizes : []) {
    const file = traceFor(bytes, seed);
    console.log(`\n${file} (${(statSync(file).size / 1e6).toFixed(0)} MB):`);
    const results = new Map<string, ChildReply>();
    for (const s of sections) {
      const r = await runChild(s.name, file);
      results.set(s.name, r);
      console.log(fmt(r.result, r.maxRssKb));
    }
    const p = results.get('parse');
    const n = results.get('naive');
    if (p && n) {
      const cpu = (r: SectionResult): number => r.cpuSeconds ?? r.seconds;
      console.log(`  tokenize+decode vs naive baseline: ${(n.result.seconds / p.result.seconds).toFixed(2)}x wall, ${(cpu(n.result) / cpu(p.result)).toFixed(2)}x CPU`);
    }
  }
  for (const b of WHOLE_BENCHES.filter((w) => !only || only.includes(w.name))) {
    console.log(`\n${b.name}:`);
    await b.run(() => traceFor(sizes[0], seed));
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
