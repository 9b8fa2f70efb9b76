// The bench's synthetic trace generator: its output is format-exact (the reader accepts every
// line), seeded (same seed, same bytes), and holds lost races: several vCPUs faulting the same
// IPA, one map returning 0 and the others -EAGAIN, as its summary says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTrace } from '../../bench/generateTrace';
import { collect, fileSource } from './collect';

test('generated traces parse with 0 unrecognised lines and contain lost races', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stage2-lens-gen-'));
  const file = join(dir, 'a.trace');
  const sum = generateTrace(file, { bytes: 400_000, seed: 7 });
  assert.ok(sum.bytes >= 400_000);
  const c = await collect(fileSource(file));
  assert.equal(c.rejected.length, 0, JSON.stringify(c.rejected.slice(0, 2)));
  assert.equal(c.result.lines, sum.lines);
  assert.equal(c.events.length, sum.events);
  const faults = new Map<number, Set<number>>();
  let ok = 0;
  let eagain = 0;
  for (const e of c.events) {
    const d = e.decoded;
    if (d?.kind === 'arm64.kvm_guest_fault' && d.ipa >= 0x40000000) {
      const set = faults.get(d.ipa) ?? new Set<number>();
      set.add(e.pid);
      faults.set(d.ipa, set);
    }
    if (d?.kind === 'kretprobe' && d.op === 'map') {
      if (d.ret === 0) ok++;
      else if (d.ret === -11) eagain++;
    }
  }
  assert.equal(ok, sum.mapOk);
  assert.equal(eagain, sum.mapEagain);
  assert.ok(eagain > 0);
  assert.equal([...faults.values()].reduce((n, s) => n + s.size, 0), sum.dataFaults);
  assert.ok([...faults.values()].some((s) => s.size >= 3), 'some IPA is faulted by 3+ vCPUs');
  const again = join(dir, 'b.trace');
  generateTrace(again, { bytes: 400_000, seed: 7 });
  assert.ok(readFileSync(file).equals(readFileSync(again)), 'seeded: same bytes');
});
