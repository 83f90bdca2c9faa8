// A small static file server for the built page (dist/), on 127.0.0.1: used by the dev server, the test and
// run-all.mjs. Pages must come from http://, not file:// (the browser blocks wasm and data fetches there).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves `root` on 127.0.0.1:`port` (0: any free port). Resolves with the server and its URL; `/` is index.html, a
 * path outside `root` or a missing file is a 404.
 */
export function serveStatic(root, { port = 0, quiet = true } = {}) {
  const server = createServer((request, response) => {
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (
      !(file === root || file.startsWith(root.endsWith(sep) ? root : root + sep)) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    ) {
      if (!quiet) console.log(`404 ${path}`);
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`${path}: not found`);
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      ok({ server, url: `http://127.0.0.1:${typeof address === 'object' && address != null ? address.port : port}/` });
    });
  });
}
