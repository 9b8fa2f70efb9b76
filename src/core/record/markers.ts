// The trace_marker lines a generated recording script writes into the trace, and their parser:
// they carry what the trace itself cannot show, namely which events and probes were enabled
// (a probe that never fired is indistinguishable from one never defined), the host's mode and
// kernel, and the x86 MMU parameters. Format: `stage2-lens: <kind> key=value ...`.

export const MARKER_PREFIX = 'stage2-lens:';

export type RecordingMarker =
  | { kind: 'begin'; fields: Record<string, string> }
  | { kind: 'events'; events: string[] }
  | { kind: 'probe'; name: string; symbol: string; withArgs: boolean }
  | { kind: 'missing'; name: string; symbols: string[]; reason: string }
  | { kind: 'params'; fields: Record<string, string> }
  | { kind: 'cpu-features'; fields: Record<string, string> }
  | { kind: 'phase'; name: string }
  | { kind: 'end'; fields: Record<string, string> };

function keyValues(words: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) fields[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return fields;
}

/** Parses one marker text (the payload after `tracing_mark_write: `); undefined when it is not ours. */
export function parseRecordingMarker(text: string): RecordingMarker | undefined {
  const t = text.trim();
  if (!t.startsWith(MARKER_PREFIX)) return undefined;
  const words = t.slice(MARKER_PREFIX.length).trim().split(/\s+/).slice(0, 64);
  const [kind, ...rest] = words;
  switch (kind) {
    case 'recording':
      if (rest[0] === 'begin') return { kind: 'begin', fields: keyValues(rest.slice(1)) };
      if (rest[0] === 'end') return { kind: 'end', fields: keyValues(rest.slice(1)) };
      return undefined;
    case 'events':
      // `kvmmmu:all` (a whole system) is reported as `kvmmmu:*`
      return { kind: 'events', events: rest.filter((e) => /^[\w:*]+$/.test(e)).map((e) => (e.endsWith(':all') ? e.slice(0, -3) + '*' : e)) };
    case 'probe': {
      // `probe s2_map kvm_pgtable_stage2_map args` / `... noargs`
      if (!rest[0] || !rest[1]) return undefined;
      return { kind: 'probe', name: rest[0], symbol: rest[1], withArgs: rest[2] !== 'noargs' };
    }
    case 'missing':
      if (!rest[0]) return undefined;
      return { kind: 'missing', name: rest[0], symbols: (rest[1] ?? '').split(',').filter(Boolean), reason: rest.slice(2).join(' ') };
    case 'params':
      return { kind: 'params', fields: keyValues(rest) };
    case 'cpu-features':
      return { kind: 'cpu-features', fields: keyValues(rest) };
    case 'phase':
      return { kind: 'phase', name: rest.join(' ') };
    default:
      return undefined;
  }
}
