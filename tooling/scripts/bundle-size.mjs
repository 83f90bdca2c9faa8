#!/usr/bin/env node
// What each @gradkit package adds to a browser bundle: esbuild bundles `export * from '@gradkit/<name>'` for the
// browser (the packages' `browser` export condition where they have one), minified, with @tensorflow/* external
// (an app has tfjs already). "own" keeps the other @gradkit packages external too; "with deps" includes them.
//   node tooling/scripts/bundle-size.mjs            prints the table
//   node tooling/scripts/bundle-size.mjs --json     prints { name: { own, ownGzip, total, totalGzip } } in bytes
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'packages', 'core', 'package.json'));
const { build } = require('esbuild');

export async function bundleSizes() {
  const names = readdirSync(join(root, 'packages')).sort();
  // a scratch node_modules/@gradkit so that the bundles resolve the packages as an app would
  const scratch = mkdtempSync(join(tmpdir(), 'gradkit-size-'));
  mkdirSync(join(scratch, 'node_modules', '@gradkit'), { recursive: true });
  for (const name of names) symlinkSync(join(root, 'packages', name), join(scratch, 'node_modules', '@gradkit', name));
  const size = async (name, external) => {
    const result = await build({
      stdin: { contents: `export * from '@gradkit/${name}';`, resolveDir: scratch, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      external,
    });
    const bytes = result.outputFiles[0].contents;
    return { bytes: bytes.length, gzip: gzipSync(bytes).length };
  };
  const out = {};
  try {
    for (const name of names) {
      try {
        const own = await size(name, ['@tensorflow/*', ...names.filter((n) => n !== name).map((n) => `@gradkit/${n}`)]);
        const total = await size(name, ['@tensorflow/*']);
        out[name] = { own: own.bytes, ownGzip: own.gzip, total: total.bytes, totalGzip: total.gzip };
      } catch (error) {
        // e.g. a package with no browser build yet: say why instead of a size
        out[name] = { error: (error.errors?.[0]?.text ?? error.message).split('\n')[0] };
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await bundleSizes();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(sizes, null, 2));
  } else {
    const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
    console.log('package             own (min / gzip)      with @gradkit deps (min / gzip)');
    for (const [name, s] of Object.entries(sizes)) {
      if (s.error != null) {
        console.log(`${`@gradkit/${name}`.padEnd(28)}no browser bundle: ${s.error}`);
        continue;
      }
      console.log(
        `${`@gradkit/${name}`.padEnd(28)}${`${kb(s.own)} / ${kb(s.ownGzip)}`.padEnd(22)}${kb(s.total)} / ${kb(s.totalGzip)}`,
      );
    }
  }
}
