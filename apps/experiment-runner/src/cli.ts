import { parseArgs } from 'node:util';
import { assertBackendName, type BackendName } from '@gradkit/backends';
import type { ExperimentRegistry } from './registry';

/** An option a bench adds to the shared ones (e.g. mnist-bench's `--data DIR`). */
export interface ExtraOption {
  type: 'string' | 'boolean';
  description: string;
  valueName?: string;
}

export interface BenchOptions {
  backends?: BackendName[];
  experiments: string[];
  profile: string;
  seed: number;
  out: string;
  resume: boolean;
  /** Report unfinished checkpointed runs as they stand, training nothing (`--partial`). */
  partial: boolean;
  /** Keep checkpoints gzip-compressed in `OUT/carry/`, to be committed so the run continues on another machine. */
  carry: boolean;
  /** Print stack traces with errors. */
  verbose: boolean;
  help: boolean;
  /** The bench's own options, by name. */
  extra: Record<string, string | boolean | undefined>;
}

export function usage(
  name: string,
  registry: ExperimentRegistry<never>,
  extra: Record<string, ExtraOption>,
  defaultOut: string,
): string {
  const lines = [
    `Usage: ${name} [options]`,
    '',
    'Options:',
    '  --backends LIST     comma-separated backends (default: every available one): cpu, wasm, webgl, webgpu, tensorflow, tensorflow-gpu',
    `  --experiments LIST  comma-separated experiments (default: ${registry.defaultNames().join(', ')}); all: ${registry.names().join(', ')}`,
    `  --profile NAME      ${profileHelp(registry)}`,
    '  --seed N            random seed (default 1); the same seed on the same backend gives the same numbers',
    `  --out DIR           output folder (default ${defaultOut})`,
    '  --resume            skip runs whose results are already in the output folder; continue checkpointed ones',
    '  --partial           train nothing: report the unfinished runs in the output folder as their checkpoints stand',
    '                      (after their last saved epoch), beside the finished ones, in OUT/partial/',
    "  --carry             keep each unfinished run's checkpoint gzip-compressed in OUT/carry/ (commit it to continue",
    '                      the run with --resume on another machine); deleted when the run finishes',
    '  --verbose           print stack traces with errors',
    ...Object.entries(extra).map(
      ([key, o]) => `  --${`${key} ${o.valueName ?? ''}`.trim().padEnd(18)}${o.description}`,
    ),
    '  --help              this text',
  ];
  return lines.join('\n');
}

const PROFILE_NOTES: Record<string, string> = {
  quick: 'the default; minutes on 2 cores',
  paper: "the posts' full step counts and batch sizes",
  smoke: 'seconds; checks that everything runs',
};

/** Every profile any experiment offers: those all of them share first, with what they mean, then the others. */
function profileHelp(registry: ExperimentRegistry<never>): string {
  const shared = registry.profilesOf(registry.names());
  const others = [...new Set(registry.names().flatMap((n) => Object.keys(registry.get(n).profiles)))].filter(
    (p) => !shared.includes(p),
  );
  const described = shared.map((p) => (PROFILE_NOTES[p] != null ? `${p} (${PROFILE_NOTES[p]})` : p)).join(', ');
  return others.length > 0 ? `${described}; some experiments also offer ${others.join(', ')}` : described;
}

/** A comma-separated option: each item once, in order; an empty item or an empty list is an error. */
function list(option: string, text: string | undefined): string[] | undefined {
  if (text == null) return undefined;
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new Error(`--${option} "${text}": an empty item; expected a comma-separated list of names`);
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item)) throw new Error(`--${option} "${text}": "${item}" is listed twice; expected each name once`);
    seen.add(item);
  }
  return items;
}

/** Parses and validates the command line; throws one-line errors naming the bad value. */
export function parseBenchArgs(
  argv: string[],
  registry: ExperimentRegistry<never>,
  extra: Record<string, ExtraOption>,
  defaultOut: string,
): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        backends: { type: 'string' },
        experiments: { type: 'string' },
        profile: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        partial: { type: 'boolean' },
        carry: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
        ...Object.fromEntries(Object.entries(extra).map(([k, o]) => [k, { type: o.type }])),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const message = (error as Error).message;
    const ambiguous = /^Option '(--[a-z-]+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous) throw new Error(`${ambiguous[1]}: its value starts with "-"; write ${ambiguous[1]}=VALUE`);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new Error(`Unknown option '${unknown[1]}': see --help for the options`);
    throw new Error(message.split('\n')[0]);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const backends = list('backends', v.backends as string | undefined);
  backends?.forEach((b) => assertBackendName(b, 'backend in --backends'));
  const experiments = list('experiments', v.experiments as string | undefined) ?? registry.defaultNames();
  experiments.forEach((e) => registry.get(e));
  const profile = (v.profile as string | undefined) ?? 'quick';
  const profiles = registry.profilesOf(experiments);
  if (!profiles.includes(profile)) {
    throw new Error(
      `Unknown profile "${profile}" for ${experiments.join(', ')}: expected one of ${profiles.join(', ')}`,
    );
  }
  const seedText = (v.seed as string | undefined) ?? '1';
  const seed = /^\s*$/.test(seedText) ? Number.NaN : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
    throw new Error(`--seed ${seedText.trim() === '' ? '""' : seedText}: expected an integer from 0 to 2147483647`);
  for (const key of ['out', 'profile'] as const) {
    if (typeof v[key] === 'string' && (v[key] as string).trim() === '')
      throw new Error(`--${key} "": expected a value`);
  }
  if (v.partial === true && v.carry === true)
    throw new Error('--partial and --carry: --partial trains nothing and saves nothing; give one of them');
  return {
    backends: backends as BackendName[] | undefined,
    experiments,
    profile,
    seed,
    out: (v.out as string | undefined) ?? defaultOut,
    resume: v.resume === true,
    partial: v.partial === true,
    carry: v.carry === true,
    verbose: v.verbose === true,
    help: v.help === true,
    extra: Object.fromEntries(Object.keys(extra).map((k) => [k, v[k]])),
  };
}
