// x86 SPTE bits and transitions, checked on values copied from the real x86-nested traces
// (AMD NPT, Debian 6.12): present bit 11, PS bit 7, W bit 1, D bit 6, Host-/MMU-writable 9/10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTransition, decodeSpte, splitChildSpte, sptePerms } from '../../../src/core/model/x86/spte';
import { alignGfn, gpaBitsForRootLevel, levelSizeName, pagesPerEntry, rootLevelForGpaBits } from '../../../src/core/model/x86/geometry';

test('decodes NPT SPTEs: a write-protected 2M page that stays MMU-writable, and one protected by KVM_CLEAR_DIRTY_LOG', () => {
  const wp = decodeSpte(0xe600ee5n, 2, 'npt');
  assert.deepEqual(
    { present: wp.present, leaf: wp.leaf, huge: wp.huge, writable: wp.writable, dirty: wp.dirty, accessed: wp.accessed, mmuWritable: wp.mmuWritable, hostWritable: wp.hostWritable, pfn: wp.pfn },
    { present: true, leaf: true, huge: true, writable: false, dirty: true, accessed: true, mmuWritable: true, hostWritable: true, pfn: 0xe600 },
  );
  const cleared = decodeSpte(0xf600ae5n, 2, 'npt');
  assert.equal(cleared.mmuWritable, false);
  assert.equal(cleared.hostWritable, true);
  assert.equal(decodeSpte(0x8000000000000000n, 1).present, false, 'SHADOW_NONPRESENT_VALUE is not present');
  assert.equal(decodeSpte(0xcbaf827n, 4).leaf, false, 'a level-4 pointer');
});

test('EPT keeps A/D at bits 8/9 and the KVM flags at 57/58', () => {
  const v = (1n << 58n) | (1n << 57n) | (1n << 11n) | (1n << 9n) | (1n << 8n) | 0x7n;
  const i = decodeSpte(v, 1, 'ept');
  assert.deepEqual([i.writable, i.accessed, i.dirty, i.mmuWritable, i.hostWritable], [true, true, true, true, true]);
  assert.equal(decodeSpte(v, 1, 'npt').mmuWritable, false, 'bit 10 is clear');
});

test('classifies old/new pairs as the ground truth does', () => {
  assert.equal(classifyTransition(0x8000000000000000n, 0x358ee67n, 1), 'map');
  assert.equal(classifyTransition(0x8000000000000000n, 0x4854827n, 3), 'link');
  assert.equal(classifyTransition(0x358ee67n, 0x358ee27n, 1), 'clear-dirty');
  assert.equal(classifyTransition(0xe600ee7n, 0xe600ee5n, 2), 'wrprot');
  assert.equal(classifyTransition(0xe600ee7n, 0xe600ae5n, 2), 'wrprot');
  assert.equal(classifyTransition(0xe600e65n, 0xe600e67n, 1), 'unwp');
  assert.equal(classifyTransition(0xe600ee5n, 0xbfec4827n, 2), 'split');
  assert.equal(classifyTransition(0x358ee67n, 0x8000000000000000n, 1), 'zap');
  assert.equal(classifyTransition(0xbfec4827n, 0x8000000000000000n, 2), 'unlink');
  assert.equal(classifyTransition(0x1000e67n, 0x2000e67n, 1), 'remap');
  assert.equal(classifyTransition(0x358ee67n, 0x358ee67n, 1), 'unchanged');
});

test('split children inherit the huge SPTE bits (PS dropped, pfn offset)', () => {
  assert.equal(splitChildSpte(0xe600ee5n, 2, 0), 0xe600e65n);
  assert.equal(splitChildSpte(0xe600ee5n, 2, 1), 0xe601e65n);
  assert.equal(splitChildSpte(0xf600ae5n, 2, 1), 0xf601a65n, 'no MMU-writable in the child either');
  assert.equal(sptePerms(0xe600e67n, 1), 'rwx');
  assert.equal(sptePerms(0xe600e65n, 1), 'r-x');
});

test('geometry: 4 or 5 levels, 2M and 1G huge pages, gfns beyond 32 bits', () => {
  assert.equal(gpaBitsForRootLevel(4), 48);
  assert.equal(gpaBitsForRootLevel(5), 57);
  assert.equal(rootLevelForGpaBits(52), 5);
  assert.equal(pagesPerEntry(2), 512);
  assert.equal(pagesPerEntry(3), 262144);
  assert.equal(levelSizeName(3), '1G');
  assert.equal(alignGfn(0x40001, 2), 0x40000);
  assert.equal(alignGfn(0x1_0000_0203, 2), 0x1_0000_0200);
});
