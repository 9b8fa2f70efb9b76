// A fresh, hermetic code-server per layer: its own user-data, extensions dir, XDG dirs, config
// file, TMPDIR and free port; the .vsix installed offline with --install-extension; stopped by
// process group (its file-watcher child outlives a plain kill). See ../shared/docs/vscode-e2e.md §2.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { codeServerBin, run } from './install.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Settings that make the workbench deterministic: fixed theme (token colours), no tips, no trust prompt. */
export const BASE_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.colorTheme': 'Default Light Modern',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
  'workbench.layoutControl.enabled': false,
  'chat.commandCenter.enabled': false,
  'editor.hover.delay': 150,
  // The run's workspace sits inside the repository: no "open the parent git repository?" toast.
  'git.openRepositoryInParentFolders': 'never',
  'git.autoRepositoryDetection': false,
  // The Problems check compares every diagnostic with every finding: no cap, no summary row.
  'stage2Lens.diagnostics.maxCount': 100000,
  // The timeline-at-scale step opens a 120 MB trace: no "open anyway?" prompt in front of it.
  'workbench.editorLargeFileConfirmation': 2048,
};

export class CodeServer {
  /** @param {string} dir fresh per-run state directory (wiped) */
  constructor(dir, { settings = {}, env = {} } = {}) {
    this.dir = dir;
    this.extraEnv = env;
    rmSync(dir, { recursive: true, force: true });
    for (const d of ['user-data/User', 'extensions', 'xdg/config', 'xdg/data', 'xdg/cache', 'tmp', 'home', 'workspace']) mkdirSync(join(dir, d), { recursive: true });
    this.workspace = join(dir, 'workspace');
    writeFileSync(join(dir, 'config.yaml'), 'auth: none\ncert: false\n');
    writeFileSync(join(dir, 'user-data', 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 2));
    this.logFile = join(dir, 'code-server.log');
  }

  env() {
    const d = this.dir;
    return {
      ...process.env,
      HOME: join(d, 'home'),
      XDG_CONFIG_HOME: join(d, 'xdg', 'config'),
      XDG_DATA_HOME: join(d, 'xdg', 'data'),
      XDG_CACHE_HOME: join(d, 'xdg', 'cache'),
      TMPDIR: join(d, 'tmp'),
      // An empty gallery: no Open VSX lookups (offline), vsix installs still work.
      EXTENSIONS_GALLERY: '{"serviceUrl":"","itemUrl":"","resourceUrlTemplate":""}',
      ...this.extraEnv,
    };
  }

  commonArgs() {
    return ['--config', join(this.dir, 'config.yaml'), '--user-data-dir', join(this.dir, 'user-data'), '--extensions-dir', join(this.dir, 'extensions')];
  }

  async installExtension(vsix) {
    const out = await run(process.execPath, [codeServerBin(), ...this.commonArgs(), '--install-extension', vsix, '--force'], { env: this.env() });
    if (!/successfully installed/i.test(out)) throw new Error(`--install-extension ${vsix} did not report success:\n${out}`);
    return out.split('\n').find((l) => /successfully installed/i.test(l));
  }

  async start() {
    this.port = await freePort();
    const args = [
      codeServerBin(),
      ...this.commonArgs(),
      '--bind-addr',
      `127.0.0.1:${this.port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      this.workspace,
    ];
    const log = createWriteStream(this.logFile);
    this.proc = spawn(process.execPath, args, { env: this.env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.pipe(log);
    this.proc.stderr.pipe(log);
    let exited;
    this.proc.on('exit', (code, signal) => (exited = `code-server exited early (code ${code}, signal ${signal}); log: ${this.logFile}`));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(exited);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.ok) return this.port;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`code-server did not answer /healthz within 60 s; log: ${this.logFile}`);
  }

  url(payload) {
    let u = `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
    if (payload?.length) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    return u;
  }

  /** vscode-remote URI of an absolute server path, as the browser's workbench must name it. */
  remoteUri(absPath) {
    return `vscode-remote://127.0.0.1:${this.port}${absPath}`;
  }

  log() {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** Stops the whole process group; resolves once the main process is gone (SIGKILL after 3 s). */
  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    const kill = (sig) => {
      try {
        process.kill(-proc.pid, sig);
      } catch {
        /* already gone */
      }
    };
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
    kill('SIGKILL'); // children (file watcher, extension host) that ignored SIGTERM
  }
}
