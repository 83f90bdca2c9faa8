// The packages' READMEs run as written: every ```ts block of packages/*/README.md is a complete program that a
// user can copy into a fresh npm project that installed the packed packages (not the workspace's sources), and it
// type-checks (strict, NodeNext) and exits with code 0, printing what it shows. One test per block.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { importedPackages, publishedPackages, readmeExamples, type ReadmeExample } from '../src/readme';
import { CHROMIUM, runPage } from '../src/page';
import { ScratchProject, tail } from '../src/scratchProject';
import { existsSync } from 'node:fs';

const repoRoot = resolve(__dirname, '..', '..', '..');
const examples = readmeExamples(repoRoot);

function manifest(path: string): { devDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(path, 'utf8')) as { devDependencies?: Record<string, string> };
}
const own = manifest(join(__dirname, '..', 'package.json')).devDependencies ?? {};
const tfjs = manifest(join(repoRoot, 'packages', 'core', 'package.json')).devDependencies?.['@tensorflow/tfjs-core'];

// What a user installs next to the packages: tfjs's core, layers and the two backends the examples use, and the
// TypeScript compiler with Node's types (the versions this workspace is tested with).
const dependencies: Record<string, string> = {
  '@tensorflow/tfjs-core': tfjs ?? '4.22.0',
  '@tensorflow/tfjs-layers': tfjs ?? '4.22.0',
  '@tensorflow/tfjs-backend-cpu': tfjs ?? '4.22.0',
  '@tensorflow/tfjs-backend-wasm': tfjs ?? '4.22.0',
  '@tensorflow/tfjs-backend-webgl': tfjs ?? '4.22.0', // the page test's browser backend (page.test.ts)
  typescript: own['typescript'] ?? '5.9.3',
  '@types/node': own['@types/node'] ?? '20',
};

let project: ScratchProject | undefined;

beforeAll(() => {
  project = ScratchProject.create({
    repoRoot,
    examples,
    dependencies,
    keep: process.env.GRADKIT_KEEP_CONSUMER_PROJECT === '1',
  });
}, 600_000);

afterAll(() => project?.dispose());

describe('consumer setup', () => {
  test('the READMEs have TypeScript examples', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  test('every package under packages/ is a devDependency here, so turbo builds it before this test', () => {
    const missing = publishedPackages(repoRoot)
      .map((p) => p.name)
      .filter((name) => own[name] !== 'workspace:*');
    expect(missing).toEqual([]);
  });

  test('the project installed every package from its tarball, with no workspace: version left', () => {
    const packages = publishedPackages(repoRoot);
    expect(project?.tarballs.length).toBe(packages.length);
    for (const pkg of packages) {
      const installed = project?.installedManifest(pkg.name);
      expect({ name: pkg.name, version: installed?.version }).toEqual({ name: pkg.name, version: pkg.version });
      const specs = ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
        Object.entries((installed?.[field] ?? {}) as Record<string, string>).map(([dep, spec]) => `${dep}@${spec}`),
      );
      expect(specs.filter((spec) => spec.includes('@workspace:'))).toEqual([]);
    }
    expect(project?.otherTypeErrors).toEqual([]);
  });
});

// The child's output, each line behind a bar: jest would take a child's stack trace ("    at …") for the test's own.
function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `| ${line}`)
    .join('\n');
}

function where(example: ReadmeExample): string {
  return `${example.readme} block ${example.index} (line ${example.firstLine})`;
}

describe('README examples: installed, type-checked and run as a user would', () => {
  for (const example of examples) {
    test(`${example.packageName} README block ${example.index}`, () => {
      if (project == null) throw new Error('the scratch project was not created (see the beforeAll error)');
      const problems: string[] = [];
      const notInstalled = importedPackages(example.code).filter((name) => !example.installed.includes(name));
      if (notInstalled.length > 0) {
        problems.push(
          `it imports ${notInstalled.join(', ')}, which the README's \`npm install\` line does not install ` +
            `(it installs ${example.installed.join(', ') || 'nothing'})`,
        );
      }
      const typeErrors = project.typeErrors.get(example.name) ?? [];
      if (typeErrors.length > 0) problems.push(`tsc (strict, NodeNext):\n${typeErrors.join('\n')}`);
      const result = project.run(example);
      if (result.error != null) problems.push(`node could not run it: ${result.error.message}`);
      else if (result.status !== 0) {
        const how = result.status != null ? `code ${result.status}` : `signal ${result.signal}`;
        problems.push(
          `node exited with ${how} after ${result.ms} ms\n` +
            `--- stderr\n${quote(tail(result.stderr, 40))}\n--- stdout\n${quote(tail(result.stdout, 20))}`,
        );
      } else if (result.stdout.trim() === '') {
        problems.push('it printed nothing: an example shows what it does');
      }
      if (problems.length > 0) throw new Error(`${where(example)}:\n${problems.join('\n')}`);
    });
  }
});

// One user-level page: the packed packages bundled for the browser and trained in Chromium on webgl and wasm.
describe('a page built from the packed packages', () => {
  const run = existsSync(CHROMIUM) ? test : test.skip;
  run(
    `trains the batchnorm README's composition in Chromium on webgl and wasm: the loss falls, no console error${existsSync(CHROMIUM) ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`,
    async () => {
      if (project == null) throw new Error('the scratch project was not created (see the beforeAll error)');
      const results = await runPage(project.dir, ['webgl', 'wasm'], join(__dirname, '..', '.test-results'));
      for (const r of results) {
        expect({ backend: r.backend, consoleErrors: r.consoleErrors }).toEqual({
          backend: r.backend.split(' ')[0],
          consoleErrors: [],
        });
        expect(r.losses).toHaveLength(30);
        expect(r.losses.every(Number.isFinite)).toBe(true);
        expect(r.losses[29]).toBeLessThan((r.losses[0] as number) * 0.7);
      }
      expect(results.map((r) => r.backend)).toEqual(['webgl', 'wasm']);
    },
    600_000,
  );
});
