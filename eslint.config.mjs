// ESLint for the whole monorepo (npm run lint): the recommended rules of
// ESLint and typescript-eslint, plus the few rules our style asks for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/test-types/probes/**', '**/*.js', '**/*.mjs', '**/*.cjs', '!packages/server/web/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The run service's web view: plain ES modules for the browser, no build step.
    files: ['packages/server/web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'fetch', 'Headers', 'AbortController', 'TextDecoder', 'URL', 'URLSearchParams', 'sessionStorage', 'requestAnimationFrame', 'cancelAnimationFrame', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'console', 'dagre', 'HTMLElement', 'Event', 'CustomEvent', 'getComputedStyle', 'ResizeObserver', 'matchMedia', 'devicePixelRatio', 'Intl', 'DOMException', 'navigator', 'queueMicrotask', 'TextDecoderStream', 'Node'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // Examples, the CLI, benchmarks and tests talk to people on the console.
    files: ['examples/**', 'bench/**', 'packages/cli/**', '**/*.test.ts', '**/__fixtures__/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
