import { library } from '@gradkit/tsconfig/tsup.mjs';
import { defineConfig, type Options } from 'tsup';

/** Resolves `./internal/providers` to its browser variant (see src/internal/providers.browser.ts). */
const browserProviders: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'gradkit-browser-providers',
  setup(build) {
    build.onResolve({ filter: /^\.\/internal\/providers$/ }, (args) => ({
      path: `${args.resolveDir}/internal/providers.browser.ts`,
    }));
  },
};

// dist is emptied by the build script before both builds run side by side (neither cleans: they would race)
export default defineConfig([
  {
    ...library,
    clean: false,
    // The sources use CommonJS `require` to load backend packages lazily (so that importing @gradkit/backends
    // registers no backend); the ES-module build gets one through createRequire.
    banner: ({ format }) =>
      format === 'esm'
        ? {
            js: "import { createRequire as __gradkitCreateRequire } from 'node:module'; const require = __gradkitCreateRequire(import.meta.url);",
          }
        : {},
    external: ['@gradkit/core', /^@tensorflow\//, 'webgpu'],
  },
  // the `browser` export condition: ES module, browser providers (webgl, webgpu on navigator.gpu, wasm fetched
  // from setWasmLocation's folder) loaded with import(); no Node module, no Dawn, no tfjs-node
  {
    ...library,
    entry: { 'index.browser': 'src/index.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    platform: 'browser',
    external: ['@gradkit/core', /^@tensorflow\//],
    esbuildPlugins: [browserProviders],
  },
]);
