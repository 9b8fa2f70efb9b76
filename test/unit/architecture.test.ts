// Architecture invariants that a lint rule cannot see: core stays free of editor imports, and the
// folders of src/ and webview/ import one way, as the layer table in ARCHITECTURE.md says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from '../support/shared';

const root = repoRoot();

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/core imports nothing from vscode, the server, the client, the CLI or src/shared', () => {
  const offenders = walk(join(root, 'src', 'core')).filter((f) =>
    /from\s+['"](vscode[^'"]*|[^'"]*\/(server|client|cli|shared)\/[^'"]*)['"]/.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});

/** The folder a file belongs to in the layer table: `core/<folder>` (or `core/<file>` at core's root), `src/<side>`, `webview`. */
function folderOf(file: string): string {
  const parts = relative(root, file).split(sep);
  if (parts[0] === 'webview') return 'webview';
  if (parts[1] === 'core') return `core/${parts[2]!.replace(/\.ts$/, '')}`;
  return `src/${parts[1]}`;
}

/** Every relative import of a file: `import ... from`, `export ... from`, side-effect imports and `import('...')` types. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs.flatMap((s) => {
    const base = resolve(dirname(file), s);
    const target = [`${base}.ts`, join(base, 'index.ts'), base].find((c) => existsSync(c) && statSync(c).isFile());
    return target ? [target] : [];
  });
}

/** The layer table of ARCHITECTURE.md, top first: each line's folders, by rank (0 = the bottom). */
function layerRanks(): Map<string, number> {
  const doc = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
  const block = /<!-- layers: top first -->\s*```\n([\s\S]*?)```\s*<!-- \/layers -->/.exec(doc);
  assert.ok(block, 'ARCHITECTURE.md has the layer table between <!-- layers: top first --> and <!-- /layers -->');
  const lines = block[1]!.trim().split('\n').reverse();
  const ranks = new Map<string, number>();
  lines.forEach((line, rank) => {
    for (const folder of line.split('|').map((f) => f.trim()).filter(Boolean)) ranks.set(folder, rank);
  });
  return ranks;
}

function folderEdges(): { from: string; to: string; file: string; target: string }[] {
  const files = [...walk(join(root, 'src')), ...walk(join(root, 'webview'))];
  return files.flatMap((file) =>
    importsOf(file)
      .map((target) => ({ from: folderOf(file), to: folderOf(target), file: relative(root, file), target: relative(root, target) }))
      .filter((e) => e.from !== e.to),
  );
}

test('every folder of src/ and webview/ has a line in the layer table of ARCHITECTURE.md', () => {
  const ranks = layerRanks();
  const folders = new Set([...walk(join(root, 'src')), ...walk(join(root, 'webview'))].map(folderOf));
  assert.deepEqual([...folders].filter((f) => !ranks.has(f)).sort(), []);
  assert.deepEqual([...ranks.keys()].filter((f) => !folders.has(f)).sort(), [], 'the table names no folder that does not exist');
});

test('folders import only from lower layers: no cycle, no import upwards or sideways', () => {
  const ranks = layerRanks();
  const wrong = folderEdges()
    .filter((e) => !((ranks.get(e.from) ?? -1) > (ranks.get(e.to) ?? Infinity)))
    .map((e) => `${e.file} -> ${e.target} (${e.from} -> ${e.to})`);
  assert.deepEqual(wrong, []);
});

test('the layer check sees type-only and import() imports (it would catch the old api <-> replay cycle)', () => {
  const api = join(root, 'src', 'core', 'api.ts');
  const targets = importsOf(api).map((t) => folderOf(t));
  // api.ts refers to the x86 replay's output type only through `import('./replay/x86/x86Replayer')`.
  assert.ok(targets.includes('core/replay'), `api.ts imports seen: ${targets.join(', ')}`);
  assert.ok(targets.includes('core/domain'));
});

test('ARCHITECTURE.md names, for every class of the catalog, the one rule file and the one wording file per architecture', () => {
  const doc = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
  const block = /<!-- class owners -->([\s\S]*?)<!-- \/class owners -->/.exec(doc);
  assert.ok(block, 'ARCHITECTURE.md has the class-owner table');
  const rows = block[1]!.split('\n').filter((l) => /^\| [A-Z]\d/.test(l));
  const seen = new Map<string, string[]>();
  for (const row of rows) {
    const [classes, rule, wording] = row.split('|').slice(1, 4).map((c) => c.trim());
    const ruleFile = /`([^`]+)`/.exec(rule!)![1]!;
    const wordingFile = /`([^`]+)`/.exec(wording!)![1]!;
    assert.ok(existsSync(join(root, ruleFile)), `${ruleFile} exists`);
    assert.ok(existsSync(join(root, wordingFile)), `${wordingFile} exists`);
    const ruleText = readFileSync(join(root, ruleFile), 'utf8');
    for (const cls of classes!.split(/\s+/)) {
      assert.match(ruleText, new RegExp(`'${cls}'`), `${ruleFile} decides ${cls}`);
      seen.set(cls, [...(seen.get(cls) ?? []), ruleFile]);
    }
  }
  const catalog = readFileSync(join(root, 'src', 'core', 'catalog', 'findings.ts'), 'utf8');
  const classes = [...catalog.matchAll(/\bcls: '([A-Z]\d)'/g)].map((m) => m[1]!);
  assert.deepEqual([...seen.keys()].sort(), [...new Set(classes)].sort(), 'every catalog class, and no other, has an owner');
  for (const [cls, files] of seen) {
    const arches = files.map((f) => (f.includes('/x86/') ? 'x86' : 'arm64'));
    assert.equal(new Set(arches).size, arches.length, `${cls} has at most one rule file per architecture`);
  }
});

test('no replay file but wording.ts writes a finding message as text', () => {
  // A message is written where the class is decided only through wording.ts: a string or template
  // literal right after `message:` in a rule file is a sentence in the wrong place (an empty one is a
  // placeholder the rule fills through wording.ts).
  const offenders: string[] = [];
  for (const dir of ['arm64', 'x86']) {
    for (const f of walk(join(root, 'src', 'core', 'replay', dir))) {
      if (f.endsWith('wording.ts')) continue;
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bmessage: *(['"`])(?!\1)/g)) offenders.push(`${relative(root, f)} at ${m.index}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('src/cli and src/server reach the engine only through its facade, src/core/index.ts', () => {
  const facade = join(root, 'src', 'core', 'index.ts');
  const wrong = [...walk(join(root, 'src', 'cli')), ...walk(join(root, 'src', 'server'))].flatMap((file) =>
    importsOf(file)
      .filter((t) => folderOf(t).startsWith('core/') && t !== facade)
      .map((t) => `${relative(root, file)} -> ${relative(root, t)}`),
  );
  assert.deepEqual(wrong, []);
});
