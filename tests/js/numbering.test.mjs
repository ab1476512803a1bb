// Where numbering starts (issue 13 item 1): a server never numbers an asset before it knows the
// last seq stored for it, and a tick of this run that the database turns out to hold already
// (another writer numbered the asset too) is an error that stops appends and shows in /health,
// never a silent skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Postgres, Quflx, TcpGate, waitFor } from './harness.mjs';
import { connect, request } from './sio.mjs';

const asset = 'EURUSD_otc';

async function storedSeqs(pg) {
  const [count, distinct, min, max] = (await pg.query(
    `SELECT count(*), count(DISTINCT seq), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM historical_ticks WHERE pair = '${asset}'`,
  )).trim().split('|').map(Number);
  return { count, distinct, min, max };
}

async function healthJson(q) {
  return (await fetch(`${q.url}/health`)).json();
}

test('started with PostgreSQL away, an empty state dir and a fresh Redis, it waits for the stored seq', async () => {
  const pg = await Postgres.start();
  let redis1, redis2, gate, q1, q2, c;
  try {
    // A first life: the database ends up holding seq 1..N.
    redis1 = await Redis.start();
    q1 = await Quflx.serve(['--redis-url', redis1.url, '--database-url', pg.url,
      '--sim-assets', asset, '--sim-rate', '200', '--batch-interval', '0.2']);
    await waitFor(async () => (await storedSeqs(pg)).count >= 200, { what: 'ticks stored by the first server' });
    assert.equal((await q1.stop()).code, 0, q1.log());
    const before = await storedSeqs(pg);
    assert.deepEqual([before.min, before.max, before.distinct], [1, before.count, before.count]);

    // A second life with nothing of the first but the database, which does not answer yet.
    redis2 = await Redis.start();
    gate = await TcpGate.start(pg.port, 'closed');
    q2 = await Quflx.serve(['--redis-url', redis2.url,
      '--database-url', `postgresql://postgres@127.0.0.1:${gate.port}/quflx`,
      '--sim-assets', asset, '--sim-rate', '200', '--batch-interval', '0.2'], { waitHealthy: false });
    c = await waitFor(async () => connect(q2.url, { transports: ['websocket'] }), { what: 'a client connection' });
    await request(c, 'start_stream', { asset, timeframe: '1s' }, 'stream_started');
    // The persister has tried the database more than once and still nothing is numbered.
    await waitFor(async () => {
      const h = await healthJson(q2);
      return h.database.numbering_known === false && h.database.state === 'retrying' && h.ticks_accepted === 0;
    }, { what: '/health saying numbering waits for the database', timeoutMs: 20000 });
    await waitFor(async () => /no tick is numbered until it does/.test(q2.log()), { what: 'the log line' });
    assert.equal(c.named('tick_update').length, 0, 'a client saw a tick numbered before the stored seq was known');

    await gate.setMode('open');
    await waitFor(() => c.named('tick_update').length >= 300, { what: 'ticks once the database answers', timeoutMs: 30000 });
    const seen = c.named('tick_update').map((e) => e.data);
    assert.ok(seen[0].seq > before.max, `numbering restarted at ${seen[0].seq}, the database holds up to ${before.max}`);
    const h = await healthJson(q2);
    assert.equal(h.database.numbering_known, true);
    c.close();
    assert.equal((await q2.stop()).code, 0, q2.log());

    const after = await storedSeqs(pg);
    assert.deepEqual([after.min, after.distinct, after.max], [1, after.count, after.count], 'a gap or a duplicate');
    assert.ok(after.max >= seen.at(-1).seq);
    const stored = new Map();
    for (const line of (await pg.query(`SELECT seq, price FROM historical_ticks WHERE pair = '${asset}'`)).trim().split('\n')) {
      const [seq, price] = line.split('|');
      stored.set(Number(seq), Number(price));
    }
    const different = seen.filter((t) => stored.get(t.seq) !== t.price);
    assert.equal(different.length, 0, `ticks a client saw stored with another price (first: ${JSON.stringify(different[0])})`);
  } finally {
    c?.close();
    await q1?.cleanup();
    await q2?.cleanup();
    await gate?.stop();
    await redis1?.stop();
    await redis2?.stop();
    await pg.stop();
  }
});

test('a second server numbering the same asset into one database is stopped, not silently dropped', async () => {
  const pg = await Postgres.start();
  let r1, r2, a, b;
  try {
    r1 = await Redis.start();
    r2 = await Redis.start();
    const args = (redis) => ['--redis-url', redis.url, '--database-url', pg.url,
      '--sim-assets', asset, '--sim-rate', '200', '--batch-interval', '0.2'];
    a = await Quflx.serve(args(r1));
    await waitFor(async () => (await storedSeqs(pg)).count >= 50, { what: 'the first writer storing ticks' });
    // Both number the asset from here on; whichever commits a seq second finds it stored.
    b = await Quflx.serve(args(r2));
    const clashed = await waitFor(async () => {
      for (const q of [a, b]) {
        const h = await healthJson(q);
        if (h.database.ticks_clashed > 0) return { q, h };
      }
      return false;
    }, { what: 'one server reporting the clash', timeoutMs: 30000 });
    const { q, h } = clashed;
    assert.equal(h.status, 'degraded');
    assert.equal(h.database.journal.halted, true);
    assert.equal(h.database.journal.accepting, false);
    assert.match(h.database.last_error, /another writer numbers this asset/);
    assert.match(q.log(), /no more ticks are accepted in this run/);
    const metrics = await (await fetch(`${q.url}/metrics`)).text();
    assert.match(metrics, /^quflx_persist_ticks_clashed_total [1-9]/m);
    // It accepts nothing more: the accepted count stops moving while the feed still runs.
    const accepted = (await healthJson(q)).ticks_accepted;
    await waitFor(async () => (await healthJson(q)).feeds.some((f) => f.ticks > 0), { what: 'the feed running' });
    const refusedBefore = (await healthJson(q)).database.ticks_refused;
    await waitFor(async () => (await healthJson(q)).database.ticks_refused > refusedBefore + 50, { what: 'ticks refused after the halt' });
    assert.equal((await healthJson(q)).ticks_accepted, accepted);
  } finally {
    await a?.cleanup();
    await b?.cleanup();
    await r1?.stop();
    await r2?.stop();
    await pg.stop();
  }
});
