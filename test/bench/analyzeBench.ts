// Bench sections of the analyzer: `analyze` (parse + arm64 replay + findings, the whole facade)
// over the generated trace, and `model-memory` (a 64 GiB guest fully mapped at 4K in the page-table
// model: bytes held and time). Add both to SECTIONS in test/bench/bench.ts.
import { createReadStream } from 'node:fs';
import { createAnalyzer } from '../../src/core/index';
import { computeGeometry } from '../../src/core/model/arm64/geometry';
import { PageTable, PROT_R, PROT_W } from '../../src/core/model/arm64/pageTable';
import type { BenchSection } from './sections/section';

export const analyzeSection: BenchSection = {
  name: 'analyze',
  async run({ file, bytes }) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const a = await createAnalyzer().analyze(createReadStream(file, { highWaterMark: 1 << 20 }));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // On a shared machine wall time mostly measures the neighbours: CPU time is the steadier figure.
    const cpu = process.cpuUsage(c0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const byClass = Object.entries(a.counters.faults.byClass).map(([k, v]) => `${k}=${v}`).join(' ');
    return { label: 'analyze (parse+replay+findings)', seconds, bytes, events: a.stats.lines.events, notes: `cpu ${cpuSeconds.toFixed(2)} s (${(bytes / 1e6 / cpuSeconds).toFixed(0)} MB/s cpu); ${a.counters.faults.total} faults, ${a.findings.length} findings (${byClass}); ${a.marks.length} timeline marks kept (${(a.marks.memoryBytes() / 2 ** 20).toFixed(0)} MiB of columns), ${a.marks.dropped} dropped` };
  },
};

export const modelMemorySection: BenchSection = {
  name: 'model-memory',
  async run() {
    const before = process.memoryUsage();
    const t0 = process.hrtime.bigint();
    const pt = new PageTable(computeGeometry(4096, 40), { fwb: true, dic: false, tlbiRange: true, bbmLevel: 0, localRelaxTlbi: true, cmoInPgtable: true, tableBreakFlushesVmid: false });
    const guest = 64 * 2 ** 30;
    const ctx = { line: 1, actor: 1 };
    for (let ipa = 0x40000000; ipa < 0x40000000 + guest; ipa += 4096) pt.map(ipa, 4096, PROT_R | PROT_W, ctx);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const after = process.memoryUsage();
    const held = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    return {
      label: 'model: 64 GiB guest mapped at 4K',
      seconds,
      bytes: 0,
      events: guest / 4096,
      notes: `${(held / 2 ** 20).toFixed(0)} MiB held (heap+typed arrays), model estimate ${(pt.memoryBytes() / 2 ** 20).toFixed(0)} MiB, ${pt.leavesPerLevel[3]} leaves`,
    };
  },
};
