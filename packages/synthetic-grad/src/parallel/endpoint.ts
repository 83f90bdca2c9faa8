/**
 * The few things the parallel trainer needs from a platform's threads, the same in Node (`worker_threads`) and the
 * browser (Web Workers): start a worker from a module URL, talk to it, end it; in a worker, talk to its parent.
 * `node:worker_threads` is imported only in Node, through a specifier bundlers leave alone, so the browser bundle
 * imports no `node:` module.
 */

import type * as WorkerThreadsModule from 'node:worker_threads';

/** A message port of either platform, as the trainer uses it. */
export interface Port {
  post(message: unknown, transfer?: unknown[]): void;
  listen(handler: (message: unknown) => void): void;
  close(): void;
}

/** A worker as the main thread sees it. */
export interface WorkerHandle extends Port {
  /** Called once when the worker fails outside its own error handling or exits before it was ended. */
  onFailure(handler: (error: Error) => void): void;
  terminate(): Promise<void>;
  /** Whether the worker's thread still runs. */
  readonly alive: boolean;
}

interface NodePortLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(event: 'message', handler: (message: unknown) => void): void;
  close?(): void;
  unref?(): void;
}
interface WebPortLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(event: 'message', handler: (event: { data: unknown }) => void): void;
  start?(): void;
  close?(): void;
}

/** Wraps a MessagePort (Node's or the browser's). */
export function wrapPort(port: unknown): Port {
  const node = port as NodePortLike;
  const web = port as WebPortLike;
  return {
    post: (message, transfer) => node.postMessage(message, transfer),
    listen(handler) {
      if (typeof node.on === 'function') node.on('message', handler);
      else {
        web.addEventListener('message', (event) => handler(event.data));
        web.start?.();
      }
    },
    close: () => node.close?.(),
  };
}

// built at run time, so that no bundler resolves (or shims) it for a browser build: only Node reaches the import
const WORKER_THREADS = ['node', 'worker_threads'].join(':');
type WorkerThreads = typeof WorkerThreadsModule;
const isNode = (): boolean =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
const workerThreads = (): Promise<WorkerThreads> =>
  import(/* @vite-ignore */ /* webpackIgnore: true */ WORKER_THREADS) as Promise<WorkerThreads>;

/** Starts a worker running the ES module at `url`, marked as a gradkit stage. */
export async function startWorker(url: string | URL): Promise<WorkerHandle> {
  let failed: ((error: Error) => void) | null = null;
  let ended = false;
  let alive = true;
  const fail = (error: Error) => {
    if (!ended && failed != null) failed(error);
  };
  const handle = (worker: unknown, terminate: () => Promise<unknown> | void): WorkerHandle => ({
    ...wrapPort(worker),
    onFailure: (handler) => void (failed = handler),
    close: () => undefined,
    terminate: async () => {
      ended = true;
      await terminate();
      alive = false;
    },
    get alive() {
      return alive;
    },
  });
  if (isNode()) {
    const { Worker } = await workerThreads();
    const worker = new Worker(url, { workerData: { gradkitStage: true } });
    worker.on('error', (error) => fail(error instanceof Error ? error : new Error(String(error))));
    worker.on('exit', (code) => {
      alive = false;
      fail(
        new Error(
          code === 0
            ? 'the worker ended on its own (does its module call serveStage(build) at the top level?)'
            : `the worker exited with code ${code}`,
        ),
      );
    });
    return handle(worker, () => worker.terminate());
  }
  const WebWorker = (
    globalThis as {
      Worker?: new (
        url: string | URL,
        options: { type: 'module' },
      ) => WebPortLike & {
        terminate(): void;
        addEventListener(event: 'error', h: (e: { message?: string }) => void): void;
      };
    }
  ).Worker;
  if (WebWorker == null)
    throw new Error('ParallelDecoupledTrainer: this platform has no Worker (Node worker_threads or Web Workers)');
  const worker = new WebWorker(url, { type: 'module' });
  worker.addEventListener('error', (event: { message?: string }) => fail(new Error(event.message ?? 'worker error')));
  return handle(worker, () => worker.terminate());
}

/** In a worker started by {@link startWorker}: the port to the main thread; null anywhere else. */
export async function parentPort(): Promise<Port | null> {
  if (isNode()) {
    const threads = await workerThreads();
    const data = threads.workerData as { gradkitStage?: boolean } | undefined;
    if (threads.isMainThread || threads.parentPort == null || data?.gradkitStage !== true) return null;
    return wrapPort(threads.parentPort);
  }
  const scope = globalThis as { WorkerGlobalScope?: unknown; postMessage?: unknown };
  if (scope.WorkerGlobalScope == null || typeof scope.postMessage !== 'function') return null;
  return wrapPort(globalThis);
}

/** A pair of connected ports (MessageChannel: global in Node ≥ 15 and in browsers). */
export function channel(): [unknown, unknown] {
  const { port1, port2 } = new (
    globalThis as unknown as { MessageChannel: new () => { port1: unknown; port2: unknown } }
  ).MessageChannel();
  return [port1, port2];
}
