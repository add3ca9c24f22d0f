// ESLint (flat config): typescript-eslint's recommended rules everywhere, plus type-aware checks
// of promises where a lost one hides a failure (the extension host); formatting is Prettier's
// (eslint-config-prettier turns the conflicting rules off). `npm run lint` runs it with prettier --check.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'out/',
      'node_modules/',
      '.vscode-test/',
      '.test-host/',
      '.stryker-tmp/',
      // Generated (scripts/generate-tensorboard-protos.mjs).
      'src/core/tensorboard/eventProtos.ts',
      'mutation/.cache/',
      'test-results/',
      'examples/**/runs/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // CommonJS fixtures, and lazy loading by require() where an import would load at start-up.
      '@typescript-eslint/no-require-imports': 'off',
      // zod's `z` as a named import keeps every export of zod (all its locales) in each bundle.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier[imported.name='z']",
          message: "import * as z from 'zod' (the named `z` keeps all of zod in the bundles)",
        },
      ],
    },
  },
  {
    // Functions run inside the page by page.evaluate read the panel's untyped test hooks (__lossCurves, uPlot's internals).
    files: ['test/webview/**/*.ts', 'bench/panel/**/*.ts', 'bench/runsTable/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['webview/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Type-aware, and only here: the extension host, where a dropped promise is a lost error.
    files: ['src/extension/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  prettier,
);
