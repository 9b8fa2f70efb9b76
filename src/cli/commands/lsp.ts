// `stage2-lens lsp --stdio`: starts the same language server the VS Code extension runs, for other
// editors (docs/neovim.md). The server takes its transport from the process arguments (--stdio,
// --node-ipc or --socket=<port>, as vscode-languageserver reads them) and runs until the client exits it.
import { CliIo, ExitCode, UsageError } from '../io';

const usage = 'usage: stage2-lens lsp --stdio | --socket=<port> | --node-ipc\n\nStarts the Stage-2 Lens language server (LSP) on the given transport; see docs/neovim.md.\n';

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(usage);
    return ExitCode.ok;
  }
  const transports = args.filter((a) => a === '--stdio' || a === '--node-ipc' || /^--socket=\d+$/.test(a) || /^--pipe=/.test(a));
  const unknown = args.filter((a) => !transports.includes(a) && !/^--clientProcessId=\d+$/.test(a));
  if (transports.length !== 1 || unknown.length) throw new UsageError(`expected exactly one of --stdio, --socket=<port>, --node-ipc${unknown.length ? ` (unknown: ${unknown.join(' ')})` : ''}\n\n${usage}`);
  // Importing the server starts it: it reads the transport from process.argv and owns stdin/stdout from here on.
  await import('../../server/server');
  // Resolve only when the server's connection ends the process; the exit code is then the server's.
  return new Promise<number>(() => undefined);
}
