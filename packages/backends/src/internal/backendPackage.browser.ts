import * as tf from '@tensorflow/tfjs-core';

/** How a backend package is imported in the browser (`() => import('…')`); injectable so tests run in Node. */
export type PackageImporter<M> = () => Promise<M>;

/** A tfjs backend package that the browser build imports on first use. */
export interface BackendPackage<M> {
  /** Imports the package (once), taking back the backend registration its import made, so that probing registers nothing. */
  load(): Promise<M>;
  /** Imports the package if needed and registers its backend with tfjs (idempotent). */
  register(): Promise<M>;
}

type Registration = ReturnType<typeof tf.engine>['registryFactory'][string];

/**
 * A backend package imported on demand. Importing one registers its backend with tfjs at once (cpu, wasm, webgl;
 * webgpu where `navigator.gpu` exists), and tfjs would then pick it by priority for code that never asked for it:
 * {@link BackendPackage.load} removes such a registration again and keeps its factory and priority aside, and
 * {@link BackendPackage.register} puts them back. A registration that existed before (the app imported
 * `@tensorflow/tfjs`, which registers cpu and webgl) is left alone. A failed import stays failed: a package the
 * bundler did not include does not appear later.
 */
export function backendPackage<M>(tfName: string, importer: PackageImporter<M>): BackendPackage<M> {
  let loading: Promise<M> | undefined;
  let kept: Registration | undefined;
  const load = (): Promise<M> =>
    (loading ??= (async () => {
      const before = tf.engine().registryFactory[tfName];
      const module = await importer();
      const after = tf.engine().registryFactory[tfName];
      if (before == null && after != null) {
        kept = after;
        tf.removeBackend(tfName);
      }
      return module;
    })());
  return {
    load,
    async register() {
      const module = await load();
      if (kept != null && tf.findBackendFactory(tfName) == null)
        tf.registerBackend(tfName, kept.factory, kept.priority);
      return module;
    },
  };
}
