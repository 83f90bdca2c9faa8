import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableBackends, BackendUnavailableError, type BackendName, type BackendStatus } from '@gradkit/backends';
import { removePendingWrites, writeFileAtomic } from './atomicWrite';
import type { BenchDefinition, DataIdentity, WorkerJob } from './bench';
import { removeCheckpoint } from './checkpoint/storage';
import { parseBenchArgs, usage, type BenchOptions } from './cli';
import type { RunRecord } from './experiment';
import { ProgressBar, formatSeconds } from './progress';
import { writeReports } from './report';
import { runId, runWorker, type WorkerMessage } from './worker';

let current: ChildProcess | undefined;

/**
 * The whole command line of a bench: parses options, runs each (experiment, backend) pair in its own worker
 * process (so peak memory is per run and one run cannot disturb the next), writes each finished run atomically
 * to `<out>/runs/`, and rewrites the reports after every run. With `--resume`, finished runs are skipped and
 * runs that saved a checkpoint (`<out>/checkpoints/`) continue from it; with `--partial`, nothing trains: the
 * unfinished runs are reported from their checkpoints, beside the finished ones, in `<out>/partial/`.
 * Exits 0 on success, 1 if a run failed, 2 on bad input, 130 on Ctrl-C.
 */
export async function runBenchCli<Data>(bench: BenchDefinition<Data>, argv = process.argv.slice(2)): Promise<void> {
  if (argv[0] === '--worker') {
    process.once('message', (job: WorkerJob) => {
      void runWorker(bench, job).then(() => process.exit(0));
    });
    return;
  }
  if (argv[0] === '--probe-backends') {
    const report = await availableBackends();
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  }
  const extra = bench.extraOptions ?? {};
  let options: BenchOptions;
  let data: DataIdentity;
  let out: string;
  try {
    options = parseBenchArgs(argv, bench.registry as never, extra, bench.defaultOut);
    if (options.help) {
      console.log(usage(bench.name, bench.registry as never, extra, bench.defaultOut));
      return;
    }
    data = await bench.identifyData(options.extra);
    for (const name of options.experiments) {
      const experiment = bench.registry.get(name);
      if (experiment.profiles[options.profile] !== undefined)
        bench.checkRun?.(name, options.profile, experiment.profiles[options.profile], data);
    }
    out = resolve(options.out);
    checkWritable(out);
  } catch (error) {
    console.error(`${bench.name}: ${(error as Error).message}`);
    process.exit(2);
  }
  const backends = await chooseBackends(bench.name, bench.entry, options.backends);
  const command = [bench.name, ...argv].join(' ');
  process.on('SIGINT', () => interrupt(out));
  process.on('SIGTERM', () => interrupt(out));

  const records: RunRecord[] = [];
  let failures = 0;
  // --partial: finished runs as they are, unfinished ones from their checkpoints, reports in OUT/partial
  const reportsDir = options.partial ? join(out, 'partial') : out;
  const jobs = options.experiments.flatMap((experiment) =>
    backends.map((backend) => ({
      experiment,
      backend,
      id: runId({ experiment, backend, profile: options.profile, seed: options.seed }),
    })),
  );
  // A finished run in OUT made on other data is neither skipped nor overwritten: found before anything trains.
  const earlier = new Map<string, RunRecord>();
  if (options.resume || options.partial) {
    for (const { id } of jobs) {
      const file = join(out, 'runs', `${id}.json`);
      if (!existsSync(file)) continue;
      const record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
      const same = record.data != null ? record.data.key === data.key : data.isDefault;
      if (!same) {
        console.error(
          `${bench.name}: ${file} was trained on ${record.data?.label ?? 'the default data (recorded before runs were keyed by their data)'}, not on ${data.label}; give another --out for this data`,
        );
        process.exit(2);
      }
      earlier.set(id, record);
    }
  }
  for (const { experiment, backend, id } of jobs) {
    // --carry keeps the checkpoint compressed in OUT/carry/ (committed, it travels with the repository); a carried
    // checkpoint found there is continued and kept there even without --carry
    const carried = join(out, 'carry', `${id}.ckpt.gz`);
    const checkpointFile = options.carry || existsSync(carried) ? carried : join(out, 'checkpoints', `${id}.ckpt`);
    const job: WorkerJob = {
      experiment,
      backend,
      profile: options.profile,
      seed: options.seed,
      extra: options.extra,
      data,
      checkpointFile,
      resume: options.resume,
      partial: options.partial,
    };
    const finished = earlier.get(id);
    if (finished != null) {
      records.push(finished);
      console.error(
        `[${backend}] ${experiment}: finished earlier ${options.partial ? '(--partial), reported as it is' : '(--resume), skipped'}`,
      );
      continue;
    }
    if (options.partial && !existsSync(checkpointFile)) {
      console.error(
        `[${backend}] ${experiment}: neither finished nor checkpointed in ${out}, nothing to report (--partial)`,
      );
      continue;
    }
    const record = await runInWorker(bench.entry, job, options.verbose);
    if (record == null) {
      failures += 1;
      continue;
    }
    writeFileAtomic(join(reportsDir, 'runs', `${id}.json`), `${JSON.stringify(record, null, 2)}\n`);
    if (!options.partial) removeCheckpoint(checkpointFile);
    records.push(record);
    await writeReports(reportsDir, records, command);
  }
  if (records.length > 0) {
    const table = await writeReports(reportsDir, records, command);
    console.log(`\n${table}\n\nReports: ${join(reportsDir, 'report.md')}, report.json, curves-*.svg/png`);
  }
  if (failures > 0) {
    console.error(
      `${failures} run(s) failed${options.verbose ? '' : ' (--verbose prints the stack)'}; finished runs are in ${join(out, 'runs')}, --resume continues from there`,
    );
    process.exit(1);
  }
}

/** Fails before any work (one line) when OUT cannot be created or written. */
function checkWritable(out: string): void {
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`--out ${out}: cannot be created or written (${code}); expected a writable folder`);
  }
}

/**
 * Probes the backends in a child process: a WebGPU probe loads Dawn, whose native warnings would otherwise land
 * in this process's terminal output, and whose instance would stay alive here for nothing.
 */
function probeBackends(entry: string): BackendStatus[] {
  const r = spawnSync(process.execPath, [entry, '--probe-backends'], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('['))
    throw new Error(`probing the backends failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  return JSON.parse(line) as BackendStatus[];
}

async function chooseBackends(
  name: string,
  entry: string,
  requested: BackendName[] | undefined,
): Promise<BackendName[]> {
  const report = probeBackends(entry);
  if (requested == null) {
    // Default: every available backend, except WebGPU on a software rasterizer (minutes per run, and it measures
    // Mesa, not a GPU); ask for it with --backends webgpu.
    const software = report.filter((s) => s.available && /software/.test(s.device ?? ''));
    for (const s of software)
      console.error(`${name}: skipping ${s.name} (${s.device}) by default; add it with --backends`);
    return report.filter((s) => s.available && !software.includes(s)).map((s) => s.name);
  }
  for (const b of requested) {
    const status = report.find((s) => s.name === b);
    if (status != null && !status.available) {
      console.error(`${name}: ${new BackendUnavailableError(status).message}`);
      process.exit(2);
    }
  }
  return requested;
}

function runInWorker(entry: string, job: WorkerJob, verbose: boolean): Promise<RunRecord | undefined> {
  const bar = new ProgressBar(`[${job.backend}] ${job.experiment}`);
  return new Promise((resolvePromise) => {
    const child = fork(entry, ['--worker'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    current = child;
    let record: RunRecord | undefined;
    let error: string | undefined;
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        // Dawn reports limits it lowered on every device creation; it is not news.
        if (line.trim() !== '' && !/artificially reduced/.test(line)) bar.log(`  ${line}`);
      }
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') bar.update(m.done, m.total);
      else if (m.type === 'log') bar.log(`  ${m.message}`);
      else if (m.type === 'result') record = m.record;
      else
        error =
          verbose && m.stack != null
            ? [m.message, ...m.stack.split('\n').filter((l) => /^\s+at /.test(l))].join('\n')
            : m.message;
    });
    child.on('exit', (code, signal) => {
      current = undefined;
      if (record != null) {
        const acc = `${record.primary.metric} ${record.primary.value.toFixed(4)}`;
        bar.done(
          `${record.partial != null ? `partial report (${record.partial})` : 'done'}: ${acc}, ${formatSeconds(record.wallSeconds)}`,
        );
      } else {
        bar.done(
          `FAILED (${job.profile}, seed ${job.seed}): ${error ?? `worker exited with ${signal ?? `code ${code}`}`}`,
        );
      }
      resolvePromise(record);
    });
    child.send(job);
  });
}

function interrupt(out: string): void {
  current?.kill('SIGKILL');
  removePendingWrites();
  console.error(
    `\ninterrupted: finished runs are in ${join(out, 'runs')}; run again with --resume to skip them and continue checkpointed ones`,
  );
  process.exit(130);
}
