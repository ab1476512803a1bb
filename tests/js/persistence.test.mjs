// Persistence as a Socket.IO client sees it (SPEC §4): every tick a stock socket.io-client
// received is in PostgreSQL with the seq, price and time it received, and per asset the stored
// seqs are exactly 1..N, across a kill -9 of Redis while the client streams. (The other faults,
// kill -9 of the server and PostgreSQL outages, are in tests/e2e/persistence_test.cc.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis, Postgres, Quflx, QUFLX_BINARY, waitFor } from './harness.mjs';
import { connect, request } from './sio.mjs';

const assets = ['EURUSD_otc', 'BTCUSD', '#AAPL_otc'];

test('every tick a socket.io client received is stored once, as it was received', async () => {
  const redis = await Redis.start(['--appendonly', 'yes', '--appendfsync', 'everysec']);
  let pg, q;
  try {  // everything started is stopped, also when a later start fails
    pg = await Postgres.start();
    q = await Quflx.serve(['--redis-url', redis.url, '--database-url', pg.url,
      '--sim-assets', assets.join(','), '--sim-rate', '300', '--batch-interval', '0.3']);
    const c = await connect(q.url, { transports: ['websocket'] });
    for (const asset of assets) await request(c, 'start_stream', { asset, timeframe: '1s' }, 'stream_started');
    const ticks = () => c.named('tick_update').length;
    await waitFor(() => ticks() > 600, { what: 'ticks before the Redis outage' });

    await redis.kill9();
    const atKill = ticks();
    await waitFor(() => ticks() > atKill + 300, { what: 'ticks while Redis is down' });  // served locally
    await redis.start();
    const atRestart = ticks();
    await waitFor(() => ticks() > atRestart + 600, { what: 'ticks after Redis is back' });

    const status = await request(c, 'get_redis_status', undefined, 'redis_status');
    assert.equal(status.batch_status.persister.configured, true);
    assert.equal(status.batch_status.persister.connected, true);
    c.close();
    assert.equal((await q.stop()).code, 0, q.log());
    assert.match(q.log(), /every accepted tick is committed/);

    const stored = new Map();
    for (const line of (await pg.query('SELECT pair, seq, price, timestamp FROM historical_ticks')).trim().split('\n')) {
      const [pair, seq, price, ms] = line.split('|');
      stored.set(`${pair}|${seq}`, { price: Number(price), ms: Number(ms) });
    }
    const seen = c.named('tick_update').map((e) => e.data);
    let missing = 0;
    let different = 0;
    for (const t of seen) {
      const row = stored.get(`${t.asset}|${t.seq}`);
      if (!row) { missing++; continue; }
      // JSON carries seconds with up to six decimals: exact in microseconds, floored to ms.
      const ms = Math.floor(Math.round(t.timestamp * 1e6) / 1000);
      if (row.price !== t.price || row.ms !== ms) different++;
    }
    assert.equal(missing, 0, 'ticks a client received that are not stored');
    assert.equal(different, 0, 'ticks stored differently from how a client received them');
    assert.ok(seen.length > 1500);
    for (const asset of assets) {
      const [count, distinct, min, max] = (await pg.query(
        `SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM historical_ticks WHERE pair = '${asset}'`,
      )).trim().split('|').map(Number);
      assert.equal(distinct, count, `${asset}: duplicate seqs`);
      assert.equal(min, 1, asset);
      assert.equal(max, count, `${asset}: a gap`);
    }
  } finally {
    await q?.cleanup();
    await pg?.stop();
    await redis.stop();
  }
});

test('quflx migrate applies the schema once and then says it is up to date', async () => {
  const pg = await Postgres.start();
  const run = promisify(execFile);
  try {
    const first = await run(QUFLX_BINARY, ['migrate', '--database-url', pg.url]);
    assert.match(first.stdout, /applied 0001_historical_ticks, .*0006_supabase_rls_migrations \(schema version 6\)/);
    const again = await run(QUFLX_BINARY, ['migrate'], { env: { ...process.env, DATABASE_URL: pg.url } });
    assert.match(again.stdout, /up to date \(schema version 6\)/);
    assert.equal((await pg.query("SELECT count(*) FROM quflx_schema_migrations")).trim(), '6');
    // A server that cannot be reached: one line, exit 1.
    await assert.rejects(run(QUFLX_BINARY, ['migrate', '--database-url', 'postgresql://127.0.0.1:1/none']),
      (e) => e.code === 1 && /quflx migrate: postgres/.test(e.stderr) && e.stderr.trim().split('\n').length === 1);
  } finally {
    await pg.stop();
  }
});
