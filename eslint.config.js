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
  // Who may import whom (layers, drivers, the gateway's pure cores, cycles) is checked in one place,
  // .dependency-cruiser.mjs (`npm run boundaries`, part of `npm test`). ESLint keeps what an import
  // graph cannot see: the pure cores read no clock and set no timer.
  {
    // The agent's pure core does no IO: no sockets, processes, files or clocks.
    files: ['src/gateway/core/**/*.ts'],
    ignores: ['src/gateway/core/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'time is passed in' }, { name: 'setInterval', message: 'time is passed in' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time is passed in' }],
    },
  },
  {
    // The data-plane renderer is pure too: specs in, nftables text out; `nft` runs in src/gateway/io.
    files: ['src/gateway/dataplane/**/*.ts'],
    ignores: ['src/gateway/dataplane/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'time is passed in' }, { name: 'setInterval', message: 'time is passed in' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time is passed in' }],
    },
  },
  {
    // The remote gateway's frames are pure too: text in, typed frames out; the sockets and their
    // timers live in dialer.ts and server/gateway-socket.ts.
    files: ['src/gateway/remote/wire.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'time is passed in' }, { name: 'setInterval', message: 'time is passed in' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time is passed in' }],
    },
  },
);
