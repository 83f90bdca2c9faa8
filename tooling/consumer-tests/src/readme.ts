// Reads the packages' READMEs: their ```ts blocks (the examples a user copies), the packages each block imports,
// and the packages the README's own `npm install` line installs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CodeBlock {
  /** 1-based number of the block among its README's TypeScript blocks. */
  index: number;
  /** README line (1-based) of the block's first line of code, the one after the opening fence. */
  firstLine: number;
  code: string;
}

export interface ReadmeExample extends CodeBlock {
  /** The package's npm name, e.g. `@gradkit/core`. */
  packageName: string;
  /** The README's path relative to the repository root, e.g. `packages/core/README.md`. */
  readme: string;
  /** A file name stem for the example: `<package folder>-<index>`, e.g. `core-1`. */
  name: string;
  /** Packages the README's ```sh blocks install with `npm install`. */
  installed: string[];
}

export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute path of the package's folder. */
  dir: string;
  folder: string;
}

/** The publishable packages under `packages/` (private ones are left out), sorted by folder. */
export function publishedPackages(repoRoot: string): WorkspacePackage[] {
  const base = join(repoRoot, 'packages');
  return readdirSync(base)
    .sort()
    .filter((folder) => existsSync(join(base, folder, 'package.json')))
    .map((folder) => {
      const manifest = JSON.parse(readFileSync(join(base, folder, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        private?: boolean;
      };
      return { ...manifest, dir: join(base, folder), folder };
    })
    .filter((p) => p.private !== true)
    .map(({ name, version, dir, folder }) => ({ name, version, dir, folder }));
}

const opening = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/;

/** Every fenced block of a Markdown text with its language tag (fences inside other fences are not blocks). */
export function fencedBlocks(markdown: string): Array<{ lang: string; firstLine: number; code: string }> {
  const lines = markdown.split(/\r?\n/);
  const blocks: Array<{ lang: string; firstLine: number; code: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = opening.exec(lines[i] as string);
    if (open == null) continue;
    const fence = open[1] as string;
    // A closing fence: the same character, at least as many times, nothing else on the line (CommonMark).
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !closing.test(lines[j] as string)) body.push(lines[j++] as string);
    blocks.push({ lang: (open[2] ?? '').toLowerCase(), firstLine: i + 2, code: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

/** The README's TypeScript blocks (```ts or ```typescript), numbered from 1. */
export function typescriptBlocks(markdown: string): CodeBlock[] {
  return fencedBlocks(markdown)
    .filter((b) => b.lang === 'ts' || b.lang === 'typescript')
    .map((b, i) => ({ index: i + 1, firstLine: b.firstLine, code: b.code }));
}

/** The packages named by `npm install …` lines in the README's shell blocks (versions and flags dropped). */
export function installedPackages(markdown: string): string[] {
  const names = new Set<string>();
  for (const block of fencedBlocks(markdown)) {
    if (!['sh', 'bash', 'shell', 'console'].includes(block.lang)) continue;
    for (const line of block.code.split('\n')) {
      const words = line
        .trim()
        .replace(/^\$\s*/, '')
        .split(/\s+/);
      if (words[0] !== 'npm' || !['install', 'i', 'add'].includes(words[1] ?? '')) continue;
      for (const word of words.slice(2)) if (!word.startsWith('-')) names.add(packageOf(word.replace(/(.)@.*$/, '$1')));
    }
  }
  return [...names].sort();
}

/** The packages a module imports (static, side-effect, re-export and dynamic imports; not node: built-ins). */
export function importedPackages(code: string): string[] {
  const specifiers = [
    ...code.matchAll(/\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] as string);
  const names = specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'));
  return [...new Set(names.map(packageOf))].sort();
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** Every TypeScript example in the READMEs of the packages under `packages/`. */
export function readmeExamples(repoRoot: string): ReadmeExample[] {
  return publishedPackages(repoRoot).flatMap((pkg) => {
    const file = join(pkg.dir, 'README.md');
    if (!existsSync(file)) return [];
    const markdown = readFileSync(file, 'utf8');
    const installed = installedPackages(markdown);
    return typescriptBlocks(markdown).map((block) => ({
      ...block,
      packageName: pkg.name,
      readme: `packages/${pkg.folder}/README.md`,
      name: `${pkg.folder}-${block.index}`,
      installed,
    }));
  });
}
