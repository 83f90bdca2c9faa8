// browser-tests: node-only — stubs WebGL globals in Node; in a page the real WebGL context is there (tested by the page itself)
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from '@gradkit/test-harness';
import { browserWebglProvider, probeWebGL, type CanvasLike, type WebGLGlobals } from './webgl.browser';

const RENDERER = 0x1f01;
const UNMASKED_RENDERER_WEBGL = 0x9246;
const SWIFTSHADER = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)';

/** A browser whose canvases give the contexts listed (Chrome's: RENDERER is "WebKit WebGL"). */
function browser(contexts: Array<'webgl2' | 'webgl'>, renderer = SWIFTSHADER) {
  const made = { canvases: 0, lost: 0 };
  const canvas: CanvasLike = {
    getContext: (kind) =>
      contexts.includes(kind)
        ? {
            RENDERER,
            getParameter: (name) =>
              name === RENDERER ? 'WebKit WebGL' : name === UNMASKED_RENDERER_WEBGL ? renderer : null,
            getExtension: (name) =>
              name === 'WEBGL_debug_renderer_info'
                ? { UNMASKED_RENDERER_WEBGL }
                : name === 'WEBGL_lose_context'
                  ? { loseContext: () => made.lost++ }
                  : null,
          }
        : null,
  };
  const globals: WebGLGlobals = {
    document: {
      createElement: () => {
        made.canvases++;
        return canvas;
      },
    },
  };
  return { globals, made };
}

const bundled = async () => ({});

describe('webgl in the browser build', () => {
  test('no canvas (not a page or worker): unavailable, saying so', () => {
    expect(probeWebGL({})).toBe(
      'no canvas here: neither OffscreenCanvas nor document exists (a browser page or worker has them)',
    );
  });

  test('WebGL turned off: unavailable, saying the browser gives no context', async () => {
    const status = await browserWebglProvider(browser([]).globals, bundled).probe();
    expect(status).toEqual({
      name: 'webgl',
      tfName: 'webgl',
      available: false,
      reason: 'the browser gives no WebGL context (WebGL is turned off, or blocked for this GPU or driver)',
    });
  });

  test('WebGL 2: available, naming the unmasked renderer and software rasterizers; the context is released', async () => {
    const { globals, made } = browser(['webgl2', 'webgl']);
    const provider = browserWebglProvider(globals, bundled);
    expect(await provider.probe()).toEqual({
      name: 'webgl',
      tfName: 'webgl',
      available: true,
      device: `WebGL 2 on ${SWIFTSHADER} (swiftshader, software)`,
    });
    expect(made.lost).toBe(1);
    await provider.probe(); // probed once
    expect(made.canvases).toBe(1);
  });

  test('WebGL 1 only, on a GPU', async () => {
    const { globals } = browser(['webgl'], 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)');
    expect(probeWebGL(globals)).toEqual({
      version: 1,
      renderer: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)',
    });
  });

  test('OffscreenCanvas is used where it exists (a worker)', () => {
    const { globals } = browser(['webgl2']);
    const sizes: number[][] = [];
    const canvas = globals.document?.createElement('canvas') as CanvasLike;
    const worker: WebGLGlobals = {
      OffscreenCanvas: class {
        constructor(width: number, height: number) {
          sizes.push([width, height]);
          return canvas;
        }
      } as unknown as WebGLGlobals['OffscreenCanvas'],
    };
    expect(probeWebGL(worker)).toMatchObject({ version: 2 });
    expect(sizes).toEqual([[1, 1]]);
  });

  test('the optional peer left out of the bundle: unavailable, naming the package and how to add it', async () => {
    const provider = browserWebglProvider(browser(['webgl2']).globals, async () => {
      throw new Error("import('@tensorflow/tfjs-backend-webgl') failed: Failed to resolve module specifier");
    });
    const status = await provider.probe();
    expect(status.available).toBe(false);
    expect(status.reason).toBe(
      "@tensorflow/tfjs-backend-webgl is not in this bundle (import('@tensorflow/tfjs-backend-webgl') failed: Failed " +
        `to resolve module specifier): it is an optional peer dependency; npm install @tensorflow/tfjs-backend-webgl@${tf.version_core} to use WebGL`,
    );
  });

  test('probing registers nothing with tfjs; register() does', async () => {
    const factory = () => new tf.KernelBackend();
    const provider = browserWebglProvider(browser(['webgl2']).globals, async () => {
      tf.registerBackend('webgl', factory, 2); // what importing tfjs-backend-webgl does in a browser
      return {};
    });
    await provider.probe();
    expect(tf.findBackendFactory('webgl')).toBeNull();
    await provider.register();
    expect(tf.findBackendFactory('webgl')).toBe(factory);
    tf.removeBackend('webgl');
  });
});
