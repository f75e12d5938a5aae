import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRealAddress, parseStatus } from './status.ts';

// Captured from OpenVPN 2.6.14 (one established client, one IPv6 client pending auth).
const REAL = [
  'TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]',
  'TIME\t2026-11-25 17:06:42\t1795626402',
  'HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher',
  'CLIENT_LIST\talice, inc=x\t127.0.0.1:49083\t10.99.0.2\t\t1995\t2025\t2026-11-25 17:06:38\t1795626398\tbob\t0\t0\tAES-256-GCM',
  'CLIENT_LIST\talice, inc=x\t::1\t\t\t1993\t1769\t2026-11-25 17:08:01\t1795626481\tUNDEF\t2\t0\tBF-CBC',
  'HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast Ref\tLast Ref (time_t)',
  'ROUTING_TABLE\t10.99.0.2\talice, inc=x\t127.0.0.1:49083\t2026-11-25 17:06:38\t1795626398',
  'GLOBAL_STATS\tMax bcast/mcast queue length\t0',
  'GLOBAL_STATS\tdco_enabled\t0',
];

test('parses a real status 3 reply by its header', () => {
  const snapshot = parseStatus(REAL);
  assert.equal(snapshot.time, 1795626402000);
  assert.equal(snapshot.clients.length, 2);
  assert.deepEqual(snapshot.clients[0], {
    cid: 0,
    commonName: 'alice, inc=x',
    realAddressText: '127.0.0.1:49083',
    realAddress: { ip: '127.0.0.1', port: 49083 },
    virtualAddress: '10.99.0.2',
    virtualIpv6Address: undefined,
    bytesReceived: 1995,
    bytesSent: 2025,
    connectedSince: 1795626398000,
    username: 'bob',
    peerId: 0,
    cipher: 'AES-256-GCM',
  });
  const pending = snapshot.clients[1];
  assert.equal(pending?.virtualAddress, undefined);
  assert.equal(pending?.username, undefined);
  assert.deepEqual(pending?.realAddress, { ip: '::1', port: undefined });
  assert.equal(snapshot.globalStats.get('dco_enabled'), '0');
});

test('columns are found by name, not position', () => {
  const snapshot = parseStatus([
    'HEADER\tCLIENT_LIST\tClient ID\tNew Column\tUsername\tCommon Name\tConnected Since (time_t)\tReal Address\tVirtual Address',
    'CLIENT_LIST\t9\tzzz\tcarol\tcarol-cn\t100\t10.0.0.9:1\t10.99.0.9',
  ]);
  assert.equal(snapshot.clients[0]?.cid, 9);
  assert.equal(snapshot.clients[0]?.username, 'carol');
  assert.equal(snapshot.clients[0]?.commonName, 'carol-cn');
  assert.equal(snapshot.clients[0]?.connectedSince, 100000);
  assert.equal(snapshot.clients[0]?.virtualAddress, '10.99.0.9');
});

test('comma-separated (status 2) headers are read too; rows without a header or CID are skipped', () => {
  const snapshot = parseStatus([
    'CLIENT_LIST,orphan,1.2.3.4:5,,,,,,,,,',
    'HEADER,CLIENT_LIST,Common Name,Real Address,Client ID',
    'CLIENT_LIST,bob,1.2.3.4:5,3',
    'CLIENT_LIST,bad,1.2.3.4:5,x',
  ]);
  assert.equal(snapshot.clients.length, 1);
  assert.equal(snapshot.skippedRows, 2);
});

test('real addresses in the forms OpenVPN prints', () => {
  assert.deepEqual(parseRealAddress('127.0.0.1:5000'), { ip: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseRealAddress('[::1]:1194'), { ip: '::1', port: 1194 });
  assert.deepEqual(parseRealAddress('::ffff:127.0.0.1:5000'), { ip: '::ffff:127.0.0.1', port: 5000 });
  assert.deepEqual(parseRealAddress('2001:db8::1'), { ip: '2001:db8::1', port: undefined });
  assert.deepEqual(parseRealAddress('10.1.2.3'), { ip: '10.1.2.3', port: undefined });
  assert.equal(parseRealAddress(''), undefined);
  assert.equal(parseRealAddress('garbage'), undefined);
});

test('ROUTING_TABLE gives each virtual address its Last Ref, the last tunnel packet routed for it', () => {
  const snapshot = parseStatus(REAL);
  assert.deepEqual(snapshot.lastRef, new Map([['10.99.0.2', 1795626398000]]));
  assert.equal(parseStatus(REAL.filter((l) => !l.includes('ROUTING_TABLE'))).lastRef, undefined);
});
