// The replays take a trace's line numbers for its order: a map, an unmap or a fault "before" another
// is one on an earlier line (and the hover's state history is indexed by line). A file read in time
// order rather than in file order (read/timeOrder.ts: lines grouped by CPU) therefore reaches the
// replays with lines numbered in the order they are replayed, and this maps what the replays say
// back to the file's own lines: every line field of the output, "line N" in its sentences, and the
// hover's lookups.
import type { SpecialLine, TraceEvent } from '../parse/types';
import type { ReplayOutput } from './replayer';
import type { X86ReplayOutput } from './x86/types';

const LINE_REF = /\bline (\d+)/g;

export class ReplayLineOrder {
  /** File line of each replay line (index = replay line). */
  private toFile = new Uint32Array(1024);
  private n = 0;

  private next(fileLine: number): number {
    if (++this.n >= this.toFile.length) {
      const grown = new Uint32Array(this.toFile.length * 2);
      grown.set(this.toFile);
      this.toFile = grown;
    }
    this.toFile[this.n] = fileLine;
    return this.n;
  }

  /** The event as the replays see it: numbered in replay order. */
  event(ev: TraceEvent): TraceEvent {
    return { ...ev, line: this.next(ev.line) };
  }

  special(s: SpecialLine): SpecialLine {
    return { ...s, line: this.next(s.line) };
  }

  fileLine(replayLine: number): number {
    return replayLine > 0 && replayLine <= this.n ? this.toFile[replayLine]! : replayLine;
  }

  /** The replay output with the file's line numbers, and a hover lookup that takes them. */
  mapOutput<T extends ReplayOutput>(out: T, fileLines: number): T {
    const line = (l: number): number => this.fileLine(l);
    const text = (s: string): string => s.replace(LINE_REF, (_, d: string) => `line ${this.fileLine(Number(d))}`);
    const findings = out.findings.map((f) => ({ ...f, line: line(f.line), message: text(f.message), related: f.related.map((r) => ({ line: line(r.line), message: text(r.message) })) }));
    out.marks.mapLines(line);
    const x86 = (out as Partial<X86ReplayOutput>).x86;
    // Replay line of each file line: a file line that no replayed line is takes the state of the
    // closest replayed line before it in the file.
    const toReplay = new Uint32Array(fileLines + 2);
    for (let r = 1; r <= this.n; r++) toReplay[this.toFile[r]!] = r;
    for (let l = 1; l < toReplay.length; l++) if (toReplay[l] === 0) toReplay[l] = toReplay[l - 1]!;
    const stateAt = out.stateAt;
    const phases = out.phases?.map((p) => ({ ...p, line: line(p.line) }));
    return {
      ...out,
      findings,
      detected: out.detected.map(text),
      coverage: out.coverage?.map((c) => ({ ...c, why: text(c.why) })),
      stateAt: (fileLine: number, ipa: number) => stateAt(toReplay[Math.min(Math.max(fileLine, 0), toReplay.length - 1)]!, ipa),
      ...(phases ? { phases } : {}),
      ...(out.avoidedFaults ? { avoidedFaults: out.avoidedFaults.map((a) => ({ ...a, line: line(a.line) })) } : {}),
      ...(out.windows ? { windows: out.windows.map((w) => ({ ...w, line: line(w.line) })) } : {}),
      ...(out.internalErrors ? { internalErrors: { ...out.internalErrors, firstLine: line(out.internalErrors.firstLine) } } : {}),
      ...(x86 ? { x86: { ...x86, segments: x86.segments.map((g) => ({ ...g, line: line(g.line) })) } } : {}),
    };
  }
}
