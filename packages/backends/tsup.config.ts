import { library } from '@gradkit/tsconfig/tsup.mjs';
import { defineConfig } from 'tsup';

export default defineConfig({
  ...library,
  // The sources use CommonJS `require` to load backend packages lazily (so that importing @gradkit/backends
  // registers no backend); the ES-module build gets one through createRequire.
  banner: ({ format }) =>
    format === 'esm'
      ? {
          js: "import { createRequire as __gradkitCreateRequire } from 'node:module'; const require = __gradkitCreateRequire(import.meta.url);",
        }
      : {},
  external: ['@gradkit/core', /^@tensorflow\//, 'webgpu'],
});
