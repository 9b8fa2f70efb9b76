// The lever check of `analyze` (what the levers of the classes found would remove: one more read of
// the file, replayed with their what-if presets) on the second core. Which presets it needs is
// known only once the analysis ends, but a class usually shows early: from the first progress
// report on which the replay has found classes with a checkable lever, a worker thread reads the
// file again with those presets while the main thread is still reading it. At the end, the presets
// the analysis needs are taken from the worker where it replayed them, and the rest are replayed
// here, after the read, as before. Each what-if replay depends only on the trace and its own
// configuration (src/core/index.ts leverWhatIfs), so the result is the same either way; a worker
// that fails only costs its replays to be run here.
//
// A worker is a second engine: it loads and compiles the bundle again and warms up its own JIT
// (0.5-0.7 s more CPU on a 60 MB trace) and holds its own heap (about 30 MB more peak RSS).
// That pays only when a core is free: on a machine whose load average already fills its cores,
// the worker only competes with the main thread (measured: slower wall and more CPU), so it is
// started only when the one-minute load average leaves a core idle. STAGE2_LENS_LEVER_WORKER=always
// or never overrides that (the tests and the bench use it); the output is the same in every case.
import { availableParallelism, loadavg } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { leverPresets, leverPresetsOf, leverResults, leverWhatIfs } from '../core/index';
import type { Analysis, Arch, FindingClass, LeverResult, LeverWhatIf, ModelConfig } from '../core/index';
import { openSource } from './openSource';

const TASK = 'stage2-lens lever check';

interface LeverTask {
  task: typeof TASK;
  file: string;
  config: Partial<ModelConfig>;
  presets: string[];
}

type LeverReply = [string, LeverWhatIf][];

/** Whether a second core is free for the worker (STAGE2_LENS_LEVER_WORKER=always|never overrides). */
export function leverWorkerWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.STAGE2_LENS_LEVER_WORKER;
  if (v === 'always') return true;
  if (v === 'never') return false;
  const cores = availableParallelism();
  return cores > 1 && loadavg()[0] <= cores - 1;
}

export class LeverCheck {
  private early: { presets: string[]; worker: Worker; done: Promise<Map<string, LeverWhatIf> | undefined> } | undefined;

  constructor(
    private readonly file: string,
    private readonly config: Partial<ModelConfig>,
    private readonly useWorker = leverWorkerWanted(),
  ) {}

  /** The presets the worker was started with ([] while none was started). */
  get workerPresets(): readonly string[] {
    return this.early?.presets ?? [];
  }

  /** AnalyzeOptions.onFindingClasses: starts the worker on the first presets the classes found so far call for. */
  readonly onFindingClasses = (classes: Iterable<FindingClass>, arch: Arch): void => {
    if (this.early !== undefined || !this.useWorker) return;
    const presets = leverPresetsOf(classes, arch);
    if (presets.length === 0) return;
    let worker: Worker;
    try {
      worker = new Worker(__filename, { workerData: { task: TASK, file: this.file, config: this.config, presets } satisfies LeverTask });
    } catch {
      return; // no worker: the presets are replayed after the read
    }
    const done = new Promise<Map<string, LeverWhatIf> | undefined>((resolve) => {
      worker.once('message', (reply: LeverReply) => resolve(new Map(reply)));
      worker.once('error', () => resolve(undefined));
      worker.once('exit', () => resolve(undefined));
    });
    // an analysis that fails does not wait for it (results() holds the process for it again)
    worker.unref();
    this.early = { presets, worker, done };
  };

  /** What the levers of `whole`'s classes remove: checkLevers' result, from the worker's replays and, for the presets it did not run, one more read here. */
  async results(whole: Analysis): Promise<LeverResult[]> {
    const needed = leverPresets(whole);
    const have = new Map<string, LeverWhatIf>();
    const early = this.early;
    if (early !== undefined) {
      if (early.presets.some((p) => needed.includes(p))) {
        early.worker.ref();
        const got = await early.done;
        if (got !== undefined) for (const p of needed) if (got.has(p)) have.set(p, got.get(p)!);
      }
      await early.worker.terminate();
    }
    if (needed.length === 0) return [];
    const missing = needed.filter((p) => !have.has(p));
    if (missing.length > 0) {
      const { source, openRange, seekable } = await openSource(this.file);
      for (const [p, w] of await leverWhatIfs(source, missing, { config: this.config, openRange, seekable })) have.set(p, w);
    }
    return leverResults(whole, have);
  }
}

async function runWorker(t: LeverTask): Promise<void> {
  const { source, openRange, seekable } = await openSource(t.file);
  const whatIfs = await leverWhatIfs(source, t.presets, { config: t.config, openRange, seekable });
  // only what leverResults reads: the marks and the state query stay here
  const reply: LeverReply = [...whatIfs].map(([p, w]) => [p, { counters: w.counters, avoidedFaults: w.avoidedFaults }]);
  parentPort!.postMessage(reply);
}

if (!isMainThread && (workerData as LeverTask | undefined)?.task === TASK) void runWorker(workerData as LeverTask);
