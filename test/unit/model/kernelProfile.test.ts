// Kernel behaviour eras and their detection from what a trace shows (domain.md 5.10, 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectKernel, kernelBehaviour } from '../../../src/core/model/kernelProfile';

const none = { dcacheAfterSuccessfulMap: 0, dcacheWithoutMap: 0, nshTlbi: 0, rangeTlbi: 0, lockedBreaks: 0, eagerSplits: 0 };

test('behaviour per era', () => {
  assert.equal(kernelBehaviour('5.13').cmoInFaultPath, true);
  assert.equal(kernelBehaviour('5.14').cmoInFaultPath, false);
  assert.equal(kernelBehaviour('6.2').parallelFaults, true);
  assert.equal(kernelBehaviour('6.2').tableBreakFlushesVmid, true);
  assert.deepEqual([kernelBehaviour('6.5').eagerSplitAvailable, kernelBehaviour('6.5').localRelaxTlbi, kernelBehaviour('6.5').rangeTlbi], [true, true, false]);
  assert.deepEqual([kernelBehaviour('6.6').rangeTlbi, kernelBehaviour('6.6').tableBreakFlushesVmid], [true, false]);
});

test('detection from evidence', () => {
  assert.equal(detectKernel({ ...none, dcacheWithoutMap: 3 }).profile, '5.13');
  assert.equal(detectKernel({ ...none, dcacheAfterSuccessfulMap: 3 }).profile, '5.14');
  assert.equal(detectKernel({ ...none, lockedBreaks: 1 }).profile, '6.2');
  assert.equal(detectKernel({ ...none, nshTlbi: 1 }).profile, '6.5');
  assert.equal(detectKernel({ ...none, rangeTlbi: 1, dcacheAfterSuccessfulMap: 1 }).profile, '6.6');
  assert.match(detectKernel(none).why, /no evidence/);
});
