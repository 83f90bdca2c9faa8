// The page as a user meets it: built (scripts/build.mjs), served on 127.0.0.1, opened in Debian's Chromium through
// playwright-core with the browser tests' flags (tooling/browser-tests/chromium.cjs: webgl and webgpu on SwiftShader),
// driven through its controls. Short MLP runs on webgl and on wasm must beat chance, draw their curves, leave no
// tensor behind and log no console error; stop, resume and discard must work; the screenshot is written here (the
// README's with GRADKIT_UPDATE_SCREENSHOT=1). Without Chromium every test is skipped with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Playwright from 'playwright-core';
import { serveStatic } from '../scripts/server.mjs';

const appDir = join(__dirname, '..');
const require_ = createRequire(__filename);
const { CHROMIUM, FLAGS } = require_(join(appDir, '..', '..', 'tooling', 'browser-tests', 'chromium.cjs')) as {
  CHROMIUM: string;
  FLAGS: string[];
};
/**
 * Where the screenshot goes: a git-ignored artifact (.test-results/) on every run, so tests leave the checkout clean;
 * with GRADKIT_UPDATE_SCREENSHOT=1 the README's screenshots/playground.png itself (how the committed one was made).
 */
export const SCREENSHOT =
  process.env.GRADKIT_UPDATE_SCREENSHOT === '1'
    ? join(appDir, 'screenshots', 'playground.png')
    : join(appDir, '.test-results', 'playground.png');
/** Steps of the tests' MLP runs: a few seconds on SwiftShader's webgl, well above chance (0.1) already. */
const STEPS = 120;

const hasChromium = existsSync(CHROMIUM);
const skipped = hasChromium
  ? ''
  : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium, or set GRADKIT_CHROMIUM)`;
const it = hasChromium ? test : test.skip;

interface RunResult {
  backend: string;
  experiment: string;
  primary: { metric: string; value: number };
  metrics: { [name: string]: number };
  curves: Array<{ points: unknown[] }>;
  msPerStepMedian: number | null;
}

let browser: Playwright.Browser | null = null;
let page: Playwright.Page;
let server: Server | null = null;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  const build = spawnSync(process.execPath, [join(appDir, 'scripts', 'build.mjs')], { cwd: appDir, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/build.mjs failed:\n${build.stderr}${build.stdout}`);
  const served = await serveStatic(join(appDir, 'dist'));
  server = served.server;
  const { chromium } = require_('playwright-core') as typeof Playwright;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1060 }, acceptDownloads: true });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(served.url);
  await page.waitForFunction(() => document.body.dataset['state'] === 'ready', null, { timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

const state = () => page.evaluate(() => document.body.dataset['state']);
const tensors = () => page.evaluate(() => window.playground.memory().numTensors);

/** Sets the controls as a user does (labels, keyboard-reachable controls) and clicks Run. */
async function startRun(experiment: string, backend: string, steps: number): Promise<void> {
  const status = (await page.evaluate(() => window.playground.backends())).find((b) => b.name === backend);
  if (status?.available !== true)
    throw new Error(
      `${backend} is unavailable in this Chromium (${status?.reason ?? 'not listed'}); the test needs it`,
    );
  await page.getByLabel('Experiment').selectOption(experiment);
  await page.getByLabel('Backend', { exact: true }).selectOption(backend);
  await page.getByLabel('Training steps').fill(String(steps));
  await page.getByRole('button', { name: 'Run' }).click();
}

async function finished(timeout = 120_000): Promise<string | undefined> {
  await page.waitForFunction(
    () => ['finished', 'failed', 'discarded'].includes(document.body.dataset['state'] ?? ''),
    null,
    { timeout },
  );
  return state();
}

describe('the playground page in Chromium', () => {
  it(`lists every backend, the unavailable ones with their reason; labelled controls${skipped}`, async () => {
    const backends = await page.evaluate(() => window.playground.backends());
    expect(backends.map((b) => b.name).sort()).toEqual([
      'cpu',
      'tensorflow',
      'tensorflow-gpu',
      'wasm',
      'webgl',
      'webgpu',
    ]);
    for (const b of backends) expect(b.available || (b.reason ?? '').length > 10).toBe(true);
    const options = await page
      .locator('#backend option')
      .evaluateAll((os) => (os as HTMLOptionElement[]).map((o) => ({ value: o.value, disabled: o.disabled })));
    expect(options.filter((o) => o.disabled).map((o) => o.value)).toEqual(
      backends.filter((b) => !b.available).map((b) => b.name),
    );
    await expect(page.locator('#backend-list li').count()).resolves.toBe(backends.length);
    for (const label of ['Experiment', 'Training steps', 'Seed'])
      await expect(page.getByLabel(label).count()).resolves.toBe(1);
  });

  it(`rejects a bad step count with a one-line error naming it${skipped}`, async () => {
    await page.getByLabel('Training steps').fill('-3');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForFunction(() => document.body.dataset['state'] === 'failed');
    await expect(page.locator('#status').textContent()).resolves.toBe(
      'Failed: training steps = "-3": expected a whole number from 1 to 100000',
    );
  }, 120_000);

  for (const backend of ['webgl', 'wasm']) {
    it(`trains the MLP for ${STEPS} steps on ${backend}: accuracy above chance, curves drawn, tensors back to the baseline, no console error${skipped}`, async () => {
      const baseline = await tensors();
      const rowsBefore = await page.locator('#results tbody tr').count();
      await startRun('mlp', backend, STEPS);
      await expect(finished()).resolves.toBe('finished');
      const record = (await page.evaluate(() => window.playground.results().at(-1))) as RunResult;
      expect({ backend: record.backend, experiment: record.experiment }).toEqual({ backend, experiment: 'mlp' });
      expect(record.primary.metric).toBe('test accuracy');
      expect(record.primary.value).toBeGreaterThan(0.5);
      expect(record.msPerStepMedian).toBeGreaterThan(0);
      // an evaluation before the first step and every 15 steps (8 evaluations in a run): 9 points, each drawn
      expect(record.curves[0]?.points).toHaveLength(9);
      await expect(page.evaluate(() => window.playground.chartPoints())).resolves.toBe(9);
      expect(record.metrics['tensors left after the run']).toBe(0);
      await expect(tensors()).resolves.toBe(baseline);
      await expect(page.locator('#results tbody tr').count()).resolves.toBe(rowsBefore + 1);
      await expect(page.locator('#results tbody tr').last().textContent()).resolves.toContain(backend);
      expect(consoleErrors).toEqual([]);
    }, 180_000);
  }

  it(`downloads the results as JSON; saves the screenshot${skipped}`, async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download results (JSON)' }).click(),
    ]);
    const report = JSON.parse(readFileSync(await download.path(), 'utf8')) as { runs: RunResult[] };
    expect(report.runs.map((r) => `${r.experiment} ${r.backend}`)).toEqual(['mlp webgl', 'mlp wasm']);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: SCREENSHOT });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
    expect(consoleErrors).toEqual([]);
  });

  it(`stops, resumes (from the keyboard) and discards a run; a discarded run leaves no tensor${skipped}`, async () => {
    const baseline = await tensors();
    const progress = () => page.locator('progress').evaluate((p) => (p as HTMLProgressElement).value);
    await startRun('binary-neurons', 'wasm', 4000);
    await page.waitForFunction(() =>
      /^Training step ([5-9]|\d\d)/.test(document.getElementById('status')?.textContent ?? ''),
    );
    await page.getByRole('button', { name: 'Stop' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset['state'] === 'stopped');
    const at = await progress();
    await page.waitForTimeout(400);
    await expect(progress()).resolves.toBe(at);
    expect(await tensors()).toBeGreaterThan(baseline);
    await page.getByRole('button', { name: 'Resume' }).focus();
    await page.keyboard.press('Space');
    await page.waitForFunction((n) => Number(document.querySelector('progress')?.value) > n, at);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.waitForFunction(() => document.body.dataset['state'] === 'stopped');
    await page.getByRole('button', { name: 'Discard' }).click();
    await expect(finished()).resolves.toBe('discarded');
    await expect(tensors()).resolves.toBe(baseline);
    await expect(page.evaluate(() => window.playground.results().length)).resolves.toBe(2);
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
