import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What scripts/pytorch_gru.py prints: PyTorch's nn.GRU training step, median over the timed steps. */
export interface PytorchGruTiming {
  framework: string;
  threads: number;
  msPerStepMedian: number;
  timedSteps: number;
}

export type PytorchGruResult = { ok: true; timing: PytorchGruTiming } | { ok: false; reason: string };

/** The runner that points Debian's torch at OpenBLAS on one thread, and the timing script (the same paths from src/ and dist/). */
export function defaultPytorchCommand(): { runner: string; script: string } {
  return {
    runner: fileURLToPath(new URL('../../../tooling/scripts/torch-openblas.sh', import.meta.url)),
    script: fileURLToPath(new URL('../scripts/pytorch_gru.py', import.meta.url)),
  };
}

/**
 * Times PyTorch's 2-layer nn.GRU training step (Adam, one CPU thread, OpenBLAS) on the given shape in a child
 * process, so gru-speed can put it in the same report as ours. Never throws: where python3-torch or OpenBLAS is
 * missing (or the script fails) it returns `ok: false` with the reason, and the benchmark says PyTorch was not timed.
 */
export function timePytorchGru(
  shape: { batch: number; steps: number; units: number },
  rounds: { warmup: number; timed: number },
  command = defaultPytorchCommand(),
  timeoutMs = 600_000,
): PytorchGruResult {
  if (!existsSync(command.runner)) return { ok: false, reason: `${command.runner} not found` };
  const args = [
    command.runner,
    command.script,
    ...[rounds.warmup, rounds.timed, shape.batch, shape.steps, shape.units].map(String),
  ];
  const r = spawnSync('bash', args, { encoding: 'utf8', timeout: timeoutMs });
  const lastLine = (text: string | null) => (text ?? '').trim().split('\n').pop() ?? '';
  let parsed: Partial<PytorchGruTiming> & { error?: unknown };
  try {
    parsed = JSON.parse(lastLine(r.stdout)) as typeof parsed;
  } catch {
    const why = lastLine(r.stderr) || lastLine(r.stdout) || (r.error ? r.error.message : '');
    return { ok: false, reason: `no result from ${command.script} (exit ${r.status ?? r.signal}): ${why}` };
  }
  if (typeof parsed.error === 'string') return { ok: false, reason: parsed.error };
  if (
    typeof parsed.msPerStepMedian !== 'number' ||
    !Number.isFinite(parsed.msPerStepMedian) ||
    parsed.msPerStepMedian <= 0
  ) {
    return { ok: false, reason: `${command.script} printed no positive msPerStepMedian: ${lastLine(r.stdout)}` };
  }
  return {
    ok: true,
    timing: {
      framework: String(parsed.framework),
      threads: Number(parsed.threads),
      msPerStepMedian: parsed.msPerStepMedian,
      timedSteps: Number(parsed.timedSteps),
    },
  };
}
