// The naive baseline of issue #16, run as a whole process by the command bench: readline over a
// file stream plus one regular expression per line, counting lines and matches.
//   node dist/test/bench/naiveBaseline.js <trace>
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const LINE = /^\s*(.+)-(\d+)\s+(?:\(\s*\d+\)\s+)?\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+):\s+([\w.]+)(?::\s?(.*)|\s+<-(.*))$/;

export async function naiveCount(file: string): Promise<{ lines: number; matches: number }> {
  let lines = 0;
  let matches = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    lines++;
    if (LINE.test(line)) matches++;
  }
  return { lines, matches };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node naiveBaseline.js <trace>');
    process.exit(2);
  }
  void naiveCount(file).then((r) => console.log(`${r.lines} lines, ${r.matches} matches`));
}
