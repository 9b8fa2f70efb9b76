// The event stream every other layer consumes: one TraceEvent per recognised trace line (text
// trace, trace-cmd report text or a decoded trace.dat record), or one RejectedLine with a reason.
// The decoded payload is a discriminated union on `kind`; consumers switch on it and never parse
// payload text themselves. 64-bit values (PCs, kernel VAs, descriptors, SPTEs) are bigint; IPAs,
// GPAs, sizes and counts (at most 52 bits) are plain numbers.
/** The x86 virtualisation extension that produced a trace (decoders/x86Vendor.ts says how it is told). */
export type X86Vendor = 'vmx' | 'svm';

export type TraceFormat =
  | 'ftrace' // /sys/kernel/tracing/trace or trace_pipe
  | 'trace-cmd' // trace-cmd report text (default, -N or -R)
  | 'trace-dat' // binary trace.dat, decoded directly
  | 'function-graph'
  | 'latency'
  | 'perf-script' // `perf script` text of tracepoints (formatSniff.ts PERF_SCRIPT_LINE)
  | 'unknown';

export interface TraceEvent {
  /** 1-based line number in the text (for trace.dat: in the rendered text). */
  line: number;
  /** Byte offset of the line start in the (decompressed) input. */
  offset: number;
  task: string;
  pid: number;
  tgid?: number;
  cpu: number;
  /** The irq-info flag column as printed (`d..1.`), absent when the trace has none. */
  flags?: string;
  /** Timestamp in nanoseconds (microsecond resolution in text traces). */
  ts: number;
  /** Event name as printed: `kvm_guest_fault`, the user's probe name (`s2_map`), `function`, `print`/`tracing_mark_write`. */
  name: string;
  /** Everything after `name: ` (for function-tracer lines, `func <-parent`). */
  payload: string;
  /**
   * Undefined when the event is well-formed but not one the decoders know (still counted by name).
   * Events with identical payload text may share one Decoded object: treat it as read-only.
   */
  decoded: Decoded | undefined;
}

/** A line that is not an event: the header, lost-events markers, stack frames, banners. */
export type SpecialLine =
  | { kind: 'header'; line: number; text: string }
  | { kind: 'lost-events'; line: number; cpu: number; count: number | undefined }
  | { kind: 'buffer-started'; line: number; cpu: number }
  | { kind: 'stack-frame'; line: number; symbol: string }
  | { kind: 'cpus'; line: number; cpus: number }
  | { kind: 'cpu-empty'; line: number; cpu: number }
  | { kind: 'blank'; line: number };

export type RejectReason =
  | 'not-a-trace-line'
  | 'truncated'
  | 'wrapped'
  | 'binary'
  | 'too-long'
  | 'bad-timestamp'
  | 'undecodable-payload'
  | 'quoted';

export interface RejectedLine {
  line: number;
  offset: number;
  reason: RejectReason;
  /** Human-readable detail, e.g. which field failed to decode. */
  detail: string;
  /** The first 200 characters of the line, for examples in reports (never rendered as HTML). */
  excerpt: string;
}

/**
 * What the reader repaired in the text, or could not trust, and how often (stats prints it): pasted
 * text is wrapped, quoted and encoded by mail clients, and lines grouped by CPU are out of time order.
 */
export interface ReaderRepairs {
  /** Wrapped continuation lines joined to the event before them (all kinds, those after a timestamp included). */
  joinedContinuations: number;
  /** Of those, lines that hold the event text of a line cut inside its context prefix (`comm-pid [cpu] flags ts:`). */
  joinedAfterTimestamp: number;
  /** Lines read after stripping mail quoting (`> `). */
  unquoted: number;
  /** Lines decoded from quoted-printable (`=3D`, soft line breaks). */
  quotedPrintable: number;
  /** Events read after a later timestamp of another CPU (behind the latest time seen: the file is not in global time order). */
  crossCpuBackwards: number;
  /** Events whose decoder did not get all the fields of its format (Truncation). */
  truncatedEvents: number;
}

export function noRepairs(): ReaderRepairs {
  return { joinedContinuations: 0, joinedAfterTimestamp: 0, unquoted: 0, quotedPrintable: 0, crossCpuBackwards: 0, truncatedEvents: 0 };
}

/** Receives the stream synchronously, in input order. */
export interface TraceSink {
  event(ev: TraceEvent): void;
  rejected?(r: RejectedLine): void;
  special?(s: SpecialLine): void;
}

/** Decoded ESR_EL2 of a stage-2 abort (docs/kernel-behaviour.md 2.3). */
export interface EsrInfo {
  ec: number;
  ecName: string;
  il: boolean;
  isv: boolean;
  wnr: boolean;
  s1ptw: boolean;
  cm: boolean;
  fnv: boolean;
  fsc: number;
  /** 'translation' | 'access-flag' | 'permission' | 'address-size' | 'sea' | 'tlb-conflict' | 'other' */
  faultClass: FaultStatusClass;
  /** -1..3, undefined when the FSC carries no level. */
  level: number | undefined;
}

export type FaultStatusClass =
  | 'translation'
  | 'access-flag'
  | 'permission'
  | 'address-size'
  | 'sea'
  | 'tlb-conflict'
  | 'other';

/** Stage-2 functions recognised by the probed symbol (not the user's probe name). */
export type Stage2Op =
  | 'map'
  | 'relax'
  | 'wrprotect'
  | 'unmap'
  | 'split'
  | 'create-unlinked'
  | 'free-unlinked'
  | 'mkyoung'
  | 'age'
  | 'flush'
  | 'tlbi-ipa'
  | 'tlbi-ipa-nsh'
  | 'tlbi-range'
  | 'tlbi-vmid'
  | 'tlbi-vmid-range-wrapper'
  | 'flush-remote-tlbs'
  | 'dcache-clean'
  | 'icache-inval'
  | 'wp-masked'
  | 'split-huge'
  | 'handle-guest-abort'
  | 'user-mem-abort'
  | 'handle-access-fault'
  | 'try-leaf'
  | 'try-break'
  | 'make-pte'
  | 'map-walker'
  | 'unmap-walker'
  | 'commit-memory-region'
  | 'unmap-gfn-range'
  | 'destroy';

/**
 * Set by a decoder when the payload stops before every field its tracepoint's format prints
 * (`kvm_entry: vcpu 1, rip` with no value, an x86 `kvm_exit` without its `rip`/`info2`/`error_code`):
 * what is missing. The fields that were read are kept, the missing ones are undefined; the event is
 * still counted, but the replay treats it as uncertain (src/core/index.ts hands it over undecoded,
 * so no finding rests on it) and `stats` counts it.
 */
export interface Truncation {
  truncated?: string;
}

export type Decoded = Truncation & DecodedPayload;

export type DecodedPayload =
  // arm64 kvm (docs/kernel-behaviour.md section 2)
  | { kind: 'arm64.kvm_exit'; exitType: string; ec: number; ecName: string; pc: bigint | undefined }
  | { kind: 'arm64.kvm_entry'; pc: bigint }
  | { kind: 'arm64.kvm_guest_fault'; ipa: number; esr: number; far: bigint; pc: bigint; esrInfo: EsrInfo }
  | { kind: 'arm64.kvm_access_fault'; ipa: number }
  | { kind: 'arm64.kvm_set_way_flush'; pc: bigint; cacheOn: boolean }
  | { kind: 'arm64.kvm_toggle_cache'; pc: bigint; was: boolean; now: boolean }
  | { kind: 'kvm.vcpu_index'; vcpu: number } // kvm_timer_update_irq, kvm_get_timer_map: reveal the task's vCPU index
  // generic kvm (section 3)
  | { kind: 'kvm.kvm_mmio'; type: string; len: number; gpa: number; val: bigint }
  | { kind: 'kvm.kvm_userspace_exit'; reason: string; code: number }
  | { kind: 'kvm.kvm_unmap_hva_range'; start: bigint; end: bigint }
  | { kind: 'kvm.kvm_age_hva'; start: bigint; end: bigint }
  | { kind: 'kvm.kvm_test_age_hva'; hva: bigint }
  // x86 kvm + kvmmmu (section 4)
  | { kind: 'x86.kvm_exit'; vcpu: number | undefined; reason: string; vendor: X86Vendor | undefined; rip: bigint | undefined; info1: bigint | undefined; info2: bigint | undefined; errorCode: number | undefined }
  | { kind: 'x86.kvm_entry'; vcpu: number; rip: bigint | undefined }
  | { kind: 'x86.kvm_page_fault'; vcpu: number | undefined; rip: bigint | undefined; address: number; errorCode: number }
  | { kind: 'x86.fast_page_fault'; vcpu: number; gva: number; errorCode: string; sptep: bigint; oldSpte: bigint; newSpte: bigint; spurious: boolean; fixed: boolean }
  | { kind: 'x86.kvm_mmu_spte_requested'; gfn: number; pfn: number; level: number }
  | { kind: 'x86.kvm_mmu_set_spte'; gfn: number; spte: bigint; perms: string; level: number; sptep: bigint }
  | { kind: 'x86.kvm_tdp_mmu_spte_changed'; asId: number; gfn: number; level: number; oldSpte: bigint; newSpte: bigint }
  | { kind: 'x86.kvm_mmu_split_huge_page'; gfn: number; spte: bigint; level: number; errno: number }
  | { kind: 'x86.kvm_mmu_get_page'; gfn: number; level: number; created: boolean; raw: string }
  | { kind: 'x86.kvm_mmu_prepare_zap_page'; gfn: number; level: number; raw: string }
  | { kind: 'x86.kvm_mmu_zap_all_fast' }
  // lock contention (include/trace/events/lock.h): `lock` is the address as printed (hashed by the kernel's text)
  | { kind: 'lock.contention_begin'; lock: string; read: boolean; write: boolean; flags: string[] }
  | { kind: 'lock.contention_end'; lock: string; ret: number }
  // tracers
  | { kind: 'marker'; text: string }
  | { kind: 'function'; func: string; parent: string | undefined; op: Stage2Op | undefined }
  | { kind: 'funcgraph'; func: string | undefined; phase: 'entry' | 'exit' | 'leaf' | 'comment'; durationNs: number | undefined; retval: number | undefined; op: Stage2Op | undefined }
  | { kind: 'kprobe'; probe: string; symbol: string; offset: number; op: Stage2Op | undefined; args: Record<string, string>; s2: Stage2ProbeArgs | undefined }
  | { kind: 'kretprobe'; probe: string; symbol: string; caller: string; op: Stage2Op | undefined; ret: number | undefined; args: Record<string, string> };

/** Arguments of a recognised stage-2 kprobe, normalised whatever the user named them (`addr=`/`ipa=`). */
export interface Stage2ProbeArgs {
  ipa?: number;
  size?: number;
  phys?: number;
  prot?: number;
  level?: number;
  pages?: number;
  va?: bigint;
  mkold?: boolean;
  flags?: number;
  /** Old descriptor (`stage2_try_break_pte` probe `old=`). */
  oldDesc?: bigint;
  /** New descriptor (`stage2_make_pte` probe `new=`). */
  newDesc?: bigint;
  /** `kvm_arch_mmu_enable_log_dirty_pt_masked` gfn_offset and 64-page mask. */
  gfnOffset?: number;
  mask?: bigint;
}

export type DecodedKind = Decoded['kind'];

/** The engine reads bytes from an async iterable of chunks (a file stream, a gunzip stream); no I/O happens in core. */
export type ByteSource = AsyncIterable<Uint8Array>;
