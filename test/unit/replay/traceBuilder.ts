// Builds small kernel-format trace texts for the per-class replay tests: one helper per line kind,
// timestamps in microseconds, and an analyzer run over the text as a one-chunk ByteSource.
import { createAnalyzer, type Analysis, type ModelConfig } from '../../../src/core/index';

export const HEADER = ['# tracer: nop', '#', '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION', '#              | |         |   |||||     |         |'];

export class TraceBuilder {
  private readonly lines: string[] = [...HEADER];
  private t = 100_000_000; // us

  private push(pid: number, name: string, payload: string, dt = 10): this {
    this.t += dt;
    const ts = (this.t / 1e6).toFixed(6);
    const cpu = String(pid % 4).padStart(3, '0');
    this.lines.push(`${`kvmtest-${pid}`.padStart(16)}     [${cpu}] .....  ${ts.padStart(12)}: ${name}: ${payload}`);
    return this;
  }

  /** Line number the next line will get. */
  get next(): number {
    return this.lines.length + 1;
  }

  entry(pid: number, pc = 0x1000001c, dt?: number): this {
    return this.push(pid, 'kvm_entry', `PC: 0x${pc.toString(16).padStart(16, '0')}`, dt);
  }
  exit(pid: number, ec: 'DABT_LOW' | 'IABT_LOW' = 'DABT_LOW', dt?: number): this {
    return this.push(pid, 'kvm_exit', `TRAP: HSR_EC: 0x00${ec === 'DABT_LOW' ? '24' : '20'} (${ec}), PC: 0x000000001000001c`, dt);
  }
  fault(pid: number, ipa: number, esr: number, dt?: number): this {
    return this.push(pid, 'kvm_guest_fault', `ipa 0x${ipa.toString(16)}, hsr 0x${esr.toString(16)}, hxfar 0x${(ipa + 0x800).toString(16)}, pc 0x0000001000001c`, dt);
  }
  /** exit + fault + entry of one vCPU. */
  episode(pid: number, ipa: number, esr: number, inner?: (b: this) => void): this {
    this.exit(pid, esr >>> 26 === 0x20 ? 'IABT_LOW' : 'DABT_LOW').fault(pid, ipa, esr);
    inner?.(this);
    return this.entry(pid);
  }
  kprobe(pid: number, probe: string, sym: string, args: string, dt?: number): this {
    return this.push(pid, probe, `(${sym}+0x0/0x140) ${args}`, dt);
  }
  kretprobe(pid: number, probe: string, sym: string, ret: string, dt?: number): this {
    return this.push(pid, probe, `(kvm_handle_guest_abort+0xbb8/0xe68 <- ${sym}) ${ret}`, dt);
  }
  map(pid: number, ipa: number, size: number, prot: number, ret: number): this {
    this.kprobe(pid, 's2_map', 'kvm_pgtable_stage2_map', `addr=0x${ipa.toString(16)} size=0x${size.toString(16)} phys=0x42421000 prot=0x${prot.toString(16)}`);
    if (ret === 0) this.kprobe(pid, 'dcache_clean', 'clean_dcache_guest_page', `va=0xfff0000002421000 size=0x${size.toString(16)}`);
    return this.kretprobe(pid, 's2_map_ret', 'kvm_pgtable_stage2_map', `ret=${ret}`);
  }
  marker(pid: number, text: string): this {
    return this.push(pid, 'tracing_mark_write', text);
  }
  raw(pid: number, name: string, payload: string, dt?: number): this {
    return this.push(pid, name, payload, dt);
  }
  wait(us: number): this {
    this.t += us;
    return this;
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

export async function analyzeText(text: string, configs: Partial<ModelConfig>[] = [{}]): Promise<Analysis[]> {
  const bytes = new TextEncoder().encode(text);
  const source = { async *[Symbol.asyncIterator]() { yield bytes; } };
  return createAnalyzer().analyzeMany(source, configs);
}

export function classes(a: Analysis): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of a.findings) out[f.cls] = (out[f.cls] ?? 0) + 1;
  return out;
}

// ESR values (EC, IL, WnR, FSC) of the faults the tests use.
export const ESR = {
  transL1w: 0x93c38045,
  transL2w: 0x93c38046,
  transL2r: 0x93d08006,
  transL3w: 0x93c38047,
  transL3r: 0x93d08007,
  permL2w: 0x93c3804e,
  permL3w: 0x93c3804f,
  afL3r: 0x93d0800b,
  iabtTransL3: 0x82000007,
  iabtPermL3: 0x8200000f,
};
