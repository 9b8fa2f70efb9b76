import { replayFile, x86Config } from './x86Harness';
async function main() {
  const f = process.argv[2];
  const cfg: Record<string, unknown> = {};
  if (process.argv[3]) cfg.eagerSplitChunk = Number(process.argv[3]);
  if (process.argv[4]) cfg.ignoreEvents = process.argv[4].split(',');
  const r = await replayFile(f, x86Config(cfg));
  console.log('events', r.events, 'rejected', r.rejected.length, 'undecoded', [...r.undecoded]);
  console.log(r.out.detected.join('\n'));
  console.log('byClass', r.out.counters.faults.byClass, 'splits', r.out.counters.splits, 'coalesces', r.out.counters.coalesces);
  for (const s of r.out.x86.segments) {
    console.log(`-- ${s.label.slice(0, 60)} faults=${s.faults} dups=${s.duplicates} fast=${JSON.stringify(s.fast)}`);
    console.log('   outcomes', JSON.stringify(s.outcomes), ' whatIf', JSON.stringify(s.whatIfOutcomes));
    console.log('   dupOut', JSON.stringify(s.duplicateOutcomes), 'findings', JSON.stringify(s.findings), 'trans', JSON.stringify(s.transitions), JSON.stringify(s.splitEvents));
  }
  const codes: Record<string, number> = {};
  for (const f of r.out.findings) codes[f.code] = (codes[f.code] ?? 0) + 1;
  console.log(codes);
}
main();
