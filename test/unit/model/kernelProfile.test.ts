// Kernel behaviour eras and their detection from what a trace shows (kernel-behaviour.md 5.10, 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectKernel, kernelBehaviour, noKernelEvidence } from '../../../src/core/model/arm64/kernelProfile';

const none = noKernelEvidence();

test('behaviour per era', () => {
  assert.equal(kernelBehaviour('5.13').cmoInFaultPath, true);
  assert.equal(kernelBehaviour('5.14').cmoInFaultPath, false);
  assert.equal(kernelBehaviour('6.2').parallelFaults, true);
  assert.equal(kernelBehaviour('6.2').tableBreakFlushesVmid, true);
  assert.deepEqual([kernelBehaviour('6.5').eagerSplitAvailable, kernelBehaviour('6.5').localRelaxTlbi, kernelBehaviour('6.5').rangeTlbi], [true, true, false]);
  assert.deepEqual([kernelBehaviour('6.6').rangeTlbi, kernelBehaviour('6.6').tableBreakFlushesVmid], [true, false]);
});

test('detection cites the first line that proves an era, and is unknown otherwise', () => {
  assert.deepEqual(detectKernel({ ...none, dcacheBeforeMap: 40 }), { bound: 'at-most', era: '5.13', line: 40, why: detectKernel({ ...none, dcacheBeforeMap: 40 }).why });
  assert.deepEqual([detectKernel({ ...none, dcacheInsideMap: 7 }).era, detectKernel({ ...none, dcacheInsideMap: 7 }).bound], ['5.14', 'at-least']);
  assert.equal(detectKernel({ ...none, lockedBreaks: 1 }).era, '6.2');
  assert.equal(detectKernel({ ...none, nshTlbi: 1 }).era, '6.5');
  assert.equal(detectKernel({ ...none, eagerSplits: 9 }).line, 9);
  assert.equal(detectKernel({ ...none, rangeTlbi: 12, dcacheInsideMap: 3 }).era, '6.6');
  assert.equal(detectKernel({ ...none, rangeTlbi: 12, dcacheInsideMap: 3 }).line, 12);
  // A clean before the map is only possible before 5.14, whatever else the trace shows.
  assert.equal(detectKernel({ ...none, rangeTlbi: 12, dcacheBeforeMap: 5 }).era, '5.13');
  const unknown = detectKernel(none);
  assert.deepEqual([unknown.bound, unknown.era, unknown.line], ['unknown', undefined, undefined]);
});
