import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { freshDatabase } from '../../test/support/dialects.ts';
import { openStore } from '../../src/store/database.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { summarize } from '../lib/stats.ts';

const TRANSACTIONS = 400;
const ROUNDS = 3;
const INSERT_EVENT = 'insert into client_events (vpn_server_id, client_id, type, at, actor, data) values ($1, $2, $3, $4, null, $5)';

type Triggers = 'both' | 'notice' | 'none';

/**
 * What PostgreSQL writers pay for client events that reach every replica in order (migration
 * 2026-11-30-831): the order lock (held from the event insert to the commit) and the notice sent
 * by the insert trigger. W connections each run transactions shaped like the session facts' (a
 * read, then the event insert as the last write, commit), with the triggers on and off in the same
 * run, alternating.
 */
async function writeRound(url: string, writers: number): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: writers }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  try {
    const started = performance.now();
    await Promise.all(
      clients.map(async (c, w) => {
        for (let i = 0; i < TRANSACTIONS; i++) {
          await c.query('begin');
          await c.query({ name: 'read', text: 'select count(*) from client_events where vpn_server_id = $1 and seq > $2', values: [`srv-${w % 4}`, 1 << 30] });
          await c.query({ name: 'ins', text: INSERT_EVENT, values: [`srv-${w % 4}`, `c${w}-${i}`, 'connected', Date.now(), '{}'] });
          await c.query('commit');
        }
      }),
    );
    return (writers * TRANSACTIONS) / ((performance.now() - started) / 1000);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

export const eventOrder: Benchmark = {
  name: 'event-order',
  describe: 'client-event writers on PostgreSQL with the order lock and notice trigger vs without (transactions/s)',
  defaultSizes: [1, 8],
  needs: ['postgres'],
  async run(ctx, sizes) {
    if (!ctx.dialects.includes('postgres')) return { rows: [], notes: ['PostgreSQL only: SQLite has one writer at a time and no triggers'] };
    const rows: Row[] = [];
    await withCleanup(async (cleanup) => {
      const database = await freshDatabase('postgres');
      cleanup.add('drop database', () => database.drop());
      const store = await openStore(database.url);
      cleanup.add('close store', () => store.close());
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      cleanup.add('admin', () => admin.end());
      const set = async (triggers: Triggers): Promise<void> => {
        await admin.query(`alter table client_events ${triggers === 'both' ? 'enable' : 'disable'} trigger client_events_order`);
        await admin.query(`alter table client_events ${triggers === 'none' ? 'disable' : 'enable'} trigger client_events_notify`);
      };
      // A listener, as every replica has: notices are delivered, not dropped.
      const listener = new pg.Client({ connectionString: database.url });
      await listener.connect();
      cleanup.add('listener', () => listener.end());
      await listener.query('listen sluice_client_events');
      for (const writers of sizes) {
        const rate: Record<Triggers, number[]> = { both: [], notice: [], none: [] };
        const order: Triggers[] = ['both', 'notice', 'none'];
        for (let r = 0; r < ROUNDS; r++) {
          for (const triggers of r % 2 === 0 ? order : [...order].reverse()) {
            await set(triggers);
            rate[triggers].push(await writeRound(database.url, writers));
          }
        }
        const shipped = row({ case: `${writers} writer${writers > 1 ? 's' : ''}`, metric: 'transactions/s: order lock + notice vs neither', unit: '/s', better: 'higher', sluice: summarize(rate.both), baseline: summarize(rate.none) });
        const notice = row({ case: `${writers} writer${writers > 1 ? 's' : ''}`, metric: 'transactions/s: notice only vs neither', unit: '/s', better: 'higher', sluice: summarize(rate.notice), baseline: summarize(rate.none) });
        rows.push(shipped, notice);
        ctx.log(`event-order writers=${writers}: both ${shipped.sluice.median.toFixed(0)}/s, notice only ${notice.sluice.median.toFixed(0)}/s, neither ${shipped.baseline.median.toFixed(0)}/s`);
      }
      await set('both');
    });
    return { rows, notes: [`${TRANSACTIONS} transactions per writer per round, ${ROUNDS} rounds, medians; each transaction: a read, the event insert, commit`] };
  },
};
