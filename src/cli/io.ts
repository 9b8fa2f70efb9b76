// What a CLI command gets to talk to the terminal, so commands can be tested without a process.
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress lines are shown only then. */
  isTty: boolean;
}

/** Exit codes, documented in README.md ("CLI"). */
export const ExitCode = {
  ok: 0,
  /** Findings at or above --fail-on severity (analyze) or a difference (compare). */
  findings: 1,
  usage: 2,
  /** The input file is missing, unreadable or not a trace. */
  input: 3,
  internal: 4,
  /** The input ended early or is damaged (a cut .gz, a trace.dat whose data stops): the output covers the part before it. */
  partial: 5,
} as const;

export class UsageError extends Error {}
export class InputError extends Error {}
