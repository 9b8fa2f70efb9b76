// What a bench section is: one measured job over the generated trace, run in its own child
// process (so peak RSS and JIT state are its own). bench.ts lists the sections; adding one is
// one file under test/bench/sections/ plus one line in SECTIONS.

export interface SectionContext {
  /** The generated trace file. */
  file: string;
  bytes: number;
}

export interface SectionResult {
  /** One-line label, e.g. `tokenize+decode`. */
  label: string;
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds of the child process (user + system): the figure that matters on a loaded machine. */
  cpuSeconds?: number;
  bytes: number;
  events: number;
  /** Anything else worth printing (counts that show the work was really done). */
  notes?: string;
}

export interface BenchSection {
  name: string;
  run(ctx: SectionContext): Promise<SectionResult>;
}
