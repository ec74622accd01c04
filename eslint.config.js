// The folder table in ../shared/ARCHITECTURE.md is the layering; this file enforces it so a wrong
// import fails `npm test`, not a code review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads',
  'electron', 'better-sqlite3', 'serialport', '@serialport/*', 'node-hid', 'socket.io', 'socket.io-client',
  'react', 'react-dom', 'react-dom/*',
];

/** Relative imports that climb into a folder this layer may not see. */
function layerBan(folders, why) {
  return {
    regex: `^\\.{1,2}/(?:.*/)?(?:${folders.join('|')})(?:/|$)`,
    message: `Bad layering: ${why} (see ARCHITECTURE.md, "Processes and folders").`,
  };
}

function restrictImports(paths, patterns) {
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

const nodeAndElectron = [
  { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'electron', 'better-sqlite3', 'serialport', 'node-hid', 'socket.io'],
    message: 'Bad layering: the renderer runs in a sandboxed page; it talks to main only through the preload API.' },
];

// Time is an argument (ARCHITECTURE.md, "Invariants"): one clock per process, created by its
// composition root and passed down, so that tests can set it.
const CLOCK_MESSAGE = 'Time is an argument: take the time from the Clock passed in (core/clock.ts); only systemClock reads the real time.';
const readsTheTime = {
  property: { object: 'Date', property: 'now', message: CLOCK_MESSAGE },
  syntax: { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: CLOCK_MESSAGE },
};
const noRandomInCore = { object: 'Math', property: 'random', message: 'core/ is pure: take ids and randomness as arguments.' };
const timeFolders = ['core/**/*.ts', 'main/**/*.ts', 'hardware/**/*.ts', 'cloud/**/*.ts', 'cloud/**/*.tsx'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', 'test-artifacts/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Typed linting: the rules below need the types (each file's nearest tsconfig, via the project service).
    languageOptions: { parserOptions: { ecmaVersion: 2023, sourceType: 'module', projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: timeFolders,
    rules: {
      'no-restricted-properties': ['error', readsTheTime.property],
      'no-restricted-syntax': ['error', readsTheTime.syntax],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      ...restrictImports([], [
        { group: ioModules, message: 'Bad layering: core/ is pure — no I/O, no electron, no DOM. Pass time, ids and data in as arguments.' },
        layerBan(['main', 'hardware', 'renderer', 'preload', 'cloud', 'test'], 'core/ imports nothing from the other folders'),
      ]),
      'no-restricted-globals': ['error',
        ...['window', 'document', 'localStorage', 'fetch', 'process', 'setTimeout', 'setInterval', 'require'].map((name) => ({
          name, message: 'core/ is pure: no globals with I/O or timers.' })),
      ],
      'no-restricted-properties': ['error', readsTheTime.property, noRandomInCore],
      'no-restricted-syntax': ['error', readsTheTime.syntax],
    },
  },
  {
    files: ['hardware/**/*.ts'],
    rules: restrictImports(
      [{ name: 'electron', message: 'Bad layering: hardware/ runs in plain Node; electron belongs to main/.' }],
      [layerBan(['main', 'renderer', 'preload', 'cloud', 'test'], 'hardware/ may import only core/')],
    ),
  },
  {
    files: ['main/**/*.ts'],
    rules: restrictImports([], [layerBan(['renderer', 'preload', 'cloud', 'test'], 'main/ may import only core/ and hardware/')]),
  },
  {
    files: ['cloud/**/*.ts', 'cloud/**/*.tsx'],
    rules: restrictImports(
      [{ name: 'electron', message: 'Bad layering: the hub is a server; it has no electron.' }],
      [layerBan(['main', 'hardware', 'renderer', 'preload', 'test'], 'cloud/ may import only core/')],
    ),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: restrictImports([], [
      ...nodeAndElectron,
      layerBan(['main', 'hardware', 'preload', 'cloud', 'test'], 'the renderer may import only core/ (pure helpers and the IPC contract)'),
    ]),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrictImports([], [
      layerBan(['main', 'hardware', 'renderer', 'cloud', 'test'], 'preload/ holds the contextBridge API and imports only the IPC contract'),
    ]),
  },
  {
    // The one module that reads the real time (systemClock).
    files: ['core/clock.ts'],
    rules: {
      'no-restricted-properties': ['error', noRandomInCore],
      'no-restricted-syntax': 'off',
    },
  },
);
