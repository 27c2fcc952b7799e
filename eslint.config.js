// ESLint flat config (`npm run lint`): typescript-eslint's recommended rules without type information (tsc
// type-checks in `npm test`; the type-aware set took 70 s instead of 22 s on 2 cores, and most of what it
// reported was `any` from the untyped optional peers), a few habits, the layering rule that keeps layers,
// losses, optimizers and models off the backends, and a function-length limit. eslint-config-prettier comes
// last so no rule here argues with Prettier's formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores([
    'dist/',
    'docs/api/',
    'coverage/',
    '.cache/',
    'runs/',
    'bench/results/',
    'test/fixtures/',
    'src/backend/gpu/kernels.generated.ts',
  ]),
  {
    files: ['**/*.{ts,mts,js,mjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-throw-literal': 'error',
      'object-shorthand': ['error', 'properties'],
      // Errors here restate the caught error's message in their own words (the project's error style).
      'preserve-caught-error': 'off',
      // `typeof import('node:fs')` parameters keep Node modules injected, never imported, in browser-safe files.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      // tsc's noUnusedLocals/noUnusedParameters already report these; `_`-prefixed names are deliberate.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // Plain Node scripts (no TypeScript): declare the Node globals they use.
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // Layers, losses, optimizers and models work through the tensor API only (docs/architecture.md).
    files: ['src/layers/**', 'src/losses/**', 'src/optim/**', 'src/models/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/backend/**', '**/backend'],
              message: 'layers, losses, optimizers and models use the tensor API, not a backend',
            },
          ],
        },
      ],
    },
  },
  {
    // A describe block is a list of cases; its length is the number of cases, not one function's complexity.
    files: ['test/**/*.test.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    // Run-time WebAssembly emitters: each builds one module as straight-line instruction emission, which
    // reads (and is checked) against the kernel it encodes; split, it would scatter the register plan.
    files: [
      'src/backend/cpu/kernels/gemm-module.ts',
      'src/landmarks/fast/flow-wasm.ts',
      'src/landmarks/fast/polyexp-wasm.ts',
    ],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    // The n = 5 expansion passes are unrolled by hand so each loop keeps its kernel taps in registers.
    files: ['src/landmarks/polynomial-expansion.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    // Benchmarks and examples are scripts that read top to bottom; the limit is for the library and its tests.
    files: ['bench/**', 'examples/**'],
    rules: { 'max-lines-per-function': 'off' },
  },
  prettier,
]);
