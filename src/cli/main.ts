// The `stage2-lens` command line: one table of subcommands, each in src/cli/commands/<name>.ts.
// Errors become one clear line on stderr and a documented exit code, never a stack trace.
import { isMainThread } from 'node:worker_threads';
import { CliIo, ExitCode, InputError, UsageError } from './io';
import * as stats from './commands/stats';
import * as analyze from './commands/analyze';
import * as compare from './commands/compare';
import * as diff from './commands/diff';
import * as report from './commands/report';
import * as recordScript from './commands/recordScript';
import * as lsp from './commands/lsp';

// Static imports (not import()): the unbundled test build loads this file as CommonJS too.
type Command = { summary: string; module: { run(args: string[], io: CliIo): Promise<number> } };

const commands: Record<string, Command> = {
  stats: { summary: 'what a trace contains: format, events, tasks, faults, unrecognised lines', module: stats },
  analyze: { summary: 'replay a trace through the stage-2 model and list findings', module: analyze },
  compare: { summary: 'replay a trace under two configurations and show what changes', module: compare },
  diff: { summary: 'compare two recordings of the same workload, phase by phase, with intervals', module: diff },
  report: { summary: 'print a trace.dat as kernel-format text', module: report },
  'record-script': { summary: 'write a shell script that records a trace this tool can analyse', module: recordScript },
  lsp: { summary: 'start the language server (--stdio) for other editors', module: lsp },
};

function usage(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return ['usage: stage2-lens <command> [options] <file>', '', 'commands:', ...rows, '', 'stage2-lens <command> --help for its options'].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.out(usage() + '\n');
    return name ? ExitCode.ok : ExitCode.usage;
  }
  if (name === '--version') {
    io.out(`${process.env.STAGE2_LENS_VERSION ?? '0.1.0'}\n`);
    return ExitCode.ok;
  }
  const command = commands[name];
  if (!command) {
    io.err(`stage2-lens: unknown command '${name}'\n\n${usage()}\n`);
    return ExitCode.usage;
  }
  try {
    return await command.module.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`stage2-lens ${name}: ${e.message}\n`);
      return ExitCode.usage;
    }
    if (e instanceof InputError) {
      io.err(`stage2-lens ${name}: ${e.message}\n`);
      return ExitCode.input;
    }
    io.err(`stage2-lens ${name}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return ExitCode.internal;
  }
}

// (not in the lever check's worker thread, which loads this bundle too: src/cli/leverCheck.ts)
if (require.main === module && isMainThread) {
  const io: CliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTty: Boolean(process.stderr.isTTY),
  };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0); // `stage2-lens report x.dat | head` is fine
  });
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
