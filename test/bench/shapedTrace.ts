// Seeded generator of synthetic arm64 VHE traces shaped like the three recordings users make, for
// the whole-command bench (test/bench/cliBench.ts). The line mix and formats follow real traces:
// - `evmin`: tracepoints only, as ../shared/traces/arm64-nested/race4_4k_evmin-vhe.trace (kvm_exit,
//   kvm_guest_fault, kvm_entry per fault; kvm_mmio, kvm_userspace_exit, kvm_unmap_hva_range, markers);
// - `basic`: what `stage2-lens record-script` (basic probes) records, as the VHE fixture in
//   test/fixtures/recorded/ without its break/make probes: the script's marker prologue, the kvm
//   events with kvm_timer_update_irq, kprobes s2_map / dcache_clean / s2_map_ret per fault, relax +
//   local TLBI, aging, and host unmaps with their TLBI;
// - `full`: `record-script --probes full` (adds s2_break / s2_break_ret / s2_mkpte / s2_mkpte_ret,
//   as the fixture), plus function-tracer lines on the stage-2 walkers as in race4_4k_fnkp-vhe.trace
//   (about a seventh of the lines, the mix issue #16 measured: more than a third are s2_map,
//   s2_map_ret and dcache_clean and the other probes).
// Every pass has all vCPUs fault the same fresh 4K pages at once: one maps each page (ret=0), others
// lose the race (ret=-11) or fault after it is mapped, so the replay has real work to do.
import { closeSync, openSync, writeSync } from 'node:fs';
import { probesFor } from '../../src/core/record/probes';
import { headerLines } from '../../src/core/tracedat/recordText';
import { mulberry32 } from '../support/prng';

export type TraceShape = 'evmin' | 'basic' | 'full';
export const TRACE_SHAPES: readonly TraceShape[] = ['evmin', 'basic', 'full'];

export interface ShapedTraceSummary {
  bytes: number;
  lines: number;
  passes: number;
  /** Lines per event name (function-tracer lines under `function`). */
  mix: Record<string, number>;
}

function hex(n: number, width = 0): string {
  const h = n.toString(16);
  return h.length >= width ? h : '0'.repeat(width - h.length) + h;
}

/** Buffers lines and writes them in 4 MB blocks: the trace is never held in memory. */
class BlockWriter {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  lines = 0;
  constructor(private readonly fd: number) {}
  push(line: string): void {
    this.parts.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size >= 4 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join('\n') + '\n', 'latin1');
    writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.size = 0;
  }
  get written(): number {
    return this.bytes + this.size;
  }
}

const EVMIN_EVENTS = 'kvm:kvm_exit kvm:kvm_entry kvm:kvm_guest_fault kvm:kvm_mmio kvm:kvm_userspace_exit kvm:kvm_unmap_hva_range';

export function generateShapedTrace(path: string, opts: { shape: TraceShape; bytes: number; seed?: number; vcpus?: number }): ShapedTraceSummary {
  const { shape } = opts;
  const rnd = mulberry32(opts.seed ?? 1);
  const vcpus = opts.vcpus ?? 4;
  const pages = 512;
  const probes = shape !== 'evmin';
  const full = shape === 'full';
  const fd = openSync(path, 'w');
  const w = new BlockWriter(fd);
  const mix: Record<string, number> = {};
  let passes = 0;
  for (const h of headerLines('nop', 0, vcpus)) w.push(h);
  let usecs = 8_481_021; // 8.481021 s, as the recorded fixture
  const line = (comm: string, pid: number, cpu: number, flags: string, name: string, text: string): void => {
    usecs += 1 + Math.floor(rnd() * 12);
    const secs = Math.floor(usecs / 1e6);
    const frac = usecs - secs * 1e6;
    // the kernel's `%16s-%-7d [%03d] %s %5lu.%06lu: ` context (kernel/trace/trace_output.c)
    w.push(`${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ${flags} ${String(secs).padStart(5)}.${String(frac).padStart(6, '0')}: ${name === 'function' ? '' : `${name}: `}${text}`);
    mix[name] = (mix[name] ?? 0) + 1;
  };
  const shell = (text: string): void => line('sh', 195, 2, '.....', 'tracing_mark_write', text);
  if (probes) {
    const set = full ? 'full' : 'basic';
    shell(`stage2-lens: recording begin arch=arm64 mode=vhe host-mode=vhe kernel=6.12.117+deb12-arm64 tool=tracefs probes=${set} buffer-kb=16384`);
    shell('stage2-lens: events kvm:kvm_exit kvm:kvm_entry kvm:kvm_guest_fault kvm:kvm_access_fault kvm:kvm_mmio kvm:kvm_userspace_exit kvm:kvm_unmap_hva_range kvm:kvm_age_hva kvm:kvm_test_age_hva kvm:kvm_set_way_flush kvm:kvm_toggle_cache kvm:kvm_timer_update_irq kvm:kvm_get_timer_map');
    shell('stage2-lens: cpu-features fwb=1 idc=1 dic=0 tlbirange=1 hafdbs=1 source=dmesg');
    for (const p of probesFor('arm64', 'vhe', set)) shell(`stage2-lens: probe ${p.name} ${p.symbols[0]} ${p.args ? 'args' : 'noargs'}`);
  } else shell(`stage2-lens-bench: events ${EVMIN_EVENTS}`);
  const vmm = 263;
  let phys = 0x47500000;
  const regionCount = 2048; // 4 GiB of IPA space, then wrap
  while (w.written < opts.bytes) {
    const pass = passes + 1;
    const base = 0x40000000 + (passes % regionCount) * 0x200000;
    line('kvmtest', vmm, 0, '.....', 'tracing_mark_write', `kvmtest: pass ${pass} begin: store sel=a who=* vcpus=${vcpus} (vcpu0 pages 0..+${pages} stride 1)`);
    for (let p = 0; p < pages; p++) {
      const ipa = base + p * 0x1000;
      const winner = Math.floor(rnd() * vcpus);
      const order: number[] = [winner];
      for (let v = 0; v < vcpus; v++) if (v !== winner && rnd() < 0.5) order.push(v);
      phys += 0x1000;
      for (let k = 0; k < order.length; k++) {
        const v = order[k];
        const pid = 264 + v;
        const won = k === 0;
        const at = (flags: string, name: string, text: string): void => line('kvmtest', pid, v, flags, name, text);
        at('.....', 'kvm_exit', 'TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000010000028');
        if (full) at('.....', 'function', 'kvm_handle_guest_abort <-handle_exit');
        at('.....', 'kvm_guest_fault', `ipa 0x${hex(ipa)}, hsr 0x93c38047, hxfar 0x${hex(ipa + 0x800)}, pc 0x00000010000028`);
        // a late loser finds the page mapped: a spurious fault with no map attempt
        if (probes && (won || rnd() >= 0.3)) {
          at('d....', 's2_map', `(kvm_pgtable_stage2_map+0x0/0x140) addr=0x${hex(ipa)} size=0x1000 phys=0x${hex(phys)} prot=0x6`);
          if (full) {
            at('.....', 'function', 'stage2_map_walker_try_leaf <-stage2_map_walker');
            at('d....', 's2_break', `(stage2_try_break_pte+0x0/0x160) addr=0x${hex(ipa)} old=${won ? '0x0' : '0x80'} level=3`);
            at('d....', 's2_break_ret', `(stage2_map_walker_try_leaf+0xcc/0x260 <- stage2_try_break_pte) ok=${won ? 1 : 0}`);
          }
          if (won) {
            at('d....', 'dcache_clean', `(clean_dcache_guest_page+0x0/0x40) va=0xfff0${hex(phys - 0x40000000, 12)} size=0x1000`);
            if (full) {
              at('d....', 's2_mkpte', `(stage2_make_pte+0x0/0x70) addr=0x${hex(ipa)} new=0x400000${hex(phys / 0x1000, 5)}4db level=3`);
              at('d....', 's2_mkpte_ret', '(stage2_map_walker_try_leaf+0x108/0x260 <- stage2_make_pte)');
            }
          }
          at('d....', 's2_map_ret', `(kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=${won ? 0 : -11}`);
        }
        at('d....', 'kvm_entry', 'PC: 0x0000000010000028');
        if (probes) at('d....', 'kvm_timer_update_irq', `VCPU: ${v}, IRQ 27, level 0`);
      }
    }
    // the guest writes a page it had read: a permission relax with its local TLBI (basic probes)
    if (probes) {
      for (let v = 0; v < vcpus; v++) {
        const pid = 264 + v;
        const ipa = base + Math.floor(rnd() * pages) * 0x1000;
        const at = (flags: string, name: string, text: string): void => line('kvmtest', pid, v, flags, name, text);
        at('.....', 'kvm_exit', 'TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000010000030');
        at('.....', 'kvm_guest_fault', `ipa 0x${hex(ipa)}, hsr 0x93c3804f, hxfar 0x${hex(ipa + 0x10)}, pc 0x00000010000030`);
        at('d....', 's2_relax', `(kvm_pgtable_stage2_relax_perms+0x0/0x158) addr=0x${hex(ipa)} prot=0x6`);
        at('d....', 'tlbi_ipa_nsh', `(__kvm_tlb_flush_vmid_ipa_nsh+0x0/0xc0) ipa=0x${hex(ipa)} level=3`);
        at('d....', 's2_relax_ret', '(kvm_handle_guest_abort+0x460/0xe68 <- kvm_pgtable_stage2_relax_perms) ret=0');
        at('d....', 'kvm_entry', 'PC: 0x0000000010000030');
      }
    }
    for (let v = 0; v < vcpus; v++) {
      const pid = 264 + v;
      const at = (flags: string, name: string, text: string): void => line('kvmtest', pid, v, flags, name, text);
      at('.....', 'kvm_exit', 'TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000010000074');
      at('.....', 'kvm_guest_fault', 'ipa 0x100000, hsr 0x93c38046, hxfar 0x100000, pc 0x00000010000074');
      at('.....', 'kvm_mmio', `mmio write len 8 gpa 0x100000 val 0x${hex(((pass & 0xff) << 8) | v)}`);
      at('.....', 'kvm_userspace_exit', 'reason KVM_EXIT_MMIO (6)');
    }
    // the host ages and takes back the first page of the region: notifier, unmap, TLBI
    const hva = 0xffffa9400000 + (passes % 32) * 0x200000;
    const host = (flags: string, name: string, text: string): void => line('kvmtest', vmm, 1, flags, name, text);
    if (probes) {
      host('.....', 'kvm_age_hva', `mmu notifier age hva: 0x${hex(hva, 14)} -- 0x${hex(hva + 0x1000, 14)}`);
      host('d....', 's2_age', `(kvm_pgtable_stage2_test_clear_young+0x0/0x98) addr=0x${hex(base)} size=0x1000 mkold=1`);
      host('d....', 's2_age_ret', '(kvm_age_gfn+0x34/0x58 <- kvm_pgtable_stage2_test_clear_young) young=1');
    }
    host('.....', 'kvm_unmap_hva_range', `mmu notifier unmap range: 0x${hex(hva, 14)} -- 0x${hex(hva + 0x1000, 14)}`);
    if (probes) {
      host('d....', 's2_unmap', `(kvm_pgtable_stage2_unmap+0x0/0xc8) addr=0x${hex(base)} size=0x1000`);
      host('d....', 'tlbi_ipa', `(__kvm_tlb_flush_vmid_ipa+0x0/0xd0) ipa=0x${hex(base)} level=3`);
    }
    line('kvmtest', vmm, 0, '.....', 'tracing_mark_write', `kvmtest: pass ${pass} end: ${(rnd() * 900 + 100).toFixed(3)} ms`);
    passes++;
  }
  w.flush();
  closeSync(fd);
  return { bytes: w.bytes, lines: w.lines, passes, mix };
}
