// Placeholder facade until the replay work lands: the public entry of the engine. The owner of
// the arm64 replay replaces this file with the real createAnalyzer (see src/core/api.ts).
import type { AnalyzeOptions, Analysis, ByteSource, Comparison } from './api';
import type { ModelConfig } from './analysis/types';

export * from './api';
export * from './analysis/types';

export interface Analyzer {
  analyze(source: ByteSource, opts?: AnalyzeOptions): Promise<Analysis>;
  /** One read of the trace, several replays (what-if): results in the order of `configs`. */
  analyzeMany(source: ByteSource, configs: Partial<ModelConfig>[], opts?: AnalyzeOptions): Promise<Analysis[]>;
  compare(a: Analysis, b: Analysis): Comparison;
}

export function createAnalyzer(): Analyzer {
  throw new Error('the analyzer is not implemented yet');
}
