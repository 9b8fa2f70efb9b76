// Bench section `parse`: readTrace (line framing, context prefix, decoders) over the file, with a
// sink that reads every event's decoded payload so lazy decoding could not skip work.
import { createReadStream } from 'node:fs';
import { readTrace } from '../../../src/core/parse/readTrace';
import type { BenchSection } from './section';

export const parseSection: BenchSection = {
  name: 'parse',
  async run({ file, bytes }) {
    let events = 0;
    let decoded = 0;
    let rejected = 0;
    const t0 = process.hrtime.bigint();
    await readTrace(createReadStream(file, { highWaterMark: 1 << 20 }), {
      event(ev) {
        events++;
        if (ev.decoded !== undefined) decoded++;
      },
      rejected() {
        rejected++;
      },
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { label: 'tokenize+decode (readTrace)', seconds, bytes, events, notes: `${decoded} decoded, ${rejected} rejected` };
  },
};
