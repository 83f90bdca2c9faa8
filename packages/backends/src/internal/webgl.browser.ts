import * as tf from '@tensorflow/tfjs-core';
import { backendPackage, type PackageImporter } from './backendPackage.browser';
import { markSoftware, messageOf, unavailable, type BackendProvider } from './provider';
import type { BackendStatus } from '../backendNames';

const PACKAGE = '@tensorflow/tfjs-backend-webgl';

/** The part of a WebGL rendering context the probe uses. */
export interface WebGLContextLike {
  readonly RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): unknown;
}

export interface CanvasLike {
  getContext(kind: 'webgl2' | 'webgl'): WebGLContextLike | null;
}

/** The globals the probe reads (`globalThis` in a browser page or worker; a stub in tests). */
export interface WebGLGlobals {
  OffscreenCanvas?: new (width: number, height: number) => CanvasLike;
  document?: { createElement(tag: 'canvas'): CanvasLike };
}

/**
 * Whether this page or worker can make a WebGL context (a canvas as tfjs makes one: OffscreenCanvas where it
 * exists, else a `<canvas>`), and what renders it. The context is released at once.
 */
export function probeWebGL(globals: WebGLGlobals): { version: 1 | 2; renderer: string } | string {
  let canvas: CanvasLike;
  if (globals.OffscreenCanvas != null) canvas = new globals.OffscreenCanvas(1, 1);
  else if (globals.document != null) canvas = globals.document.createElement('canvas');
  else return 'no canvas here: neither OffscreenCanvas nor document exists (a browser page or worker has them)';
  let version: 1 | 2 = 2;
  let gl = canvas.getContext('webgl2');
  if (gl == null) {
    version = 1;
    gl = canvas.getContext('webgl');
  }
  if (gl == null) return 'the browser gives no WebGL context (WebGL is turned off, or blocked for this GPU or driver)';
  try {
    let renderer = String(gl.getParameter(gl.RENDERER) ?? '');
    // Chrome answers "WebKit WebGL" here; the real renderer is behind an extension (Firefox answers directly)
    if (renderer === '' || /^WebKit WebGL$/.test(renderer)) {
      const info = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
      if (info != null) renderer = String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL) ?? renderer);
    }
    return { version, renderer: renderer || 'an unnamed renderer' };
  } finally {
    (gl.getExtension('WEBGL_lose_context') as { loseContext(): void } | null)?.loseContext();
  }
}

/**
 * WebGL in the browser, through @tensorflow/tfjs-backend-webgl (an optional peer: the app installs it, and its
 * bundler then includes it). Available when a WebGL context can be made and the package was bundled.
 */
export function browserWebglProvider(
  globals: WebGLGlobals = globalThis as WebGLGlobals,
  importer: PackageImporter<unknown> = async () => {
    // inside try: a bundler (esbuild, webpack) then builds an app that left this optional package out
    try {
      return await import('@tensorflow/tfjs-backend-webgl');
    } catch (error) {
      throw new Error(`import('${PACKAGE}') failed: ${messageOf(error)}`);
    }
  },
): BackendProvider {
  const pkg = backendPackage('webgl', importer);
  let probed: Promise<BackendStatus> | undefined;
  const probe = async (): Promise<BackendStatus> => {
    const context = probeWebGL(globals);
    if (typeof context === 'string') return unavailable('webgl', 'webgl', context);
    try {
      await pkg.load();
    } catch (error) {
      return unavailable(
        'webgl',
        'webgl',
        `${PACKAGE} is not in this bundle (${messageOf(error)}): it is an optional peer dependency; ` +
          `npm install ${PACKAGE}@${tf.version_core} to use WebGL`,
      );
    }
    return {
      name: 'webgl',
      tfName: 'webgl',
      available: true,
      device: markSoftware(`WebGL ${context.version} on ${context.renderer}`),
    };
  };
  return {
    name: 'webgl',
    tfName: 'webgl',
    probe: () => (probed ??= probe()),
    async register() {
      await pkg.register();
    },
  };
}
