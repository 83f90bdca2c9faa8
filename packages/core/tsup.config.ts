import { library } from '@gradkit/tsconfig/tsup.mjs';
import { defineConfig, type Options } from 'tsup';

/** Resolves `./tfjsGradients` to its browser variant (see src/tfjsGradients.browser.ts). */
const browserGradients: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'gradkit-browser-gradients',
  setup(build) {
    build.onResolve({ filter: /^\.\/tfjsGradients$/ }, (args) => ({
      path: `${args.resolveDir}/tfjsGradients.browser.ts`,
    }));
  },
};

// dist is emptied by the build script before both builds run side by side (neither cleans: they would race)
export default defineConfig([
  { ...library, clean: false },
  // the `browser` export condition: ES module, tfjs-core's own gradient modules instead of the Node bundle
  {
    ...library,
    entry: { 'index.browser': 'src/index.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    platform: 'browser',
    external: [/^@tensorflow\/tfjs-core(\/.*)?$/],
    esbuildPlugins: [browserGradients],
  },
]);
