// Shared flat config: every workspace's eslint.config.mjs is one line that re-exports this.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const base = tseslint.config(
  { ignores: ['dist/**', 'generated/**', 'coverage/**', '.test-results/**', '.stryker-tmp/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'scripts/**', 'bench/**', '**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
  // A fast path is a kernel registered per backend (core's defineKernelOp); backend names appear only in the
  // registrations (kernels/) and in the mechanism itself, never in an op or a cell; tests are exempt.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/kernels/**', 'src/kernelOp.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='getBackend'], CallExpression[callee.name='getBackend']",
          message:
            "No backend-name checks in ops or cells: register a kernel per backend in kernels/ and reach it through core's defineKernelOp.",
        },
      ],
    },
  },
);

export default base;

/** For apps (command-line programs): printing to the terminal is their job. */
export const app = [...base, { rules: { 'no-console': 'off' } }];
