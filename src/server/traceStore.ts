// The open traces and their latest analysis. One run at a time per trace: a new run (an edit, a
// settings change, a replay request) aborts the one in flight; cancellation (the work-done
// progress's cancel button or the request's token) aborts it too, and the previous analysis stays.
// Reports progress, early findings and results through StoreEvents; never throws on trace content.
import type { Analysis, Analyzer, Comparison } from '../core/index';
import type { Finding, ModelConfig } from '../core/index';
import { presetByName } from '../core/index';
import type { ConfigChoice, StatusNotification } from '../shared/protocol';
import { settingsToModelConfig, type Settings } from '../shared/settings';
import { byClassOf, spuriousCount } from './summary';
import type { TraceSource } from './traceSource';

export interface ProgressHandle {
  report(percent: number | undefined, message: string): void;
  done(): void;
  /** Called when the user cancels from the client's progress UI. */
  onCancel(listener: () => void): void;
}

export interface StoreEvents {
  findings(uri: string, findings: readonly Finding[], partial: boolean): void;
  status(s: StatusNotification): void;
  /** The analysis or the what-if comparison of `uri` changed (the timeline re-queries). */
  changed?(uri: string): void;
}

export interface StoreOptions {
  analyzer(): Analyzer;
  settings(): Settings;
  progress(title: string): Promise<ProgressHandle>;
  events: StoreEvents;
  log(message: string): void;
}

export interface Cancellation {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): unknown;
}

interface Run {
  abort: AbortController;
  done: Promise<Analysis>;
}

export interface TraceEntry {
  uri: string;
  source: TraceSource;
  analysis: Analysis | undefined;
  /** The configuration choice behind `analysis` (a replay request changes it). */
  choice: ConfigChoice;
  label: string;
  durationMs: number;
  run: Run | undefined;
  /** The latest comparison's configuration B and the comparison (for the timeline's ghosting). */
  whatIf: { analysis: Analysis; comparison: Comparison } | undefined;
}

/** Traces at least this large get a quick first look at their beginning, for diagnostics within seconds. */

export class CancelledError extends Error {
  constructor() {
    super('the analysis was cancelled or superseded');
  }
}

export const asRecorded: ConfigChoice = { kind: 'preset', preset: 'observed' };

/** A choice on top of the settings' model defaults, with a label for titles. */
export function resolveChoice(choice: ConfigChoice, settings: Settings): { label: string; config: Partial<ModelConfig> } {
  const base = settingsToModelConfig(settings);
  if (choice.kind === 'config') return { label: choice.label, config: { ...base, ...choice.config } };
  const preset = presetByName(choice.preset);
  return { label: preset?.label ?? choice.preset, config: { ...base, ...(preset?.config ?? {}) } };
}

export class TraceStore {
  private readonly entries = new Map<string, TraceEntry>();

  constructor(private readonly opts: StoreOptions) {}

  get(uri: string): TraceEntry | undefined {
    return this.entries.get(uri);
  }

  uris(): string[] {
    return [...this.entries.keys()];
  }

  /** Registers (or replaces) where a trace's bytes come from, keeping its configuration choice. */
  setSource(uri: string, source: TraceSource): TraceEntry {
    const existing = this.entries.get(uri);
    if (existing) {
      existing.source = source;
      return existing;
    }
    const entry: TraceEntry = { uri, source, analysis: undefined, choice: asRecorded, label: 'As recorded', durationMs: 0, run: undefined, whatIf: undefined };
    this.entries.set(uri, entry);
    return entry;
  }

  close(uri: string): void {
    const entry = this.entries.get(uri);
    if (!entry) return;
    entry.run?.abort.abort();
    this.entries.delete(uri);
    this.opts.events.findings(uri, [], false);
    this.opts.events.status({ kind: 'closed', uri });
  }

  /** Analyse (again) with `choice` (default: the entry's current one). Rejects with CancelledError when aborted or superseded. */
  analyze(uri: string, choice?: ConfigChoice, token?: Cancellation): Promise<Analysis> {
    const entry = this.entries.get(uri);
    if (!entry) return Promise.reject(new Error(`not an open trace: ${uri}`));
    entry.run?.abort.abort();
    const abort = new AbortController();
    const run: Run = { abort, done: this.runAnalysis(entry, choice ?? entry.choice, abort, token) };
    entry.run = run;
    // Nobody may await a background run: keep its rejection from becoming an unhandled one.
    run.done.catch(() => undefined);
    return run.done;
  }

  /** The latest complete analysis, waiting for a run in flight (an analysis is never older than the open text). */
  async current(uri: string): Promise<Analysis | undefined> {
    const entry = this.entries.get(uri);
    if (!entry) return undefined;
    while (entry.run) {
      const run = entry.run;
      try {
        return await run.done;
      } catch {
        if (entry.run === run) break; // this run failed or was cancelled and nothing replaced it
      }
    }
    return entry.analysis;
  }

  /** Two replays from one read of the trace; the open analysis is left as it is. */
  async compare(uri: string, a: ConfigChoice, b: ConfigChoice, token?: Cancellation): Promise<{ comparison: Comparison; labelA: string; labelB: string }> {
    const entry = this.entries.get(uri);
    if (!entry) throw new Error(`not an open trace: ${uri}`);
    const settings = this.opts.settings();
    const ra = resolveChoice(a, settings);
    const rb = resolveChoice(b, settings);
    const abort = new AbortController();
    token?.onCancellationRequested(() => abort.abort());
    const analyzer = this.opts.analyzer();
    try {
      const [x, y] = await analyzer.analyzeMany(entry.source.open(), [ra.config, rb.config], { signal: abort.signal, openRange: entry.source.openRange });
      const comparison = analyzer.compare(x, y);
      if (this.entries.get(uri) === entry) {
        entry.whatIf = { analysis: y, comparison };
        this.opts.events.changed?.(uri);
      }
      return { comparison, labelA: ra.label, labelB: rb.label };
    } catch (e) {
      if (abort.signal.aborted) throw new CancelledError();
      throw e;
    }
  }

  private async runAnalysis(entry: TraceEntry, choice: ConfigChoice, abort: AbortController, token: Cancellation | undefined): Promise<Analysis> {
    const { uri, source } = entry;
    const { label, config } = resolveChoice(choice, this.opts.settings());
    const events = this.opts.events;
    const isCurrent = () => entry.run?.abort === abort && this.entries.get(uri) === entry;
    token?.onCancellationRequested(() => abort.abort());
    const progress = await this.opts.progress(`Stage-2 Lens: analysing ${source.name}`);
    progress.onCancel(() => abort.abort());
    const started = performance.now();
    let lastPercent = -1;
    let lastReport = 0;
    const onProgress = (bytesRead: number) => {
      const percent = source.size ? Math.min(100, Math.floor((bytesRead / source.size) * 100)) : undefined;
      const now = performance.now();
      if (percent === lastPercent || now - lastReport < 200 || !isCurrent()) return;
      lastPercent = percent ?? -1;
      lastReport = now;
      progress.report(percent, label);
      events.status({ kind: 'analyzing', uri, percent, label });
    };
    events.status({ kind: 'analyzing', uri, percent: source.size ? 0 : undefined, label });
    // The engine reports the findings of the first few MB once (onEarlyFindings): diagnostics
    // appear within a second on large traces, long before the whole analysis ends.
    let earlyPublished = false;
    const publishEarly = (findings: readonly Finding[]) => {
      if (earlyPublished || !isCurrent()) return;
      earlyPublished = true;
      events.findings(uri, findings, true);
      events.status({ kind: 'ready', uri, faults: findings.length, spurious: spuriousCount(byClassOf(findings)), findings: findings.length, label, partial: true });
    };
    try {
      if (abort.signal.aborted) throw new CancelledError();
      const analyzer = this.opts.analyzer();
      const analysis = await analyzer.analyze(source.open(), {
        config,
        signal: abort.signal,
        openRange: source.openRange,
        onProgress,
        onEarlyFindings: publishEarly,
      });
      if (abort.signal.aborted || !isCurrent()) throw new CancelledError();
      entry.analysis = analysis;
      entry.choice = choice;
      entry.label = label;
      entry.durationMs = performance.now() - started;
      entry.run = undefined;
      // A comparison made against the previous analysis no longer matches this one.
      entry.whatIf = undefined;
      events.findings(uri, analysis.findings, false);
      const spurious = spuriousCount(analysis.counters.faults.byClass);
      events.status({ kind: 'ready', uri, faults: analysis.counters.faults.total, spurious, findings: analysis.findings.length, label, partial: false });
      events.changed?.(uri);
      return analysis;
    } catch (e) {
      if (abort.signal.aborted || !isCurrent() || e instanceof CancelledError) {
        if (entry.run?.abort === abort) {
          entry.run = undefined;
          // Back to what was shown before the cancelled run.
          if (entry.analysis) {
            events.findings(uri, entry.analysis.findings, false);
            const a = entry.analysis;
            events.status({ kind: 'ready', uri, faults: a.counters.faults.total, spurious: spuriousCount(a.counters.faults.byClass), findings: a.findings.length, label: entry.label, partial: false });
          } else events.status({ kind: 'failed', uri, message: 'cancelled' });
        }
        throw new CancelledError();
      }
      const message = e instanceof Error ? e.message : String(e);
      this.opts.log(`analysis of ${uri} failed: ${e instanceof Error ? (e.stack ?? message) : message}`);
      if (isCurrent()) {
        entry.run = undefined;
        events.status({ kind: 'failed', uri, message });
      }
      throw e;
    } finally {
      progress.done();
    }
  }
}
