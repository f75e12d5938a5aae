import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditEvent, VpnServer } from '../../src/client/types.ts';
import { parseTime } from '../../src/cli/commands/audit.ts';
import { startWithCli, type Result, type Server } from './helpers.ts';

let server: Server;
let cli: (...argv: string[]) => Promise<Result>;
let serverId: string;

before(async () => {
  ({ server, cli } = await startWithCli());
  serverId = (JSON.parse((await cli('vpn-server-create', '--name', 'audited', '--client-ip-pool', '10.9.0.0/16', '--port', '11999', '--output', 'json')).stdout) as VpnServer).id;
  await cli('vpn-server-route-create', 'audited', '--destination', '192.168.50.0/24', '--name', 'lan');
  await cli('vpn-server-update', 'audited', '--name', 'renamed');
});
after(async () => server?.stop());

test('sluice audit: a table of the newest calls, filters, and JSON', async () => {
  const table = await cli('audit', '--target', serverId);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^Time\s+Operation\s+Outcome\s+Status\s+Actor\s+Address\s+Target$/);
  assert.match(lines[1] ?? '', /update_vpn_server\s+succeeded\s+200\s+admin\s+127\.0\.0\.1\s+vpn_server r001-/);
  assert.equal(lines.length, 4, table.stdout);

  const json = await cli('audit', '--operation', 'create_vpn_server_route', '--since', '1h', '--output', 'json');
  const events = JSON.parse(json.stdout) as AuditEvent[];
  assert.equal(events.length, 1);
  assert.equal(events[0]?.target.vpn_server_id, serverId);
  assert.equal((await cli('audit', '--until', '2000-01-01')).stdout, 'No audit events were found.\n');
});

test('sluice audit --output jsonl exports every matching event, oldest first, one JSON object per line', async () => {
  const r = await cli('audit', '--actor', 'admin', '--output', 'jsonl');
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
  assert.ok(events.length >= 3);
  assert.deepEqual(events.map((e) => e.created_at), [...events.map((e) => e.created_at)].sort());
  assert.ok(events.every((e) => e.actor.user_name === 'admin'));
});

test('bad times and outcomes are one readable line, exit 2', async () => {
  const bad = await cli('audit', '--since', 'last tuesday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since must be a date/);
  const outcome = await cli('audit', '--outcome', 'maybe');
  assert.equal(outcome.code, 2);
  assert.match(outcome.stderr, /succeeded, refused, rejected, failed/);
  assert.equal(parseTime('--since', '2h', Date.parse('2026-11-30T10:00:00Z')), '2026-11-30T08:00:00.000Z');
});
