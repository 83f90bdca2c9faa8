import type * as tf from '@tensorflow/tfjs-core';

/**
 * gradkit replaces the gradients of a few kernels with numerically identical ones (the discrete-op guard, the
 * backend-aware matrix-product gradient). A library imported *after* `@gradkit/core` — `@tensorflow/tfjs`
 * registers all of tfjs's gradients when it loads, and alphabetical import sorting puts it after `@gradkit/*` —
 * would silently put tfjs's back. So the gradients gradkit owns stay installed whatever is imported later: a
 * registration for an owned kernel is kept aside instead of replacing gradkit's, and {@link releaseGradient}
 * hands a kernel back (restoring what was kept aside, if anything).
 *
 * The mechanism: tfjs keeps its gradient registry, one `Map` from kernel name to gradient config, on `globalThis`
 * (shared by every copy of tfjs-core in the process); its `registerGradient` is that map's `set`. gradkit wraps
 * the `set` of that one map instance.
 */
interface Ownership {
  owned: Map<string, tf.GradConfig>;
  keptAside: Map<string, tf.GradConfig>;
}

// on globalThis, so every copy of @gradkit/core (ESM and CJS, bundled or not) shares one ownership table
const KEY = Symbol.for('@gradkit/core.gradientOwnership');

function gradRegistry(): Map<string, tf.GradConfig> {
  const globals = (globalThis as unknown as { _tfGlobals?: Map<string, unknown> })._tfGlobals;
  const registry = globals?.get('gradRegistry');
  if (!(registry instanceof Map)) {
    throw new Error(
      "@gradkit/core: tfjs-core's gradient registry was not found on globalThis; expected @tensorflow/tfjs-core 4.x to be loaded first",
    );
  }
  return registry as Map<string, tf.GradConfig>;
}

function ownership(): Ownership {
  const g = globalThis as unknown as Record<symbol, Ownership | undefined>;
  let o = g[KEY];
  if (o == null) {
    o = { owned: new Map(), keptAside: new Map() };
    g[KEY] = o;
  }
  const registry = gradRegistry() as Map<string, tf.GradConfig> & Record<symbol, boolean>;
  if (registry[KEY] !== true) {
    const table = o;
    const set = Map.prototype.set;
    Object.defineProperty(registry, 'set', {
      // Stryker disable next-line BooleanLiteral: equivalent — the wrapper is defined once per registry and never redefined
      configurable: true,
      value(this: Map<string, tf.GradConfig>, kernelName: string, config: tf.GradConfig) {
        const mine = table.owned.get(kernelName);
        if (mine != null && config !== mine) {
          // kept aside; gradkit's stays (or comes back, if the kernel's gradient was unregistered first)
          table.keptAside.set(kernelName, config);
          return set.call(this, kernelName, mine);
        }
        return set.call(this, kernelName, config);
      },
    });
    // Stryker disable next-line BooleanLiteral: equivalent — unmarked, the next call installs the same wrapper again
    registry[KEY] = true;
  }
  return o;
}

/** Installs `config` as the gradient of its kernel and keeps it there (see the module comment). */
export function ownGradient(config: tf.GradConfig): void {
  const o = ownership();
  const registry = gradRegistry();
  const current = registry.get(config.kernelName);
  if (current != null && current !== config && !o.owned.has(config.kernelName))
    o.keptAside.set(config.kernelName, current);
  o.owned.set(config.kernelName, config);
  registry.set(config.kernelName, config);
}

/**
 * Hands a kernel's gradient back: gradkit stops keeping its own installed and puts back the gradient that was
 * registered for the kernel before or after it (tfjs's, or yours), or leaves none if there was none. Use it to
 * register a gradient of your own for a kernel gradkit owns (`BatchMatMul`, `Sign`, `Round`, `Step`, `Floor`,
 * `Ceil`). Returns whether gradkit owned it.
 */
export function releaseGradient(kernelName: string): boolean {
  const o = ownership();
  if (!o.owned.delete(kernelName)) return false;
  const registry = gradRegistry();
  const aside = o.keptAside.get(kernelName);
  o.keptAside.delete(kernelName);
  if (aside != null) registry.set(kernelName, aside);
  else registry.delete(kernelName);
  return true;
}

/** The kernels whose gradient gradkit keeps installed. */
export function ownedGradients(): string[] {
  return [...ownership().owned.keys()];
}
