// AnalyzeOptions.onEarlyFindings: on a large input it fires once, early (after the first few MB,
// while most of the input is still unread, within the 3 s an editor allows for first diagnostics),
// with the findings known so far: a subset of the final findings, labelled the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnalyzer, type Finding } from '../../../src/core/index';
import { ESR, TraceBuilder } from './traceBuilder';

const PAIRS = 24_000; // two vCPUs fault on the same fresh page: one lost race (S1) per pair, about 13 MB
const CHUNK = 256 * 1024;

test('onEarlyFindings fires once, early, with the findings so far', async () => {
  const b = new TraceBuilder();
  b.raw(306, 'kvm_timer_update_irq', 'VCPU: 0, IRQ 27, level 0').raw(307, 'kvm_timer_update_irq', 'VCPU: 1, IRQ 27, level 0');
  b.entry(306).entry(307);
  for (let i = 0; i < PAIRS; i++) {
    const ipa = 0x40000000 + i * 0x1000;
    b.exit(306).fault(306, ipa, ESR.transL3w).exit(307).fault(307, ipa, ESR.transL3w).entry(306).entry(307);
  }
  const bytes = new TextEncoder().encode(b.text());
  assert.ok(bytes.length > 12 * 2 ** 20, `input is ${bytes.length} bytes`);
  let served = 0;
  const source = {
    async *[Symbol.asyncIterator]() {
      for (let o = 0; o < bytes.length; o += CHUNK) {
        served = Math.min(bytes.length, o + CHUNK);
        yield bytes.subarray(o, served);
      }
    },
  };
  const calls: { findings: Finding[]; servedAt: number; ms: number }[] = [];
  const t0 = Date.now();
  const a = await createAnalyzer().analyze(source, { onEarlyFindings: (findings) => calls.push({ findings, servedAt: served, ms: Date.now() - t0 }) });
  assert.equal(a.counters.faults.byClass.S1, PAIRS);
  assert.equal(a.findings.length, 5000); // listed findings are capped per class
  assert.equal(calls.length, 1);
  const early = calls[0];
  assert.ok(early.servedAt < bytes.length * 0.8, `fired after ${early.servedAt} of ${bytes.length} bytes`);
  assert.ok(early.ms < 3000, `fired after ${early.ms} ms`);
  assert.ok(early.findings.length > 1000, `${early.findings.length} early findings`);
  assert.ok(early.findings.length <= a.findings.length);
  const final = new Map(a.findings.map((f) => [f.line, f]));
  for (const f of early.findings) {
    const g = final.get(f.line);
    assert.ok(g, `early finding at line ${f.line} is in the final analysis`);
    assert.equal(f.code, 'S1-lost-race');
    assert.equal(f.vcpu, g.vcpu);
  }
});
