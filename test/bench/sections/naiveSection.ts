// Bench section `naive`: the baseline the reader must beat by 2x — node:readline plus one regular
// expression per line (kernel-behaviour.md 1.2's recommended prefix regex), one object per matched line.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BenchSection } from './section';

const LINE = /^\s*(?<comm>.+?)-(?<pid>\d+)\s+(?:\(\s*(?<tgid>\d+|-------)\)\s+)?\[(?<cpu>\d{3})\]\s+(?:(?<flags>[.dDbXBNLnplZzHhs0-9a-f]{4,5})\s+)?(?<ts>\d+\.\d+|\d+):\s(?<rest>.*)$/;

export const naiveSection: BenchSection = {
  name: 'naive',
  async run({ file, bytes }) {
    let events = 0;
    let keep = 0;
    const t0 = process.hrtime.bigint();
    const rl = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const line of rl) {
      const m = LINE.exec(line);
      if (m === null || m.groups === undefined) continue;
      const g = m.groups;
      const ev = { task: g.comm, pid: Number(g.pid), cpu: Number(g.cpu), ts: Number(g.ts), rest: g.rest };
      events++;
      keep += ev.pid & 1;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { label: 'naive baseline (readline + 1 regex/line)', seconds, bytes, events, notes: `checksum ${keep}` };
  },
};
