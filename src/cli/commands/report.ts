// `stage2-lens report <file.dat>`: prints a trace.dat as the kernel's own `trace` text (header,
// one line per record, `CPU:n [LOST m EVENTS]` markers), with kprobe and function addresses
// symbolized from the file's kallsyms. Reading problems go to stderr with the byte offset.
import type { ByteSource } from '../../core/index';
import { renderTraceDat } from '../../core/index';
import { BYTE_SNIFF_BYTES, DAT_NEEDS_FILE, sniffBytes } from '../../core/index';
import { CliIo, ExitCode, InputError, UsageError } from '../io';
import { openSource } from '../openSource';
import { escapeControlsKeepLines } from '../../shared/controlChars';

const USAGE = `usage: stage2-lens report <file.dat>

Prints a trace-cmd trace.dat (file version 6 or 7, zstd/zlib/uncompressed) as the text the
kernel's /sys/kernel/tracing/trace file would show for the same records. Line numbers match
the diagnostics stage2-lens reports for the .dat.
`;

async function readHead(source: ByteSource): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  return Buffer.concat(parts);
}

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(USAGE);
    return ExitCode.ok;
  }
  const isOption = (a: string): boolean => a.startsWith('-') && a !== '-';
  const files = args.filter((a) => !isOption(a));
  const unknown = args.find(isOption);
  if (unknown) throw new UsageError(`unknown option ${unknown}\n\n${USAGE}`);
  if (files.length !== 1) throw new UsageError(`expected one trace.dat file\n\n${USAGE}`);
  const path = files[0];
  const { source, openRange } = await openSource(path);
  if (!openRange) throw new InputError(`${path}: ${DAT_NEEDS_FILE}`);
  const head = await readHead(openRange(0, BYTE_SNIFF_BYTES));
  const sniff = sniffBytes(head);
  if (sniff.kind === 'refused') throw new InputError(`${path}: not a trace: ${sniff.reason}`);
  if (sniff.kind !== 'trace-dat') throw new InputError(`${path}: not a trace.dat file (a text trace is already readable as is)`);
  // each CPU's data is read through its own range of the file: memory stays bounded
  const summary = await renderTraceDat(source, (text) => io.out(escapeControlsKeepLines(text)), { openRange });
  for (const w of summary.warnings) io.err(`stage2-lens report: ${path}: ${w}\n`);
  for (const e of summary.errors) io.err(`stage2-lens report: ${path}: ${e.message}\n`);
  return summary.errors.length > 0 ? ExitCode.input : ExitCode.ok;
}
