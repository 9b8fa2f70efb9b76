// SARIF 2.1.0 output (`--format sarif`): one rule per finding code (with its title and help),
// one result per finding, located at the trace line, with related locations for the lines that
// caused it. Consumed by code-scanning tools and the editor's "Export Report...".
import type { Analysis } from '../api';
import { FINDING_CLASSES, findingEntry } from '../catalog/findings';

const LEVEL = { error: 'error', warning: 'warning', information: 'note', hint: 'note' } as const;

export function reportSarif(a: Analysis, opts: { uri?: string; maxResults?: number; version?: string } = {}): string {
  const uri = opts.uri ?? 'trace';
  const used = new Set(a.findings.map((f) => f.cls));
  const rules = FINDING_CLASSES
    .filter((k) => used.has(k.cls))
    .map((k) => ({
      id: k.code,
      name: k.code.replace(/-/g, '_'),
      shortDescription: { text: k.title },
      fullDescription: { text: k.means },
      defaultConfiguration: { level: LEVEL[k.severity] },
      properties: { nature: k.nature },
    }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = a.findings.slice(0, opts.maxResults ?? 100_000).map((f) => ({
    ruleId: f.code,
    ruleIndex: ruleIndex.get(findingEntry(f.cls).code) ?? 0,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: f.line } } }],
    relatedLocations: f.related.map((r, i) => ({ id: i + 1, message: { text: r.message }, physicalLocation: { artifactLocation: { uri }, region: { startLine: r.line } } })),
    properties: {
      vcpu: f.vcpu,
      ipa: f.ipa ? `0x${f.ipa.start.toString(16)}` : undefined,
      size: f.ipa?.size,
      observed: f.observed,
      costNs: f.costNs,
    },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'stage2-lens', informationUri: 'https://github.com/stage2-lens/stage2-lens', version: opts.version ?? '0.1.0', rules } },
        artifacts: [{ location: { uri } }],
        results,
        properties: { config: a.config, counters: a.counters },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
