// Exceptions a replay met: a trace is untrusted, so an inconsistent combination of events skips
// that event and never stops the replay, but it is counted and the first one is kept, so that the
// analysis says so (and a test fails when a real trace produces one: it is a replay bug).

export interface InternalErrors {
  count: number;
  /** The first: its trace line and message. */
  firstLine: number;
  firstMessage: string;
}

export class ReplayErrors {
  private count = 0;
  private first: { line: number; message: string } | undefined;

  note(line: number, e: unknown): void {
    this.count++;
    this.first ??= { line, message: e instanceof Error ? e.message : String(e) };
  }

  result(): InternalErrors | undefined {
    return this.first ? { count: this.count, firstLine: this.first.line, firstMessage: this.first.message } : undefined;
  }
}
