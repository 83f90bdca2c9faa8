// A browser app that bundles @tensorflow/tfjs and @gradkit/core must not pay for tfjs's gradients twice: the
// package's `browser` build imports the very modules @tensorflow/tfjs registers them with (the Node build carries
// its own ~150 KB copy). Measured with esbuild as an app's bundler would resolve the packages.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, test } from '@gradkit/test-harness';

const dir = mkdtempSync(join(tmpdir(), 'browser-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'node_modules', '@gradkit'), { recursive: true });
symlinkSync(join(__dirname, '..'), join(dir, 'node_modules', '@gradkit', 'core'));

async function bundle(contents: string, external: string[] = []): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: dir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
    logLevel: 'silent',
    external,
    // @tensorflow/tfjs is a dev dependency of this package
    nodePaths: [join(__dirname, '..', 'node_modules')],
  });
  return (result.outputFiles[0] as { contents: Uint8Array }).contents.length;
}

describe('the browser build', () => {
  test('beside @tensorflow/tfjs, @gradkit/core adds its own code only (tfjs’s gradients once)', async () => {
    const app = `import * as tf from '@tensorflow/tfjs'; import * as core from '@gradkit/core'; console.log(tf.version, core);`;
    const tfjsAlone = `import * as tf from '@tensorflow/tfjs'; console.log(tf.version);`;
    const [both, alone, coreAlone] = await Promise.all([
      bundle(app),
      bundle(tfjsAlone),
      bundle(`import * as core from '@gradkit/core'; console.log(core);`, ['@tensorflow/*']),
    ]);
    // core's own code: tens of KB (its WGSL and GLSL kernels and its WebAssembly modules, ~7 KB of base64, included);
    // a second copy of tfjs's gradients would add ~150 KB more
    expect(coreAlone).toBeLessThan(55_000);
    expect(both - alone).toBeLessThan(coreAlone + 2_000);
  });
});
