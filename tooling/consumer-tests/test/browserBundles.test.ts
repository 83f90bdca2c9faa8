// Every package runs in the browser (ARCHITECTURE.md): its built browser entry (the `browser` export condition where
// it has one, else the ES-module `import` one) bundles with esbuild for the browser, tfjs external as an app has it,
// and nothing in the bundle imports a Node built-in module (`node:fs`, `path`, `module`, …) or leaves a `require` for
// the browser to run. The other @gradkit packages a package imports are bundled through their own browser entries.
// Runs against dist/, which turbo builds first (every package is a devDependency of this workspace).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, test } from '@jest/globals';

const root = join(__dirname, '..', '..', '..');
const packages = readdirSync(join(root, 'packages'))
  .filter((name) => existsSync(join(root, 'packages', name, 'package.json')))
  .sort();

type Target = string | { types?: string; default?: string };

/** The file a browser bundler starts from, and the export condition that names it. */
function browserEntry(dir: string): { condition: string; file: string } {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: { '.': Record<string, Target> };
  };
  const conditions = manifest.exports['.'];
  const condition = 'browser' in conditions ? 'browser' : 'import';
  const target = conditions[condition];
  const file = typeof target === 'string' ? target : target?.default;
  if (file == null) throw new Error(`${dir}/package.json: exports["."] has neither a browser nor an import entry`);
  return { condition, file: join(dir, file) };
}

/** Records each Node built-in the bundle imports, with the file importing it, and keeps it out of the bundle. */
function nodeBuiltins(found: string[]): Plugin {
  return {
    name: 'node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        found.push(`${args.path} (imported by ${relative(root, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

describe('browser bundles', () => {
  test.each(packages)('@gradkit/%s: the browser entry bundles for the browser with no Node module', async (name) => {
    const { condition, file } = browserEntry(join(root, 'packages', name));
    expect({ condition, built: existsSync(file) }).toEqual({ condition, built: true });
    const found: string[] = [];
    const result = await build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      external: ['@tensorflow/*'],
      plugins: [nodeBuiltins(found)],
    });
    expect(result.errors).toEqual([]);
    expect(found).toEqual([]);
    // what esbuild could not follow stays in the text: a `node:` specifier, or its shim for a CommonJS require
    const text = (result.outputFiles[0] as { text: string }).text;
    expect(text.match(/["'`]node:[\w/]+["'`]|\b__require\(/g) ?? []).toEqual([]);
  });
});
