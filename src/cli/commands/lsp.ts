// Placeholder until this command is implemented; the owner replaces this file.
import { CliIo, ExitCode } from '../io';

export async function run(_args: string[], io: CliIo): Promise<number> {
  io.err('stage2-lens: this command is not implemented yet\n');
  return ExitCode.usage;
}
