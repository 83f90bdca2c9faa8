/**
 * A nested state structure, by the size of each [batch, size] component: `128` for one GRU, `[200, 200]` for an
 * LSTM's (c, h), `[[200, 200], [200, 200]]` for two stacked LSTMs. A nested value of the same shape carries one
 * entry per component (a tensor, a boolean of the learn mask, …).
 */
export type StateSpec = number | StateSpec[];
export type Nested<T> = T | Nested<T>[];

/** The component sizes in depth-first order. */
export function flattenSpec(spec: StateSpec, where = 'spec'): number[] {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1)
      throw new RangeError(`${where} = ${spec}, expected a positive integer size`);
    return [spec];
  }
  if (!Array.isArray(spec) || spec.length === 0)
    throw new TypeError(`${where} is ${JSON.stringify(spec)}, expected a size or a non-empty array of specs`);
  return spec.flatMap((s, i) => flattenSpec(s, `${where}[${i}]`));
}

/** Rebuilds the nested structure of `spec` from a flat list of components (depth-first). */
export function unflatten<T>(spec: StateSpec, flat: T[]): Nested<T> {
  let i = 0;
  const build = (s: StateSpec): Nested<T> => (typeof s === 'number' ? (flat[i++] as T) : s.map(build));
  return build(spec);
}

/** Flattens a nested value of `spec`'s shape (a learn mask, …), checking it matches. */
export function flattenLike<T>(spec: StateSpec, value: Nested<T>, where: string): T[] {
  if (typeof spec === 'number') {
    if (Array.isArray(value)) throw new TypeError(`${where} is an array where the state has one component`);
    return [value as T];
  }
  if (!Array.isArray(value) || value.length !== spec.length) {
    throw new TypeError(
      `${where} has ${Array.isArray(value) ? value.length : 'no'} entries where the state has ${spec.length}`,
    );
  }
  return spec.flatMap((s, i) => flattenLike(s, value[i] as Nested<T>, `${where}[${i}]`));
}
