// Seeded generator of format-exact synthetic arm64 KVM traces (kernel `trace` text, as in
// ../shared/traces/arm64-nested race4_4k_fnkp: kvm events, kprobes on the stage-2 functions,
// function-tracer lines, several vCPUs). Each pass has all vCPUs fault the same fresh pages at
// once: one vCPU maps each page (s2_map_ret ret=0), others lose the race (ret=-11) or fault after
// it is mapped — the lost races the replay engine must find. A host unmap + TLBI ends each pass.
import { closeSync, openSync, writeSync } from 'node:fs';
import { headerLines } from '../../src/core/tracedat/recordText';
import { mulberry32 } from '../support/prng';

export interface GenerateOptions {
  /** Target size in bytes (the file ends at the first pass boundary past it, give or take a pass). */
  bytes: number;
  seed?: number;
  vcpus?: number;
  /** Pages per pass (4 KiB each, one fresh 2 MiB region per pass by default). */
  pagesPerPass?: number;
  /** Probability that a vCPU other than the winner faults the same page (lost race or spurious fault). */
  raceRate?: number;
}

export interface GenerateSummary {
  bytes: number;
  lines: number;
  events: number;
  passes: number;
  /** kvm_guest_fault lines on data pages. */
  dataFaults: number;
  mapOk: number;
  mapEagain: number;
}

function hex(n: number, width = 0): string {
  const h = n.toString(16);
  return h.length >= width ? h : '0'.repeat(width - h.length) + h;
}

/** Writes lines in big batches; the trace is never held in memory. */
class Writer {
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

export function generateTrace(path: string, opts: GenerateOptions): GenerateSummary {
  const rnd = mulberry32(opts.seed ?? 1);
  const vcpus = opts.vcpus ?? 4;
  const pages = opts.pagesPerPass ?? 512;
  const raceRate = opts.raceRate ?? 0.55;
  const fd = openSync(path, 'w');
  const w = new Writer(fd);
  const sum: GenerateSummary = { bytes: 0, lines: 0, events: 0, passes: 0, dataFaults: 0, mapOk: 0, mapEagain: 0 };
  // The header's entry count is not known up front; a plausible constant keeps it format-exact.
  for (const h of headerLines('function', 0, vcpus)) w.push(h);
  let usecs = 74_883_001; // 74.883001 s
  const vmmPid = 305;
  const ctx = (pid: number, cpu: number, flags: string): string => {
    usecs += 1 + Math.floor(rnd() * 12);
    const secs = Math.floor(usecs / 1e6);
    const frac = usecs - secs * 1e6;
    const comm = 'kvmtest'.padStart(16);
    return `${comm}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ${flags} ${String(secs).padStart(5)}.${String(frac).padStart(6, '0')}: `;
  };
  const ev = (pid: number, cpu: number, flags: string, text: string): void => {
    w.push(ctx(pid, cpu, flags) + text);
    sum.events++;
  };
  for (let v = 0; v < vcpus; v++) ev(vmmPid, 0, '.....', `kvm_get_timer_map: VCPU: ${v}, dv: 1, dp: 0, ev: -1, ep: -1`);
  ev(vmmPid, 0, '.....', 'kvm_unmap_hva_range: mmu notifier unmap range: 0x00ffffb0200000 -- 0x00ffffb0a00000');
  let phys = 0x42500000;
  const regionCount = 4096; // 8 GiB of IPA space, then wrap (new VM in the story)
  while (w.written < opts.bytes) {
    const pass = sum.passes + 1;
    const base = 0x40000000 + (sum.passes % regionCount) * 0x200000;
    ev(vmmPid, 1, '.....', `tracing_mark_write: kvmtest: pass ${pass} begin: store sel=a who=* vcpus=${vcpus} (vcpu0 pages 0..+${pages} stride 1)`);
    for (let p = 0; p < pages; p++) {
      const ipa = base + p * 0x1000;
      const winner = Math.floor(rnd() * vcpus);
      const order: number[] = [winner];
      for (let v = 0; v < vcpus; v++) if (v !== winner && rnd() < raceRate) order.push(v);
      phys += 0x1000;
      for (let k = 0; k < order.length; k++) {
        const v = order[k];
        const pid = 306 + v;
        const won = k === 0;
        ev(pid, v, '.....', 'kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x000000001000001c');
        ev(pid, v, '.....', 'kvm_handle_guest_abort <-handle_exit');
        ev(pid, v, '.....', `kvm_guest_fault: ipa 0x${hex(ipa)}, hsr 0x93c38047, hxfar 0x${hex(ipa + 0x800)}, pc 0x0000001000001c`);
        sum.dataFaults++;
        // a late loser finds the page mapped: the fault was spurious, no map attempt
        const lateSpurious = !won && rnd() < 0.3;
        if (!lateSpurious) {
          ev(pid, v, 'd....', `s2_map: (kvm_pgtable_stage2_map+0x0/0x140) addr=0x${hex(ipa)} size=0x1000 phys=0x${hex(phys)} prot=0x6`);
          ev(pid, v, '.....', "kvm_pgtable_stage2_map <-[unknown/kretprobe'd]");
          ev(pid, v, '.....', 'stage2_set_prot_attr <-kvm_pgtable_stage2_map');
          for (let l = 0; l < (won ? 3 : 2); l++) ev(pid, v, '.....', 'stage2_map_walker <-__kvm_pgtable_walk');
          ev(pid, v, '.....', 'stage2_map_walker_try_leaf <-stage2_map_walker');
          if (won) {
            ev(pid, v, '.....', 'stage2_try_break_pte <-stage2_map_walker_try_leaf');
            ev(pid, v, 'd....', `dcache_clean: (clean_dcache_guest_page+0x0/0x40) va=0xfff0${hex(phys - 0x40000000, 12)} size=0x1000`);
            ev(pid, v, '.....', 'clean_dcache_guest_page <-stage2_map_walker_try_leaf');
            ev(pid, v, '.....', 'stage2_make_pte <-stage2_map_walker_try_leaf');
            ev(pid, v, 'd....', 's2_map_ret: (kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=0');
            sum.mapOk++;
          } else {
            ev(pid, v, 'd....', 's2_map_ret: (kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=-11');
            sum.mapEagain++;
          }
        }
        ev(pid, v, 'd....', 'kvm_arm_setup_debug: vcpu: 0000000093d5b244, flags: 0x00000000');
        ev(pid, v, 'd....', 'kvm_arm_set_dreg32: MDCR_EL2: 0x84e66');
        ev(pid, v, 'd....', 'kvm_arm_set_dreg32: MDSCR_EL1: 0x0');
        ev(pid, v, 'd....', 'kvm_entry: PC: 0x000000001000001c');
        ev(pid, v, 'd....', 'kvm_arm_clear_debug: flags: 0x00000000');
        ev(pid, v, 'd....', `kvm_timer_update_irq: VCPU: ${v}, IRQ 27, level 0`);
        if (rnd() < 0.05) {
          ev(pid, v, '.....', 'kvm_exit: IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0x000000001000001c');
          ev(pid, v, 'd....', 'kvm_timer_save_state:    CTL: 0x000000 CVAL:              0x0 arch_timer_ctx_index: 1');
          ev(pid, v, 'd....', 'kvm_timer_restore_state: CTL: 0x000000 CVAL:              0x0 arch_timer_ctx_index: 1');
          ev(pid, v, 'd....', 'kvm_entry: PC: 0x000000001000001c');
        }
      }
    }
    for (let v = 0; v < vcpus; v++) {
      const pid = 306 + v;
      ev(pid, v, '.....', 'kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000010000074');
      ev(pid, v, '.....', 'kvm_handle_guest_abort <-handle_exit');
      ev(pid, v, '.....', 'kvm_guest_fault: ipa 0x100000, hsr 0x93c38046, hxfar 0x100000, pc 0x00000010000074');
      ev(pid, v, '.....', `kvm_mmio: mmio write len 8 gpa 0x100000 val 0x${hex(((pass & 0xff) << 8) | v)}`);
      ev(pid, v, '.....', 'kvm_userspace_exit: reason KVM_EXIT_MMIO (6)');
    }
    // the host takes back the first page of the region: MMU notifier, unmap, TLBI
    ev(vmmPid, 0, '.....', `kvm_unmap_hva_range: mmu notifier unmap range: 0x00ffffb${hex(0x0200000 + (sum.passes % 32) * 0x200000, 7)} -- 0x00ffffb${hex(0x0201000 + (sum.passes % 32) * 0x200000, 7)}`);
    ev(vmmPid, 0, 'd....', `s2_unmap: (kvm_pgtable_stage2_unmap+0x0/0x98) addr=0x${hex(base)} size=0x1000`);
    ev(vmmPid, 0, '.....', 'kvm_pgtable_stage2_unmap <-kvm_stage2_unmap_range');
    ev(vmmPid, 0, '.....', 'stage2_unmap_walker <-__kvm_pgtable_walk');
    ev(vmmPid, 0, 'd....', `tlbi_ipa: (__kvm_tlb_flush_vmid_ipa+0x0/0xd0) ipa=0x${hex(base)} level=3`);
    ev(vmmPid, 0, '.....', '__kvm_tlb_flush_vmid_ipa <-stage2_unmap_walker');
    ev(vmmPid, 1, '.....', `tracing_mark_write: kvmtest: pass ${pass} end: ${(rnd() * 9000 + 1000).toFixed(3)} ms`);
    sum.passes++;
  }
  w.flush();
  closeSync(fd);
  sum.bytes = w.bytes;
  sum.lines = w.lines;
  return sum;
}
