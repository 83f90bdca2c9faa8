// Generates generated/tfjs-gradients.js: tfjs-core's own gradient configs and chained ops, bundled from its
// ES-module sources. tfjs-core's Node entry (dist/tf-core.node.js) registers no gradients and no chained ops,
// and its ES-module sources cannot be loaded by Node directly (extensionless imports), so we bundle them at
// build time. The bundle's copies of tfjs-core internals share the engine, the kernel/gradient registries and
// the Tensor class with the user's tfjs-core, because tfjs-core keeps all of those on globalThis.
//
// The bundle *exports* the gradient configs instead of registering them, so that registerGradients() can
// register only the ones that are missing and never overrides a gradient the user registered.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const coreDist = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist');
const version = JSON.parse(readFileSync(join(coreDist, '..', 'package.json'), 'utf8')).version;

const source = readFileSync(join(coreDist, 'register_all_gradients.js'), 'utf8');
const loop = /for \(const gradientConfig of gradConfigs\) \{\s*registerGradient\(gradientConfig\);\s*\}/;
if (!loop.test(source)) {
  throw new Error(
    `@tensorflow/tfjs-core ${version}: dist/register_all_gradients.js no longer ends with the registration loop this script expects`,
  );
}
const entry =
  source.replace(loop, '').replace(/\/\/# sourceMappingURL=.*$/m, '') +
  `\nimport './public/chained_ops/register_all_chained_ops';\nexport { gradConfigs };\n`;

const outDir = join(here, '..', 'generated');
mkdirSync(outDir, { recursive: true });
{
  const format = 'esm';
  await build({
    stdin: { contents: entry, resolveDir: coreDist, sourcefile: 'register_all_gradients.js' },
    bundle: true,
    format,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2019',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    outfile: join(outDir, 'tfjs-gradients.js'),
    banner: {
      js: `// Generated from @tensorflow/tfjs-core ${version} by scripts/generate-gradient-bundle.mjs. Do not edit.`,
    },
  });
}
const types = `import type { GradConfig } from '@tensorflow/tfjs-core';\nexport declare const gradConfigs: GradConfig[];\n`;
writeFileSync(join(outDir, 'tfjs-gradients.d.ts'), types);

console.log(`generated/tfjs-gradients.js from @tensorflow/tfjs-core ${version}`);
