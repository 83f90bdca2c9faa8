/**
 * Picks the next token from logits: softmax(logits/temperature), optionally restricted to the top k (renormalized:
 * R2RT post 3's top-5 generation). `random` is a U[0, 1) source (seed it for reproducible samples).
 */
export function sampleFromLogits(
  logits: ArrayLike<number>,
  options: { temperature?: number; topK?: number; random: () => number },
): number {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new RangeError(`sampleFromLogits: temperature = ${temperature}, expected a number > 0`);
  const n = logits.length;
  const k = options.topK ?? n;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`sampleFromLogits: topK = ${k}, expected a positive integer`);
  const order = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => (logits[b] as number) - (logits[a] as number))
    .slice(0, Math.min(k, n));
  const max = logits[order[0] as number] as number;
  const weights = order.map((i) => Math.exp(((logits[i] as number) - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = options.random() * total;
  for (let j = 0; j < order.length; j++) {
    u -= weights[j] as number;
    if (u <= 0) return order[j] as number;
  }
  return order[order.length - 1] as number;
}

/**
 * Stateful generation, one token per step (O(1) work per token: the state is carried, nothing is recomputed):
 * feeds `prompt`, then samples `length` tokens. `step(token, state)` runs the model on one token and returns the
 * logits of the next one and the new state (it owns and frees the old state).
 */
export async function generate<S>(options: {
  prompt: number[];
  length: number;
  initialState: S;
  step: (token: number, state: S) => Promise<{ logits: ArrayLike<number>; state: S }>;
  temperature?: number;
  topK?: number;
  random: () => number;
}): Promise<{ tokens: number[]; state: S }> {
  if (options.prompt.length === 0) throw new Error('generate: prompt = [], expected at least one token');
  let state = options.initialState;
  let logits: ArrayLike<number> = [];
  for (const token of options.prompt) ({ logits, state } = await options.step(token, state));
  const tokens: number[] = [];
  for (let i = 0; i < options.length; i++) {
    const next = sampleFromLogits(logits, options);
    tokens.push(next);
    ({ logits, state } = await options.step(next, state));
  }
  return { tokens, state };
}
