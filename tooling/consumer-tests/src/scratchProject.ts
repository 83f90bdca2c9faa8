// A scratch npm project outside the workspace that sees the packages as npm users do: the tarballs `pnpm pack`
// makes (workspace: versions rewritten, only the files the package publishes), installed with npm next to the
// public packages a user adds, with one TypeScript file per README example, type-checked and compiled by the
// project's own tsc.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { publishedPackages, type ReadmeExample } from './readme';

export interface ScratchProjectOptions {
  repoRoot: string;
  examples: ReadmeExample[];
  /** Public packages (name → version) installed next to the tarballs: tfjs, typescript, @types/node, … */
  dependencies: Record<string, string>;
  /** Keep the folder after dispose() (for debugging; its path is printed). */
  keep?: boolean;
}

export interface ExampleRun {
  /** Exit code, or null when the process was killed (see signal) or did not start (see error). */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
  ms: number;
}

/** How long one example may run (ms). */
const exampleTimeout = 180_000;

/**
 * The environment for npm, tsc and the examples: the caller's, without what pnpm and npm set for a script they
 * run (pnpm's config keys would reach npm as unknown `npm_config_*` settings; the workspace's package.json fields
 * are not the scratch project's).
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      /^(npm_package_|npm_lifecycle_|pnpm_config_|PNPM_)/i.test(key) ||
      ['npm_command', 'npm_execpath', 'npm_node_execpath', 'INIT_CWD'].includes(key) ||
      ['npm_config_user_agent', 'npm_config_verify_deps_before_run', 'npm_config_frozen_lockfile'].includes(key)
    ) {
      delete env[key];
    }
  }
  return env;
}

function run(command: string, args: string[], cwd: string, timeout = 600_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
}

function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

function check(what: string, result: SpawnSyncReturns<string>): void {
  if (result.status === 0) return;
  const why = result.error != null ? result.error.message : `exit code ${result.status ?? result.signal}`;
  throw new Error(`${what} failed (${why}):\n${tail(`${result.stdout ?? ''}\n${result.stderr ?? ''}`, 60)}`);
}

/** The pnpm the workspace pins (packageManager): the root's installed copy, else through npx. */
function pnpmCommand(repoRoot: string): { command: string; args: string[] } {
  const local = join(repoRoot, 'node_modules', '.bin', 'pnpm');
  if (existsSync(local)) return { command: local, args: [] };
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { packageManager?: string };
  return { command: 'npx', args: ['-y', manifest.packageManager ?? 'pnpm@10'] };
}

/** Packs every published package under packages/ into `destination`; returns the tarballs' paths. */
export function packPackages(repoRoot: string, destination: string): string[] {
  mkdirSync(destination, { recursive: true });
  const pnpm = pnpmCommand(repoRoot);
  for (const pkg of publishedPackages(repoRoot)) {
    if (!existsSync(join(pkg.dir, 'dist'))) {
      throw new Error(`${pkg.name} has no dist/: build the packages first (npx turbo run build)`);
    }
    check(
      `pnpm pack in packages/${pkg.folder}`,
      run(pnpm.command, [...pnpm.args, 'pack', '--pack-destination', destination], pkg.dir),
    );
  }
  return readdirSync(destination)
    .filter((f) => f.endsWith('.tgz'))
    .sort()
    .map((f) => join(destination, f));
}

const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    isolatedModules: true,
    verbatimModuleSyntax: true,
    moduleDetection: 'force',
    // a side-effect import of a package that is not installed (a misspelt backend) is a type error
    noUncheckedSideEffectImports: true,
    rootDir: 'src',
    outDir: 'dist',
    // node --enable-source-maps then reports an example's errors at its TypeScript lines (moved to the README's)
    sourceMap: true,
  },
  include: ['src'],
};

export class ScratchProject {
  /** The temporary folder: tarballs/ and project/. */
  readonly root: string;
  /** The npm project. */
  readonly dir: string;
  readonly tarballs: string[];
  /** tsc's errors per example name, with README positions. */
  readonly typeErrors = new Map<string, string[]>();
  /** tsc errors that belong to no example (the configuration, a missing type package). */
  readonly otherTypeErrors: string[] = [];
  private readonly keep: boolean;

  private constructor(root: string, tarballs: string[], keep: boolean) {
    this.root = root;
    this.dir = join(root, 'project');
    this.tarballs = tarballs;
    this.keep = keep;
  }

  /**
   * Packs, installs, writes src/<example>.ts for every example and compiles them all with the project's tsc
   * (type errors are recorded, not thrown: the JavaScript is emitted anyway, so that every example still runs).
   */
  static create(options: ScratchProjectOptions): ScratchProject {
    const { repoRoot, examples, dependencies, keep = false } = options;
    const root = mkdtempSync(join(realpathSync(tmpdir()), 'gradkit-consumer-'));
    if (!relative(realpathSync(repoRoot), root).startsWith('..')) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`the scratch project must be outside the workspace, but the temporary folder is ${root}`);
    }
    let project: ScratchProject | undefined;
    try {
      project = new ScratchProject(root, packPackages(repoRoot, join(root, 'tarballs')), keep);
      project.install(dependencies);
      project.compile(examples);
      return project;
    } catch (error) {
      if (project != null) project.dispose();
      else rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  private install(dependencies: Record<string, string>): void {
    mkdirSync(this.dir, { recursive: true });
    const manifest = { name: 'gradkit-consumer', version: '0.0.0', private: true, type: 'module' };
    writeFileSync(join(this.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const specs = Object.entries(dependencies).map(([name, version]) => `${name}@${version}`);
    check(
      'npm install',
      run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', ...this.tarballs, ...specs], this.dir),
    );
  }

  private compile(examples: ReadmeExample[]): void {
    mkdirSync(join(this.dir, 'src'), { recursive: true });
    writeFileSync(join(this.dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
    const byFile = new Map<string, ReadmeExample>();
    for (const example of examples) {
      writeFileSync(join(this.dir, 'src', `${example.name}.ts`), example.code);
      byFile.set(`src/${example.name}.ts`, example);
      this.typeErrors.set(example.name, []);
    }
    const tsc = run(
      process.execPath,
      [join(this.dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--pretty', 'false'],
      this.dir,
    );
    if (tsc.error != null) throw tsc.error;
    // `src/core-1.ts(20,5): error TS2345: …` and its indented continuation lines, positions moved to the README
    let current: string[] = this.otherTypeErrors;
    for (const line of `${tsc.stdout}\n${tsc.stderr}`.split('\n')) {
      if (line.trim() === '') continue;
      const m = /^(src\/[^(]+)\((\d+),(\d+)\): (.*)$/.exec(line);
      const example = m == null ? undefined : byFile.get(m[1] as string);
      if (m != null && example != null) {
        current = this.typeErrors.get(example.name) as string[];
        current.push(`${example.readme}:${example.firstLine + Number(m[2]) - 1}:${m[3]} ${m[4]}`);
      } else if (/^\s/.test(line) && current.length > 0) {
        current[current.length - 1] += `\n${line}`;
      } else {
        current = this.otherTypeErrors;
        current.push(line);
      }
    }
    if (
      tsc.status !== 0 &&
      [...this.typeErrors.values()].every((e) => e.length === 0) &&
      this.otherTypeErrors.length === 0
    ) {
      throw new Error(`tsc failed (exit code ${tsc.status ?? tsc.signal}) without an error message`);
    }
  }

  /** The package.json of an installed package, or null when it is not installed at the project's top level. */
  installedManifest(name: string): { version: string; [field: string]: unknown } | null {
    const file = join(this.dir, 'node_modules', ...name.split('/'), 'package.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }) : null;
  }

  /** Runs the compiled example with node in the project folder. */
  run(example: ReadmeExample): ExampleRun {
    const file = join(this.dir, 'dist', `${example.name}.js`);
    const start = Date.now();
    const result = existsSync(file)
      ? run(process.execPath, ['--enable-source-maps', file], this.dir, exampleTimeout)
      : ({
          status: null,
          signal: null,
          stdout: '',
          stderr: '',
          error: new Error(`tsc emitted no ${file}`),
        } as unknown as SpawnSyncReturns<string>);
    return {
      status: result.status,
      signal: result.signal,
      stdout: result.stdout ?? '',
      stderr: this.readmePositions(example, result.stderr ?? ''),
      ...(result.error != null ? { error: result.error } : {}),
      ms: Date.now() - start,
    };
  }

  /** Rewrites `…/project/src/core-1.ts:12:5` in a stack trace as the README position it came from. */
  private readmePositions(example: ReadmeExample, text: string): string {
    const file = join(this.dir, 'src', `${example.name}.ts`).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(
      new RegExp(`(?:file://)?${file}:(\\d+):(\\d+)`, 'g'),
      (_m, line: string, column: string) => `${example.readme}:${example.firstLine + Number(line) - 1}:${column}`,
    );
  }

  dispose(): void {
    if (this.keep) {
      console.warn(`consumer-tests: kept the scratch project at ${this.dir}`);
      return;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

export { tail };
