import assert from 'node:assert/strict';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir, loadConfig, removeConfig, saveConfig } from './config.ts';

test('config dir: SLUICE_CONFIG_DIR, then XDG_CONFIG_HOME, then ~/.config', () => {
  assert.equal(configDir({ SLUICE_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/c');
  assert.equal(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/sluice');
  assert.equal(configDir({ HOME: '/h' }), '/h/.config/sluice');
});

test('the config file is 0600 in a 0700 directory and round-trips', async () => {
  const base = await mkdtemp(join(tmpdir(), 'sluice-cfg-'));
  const env = { XDG_CONFIG_HOME: base };
  assert.deepEqual(await loadConfig(env), {});
  await saveConfig(env, { endpoint: 'http://e', apikey: 'k', tokens: { access_token: 'a', expiration: 1 } });
  assert.equal((await stat(join(base, 'sluice'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(base, 'sluice', 'config.json'))).mode & 0o777, 0o600);
  assert.deepEqual(await loadConfig(env), { endpoint: 'http://e', apikey: 'k', tokens: { access_token: 'a', expiration: 1 } });
  assert.equal(await removeConfig(env), true);
  assert.equal(await removeConfig(env), false);
});
