// Bench section `parse`: readTrace (line framing, context prefix, decoders) over the file, with a
// sink that reads every event's decoded payload so lazy decoding could not skip work; `parse-text`
// runs the same with the byte fast path off (every line through the string path, as before it).
import { createReadStream } from 'node:fs';
import { readTrace } from '../../../src/core/read/readTrace';
import type { BenchSection, SectionContext, SectionResult } from './section';

async function runParse({ file, bytes }: SectionContext, bytePath: boolean): Promise<SectionResult> {
  let events = 0;
  let decoded = 0;
  let rejected = 0;
  const t0 = process.hrtime.bigint();
  await readTrace(
    createReadStream(file, { highWaterMark: 1 << 20 }),
    {
      event(ev) {
        events++;
        if (ev.decoded !== undefined) decoded++;
      },
      rejected() {
        rejected++;
      },
    },
    { bytePath },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const label = bytePath ? 'tokenize+decode (readTrace)' : 'tokenize+decode, string path only';
  return { label, seconds, bytes, events, notes: `${decoded} decoded, ${rejected} rejected` };
}

export const parseSection: BenchSection = {
  name: 'parse',
  run: (ctx) => runParse(ctx, true),
};

export const parseTextSection: BenchSection = {
  name: 'parse-text',
  run: (ctx) => runParse(ctx, false),
};
