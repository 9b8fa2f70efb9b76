// Self-installation for the end-to-end run: Debian packages (chromium, libkrb5-dev, ripgrep; only
// when missing and only as root) and code-server 4.100.3 (= VS Code 1.100.3) in a cache outside the
// repository, so `npm ci` stays fast and a repeat run reuses the install. Recipe and pitfalls:
// ../shared/docs/vscode-e2e.md (ripgrep seeding, npm_config_unsafe_perm, node_modules.asar check).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, rmSync, writeFileSync, linkSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Where the tools live between runs: never inside the repository (npm ci and vsce must not see them). */
export function cacheRoot() {
  const base = process.env.E2E_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'stage2-lens-e2e');
  return base;
}

export function codeServerDir() {
  return join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerBin() {
  return join(codeServerDir(), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function has(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function dpkgInstalled(pkg) {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return status.includes('install ok installed');
  } catch {
    return false;
  }
}

/** Runs a command with its output streamed through a prefix; rejects with the tail of its output on failure. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    const onData = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (opts.verbose) process.stdout.write(`    | ${line}\n`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(tail.join('\n'));
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}

/** chromium + libkrb5-dev (kerberos native module) + ripgrep (seeds @vscode/ripgrep): apt only what is missing. */
export async function ensureSystemPackages(log) {
  const wanted = [
    ['chromium', () => existsSync(CHROMIUM)],
    ['libkrb5-dev', () => dpkgInstalled('libkrb5-dev')],
    ['ripgrep', () => has('rg')],
  ];
  const missing = wanted.filter(([, ok]) => !ok()).map(([name]) => name);
  if (missing.length === 0) return 'all present';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    throw new Error(`missing system packages: ${missing.join(', ')}; install them (Debian: sudo apt-get install -y ${missing.join(' ')}) and rerun`);
  }
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  const still = wanted.filter(([, ok]) => !ok()).map(([name]) => name);
  if (still.length) throw new Error(`apt-get did not provide: ${still.join(', ')}`);
  return `installed ${missing.join(', ')}`;
}

/**
 * @vscode/ripgrep's postinstall downloads rg from GitHub unless the tarball is already in
 * $TMPDIR/vscode-ripgrep-cache-<pkg>/ : put Debian's rg there under every name code-server's
 * versions may ask for (4.100.3 uses pkg 1.15.11 with rg v13.0.0-10).
 */
function seedRipgrepCache(tmpDir) {
  const rg = execFileSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).trim();
  const triple = process.arch === 'arm64' ? 'aarch64-unknown-linux-musl' : 'x86_64-unknown-linux-musl';
  mkdirSync(tmpDir, { recursive: true });
  const stageDir = join(tmpDir, 'rg-stage');
  mkdirSync(stageDir, { recursive: true });
  execFileSync('cp', [rg, join(stageDir, 'rg')]);
  const tarball = join(tmpDir, 'rg.tar.gz');
  execFileSync('tar', ['-czf', tarball, '-C', stageDir, 'rg']);
  const pkgVersions = ['1.15.9', '1.15.10', '1.15.11', '1.15.12', '1.15.13', '1.15.14', '1.16.0', '1.17.0', '1.17.1', '1.18.0'];
  const rgVersions = ['v13.0.0-4', 'v13.0.0-10', 'v13.0.0-13', 'v14.1.1-1'];
  for (const pkg of pkgVersions) {
    const dir = join(tmpDir, `vscode-ripgrep-cache-${pkg}`);
    mkdirSync(dir, { recursive: true });
    for (const v of rgVersions) {
      const target = join(dir, `ripgrep-${v}-${triple}.tar.gz`);
      if (!existsSync(target)) linkSync(tarball, target);
    }
  }
}

/** The checks that prove code-server's postinstall really ran (npm 11 warns about allowScripts even when it did). */
export function codeServerProblems(dir = codeServerDir()) {
  const problems = [];
  const vscode = join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  const asar = join(vscode, 'node_modules.asar');
  let isLink = false;
  try {
    isLink = lstatSync(asar).isSymbolicLink();
  } catch {
    /* absent */
  }
  if (!isLink) problems.push(`${asar} is not a symlink (code-server's postinstall did not run)`);
  if (!existsSync(join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'))) problems.push('@vscode/ripgrep has no bin/rg');
  if (!existsSync(codeServerBin())) problems.push(`${codeServerBin()} missing`);
  return problems;
}

/** Installs code-server into the cache (once); a half-finished install is never mistaken for a good one. */
export async function ensureCodeServer(log) {
  const dir = codeServerDir();
  const marker = join(dir, '.complete');
  if (existsSync(marker) && codeServerProblems(dir).length === 0) return `cached at ${dir}`;
  // No marker = an interrupted or broken install: start again from nothing.
  const partial = dir;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const tmpDir = join(partial, '.tmp');
  seedRipgrepCache(tmpDir);
  writeFileSync(
    join(partial, 'package.json'),
    JSON.stringify({ name: 'stage2-lens-e2e-tools', private: true, dependencies: { 'code-server': CODE_SERVER_VERSION } }, null, 2),
  );
  log(`npm install code-server@${CODE_SERVER_VERSION} into ${dir} (compiles native modules: 2-4 min on 2 cores)`);
  // Under `npm run`, npm exports its whole configuration as npm_config_* (local_prefix=<repo>,
  // omit=peer, ...): the nested install must not inherit it, or it could install into the project.
  // npm re-reads ~/.npmrc and the global npmrc itself; only the cache, registry and network settings pass.
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_proxy', 'npm_config_https_proxy', 'npm_config_noproxy', 'npm_config_cafile', 'npm_config_strict_ssl', 'npm_config_userconfig', 'npm_config_globalconfig']);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())));
  const env = {
    ...inherited,
    TMPDIR: tmpDir,
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: partial, env, verbose: Boolean(process.env.E2E_VERBOSE) });
  const problems = codeServerProblems(dir);
  if (problems.length) throw new Error(`code-server install is incomplete:\n  ${problems.join('\n  ')}`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return `installed at ${dir}`;
}

export function codeServerVersion() {
  try {
    return JSON.parse(readFileSync(join(codeServerDir(), 'node_modules', 'code-server', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}
