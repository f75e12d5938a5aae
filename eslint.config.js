import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'console/dist/', 'node_modules/', 'bench/results/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Layering (ARCHITECTURE.md): database drivers only inside the store.
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', message: 'database drivers live in src/store' }, { name: 'pg', message: 'database drivers live in src/store' }] }],
    },
  },
  {
    // The agent's pure core does no IO: no sockets, processes, files or clocks.
    files: ['src/gateway/core/**/*.ts'],
    ignores: ['src/gateway/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:net', 'node:child_process', 'node:fs', 'node:fs/*', 'net', 'child_process', 'fs', '../io/*', '../../server/*', '../../store/*'], message: 'the gateway core is pure; IO lives in src/gateway/io' }] }],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'time is passed in' }, { name: 'setInterval', message: 'time is passed in' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time is passed in' }],
    },
  },
  {
    // The data-plane renderer is pure too: specs in, nftables text out; `nft` runs in src/gateway/io.
    files: ['src/gateway/dataplane/**/*.ts'],
    ignores: ['src/gateway/dataplane/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:net', 'node:child_process', 'node:fs', 'node:fs/*', 'net', 'child_process', 'fs', '../io/*', '../agent/*', '../../server/*', '../../store/*', '../../domain/*'], message: 'the data-plane renderer is pure; IO lives in src/gateway/io' }] }],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'time is passed in' }, { name: 'setInterval', message: 'time is passed in' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time is passed in' }],
    },
  },
  {
    // The agent talks to the control plane only through the channel, so it can run on another host.
    files: ['src/gateway/agent/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../domain/*', '../../store/*', '../../server/*'], message: 'the agent reports through the channel (src/gateway/channel.ts)' }] }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../server/*', '../server/*', 'fastify'], message: 'the domain does not know HTTP' }] }],
    },
  },
  {
    // The client (and the console bundle built from it) takes the API's types from the server's
    // schemas, never its code: type-only imports of src/server, nothing of Fastify or TypeBox at run time.
    files: ['src/client/**/*.ts', 'console/src/**/*.ts', 'console/src/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/server/*', '**/server/**', 'fastify', 'typebox'], allowTypeImports: true, message: 'the client reads the API contract as types only (import type)' }] }],
    },
  },
);
