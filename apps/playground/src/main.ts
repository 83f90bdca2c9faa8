/**
 * The page: pick an experiment and a backend, run it, watch its curves; stop, resume, discard; download the results.
 * Everything it trains comes from the gradkit packages' public APIs and the benches' shared model code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, setWasmLocation, useBackend, type BackendStatus } from '@gradkit/backends';
import { RESULT_HEADERS, resultRow, type ResultRow, type RunRecord } from '@gradkit/experiment-runner';
import type { Dataset } from 'mnist-bench/browser';
import { LiveChart } from './chart';
import { loadMnist, loadText } from './data';
import type { PageData, PlaygroundExperiment } from './experiment';
import { EXPERIMENTS, experimentNamed } from './experiments';
import { Run, RunDiscarded, type LiveView } from './session';
import { element } from './views';

/** What scripts and tests drive the page through (the same code paths as the controls). */
export interface PlaygroundApi {
  /** Resolves once the backends are listed and the controls work. */
  ready: Promise<void>;
  /** Sets the controls as given, runs, and resolves with the run's record (rejects with its error). */
  run(options: RunOptions): Promise<RunRecord>;
  results(): RunRecord[];
  backends(): BackendStatus[];
  memory(): tf.MemoryInfo;
  /** Points drawn in the learning-curve chart now. */
  chartPoints(): number;
}

export interface RunOptions {
  experiment: string;
  backend?: string;
  steps?: number;
  seed?: number;
  choices?: Record<string, string>;
}

declare global {
  interface Window {
    playground: PlaygroundApi;
  }
}

const $ = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e == null) throw new Error(`the page has no element #${id}`);
  return e as T;
};

const controls = {
  experiment: $<HTMLSelectElement>('experiment'),
  backend: $<HTMLSelectElement>('backend'),
  steps: $<HTMLInputElement>('steps'),
  seed: $<HTMLInputElement>('seed'),
  run: $<HTMLButtonElement>('run'),
  stop: $<HTMLButtonElement>('stop'),
  resume: $<HTMLButtonElement>('resume'),
  discard: $<HTMLButtonElement>('discard'),
  download: $<HTMLButtonElement>('download'),
};
const chart = new LiveChart($('chart'));
const records: RunRecord[] = [];
let backends: BackendStatus[] = [];
let current: Run | null = null;
/** The curves the chart was last given. */
let shownCurves: LiveView['curves'] | null = null;
/** tf.memory() needs a backend: set once the default one is selected. */
let backendReady = false;

// tfjs-backend-wasm's .wasm files, served next to the page (the build copies them)
setWasmLocation(new URL('tfjs-wasm/', location.href));

function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = null;
      throw error;
    });
    return value;
  };
}

const data: PageData = {
  mnist: cached(async () => {
    setStatus('Loading MNIST from this page’s server…');
    const started = performance.now();
    const d: Dataset = await loadMnist();
    log(
      `MNIST: ${d.train.count} training, ${d.validation.count} validation, ${d.test.count} test images (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    return d;
  }),
  text: cached(async () => {
    setStatus('Loading Moby Dick from this page’s server…');
    const text = await loadText();
    log(`Moby Dick: ${text.length.toLocaleString('en-US')} characters`);
    return text;
  }),
};

function log(message: string): void {
  const item = element('li', `${new Date().toLocaleTimeString()} ${message}`);
  $('log').append(item);
  item.scrollIntoView({ block: 'nearest' });
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

function setState(state: string): void {
  document.body.dataset['state'] = state;
}

function selectedExperiment(): PlaygroundExperiment {
  return experimentNamed(controls.experiment.value);
}

/** The experiment's own choices (e.g. an estimator) as labelled selects. */
function showExperiment(): void {
  const e = selectedExperiment();
  $('experiment-title').textContent = e.title;
  $('post').textContent = `From ${e.post}.`;
  $('about').textContent = e.about;
  controls.steps.value = String(e.quickSteps);
  $('steps-note').textContent = `Quick: ${e.quickSteps} steps.`;
  const box = $('choices');
  box.replaceChildren();
  for (const c of e.choices ?? []) {
    const field = element('div', '', 'field');
    const label = element('label', c.label);
    label.htmlFor = `choice-${c.id}`;
    const select = element('select');
    select.id = `choice-${c.id}`;
    select.dataset['choice'] = c.id;
    for (const o of c.options) {
      const option = element('option', o.label);
      option.value = o.value;
      select.append(option);
    }
    select.value = c.initial;
    field.append(label, select);
    box.append(field);
  }
}

function choices(): Record<string, string> {
  const out: Record<string, string> = {};
  $('choices')
    .querySelectorAll<HTMLSelectElement>('select[data-choice]')
    .forEach((s) => (out[s.dataset['choice'] as string] = s.value));
  return out;
}

/** Integer field value in [min, max], or a one-line error naming the value and what was expected. */
function integerField(input: HTMLInputElement, name: string, min: number, max: number): number {
  const value = Number(input.value);
  if (input.value.trim() === '' || !Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} = ${JSON.stringify(input.value)}: expected a whole number from ${min} to ${max}`);
  return value;
}

function setRunning(running: boolean): void {
  for (const c of [controls.experiment, controls.backend, controls.steps, controls.seed, controls.run])
    c.disabled = running;
  $('choices')
    .querySelectorAll('select')
    .forEach((s) => (s.disabled = running));
}

function showLive(e: PlaygroundExperiment, backend: string, live: LiveView): void {
  const progress = $<HTMLProgressElement>('progress');
  progress.max = live.steps;
  progress.value = live.step;
  const what = {
    starting: 'Starting',
    running: 'Training',
    stopped: 'Stopped at',
    finished: 'Finished',
    discarded: 'Discarded at',
    failed: 'Failed at',
  }[live.state];
  setStatus(`${what} step ${live.step} of ${live.steps} (${e.name} on ${backend})`);
  $('speed').textContent =
    `ms/step ${live.msPerStep?.toFixed(1) ?? '—'} · examples/s ${live.examplesPerSecond?.toFixed(0) ?? '—'}`;
  if (live.state === 'running' || live.state === 'stopped') setState(live.state);
  controls.stop.disabled = live.state !== 'running' && live.state !== 'starting';
  controls.resume.disabled = live.state !== 'stopped';
  controls.discard.disabled = live.state !== 'stopped' && live.state !== 'running';
  // the session hands over a new list of curves at each evaluation: redraw only then
  if (live.curves !== shownCurves && live.curves.length > 0)
    chart.show(e.name, [{ backend, title: e.title, curves: live.curves }], e.xTitle);
  shownCurves = live.curves;
}

function showMemory(): void {
  if (!backendReady) return;
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  const gpu = m.numBytesInGPU != null ? ` · ${(m.numBytesInGPU / 2 ** 20).toFixed(1)} MB on the GPU` : '';
  $('memory').textContent =
    `tf.memory(): ${m.numTensors} tensors · ${(m.numBytes / 2 ** 20).toFixed(1)} MB${gpu}` +
    (current == null ? '' : ' (during a run)');
}

const COLUMNS: Array<keyof ResultRow> = [
  'backend',
  'experiment',
  'result',
  'msPerStep',
  'examplesPerSecond',
  'wall',
  'peakTensors',
  'peakRss',
];
const HEADERS: ResultRow = { ...RESULT_HEADERS, peakRss: 'peak JS heap MB' };

function showResults(): void {
  const table = $<HTMLTableElement>('results');
  const head = element('tr');
  for (const k of COLUMNS) head.append(element('th', HEADERS[k]));
  head.append(element('th', 'tensors left'));
  table.tHead?.replaceChildren(head);
  table.tBodies[0]?.replaceChildren(
    ...records.map((r) => {
      const row = resultRow(r);
      const tr = element('tr');
      for (const k of COLUMNS)
        tr.append(element('td', row[k], k === 'backend' || k === 'experiment' || k === 'result' ? '' : 'number'));
      tr.append(element('td', String(r.metrics['tensors left after the run']), 'number'));
      return tr;
    }),
  );
  const last = records.at(-1);
  const notes = $('notes');
  notes.replaceChildren();
  if (last != null) {
    for (const [k, v] of Object.entries(last.metrics))
      notes.append(element('li', `${k}: ${Number.isInteger(v) ? v : v.toFixed(4)}`));
    for (const n of last.notes) notes.append(element('li', n));
  }
  controls.download.disabled = records.length === 0;
}

function download(): void {
  const report = {
    page: location.href,
    createdAt: new Date().toISOString(),
    machine: { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency },
    runs: records,
  };
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(report, null, 2)}\n`], { type: 'application/json' }));
  const a = element('a');
  a.href = url;
  a.download = 'playground-results.json';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Shows a run's failure (or a bad control value) in the status line and the log. */
function showFailure(what: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  log(`${what} failed: ${message}`);
  setStatus(`Failed: ${message}`);
  setState('failed');
}

async function runSelected(): Promise<RunRecord> {
  if (current != null) throw new Error('a run is in progress: stop and discard it, or let it finish, first');
  let e: PlaygroundExperiment;
  let steps: number;
  let seed: number;
  try {
    e = selectedExperiment();
    steps = integerField(controls.steps, 'training steps', 1, 100_000);
    seed = integerField(controls.seed, 'seed', 0, 1_000_000);
  } catch (error) {
    showFailure('the run', error);
    throw error;
  }
  const name = controls.backend.value;
  setRunning(true);
  setState('running');
  $('view').replaceChildren();
  $<HTMLProgressElement>('progress').value = 0;
  try {
    await (e.data === 'mnist' ? data.mnist() : data.text());
    setStatus(`Starting ${name}…`);
    const backend = await useBackend(name);
    backendReady = true;
    log(`${e.name} on ${name} (${backend.device ?? name}), ${steps} steps, seed ${seed}`);
    current = new Run({
      experiment: e,
      backend,
      data,
      steps,
      seed,
      choices: choices(),
      view: $('view'),
      onChange: (live) => showLive(e, name, live),
      log,
    });
    const record = await current.result;
    records.push(record);
    showResults();
    await chart.flush();
    log(
      `${e.name} on ${name}: ${record.primary.metric} ${record.primary.value.toFixed(4)}, ` +
        `${record.msPerStepMedian?.toFixed(1)} ms/step, tensors left ${record.metrics['tensors left after the run']}`,
    );
    setState('finished');
    return record;
  } catch (error) {
    if (error instanceof RunDiscarded) {
      log(`${e.name} on ${name}: discarded`);
      setStatus(`Discarded (${e.name} on ${name}); tf.memory() is back to ${tf.memory().numTensors} tensors.`);
      setState('discarded');
    } else {
      showFailure(`${e.name} on ${name}`, error);
    }
    throw error;
  } finally {
    current = null;
    setRunning(false);
    controls.stop.disabled = true;
    controls.resume.disabled = true;
    controls.discard.disabled = true;
    showMemory();
  }
}

function defaultBackend(list: BackendStatus[]): string {
  const wanted = new URL(location.href).searchParams.get('backend');
  if (wanted != null && list.some((b) => b.name === wanted && b.available)) return wanted;
  // a GPU where there is one; a software-rendered GPU (SwiftShader, llvmpipe) is slower than wasm
  const fast = (n: string) =>
    list.some((b) => b.name === n && b.available && !/software|swiftshader/i.test(b.device ?? ''));
  const usable = (n: string) => list.some((b) => b.name === n && b.available);
  return ['webgpu', 'webgl'].find(fast) ?? ['wasm', 'cpu'].find(usable) ?? 'cpu';
}

async function start(): Promise<void> {
  for (const e of EXPERIMENTS) {
    const option = element('option', e.title);
    option.value = e.name;
    controls.experiment.append(option);
  }
  const wanted = new URL(location.href).searchParams.get('experiment');
  if (wanted != null && EXPERIMENTS.some((e) => e.name === wanted)) controls.experiment.value = wanted;
  showExperiment();
  controls.experiment.addEventListener('change', showExperiment);
  backends = await availableBackends();
  const list = $('backend-list');
  for (const b of backends) {
    const option = element('option', b.available ? `${b.name} — ${b.device ?? ''}` : `${b.name} (unavailable)`);
    option.value = b.name;
    option.disabled = !b.available;
    if (!b.available) option.title = b.reason ?? '';
    controls.backend.append(option);
    list.append(
      element(
        'li',
        b.available ? `${b.name}: ${b.device ?? 'available'}` : `${b.name}: unavailable — ${b.reason ?? ''}`,
      ),
    );
  }
  controls.backend.value = defaultBackend(backends);
  try {
    await useBackend(controls.backend.value);
    backendReady = true;
  } catch (error) {
    log(`${controls.backend.value} could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  const unavailable = backends.filter((b) => !b.available).map((b) => b.name);
  $('backend-note').textContent =
    `${backends.filter((b) => b.available).length} of ${backends.length} available` +
    (unavailable.length ? ` (not ${unavailable.join(', ')}: see below)` : '') +
    '. On a software-rendered GPU, wasm is usually fastest.';
  controls.run.addEventListener('click', () => void runSelected().catch(() => {}));
  controls.stop.addEventListener('click', () => current?.stop());
  controls.resume.addEventListener('click', () => current?.resume());
  controls.discard.addEventListener('click', () => current?.discard());
  controls.download.addEventListener('click', download);
  controls.run.disabled = false;
  setInterval(showMemory, 500);
  showMemory();
  setStatus('Ready: pick an experiment and a backend, then Run.');
  setState('ready');
}

const ready = start();
ready.catch((error: unknown) => {
  setStatus(`The page could not start: ${error instanceof Error ? error.message : String(error)}`);
  setState('failed');
});

window.playground = {
  ready,
  async run(options) {
    await ready;
    controls.experiment.value = experimentNamed(options.experiment).name;
    showExperiment();
    if (options.backend != null) {
      const b = backends.find((x) => x.name === options.backend);
      if (b == null || !b.available)
        throw new Error(
          `backend ${JSON.stringify(options.backend)}: ${b == null ? 'unknown' : `unavailable (${b.reason ?? ''})`}; expected one of ${backends
            .filter((x) => x.available)
            .map((x) => x.name)
            .join(', ')}`,
        );
      controls.backend.value = b.name;
    }
    if (options.steps != null) controls.steps.value = String(options.steps);
    if (options.seed != null) controls.seed.value = String(options.seed);
    for (const [id, value] of Object.entries(options.choices ?? {})) {
      const select = document.querySelector<HTMLSelectElement>(`select[data-choice="${id}"]`);
      if (select == null || ![...select.options].some((o) => o.value === value))
        throw new Error(
          `choice ${id} = ${JSON.stringify(value)}: expected one of ${select == null ? '(no such choice)' : [...select.options].map((o) => o.value).join(', ')}`,
        );
      select.value = value;
    }
    return runSelected();
  },
  results: () => records.map((r) => structuredClone(r)),
  backends: () => backends,
  memory: () => tf.memory(),
  chartPoints: () => chart.points(),
};
