// A count and its noun, in the singular for one: "1 split", "2 splits", "1 fault of other vCPUs".
// Every text output (CLI, Markdown, hovers, code lenses, the status bar, the timeline) says counts
// through it, so that no sentence reads "1 splits".

/** `n` and `one` (or `many`, by default `one` + "s", when n is not 1): plural(3, 'vCPU thread') is "3 vCPU threads". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
