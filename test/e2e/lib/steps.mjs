// One numbered step list for the whole run: each step is timed, screenshotted
// (test-results/e2e/NN-name.png) and, when it fails, leaves FAIL-NN-name.png + .html and its message;
// a step whose prerequisite failed is skipped with the reason. The summary table and result.json
// make a partial run easy to read.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;

export class Steps {
  constructor(outDir, repo) {
    this.outDir = outDir;
    this.repo = repo;
    this.results = [];
    this.n = 0;
    this.t0 = Date.now();
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    /** The page screenshots are taken from (set once a browser runs). */
    this.page = undefined;
  }

  rel(p) {
    return relative(process.cwd(), p) || p;
  }

  /**
   * Runs one step. opts.needs: names of earlier steps that must have passed; opts.screenshot:
   * false for steps without a page; opts.timeoutMs: the step fails (does not hang) after it.
   * Returns the step's value, or undefined when it failed or was skipped.
   */
  async step(name, fn, opts = {}) {
    const id = `${String(++this.n).padStart(2, '0')}-${name}`;
    const missing = (opts.needs ?? []).filter((need) => !this.results.some((r) => r.name === need && r.status === 'pass'));
    if (missing.length) {
      this.results.push({ id, name, status: 'skip', ms: 0, message: `needs ${missing.join(', ')}` });
      console.log(`  - ${id}  skipped (needs ${missing.join(', ')})`);
      return undefined;
    }
    const started = Date.now();
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let timer;
    try {
      const value = await Promise.race([
        fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`step timed out after ${fmt(timeoutMs)}`)), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      const ms = Date.now() - started;
      let shot;
      if (opts.screenshot !== false && this.page) shot = await this.shoot(`${id}.png`);
      const note = typeof value === 'string' ? value : value?.note;
      this.results.push({ id, name, status: 'pass', ms, message: note ?? '', screenshot: shot });
      console.log(`  \u2714 ${id}  ${fmt(ms)}${note ? `  ${note}` : ''}`);
      return value ?? true;
    } catch (e) {
      clearTimeout(timer);
      const ms = Date.now() - started;
      const message = (e?.message ?? String(e)).split('\n').slice(0, 12).join('\n');
      let shot;
      let html;
      if (this.page) {
        shot = await this.shoot(`FAIL-${id}.png`);
        html = join(this.outDir, `FAIL-${id}.html`);
        try {
          writeFileSync(html, await this.page.content());
        } catch {
          html = undefined;
        }
      }
      this.results.push({ id, name, status: 'fail', ms, message, screenshot: shot, html });
      console.log(`  \u2718 ${id}  ${fmt(ms)}  FAILED: ${message.replace(/\n/g, '\n      ')}`);
      if (shot) console.log(`      screenshot: ${this.rel(shot)}${html ? `  dom: ${this.rel(html)}` : ''}`);
      return undefined;
    }
  }

  async shoot(file) {
    const path = join(this.outDir, file);
    try {
      await this.page.screenshot({ path, timeout: 10_000 });
      return path;
    } catch {
      return undefined;
    }
  }

  passed(name) {
    return this.results.some((r) => r.name === name && r.status === 'pass');
  }

  failed() {
    return this.results.filter((r) => r.status !== 'pass');
  }

  summary(extra = {}) {
    const wall = Date.now() - this.t0;
    const counts = { pass: 0, fail: 0, skip: 0 };
    for (const r of this.results) counts[r.status]++;
    console.log('\n== e2e summary');
    for (const r of this.results) {
      const mark = r.status === 'pass' ? '\u2714' : r.status === 'fail' ? '\u2718' : '-';
      console.log(`  ${mark} ${r.id.padEnd(30)} ${fmt(r.ms).padStart(7)}  ${r.status === 'pass' ? '' : r.message.split('\n')[0]}`);
    }
    console.log(`  ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped; wall time ${fmt(wall)}`);
    for (const r of this.results.filter((x) => x.status === 'fail' && x.screenshot)) console.log(`  FAIL screenshot: ${this.rel(r.screenshot)}`);
    writeFileSync(join(this.outDir, 'result.json'), JSON.stringify({ wallMs: wall, ...counts, ...extra, steps: this.results }, null, 2));
    return counts.fail + counts.skip === 0;
  }
}
