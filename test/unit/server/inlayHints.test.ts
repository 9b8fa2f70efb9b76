// ESR inlay hints: placed right after each hsr/esr value, decoded by core's decodeEsr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEsrHints } from '../../../src/server/inlayHints';

test('hints follow hsr/esr values with the decoded class, level and direction', () => {
  const lines = [
    '  kvmtest-207 [003] .....  17.292912: kvm_guest_fault: ipa 0x10000000, hsr 0x82000005, hxfar 0x10000000, pc 0x10',
    '  kvmtest-207 [003] .....  17.304062: kvm_guest_fault: ipa 0x100000, hsr 0x93c38046, hxfar 0x100000, pc 0x10',
    '  kvmtest-207 [003] .....  17.304070: kvm_entry: PC: 0x0000000010000074',
    '  vendor [001] .... 1.0: kvm_guest_fault: ipa 0x8000000, esr=0x9200004f, far 0x8000420',
    '  s2 [001] .... 1.0: kvm_handle_sys_reg: HSR 0x62000000',
  ];
  const hints = buildEsrHints(lines, 100);
  assert.deepEqual(hints.map((h) => [h.position.line, h.position.character, h.label]), [
    [99, lines[0].indexOf('0x82000005') + 10, 'IABT_LOW translation L1 X'],
    [100, lines[1].indexOf('0x93c38046') + 10, 'DABT_LOW translation L2 W'],
    [102, lines[3].indexOf('0x9200004f') + 10, 'DABT_LOW permission L3 W'],
  ]);
});

test('64-bit values decode their low 32 bits; lines without a value give nothing', () => {
  assert.deepEqual(buildEsrHints(['x: hsr 0x0000000193c38046'], 1).map((h) => h.label), ['DABT_LOW translation L2 W']);
  assert.deepEqual(buildEsrHints(['no value here: hsr', '', 'esr'], 1), []);
});
