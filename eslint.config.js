import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const WORKSPACES = ['shared', 'dns', 'sim', 'probe', 'aggregator', 'alarm-pi'];
const others = (...allowed) =>
  [...WORKSPACES, 'bench', 'scripts', 'test-support']
    .filter((name) => !allowed.includes(name))
    .map((name) => `./${name}`);

/** The dependency floors as no-restricted-paths zones; `alsoAllowed` opens more folders (test helpers for tests). */
const floors = (...alsoAllowed) => [
  { target: './shared/src', from: others('shared', ...alsoAllowed), message: 'shared imports no other workspace.' },
  { target: './dns/src', from: others('dns', 'shared', ...alsoAllowed), message: 'dns imports at most shared.' },
  ...['probe', 'aggregator', 'alarm-pi'].map((name) => ({
    target: `./${name}/src`,
    from: './sim',
    message: 'production code never imports the sim (tests, the demo and benchmarks do).',
  })),
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-output/**', 'coverage/**', 'aggregator/public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Type-checked lint: every .ts file is in tsconfig.tests.json (src, tests, test-support, vitest configs),
    // which maps each @propwatch/* package to its sources, so one program serves the whole tree.
    languageOptions: { parserOptions: { project: ['./tsconfig.tests.json'], tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
      // Off: fastify plugins/handlers and implementations of the async Store/driver interfaces are async by
      // contract; dropping `async` would turn their rejections into synchronous throws.
      '@typescript-eslint/require-await': 'off',
      // A caught `unknown` re-rejected unchanged (as the callback's caller would have seen it) is not a new non-Error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Tests read JSON bodies (`res.json()`, `JSON.parse`) and poke at `any` fixtures; asserting on them is the point,
    // so the no-unsafe-* family is relaxed there (production code keeps it).
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The dependency floors (DESIGN.md): shared imports no workspace, dns at most
    // shared, production code never the sim; and no import cycle anywhere.
    // Imports are resolved as TypeScript resolves them (tsconfig.tests.json maps
    // every @propwatch/* package to its sources), so a cycle through a package
    // boundary is seen too.
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { 'import-x': importX },
    settings: {
      // The files an import leads to are parsed too (no-cycle follows them).
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.tests.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: floors() }],
    },
  },
  {
    // Tests beside the code may use the shared test helpers (test-support/), never another workspace.
    files: ['**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: floors('test-support') }] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Plain .mjs/.js (scripts, bins, the dashboard) are in no tsconfig: they stay on the untyped rules (last, so
    // no typed rule set above reaches them).
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
