// `stage2-lens record-script`: prints (or writes with -o) the shell script that records a trace this
// tool can analyse, for arm64 VHE/nVHE or x86, raw tracefs or trace-cmd, basic or full probes.
// An existing file is never overwritten without --force; a written script is made executable.
import { existsSync, writeFileSync, chmodSync } from 'node:fs';
import { generateRecordingScript, type RecordingScriptOptions } from '../../core/record';
import { CliIo, ExitCode, InputError, UsageError } from '../io';

const USAGE = `usage: stage2-lens record-script [--arch arm64|x86] [--mode vhe|nvhe] [--tool tracefs|trace-cmd]
                                [--probes basic|full] [--lock] [--duration S] [--buffer-kb KB] [-o FILE [--force]]

Writes a commented shell script (POSIX sh) that records a KVM trace Stage-2 Lens can analyse:
it checks root and tracefs, enables the kvm events, defines kprobes on the stage-2 functions the
kernel has, records for S seconds (0 = until Ctrl-C) or while a command runs, saves the trace and
checks it for lost events. Run it on the host as root: sudo sh FILE [-d S] [-o TRACE] [-- COMMAND].

  --arch      arm64 (default) or x86
  --mode      arm64 only: vhe (default; kernel at EL2, TLB invalidations visible) or nvhe
              (TLB invalidations run at EL2 and are invisible: reported as inferred)
  --tool      tracefs (default; needs only a shell) or trace-cmd (writes trace.dat)
  --probes    basic (default) or full (adds the break/make probes that mark each
              break-before-make window exactly; struct offsets known for 6.12 kernels)
  --lock      also record lock contention (lock:contention_begin/end, 5.19+) and the ends of the
              calls made with kvm->mmu_lock held for write: which faults waited for the lock,
              behind which writer (every contended lock of the host is recorded: more lines)
  --duration  default recording time in seconds (default 30; 0 = until Ctrl-C)
  --buffer-kb ring buffer per CPU in KiB (default 16384)
  -o FILE     write the script to FILE instead of stdout (refuses to overwrite without --force)
`;

function pick<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new UsageError(`${flag} needs a value (${allowed.join('|')})`);
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
}

function wholeNumber(flag: string, value: string | undefined, min: number): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${flag} needs a whole number >= ${min}`);
  return Number(value);
}

export interface ParsedArgs {
  options: RecordingScriptOptions;
  output: string | undefined;
  force: boolean;
  help: boolean;
  /** --mode was given with --arch x86, where it means nothing. */
  modeIgnored: boolean;
}

export function parseArgs(args: string[]): ParsedArgs {
  const options: RecordingScriptOptions = { arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic' };
  let output: string | undefined;
  let force = false;
  let help = false;
  let modeGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '--arch': options.arch = pick(flag, value(), ['arm64', 'x86'] as const); break;
      case '--mode': options.mode = pick(flag, value(), ['vhe', 'nvhe'] as const); modeGiven = true; break;
      case '--tool': options.tool = pick(flag, value(), ['tracefs', 'trace-cmd'] as const); break;
      case '--probes': options.probes = pick(flag, value(), ['basic', 'full'] as const); break;
      case '--duration': options.durationSec = wholeNumber(flag, value(), 0); break;
      case '--buffer-kb': options.bufferKb = wholeNumber(flag, value(), 1); break;
      case '-o': case '--output': {
        const v = value();
        if (!v) throw new UsageError(`${flag} needs a file name`);
        output = v;
        break;
      }
      case '--force': force = true; break;
      case '--lock': options.lock = true; break;
      case '-h': case '--help': help = true; break;
      default: throw new UsageError(`unknown option '${a}'\n${USAGE}`);
    }
  }
  return { options, output, force, help, modeIgnored: modeGiven && options.arch === 'x86' };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed.help) {
    io.out(USAGE);
    return ExitCode.ok;
  }
  if (parsed.modeIgnored) io.err('stage2-lens record-script: --mode applies to arm64 only; ignored for x86\n');
  const script = generateRecordingScript(parsed.options);
  if (parsed.output === undefined || parsed.output === '-') {
    io.out(script);
    return ExitCode.ok;
  }
  if (existsSync(parsed.output) && !parsed.force) {
    throw new InputError(`${parsed.output} already exists (use --force to overwrite it)`);
  }
  try {
    writeFileSync(parsed.output, script, { mode: 0o755 });
    chmodSync(parsed.output, 0o755);
  } catch (e) {
    throw new InputError(`cannot write ${parsed.output}: ${(e as Error).message}`);
  }
  const o = parsed.options;
  io.err(`wrote ${parsed.output} (${o.arch}${o.arch === 'arm64' ? ' ' + o.mode : ''}, ${o.tool}, ${o.probes} probes): run it on the host as root: sudo sh ${parsed.output}\n`);
  return ExitCode.ok;
}
