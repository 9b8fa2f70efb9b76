// Class L1: one finding per vCPU fault that waited for kvm->mmu_lock (read) behind a writer, its
// rule and its wording in one place; the waits and writers come from mmuLock.ts (lock:contention_*
// tracepoints and the write-holder probes, docs/kernel-behaviour.md 11a).
import type { Finding } from '../domain/types';
import { findingEntry } from '../catalog/findings';
import type { StalledFault } from './mmuLock';
import { vcpuNamer } from './lockReport';

/** The replay's findings plus one L1 finding per fault that waited for kvm->mmu_lock, in line order. */
export function withLockWaits(findings: Finding[], stalled: StalledFault[], lanes: { label: string }[]): Finding[] {
  const name = vcpuNamer(lanes);
  const entry = findingEntry('L1');
  const ms = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(1)} us`);
  const lock: Finding[] = stalled.map((s) => ({
    code: entry.code, cls: 'L1', severity: entry.severity, line: s.line, ts: s.ts, vcpu: name(s.task), ipa: undefined,
    message: s.writer
      ? `This fault waited ${ms(s.waitNs)} for kvm->mmu_lock (read) while a ${s.writer.kind} writer held it or waited for it (held ${ms(s.writer.holdNs)}).`
      : `This fault waited ${ms(s.waitNs)} for kvm->mmu_lock (read); no traced writer overlaps the wait.`,
    related: s.writer ? [{ line: s.writer.line, message: `${s.writer.kind}: ${s.writer.task} took the lock for write here` }] : [],
    observed: true, costNs: undefined,
  }));
  return [...findings, ...lock].sort((x, y) => x.line - y.line);
}
