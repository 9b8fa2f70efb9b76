// Property (issue #20): a real trace re-wrapped at 60-80 columns as mail clients do, quoted with
// `> `, or quoted-printable encoded reads to the same events as the original (same name, time,
// CPU, task and decoded fields), whatever the width.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TraceEvent } from '../../../src/core/parse/types';
import { repoRoot, sharedPath } from '../../support/shared';
import { collect } from './collect';

/** Greedy mail wrapping: break at the last space within the width (never inside the leading indent). */
export function wrapLine(line: string, width: number): string[] {
  const out: string[] = [];
  let s = line;
  while (s.length > width) {
    const indent = s.length - s.trimStart().length;
    let sp = s.lastIndexOf(' ', width);
    if (sp <= indent) sp = s.indexOf(' ', width);
    if (sp < 0) break;
    let cut = sp;
    while (cut > indent && s.charCodeAt(cut - 1) === 32) cut--;
    out.push(s.slice(0, cut));
    s = s.slice(sp + 1).trimStart();
  }
  out.push(s);
  return out;
}

/** RFC 2045 6.7 quoted-printable with soft line breaks at 76 columns. */
export function quotedPrintable(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      const enc = l.replace(/=/g, '=3D').replace(/[ \t]$/, (c) => (c === ' ' ? '=20' : '=09'));
      const pieces: string[] = [];
      let s = enc;
      while (s.length > 76) {
        let cut = 75;
        // never split an =XX escape
        if (s[cut - 1] === '=') cut -= 1;
        else if (s[cut - 2] === '=') cut -= 2;
        pieces.push(`${s.slice(0, cut)}=`);
        s = s.slice(cut);
      }
      pieces.push(s);
      return pieces.join('\n');
    })
    .join('\n');
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);
function fingerprint(e: TraceEvent): string {
  const d = e.decoded === undefined ? undefined : { ...e.decoded, raw: undefined };
  return JSON.stringify([e.name, e.ts, e.cpu, e.pid, e.task, d], bigintJson);
}

function corpus(): { name: string; text: string }[] {
  const files = [join(repoRoot(), 'test', 'fixtures', 'example.trace')];
  for (const f of ['30_x86-vmx-nested-mmio-idt-vectoring-loop-6.12.txt', '04_x86-amd-npt-kvm_mmu_set_spte_trace-cmd-report.txt', '42_x86-kvm_mmu_get_page-tdp_mmu-stacktrace-trace-cmd-start.txt']) {
    const p = sharedPath('traces', 'public', f);
    if (p) files.push(p);
  }
  return files.map((f) => ({ name: f, text: readFileSync(f, 'utf8') }));
}

test('a real trace re-wrapped at 60-80 columns reads to the same events', async () => {
  for (const { name, text } of corpus()) {
    const original = (await collect(text)).events.map(fingerprint);
    assert.ok(original.length > 0, name);
    for (const width of [60, 64, 68, 72, 76, 80]) {
      const wrapped = text.split('\n').flatMap((l) => wrapLine(l, width)).join('\n');
      const c = await collect(wrapped);
      assert.deepEqual(c.events.map(fingerprint), original, `${name} wrapped at ${width}`);
    }
  }
});

test('a real trace quoted with "> " (and ">> ") reads to the same events', async () => {
  for (const { name, text } of corpus()) {
    const original = (await collect(text)).events.map(fingerprint);
    for (const mark of ['> ', '>> ', '> > ']) {
      const c = await collect(text.split('\n').map((l) => `${mark}${l}`).join('\n'));
      assert.deepEqual(c.events.map(fingerprint), original, `${name} quoted with "${mark}"`);
      assert.ok((c.result.repairs?.unquoted ?? 0) > 0);
    }
  }
});

test('a real trace quoted-printable encoded (a saved mail) reads to the same events', async () => {
  for (const { name, text } of corpus()) {
    const original = (await collect(text)).events.map(fingerprint);
    const mail = `Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n${quotedPrintable(text)}`;
    const c = await collect(mail);
    assert.deepEqual(c.events.map(fingerprint), original, `${name} quoted-printable`);
    assert.ok((c.result.repairs?.quotedPrintable ?? 0) > 0);
  }
});
