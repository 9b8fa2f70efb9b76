// Lint: typescript-eslint's recommended rules plus the architecture invariants of ARCHITECTURE.md,
// enforced as import restrictions per folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The facade is the only door into the engine: src/cli and src/server import src/core/index and
// nothing deeper (ARCHITECTURE.md; test/unit/architecture/layers.test.ts checks the same).
const onlyFacade = { group: ['**/core/*', '**/core/**', '!**/core/index'], message: 'import the engine through its facade src/core/index only' };

const noVscode = (extra = []) => ({
  'no-restricted-imports': ['error', {
    patterns: [
      { group: ['vscode', 'vscode-languageclient', 'vscode-languageclient/*'], message: 'only src/client may import vscode' },
      { group: ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageserver-textdocument'], message: 'only src/server may import vscode-languageserver' },
      ...extra,
    ],
  }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '.out/**', 'test-results/**', '.e2e/**', 'test/e2e/**/*.mjs', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (icon generator, e2e harness helpers): Node's globals.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(['Buffer', 'console', 'process', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'URL', '__dirname', 'require', 'module'].map((g) => [g, 'readonly'])),
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-control-regex': 'off',
    },
  },
  { files: ['src/core/**/*.ts'], rules: noVscode([{ group: ['**/server/**', '**/client/**', '**/cli/**'], message: 'src/core is a pure library' }, { group: ['**/shared/**'], message: 'the engine never imports src/shared (src/shared re-exports the engine)' }]) },
  { files: ['src/shared/**/*.ts'], rules: noVscode([{ group: ['**/server/**', '**/client/**', '**/cli/**'], message: 'src/shared is imported by every side' }]) },
  { files: ['src/cli/**/*.ts'], rules: noVscode([onlyFacade]) },
  {
    files: ['src/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['vscode', 'vscode-languageclient', 'vscode-languageclient/*', '**/client/**'], message: 'the server never imports vscode or the client' }, onlyFacade] }] },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['vscode-languageserver', 'vscode-languageserver/*', '**/server/**', '**/core/**'], message: 'the client is thin: it talks to the server, never to the engine' }] }] },
  },
  {
    files: ['webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['vscode', 'vscode-*', '**/core/**', '**/server/**', '**/client/**'], message: 'webview imports only src/shared and the DOM' }] }] },
  },
);
