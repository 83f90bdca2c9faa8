// What `npm run mutation -- <package>` runs, and how a Stryker report becomes the score a README quotes.
// Pure functions: run.mjs does the spawning and the writing.

/**
 * The packages whose tests are measured, and how. `backends`: where the tests run while mutants are active — the
 * TypeScript under mutation does the same arithmetic on every backend, so cpu alone (the fastest) decides; rnn's
 * host kernels run on cpu and wasm. `exclude`: files left out, each with its reason (nothing is left out silently).
 */
export const PACKAGES = {
  core: {
    backends: 'cpu',
    exclude: [
      { glob: 'src/tfjsGradients.ts', reason: 're-exports a generated bundle of tfjs-core’s own gradients' },
      { glob: 'src/tfjsGradients.browser.ts', reason: 'browser twin of the above, only in browser bundles' },
    ],
  },
  batchnorm: { backends: 'cpu', exclude: [] },
  'stochastic-neurons': { backends: 'cpu', exclude: [] },
  'initial-states': { backends: 'cpu', exclude: [] },
  'synthetic-grad': { backends: 'cpu', exclude: [] },
  rnn: {
    backends: 'cpu,wasm',
    exclude: [
      { glob: 'src/kernels/simd/**', reason: 'generated WebAssembly text and its loader; the kernel tests cover it' },
    ],
  },
};

/** Parses `<package> [--concurrency N]`; a bad argument is a one-line error naming it. */
export function planRun(argv) {
  const args = [...argv];
  let concurrency = 2;
  const at = args.indexOf('--concurrency');
  if (at >= 0) {
    const value = Number(args[at + 1]);
    if (!(Number.isInteger(value) && value >= 1))
      throw new Error(`mutation: --concurrency ${args[at + 1] ?? '(missing)'}, expected a positive integer`);
    concurrency = value;
    args.splice(at, 2);
  }
  const known = Object.keys(PACKAGES);
  if (args.length !== 1 || !(args[0] in PACKAGES)) {
    throw new Error(
      `mutation: ${args.length === 0 ? 'no package' : `package ${JSON.stringify(args.join(' '))}`}, expected one of ${known.join(', ')}`,
    );
  }
  const name = args[0];
  const { backends, exclude } = PACKAGES[name];
  return {
    name,
    backends,
    concurrency,
    mutate: [
      'src/**/*.ts',
      '!src/**/*.test.ts',
      '!src/**/*.test-util.ts',
      '!src/**/testSetup.ts',
      ...exclude.map((e) => `!${e.glob}`),
    ],
    exclude,
  };
}

/**
 * Stryker's mutation score: (killed + timed out) / (killed + timed out + survived + not covered). Mutants that do
 * not compile (the TypeScript checker rejects them) and ignored ones (marked equivalent in the source with a
 * `// Stryker disable` comment and its reason) are not counted.
 */
export function summarize(report) {
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  const survivors = [];
  const ignored = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      counts[m.status] = (counts[m.status] ?? 0) + 1;
      const where = `${file}:${m.location.start.line}`;
      if (m.status === 'Survived' || m.status === 'NoCoverage')
        survivors.push({ where, mutator: m.mutatorName, replacement: m.replacement, status: m.status });
      if (m.status === 'Ignored') ignored.push({ where, mutator: m.mutatorName, reason: m.statusReason });
    }
  }
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  return { score: valid === 0 ? null : (100 * detected) / valid, counts, survivors, ignored };
}
