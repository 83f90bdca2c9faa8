import type { Server } from 'node:http';

/** See server.mjs. */
export function serveStatic(
  root: string,
  options?: { port?: number; quiet?: boolean },
): Promise<{ server: Server; url: string }>;
