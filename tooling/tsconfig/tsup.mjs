// The tsup settings every published @gradkit package builds with: one entry (src/index.ts), ES module and
// CommonJS side by side with their type declarations and source maps, ES2020 syntax, one file per format.
// A package's tsup.config.ts spreads them and adds what differs (@gradkit/backends: a banner and its externals):
//   export default defineConfig({ ...library });
// Plain JavaScript, since tsup loads a config's package imports through Node; the types are in tsup.d.mts.

/** The shared options. */
export const library = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2020',
  splitting: false,
};
