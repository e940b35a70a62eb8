// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'reports/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Off: `async` without `await` is how a method that must return a promise (Kysely's
      // acquireConnection, releaseConnection) turns a synchronous throw such as DOUBLE_RELEASE into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Off: we re-reject what we caught (a SQLite error, an AbortSignal's reason) unchanged, as callers match on it.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // Off: error messages print whatever value the caller passed (`got ${String(value)}`), objects included.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // Off outside the package: the suite's, benches' and tests' callback interfaces (Contender.open,
    // recordWait, fixtures' cleanup) use method syntax and are closures that never read `this`.
    // The package itself (core, machines, streams, adapters) keeps the rule.
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'suite/**', 'properties/**'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  // Plain JavaScript (this config, bin/, scripts/*.js) is outside the TypeScript project: lint it untyped.
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
);
