// What npm shows and what a user installs: every package carries its licence, says where it comes from, links
// absolutely (relative links break on npm's page) and states what it adds to a browser bundle, which must stay true.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';

const root = join(__dirname, '..', '..', '..');
const packages = readdirSync(join(root, 'packages')).filter((n) =>
  existsSync(join(root, 'packages', n, 'package.json')),
);

interface Manifest {
  name: string;
  license: string;
  files: string[];
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
}

describe('published metadata', () => {
  test.each(packages)('%s: MIT LICENSE shipped, repository, homepage, bugs, keywords', (name) => {
    const dir = join(root, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(manifest.files).toContain('LICENSE');
    expect(manifest.repository).toMatchObject({ type: 'git', directory: `packages/${name}` });
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(manifest.homepage).toMatch(new RegExp(`^https://.+/packages/${name}#readme$`));
    expect(manifest.bugs?.url).toMatch(/^https:\/\//);
    expect(manifest.keywords?.length).toBeGreaterThan(2);
  });

  test.each(packages)('%s: README links are absolute (they work on npm)', (name) => {
    const readme = readFileSync(join(root, 'packages', name, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\((?!https?:\/\/|#|mailto:)([^)]+)\)/g)].map((m) => m[1]);
    expect(relative).toEqual([]);
  });
});

describe('what each package weighs', () => {
  const sizes = JSON.parse(
    execFileSync(process.execPath, [join(root, 'tooling', 'scripts', 'bundle-size.mjs'), '--json'], {
      encoding: 'utf8',
    }),
  ) as Record<string, { own?: number; ownGzip?: number; error?: string }>;

  test.each(packages)('%s: the README states its browser-bundle size, within 10% of a fresh measurement', (name) => {
    const readme = readFileSync(join(root, 'packages', name, 'README.md'), 'utf8');
    const measured = sizes[name];
    if (measured?.error != null) {
      expect(readme).toMatch(/\*\*Size:\*\* Node only/);
      return;
    }
    const stated = /\*\*Size:\*\* ([\d.]+) KB minified, ([\d.]+) KB gzipped/.exec(readme);
    expect(stated).not.toBeNull();
    const [minified, gzipped] = [Number(stated?.[1]) * 1024, Number(stated?.[2]) * 1024];
    expect(Math.abs(minified - (measured?.own as number)) / (measured?.own as number)).toBeLessThan(0.1);
    expect(Math.abs(gzipped - (measured?.ownGzip as number)) / (measured?.ownGzip as number)).toBeLessThan(0.1);
  });
});
