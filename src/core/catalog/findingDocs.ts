// docs/findings/*.md, rendered from the finding catalog: the pages diagnostics link to are the
// catalog itself, never a second description. `npm run docs:findings` writes them; a unit test
// fails when a page differs from what the catalog renders.
import { describeAvailability, FINDING_CLASSES, findingPage, NATURE_TITLE_ONE, type FindingClassEntry } from './findings';

const NATURE_SENTENCE: Readonly<Record<FindingClassEntry['nature'], string>> = {
  'inherent-race': 'an inherent race: the handler found nothing to do because another actor got there first; the loser only re-enters the guest.',
  'by-design': 'by design: the architecture or the kernel takes this on purpose.',
  'host-action': 'the cost of something the host did, not of the fault path.',
  redundant: 'redundant work: it had no effect, and a kernel could skip it.',
  'no-op': 'a no-op: the call returns at once on this CPU; it is not a cost.',
  anomaly: 'an anomaly: the kernel should never show it (or the configuration says it must not happen).',
};

function leverList(levers: FindingClassEntry['levers']): string {
  return levers.length
    ? levers.map((l) => `- ${l.text}: ${describeAvailability(l.availability)}.${l.preset ? ` Replay the trace with it: \`stage2-lens compare TRACE --b ${l.preset}\`.` : ''}`).join('\n')
    : '- None: no kernel version, CPU feature, capability or VMM option avoids it.';
}

/** The x86 section of a class both replays emit: only what differs from arm64. */
function onX86Section(e: FindingClassEntry): string {
  const x = e.onX86;
  if (!x) return '';
  const parts = [
    x.means,
    x.shows ? `**What the trace shows.** ${x.shows}` : undefined,
    x.needs ? `**What the trace needs.** ${x.needs}.` : undefined,
    x.levers ? `**Levers.**\n\n${leverList(x.levers)}` : undefined,
    x.kernel ? `**In the kernel.** ${x.kernel}.` : undefined,
  ].filter((p): p is string => p !== undefined);
  return `\n## On x86\n\n${parts.join('\n\n')}\n`;
}

export function findingDocPage(e: FindingClassEntry): string {
  const levers = leverList(e.levers);
  return `# ${e.cls}: ${e.title} (\`${e.code}\`)

${e.means}

**Nature.** ${NATURE_SENTENCE[e.nature]}

**What the trace shows.** ${e.shows}${e.needs ? `\n\n**What the trace needs.** ${e.needs}.` : ''}

**Levers.** A finding is reported as avoidable only when a lever that exists, replayed on the same
trace, removes it (the report's "avoidable" line says which, with the command).

${levers}

**In the kernel.** ${e.kernel}.

**In the editor.** Each finding is a diagnostic with code \`${e.code}\` (default severity: ${e.severity}) on its
line; hover it for the cause (links to the related lines) and the model's state. Change how it is
shown with \`"stage2Lens.diagnostics.severity": { "${e.cls}": "hint" }\` (or \`"off"\` to hide the class).
${onX86Section(e)}`;
}

export function findingDocIndex(): string {
  const rows = FINDING_CLASSES.map((e) => `- [${e.cls}: ${e.title}](${findingPage(e.cls)}) (\`${e.code}\`, ${NATURE_TITLE_ONE[e.nature]})`);
  return `# Finding classes

Every Stage-2 Lens diagnostic has a stable code: the class, then a slug. One page per class, each
rendered from the finding catalog (src/core/catalog/findings.ts; \`npm run docs:findings\`):

${rows.join('\n')}
`;
}
