// function_graph tracer lines (kernel-behaviour.md 1.6): ` 0)   0.179 us    |      name();`, `name() {`,
// `} /* name = -11 */` (funcgraph-retval), events printed as `/* ... */` comments, optional abstime
// and proc columns, and duration marks (`+ ! # * @ $`). Parsed by hand; the result is reused.
import type { Stage2Op } from './types';
import { stage2OpOf } from './stage2Symbols';

export interface FuncGraphLine {
  cpu: number;
  /** ns, when the abstime column is present. */
  ts: number | undefined;
  task: string;
  pid: number;
  /** Index of the call text after `|`. */
  text: number;
}

function skip(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  return i;
}

function digitsEnd(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  return i;
}

/** Recognise a function_graph body line; undefined when it is not one. */
export function scanFuncGraph(s: string): FuncGraphLine | undefined {
  let i = skip(s, 0);
  let ts: number | undefined;
  // optional abstime `  1234.567890 |`
  let e = digitsEnd(s, i);
  if (e > i && s.charCodeAt(e) === 46) {
    const fe = digitsEnd(s, e + 1);
    const after = skip(s, fe);
    if (s.charCodeAt(after) === 124 /* | */) {
      const frac = s.slice(e + 1, fe).padEnd(9, '0').slice(0, 9);
      ts = Number(s.slice(i, e)) * 1e9 + Number(frac);
      i = skip(s, after + 1);
      e = digitsEnd(s, i);
    }
  }
  if (e === i || s.charCodeAt(e) !== 41 /* ) */ || e - i > 5) return undefined;
  const cpu = Number(s.slice(i, e));
  i = e + 1;
  const bar = s.indexOf('|', i);
  let task = '';
  let pid = -1;
  if (bar < 0) {
    // ` 0)   bash-1977  =>  sshd-1974 ` task switch and `==========>` markers have no bar
    return { cpu, ts, task, pid, text: skip(s, i) };
  }
  // optional proc column `comm-pid` before the duration
  const mid = s.slice(i, bar).trim();
  const dash = mid.lastIndexOf('-');
  if (dash > 0) {
    const pidText = mid.slice(dash + 1).split(' ')[0];
    if (/^\d+$/.test(pidText) && !/us$/.test(mid)) {
      task = mid.slice(0, dash);
      pid = Number(pidText);
    } else if (/^\d+$/.test(pidText)) {
      task = mid.slice(0, dash);
      pid = Number(pidText);
    }
  }
  return { cpu, ts, task, pid, text: bar + 1 };
}

export interface FuncGraphCall {
  func: string | undefined;
  phase: 'entry' | 'exit' | 'leaf' | 'comment';
  durationNs: number | undefined;
  retval: number | undefined;
  op: Stage2Op | undefined;
}

/** Duration between the `)` and the `|` (`+ 12.345 us`), in ns. */
export function durationOf(s: string, from: number, bar: number): number | undefined {
  const us = s.lastIndexOf(' us', bar);
  if (us < from) return undefined;
  let k = us - 1;
  while (k > from && ((s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) || s.charCodeAt(k) === 46)) k--;
  const v = Number(s.slice(k + 1, us));
  return Number.isFinite(v) ? Math.round(v * 1000) : undefined;
}

function retvalOf(comment: string): number | undefined {
  const eq = comment.indexOf('= ');
  if (eq < 0) return undefined;
  const v = comment.slice(eq + 2).replace('*/', '').trim();
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^0x[0-9a-f]+$/i.test(v)) return Number(BigInt.asIntN(64, BigInt(v)));
  return undefined;
}

export function decodeFuncGraphText(text: string, durationNs: number | undefined): FuncGraphCall {
  const t = text.trim();
  if (t.startsWith('/*')) return { func: undefined, phase: 'comment', durationNs, retval: undefined, op: undefined };
  if (t.startsWith('}')) {
    // `}`, `} /* name */`, `} /* name = -22 */`
    const c = t.indexOf('/*');
    let func: string | undefined;
    let retval: number | undefined;
    if (c >= 0) {
      const inner = t.slice(c + 2).replace('*/', '').trim();
      const eq = inner.indexOf(' =');
      func = (eq >= 0 ? inner.slice(0, eq) : inner).trim() || undefined;
      retval = retvalOf(inner);
    }
    return { func, phase: 'exit', durationNs, retval, op: func ? stage2OpOf(func) : undefined };
  }
  const paren = t.indexOf('(');
  if (paren > 0) {
    const func = t.slice(0, paren);
    const leaf = t.includes(');');
    const c = t.indexOf('/*');
    return { func, phase: leaf ? 'leaf' : 'entry', durationNs, retval: c >= 0 ? retvalOf(t.slice(c)) : undefined, op: stage2OpOf(func) };
  }
  return { func: undefined, phase: 'comment', durationNs, retval: undefined, op: undefined };
}
