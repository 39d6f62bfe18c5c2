// Lint configuration: ESLint's recommended rules plus typescript-eslint's, over every package.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'test-artifacts/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `any` needs a comment saying why, next to an eslint-disable line.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Plain JavaScript build scripts and launchers run on Node: its globals are defined.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { URL: 'readonly', process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    // The bots' HTML report script runs in a browser page, after uPlot's (html-report.ts).
    files: ['client-sdk/assets/**'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', uPlot: 'readonly' } },
  },
  {
    // The examples are what users copy: Node programs that print, and a page's script.
    files: ['examples/**'],
    languageOptions: { globals: { setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
  {
    // Command-line entry points and benchmarks talk to a terminal on purpose.
    files: ['bench/**', 'scripts/**', 'client-sdk/src/bots/**', 'server/src/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
