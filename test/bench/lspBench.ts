// Large-file figures for the language server (`npm run bench` may call lspBench): generates a trace
// of N MB (default 500) by repeating ../shared/traces/arm64-nested/race4_4k-vhe.trace with shifted
// timestamps (scripts/repeat-trace.mjs), opens it the way VS Code does for files over 50 MB (by URI,
// `stage2Lens/largeFiles`, read from disk by the server) and prints the time to the first
// diagnostics, the whole analysis's MB/s, the server's peak RSS and the timeline's requests over
// the protocol. Prints; asserts nothing.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, sharedPath } from '../support/shared';
import type { ProtocolConnection } from 'vscode-languageserver-protocol';
import { TimelineInfoRequest, TimelineWindowRequest } from '../../src/shared/requests';
import type { TimeRange } from '../../src/shared/timelineProtocol';
import { fileUri, startServer } from '../lsp/lspHarness';
import { percentile } from './windowQueryTiming';

function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The timeline's requests as the panel sends them: info (builds the index), then zoom and pan windows at 1600 px. */
async function timelineOverLsp(connection: ProtocolConnection, uri: string, log: (line: string) => void): Promise<void> {
  let t = performance.now();
  const info = await connection.sendRequest(TimelineInfoRequest, { uri });
  log(`lsp: timeline info (the index built on first use) in ${(performance.now() - t).toFixed(0)} ms: ${info.markCount.toLocaleString('en')} marks, ${info.lanes.length} lanes${info.marksDropped ? `, ${info.marksDropped.count} dropped` : ''}`);
  const { t0, t1 } = info.extent;
  const span = t1 - t0;
  const ranges: TimeRange[] = [];
  for (let k = 0; k <= 20; k++) {
    const w = span / Math.pow(1000, k / 20);
    ranges.push({ t0: t0 + span / 2 - w / 2, t1: t0 + span / 2 + w / 2 });
  }
  for (let k = 0; k < 20; k++) ranges.push({ t0: t0 + (k / 20) * (span * 0.9), t1: t0 + (k / 20) * (span * 0.9) + span / 10 });
  const roundTrip: number[] = [];
  const server: number[] = [];
  for (const r of ranges) {
    t = performance.now();
    const w = await connection.sendRequest(TimelineWindowRequest, { uri, ...r, width: 1600 });
    roundTrip.push(performance.now() - t);
    if (!w) throw new Error(`the server answered no window for ${r.t0}..${r.t1}`);
    server.push(w.elapsedMs);
  }
  const fmt = (xs: number[]) => `median ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  log(`lsp: timeline window at 1600 px, ${ranges.length} zoom/pan queries: in the server ${fmt(server)}; round trip with JSON over stdio ${fmt(roundTrip)}`);
}

export async function lspBench(log: (line: string) => void = console.log, sizeMb = Number(process.env.LSP_BENCH_MB ?? 500)): Promise<void> {
  const source = sharedPath('traces', 'arm64-nested', 'race4_4k-vhe.trace');
  if (!source) {
    log('lsp: ../shared/traces/arm64-nested/race4_4k-vhe.trace is absent: skipped');
    return;
  }
  const path = join(tmpdir(), `stage2-lens-bench-${sizeMb}MB.trace`);
  if (!existsSync(path) || statSync(path).size < sizeMb * 1e6) {
    const t = performance.now();
    // One generator for this bench and the end-to-end timeline step: scripts/repeat-trace.mjs.
    const gen = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'repeat-trace.mjs'), source, path, String(sizeMb * 1e6)], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`scripts/repeat-trace.mjs failed: ${gen.stderr}`);
    log(`lsp: generated ${path} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const bytes = statSync(path).size;
  // Warm the page cache so the figure is the server's, not the disk's.
  for await (const _chunk of createReadStream(path, { highWaterMark: 1 << 20 })) void _chunk;
  const h = await startServer({}, { workDoneProgress: true });
  try {
    const uri = fileUri(path);
    let rssSamples = 0;
    let rssMax = 0;
    const sampler = setInterval(() => {
      const r = peakRssMb(h.child.pid ?? 0);
      if (r !== undefined) [rssMax, rssSamples] = [Math.max(rssMax, r), rssSamples + 1];
    }, 100);
    const t0 = performance.now();
    const firstDiagnostics = h.diagnostics(uri, (d) => d.length > 0).then(() => performance.now() - t0);
    const done = h.status(uri, (s) => (s.kind === 'ready' && !s.partial) || s.kind === 'failed');
    await h.connection.sendNotification('stage2Lens/largeFiles', { uris: [uri] });
    const status = await done;
    const total = performance.now() - t0;
    clearInterval(sampler);
    const first = await Promise.race([firstDiagnostics, Promise.resolve(undefined)]);
    const mb = bytes / 1e6;
    log(`lsp: ${mb.toFixed(0)} MB trace read from disk by the server: ${status.kind === 'ready' ? `${status.findings} findings, ${status.faults} faults` : `failed (${status.kind === 'failed' ? status.message : ''})`}`);
    log(`lsp: first diagnostics after ${first === undefined ? 'n/a' : `${(first / 1000).toFixed(2)} s`} (target <= 3 s)`);
    log(`lsp: whole analysis ${(total / 1000).toFixed(1)} s = ${(mb / (total / 1000)).toFixed(0)} MB/s (target >= 100 MB/s)`);
    log(`lsp: server peak RSS ${peakRssMb(h.child.pid ?? 0)?.toFixed(0) ?? 'n/a'} MB (VmHWM; target <= 500 MB)`);
    const hoverStart = performance.now();
    await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: Math.floor(bytes / 110), character: 0 } });
    log(`lsp: hover near the end of the file answered in ${(performance.now() - hoverStart).toFixed(0)} ms`);
    await timelineOverLsp(h.connection, uri, log);
  } finally {
    await h.close();
  }
  // The same file through the engine alone, in a fresh process: what the server adds on top.
  const core = join(__dirname, '..', '..', 'src', 'core', 'index.js');
  const script = `const t=performance.now();require(${JSON.stringify(core)}).createAnalyzer().analyze(require('fs').createReadStream(${JSON.stringify(path)},{highWaterMark:1<<20}),{}).then(a=>console.log(JSON.stringify({s:(performance.now()-t)/1000,findings:a.findings.length,rss:process.resourceUsage().maxRSS/1024})))`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  try {
    const r = JSON.parse(child.stdout) as { s: number; findings: number; rss: number };
    log(`lsp: engine alone (createAnalyzer in a fresh process): ${r.s.toFixed(1)} s = ${(bytes / 1e6 / r.s).toFixed(0)} MB/s, peak RSS ${r.rss.toFixed(0)} MB, ${r.findings} findings`);
  } catch {
    log(`lsp: engine-alone run failed: ${child.stderr.slice(0, 300)}`);
  }
}

if (require.main === module) void lspBench();
