// The parse layer's public surface: the streaming reader, the event types and the helpers other
// layers reuse (ESR decode, the stage-2 symbol table, single-payload decoding for trace.dat).
export { readTrace } from './readTrace';
export type { ReadTraceOptions, ReadTraceResult } from './readTrace';
export { decodePayload, isKnownEvent } from './decode';
export { decodeEsr, ecName, classifyFsc } from './esr';
export { stage2OpOf, baseSymbol } from './stage2Symbols';
export { LineParser } from './lineParser';
export * from './types';
