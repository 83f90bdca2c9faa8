import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './internal/describe';

/**
 * The kernels whose tfjs gradient is zero everywhere. A model that puts one of them between its loss and its
 * weights trains without any error and without learning; this guard makes that visible.
 */
export const DISCRETE_KERNELS = ['Sign', 'Round', 'Step', 'Floor', 'Ceil'] as const;
export type DiscreteKernel = (typeof DISCRETE_KERNELS)[number];

/**
 * What happens when a gradient is taken through a {@link DISCRETE_KERNELS} op:
 * - `'warn'` (default): one `console.warn` per kernel, naming the kernel and the fix (setting `'warn'` again
 *   re-arms the one-time warnings);
 * - `'throw'`: the gradient computation throws (use while debugging: the failed computation's tape is not freed);
 * - `'ignore'`: tfjs's silent zero gradient.
 * Either way the numbers are tfjs's: a zero gradient.
 */
export type DiscreteGradientPolicy = 'warn' | 'throw' | 'ignore';

interface GuardState {
  policy: DiscreteGradientPolicy;
  warned: Set<string>;
  traces: Array<Set<string>>;
}

// Kept on globalThis so that every copy of @gradkit/core (ESM and CJS, bundled or not) shares one switch.
const KEY = Symbol.for('@gradkit/core.discreteGradientGuard');

function state(): GuardState {
  const g = globalThis as unknown as Record<symbol, GuardState | undefined>;
  return (g[KEY] ??= { policy: 'warn', warned: new Set(), traces: [] });
}

/** Sets the policy for gradients through discrete ops; returns the previous one. */
export function setDiscreteGradientPolicy(policy: DiscreteGradientPolicy): DiscreteGradientPolicy {
  if (policy !== 'warn' && policy !== 'throw' && policy !== 'ignore') {
    throw new TypeError(
      `setDiscreteGradientPolicy: policy is ${describeValue(policy)}, expected 'warn', 'throw' or 'ignore'`,
    );
  }
  const s = state();
  const previous = s.policy;
  s.policy = policy;
  if (policy === 'warn') s.warned.clear();
  return previous;
}

export function getDiscreteGradientPolicy(): DiscreteGradientPolicy {
  return state().policy;
}

/**
 * Runs `fn` and reports which discrete kernels a gradient passed through while it ran (whatever the policy), so
 * that a test can assert that a model has no silent zero gradient.
 *
 * @example
 * const { kernels } = traceDiscreteGradients(() => tf.grad((x) => tf.round(x).sum())(x));
 * // kernels = ['Round']
 */
export function traceDiscreteGradients<T>(fn: () => T): { result: T; kernels: DiscreteKernel[] } {
  const seen = new Set<string>();
  const s = state();
  s.traces.push(seen);
  try {
    const result = fn();
    return { result, kernels: [...seen] as DiscreteKernel[] };
  } finally {
    s.traces.splice(s.traces.indexOf(seen), 1);
  }
}

function report(kernelName: string): void {
  const s = state();
  for (const trace of s.traces) trace.add(kernelName);
  if (s.policy === 'ignore') return;
  const message =
    `the gradient of ${kernelName} is zero everywhere, so nothing before it learns. ` +
    `Wrap the op in straightThrough(...) for a pseudo-gradient, or stopGradient(...) to make the cut explicit ` +
    `(@gradkit/core; setDiscreteGradientPolicy('ignore') silences this).`;
  if (s.policy === 'throw') throw new Error(message);
  if (!s.warned.has(kernelName)) {
    s.warned.add(kernelName);
    console.warn(`Warning: ${message}`);
  }
}

const MARK = Symbol.for('@gradkit/core.discreteGradient');

/** Gradient configs numerically identical to tfjs's (zeros) that report their use. */
export function discreteGradientConfigs(): tf.GradConfig[] {
  return DISCRETE_KERNELS.map((kernelName) => {
    const config: tf.GradConfig = {
      kernelName,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        report(kernelName);
        const d = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
        return { x: () => tf.zerosLike(d) };
      },
    };
    Object.defineProperty(config, MARK, { value: true });
    return config;
  });
}

export function isDiscreteGradientConfig(config: tf.GradConfig | undefined): boolean {
  return config != null && (config as unknown as Record<symbol, unknown>)[MARK] === true;
}
