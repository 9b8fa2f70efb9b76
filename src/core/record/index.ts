// The recording side of Stage-2 Lens: the script generator, the probe catalogue it uses and the
// marker lines its scripts write (read back by the coverage report).
export { generateRecordingScript, DEFAULT_BUFFER_KB, DEFAULT_DURATION_SEC, type RecordingScriptOptions } from './script';
export { PROBES, ARM64_EVENTS, X86_EVENTS, PROBE_GROUP, VISIT_CTX_KNOWN_KERNELS, probesFor, eventsFor, probeDefinition, type ProbeSpec, type EventSpec } from './probes';
export { parseRecordingMarker, MARKER_PREFIX, type RecordingMarker } from './markers';
export { RECORDING_CHOICES, suggestedScriptName, type RecordingChoice } from './choices';
export { createCoverageCollector, type CoverageEvidence, type CoverageCollector, type RecordingManifest } from './traceEvidence';
