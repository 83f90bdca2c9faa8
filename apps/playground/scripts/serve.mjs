#!/usr/bin/env node
// The dev server: builds the page into dist/ (not minified), rebuilds app.js whenever a source changes (esbuild's
// watch mode; reload the page to get it), serves dist/ on 127.0.0.1 and prints the URL.
//
//   node scripts/serve.mjs [--port N]      (default 5180; 0 picks a free port)
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { appDir, appOptions, writeStatic } from './build.mjs';
import { serveStatic } from './server.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--port');
const port = i >= 0 ? Number(args[i + 1]) : 5180;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`playground: --port ${JSON.stringify(args[i + 1])}: expected a port number from 0 to 65535`);
  process.exit(2);
}
const outdir = join(appDir, 'dist');
const esbuild = await import(createRequire(join(appDir, 'package.json')).resolve('esbuild'));
await writeStatic(outdir);
const rebuilt = {
  name: 'report-rebuilds',
  setup(build) {
    let first = true;
    build.onEnd((result) => {
      if (result.errors.length === 0 && !first)
        console.log(`playground: app.js rebuilt ${new Date().toLocaleTimeString()}`);
      first = false;
    });
  },
};
const options = appOptions(outdir, { dev: true });
const context = await esbuild.context({ ...options, plugins: [...options.plugins, rebuilt] });
await context.watch();
let served;
try {
  served = await serveStatic(outdir, { port, quiet: false });
} catch (error) {
  console.error(`playground: cannot listen on 127.0.0.1:${port} (${error.code ?? error.message}); try --port 0`);
  await context.dispose();
  process.exit(1);
}
console.log(`playground: ${served.url}  (Ctrl+C stops; edits under src/ rebuild app.js, reload to see them)`);
const stop = async () => {
  served.server.close();
  await context.dispose();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
