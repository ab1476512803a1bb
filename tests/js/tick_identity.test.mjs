// Tick identity (SPEC §1): an exact repeat of a tick (asset, timestamp to the millisecond,
// price) is the same tick on every path. A recording whose rows repeat like a real broker
// capture (`a b a b c c d`) replayed through csv, sent through the ws feed and pushed through
// POST /api/ticks (and retried) stores, publishes and counts each distinct tick once; a ws
// feed that re-sends its last frames to a restarted server adds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, Postgres, Quflx, waitFor, minuteBars } from './harness.mjs';
import { metrics, metric } from './sio.mjs';
import { FakePocketOption } from './fake_pocketoption.mjs';

const T0 = 1761350400;  // 2025-10-25T00:00:00Z

// A deterministic pseudo-random source, so a failure can be replayed.
function lcg(seed) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/**
 * A capture like the broker's: distinct ticks at irregular spacing (some pairs share a
 * millisecond with different prices), each written one to three times; a pair sharing a
 * timestamp repeats interleaved (`a b a b`), so the rows stay in time order as CSV needs.
 * Returns { distinct: [[t, price]], rows: [[t, price]] }.
 */
function recording(n, seed, t0) {
  const rnd = lcg(seed);
  const distinct = [];
  const rows = [];
  let t = t0 + 0.125;
  let price = 1.08;
  while (distinct.length < n) {
    t = Math.round((t + 0.05 + rnd() * 0.9) * 1000) / 1000;
    const step = () => (price = Math.round(price * (1 + (rnd() - 0.5) / 500) * 1e5) / 1e5);
    if (rnd() < 0.2) {
      // Two ticks in the same millisecond at different prices: two ticks, each repeated.
      const a = [t, step()];
      let b = [t, step()];
      if (b[1] === a[1]) b = [t, Math.round((a[1] + 0.00001) * 1e5) / 1e5];
      distinct.push(a, b);
      rows.push(a, b, a, b);
      if (rnd() < 0.5) rows.push(b);
    } else {
      const a = [t, step()];
      distinct.push(a);
      const copies = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < copies; i++) rows.push(a);
    }
  }
  return { distinct, rows };
}


async function storedTicks(pg, asset) {
  const out = (await pg.query(
    `SELECT seq, timestamp, price FROM historical_ticks WHERE pair = '${asset}' ORDER BY seq`)).trim();
  return out ? out.split('\n').map((l) => l.split('|').map(Number)) : [];
}

async function listTicks(redis, asset) {
  const out = (await redis.cli('LRANGE', `ticks:{${asset}}`, '0', '-1')).trim();
  return out ? out.split('\n').map((l) => JSON.parse(l)).reverse() : [];
}

// Every stored tick once, numbered 1..N, equal to the distinct ticks in order.
function assertStoredOnce(stored, distinct, what) {
  assert.equal(stored.length, distinct.length, `${what}: stored rows`);
  assert.deepEqual(stored.map(([seq]) => seq), distinct.map((_, i) => i + 1), `${what}: seq 1..N`);
  assert.deepEqual(stored.map(([, ms, p]) => [ms, p]), distinct.map(([t, p]) => [Math.round(t * 1000), p]),
    `${what}: stored ticks`);
}

// The 1-minute bars /api/candles shows (closed ones and the forming one) are those of `ticks`
// ([t, price] in arrival order). The servers run with a long --late-grace, so a tick that is a
// few seconds old still counts in its bar if a minute ended meanwhile.
async function assertBars(q, asset, ticks) {
  const want = minuteBars(ticks);
  const res = await (await fetch(`${q.url}/api/candles?asset=${encodeURIComponent(asset)}&timeframe=1m&limit=1000`)).json();
  assert.deepEqual(res.candles.map(({ timestamp, open, high, low, close, volume }) =>
    ({ timestamp, open, high, low, close, volume })), want, `${asset} 1m bars`);
}

test('csv replay of a capture with exact repeats stores and counts each tick once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quflx-identity-'));
  const redis = await Redis.start();
  const pg = await Postgres.start();
  let q;
  try {
    const { distinct, rows } = recording(2500, 11, T0);
    assert.ok(rows.length > distinct.length * 1.5, 'the capture repeats most ticks');
    const file = join(dir, 'EURUSD_otc_ticks.csv');
    writeFileSync(file, 'timestamp,asset,price\n' + rows.map(([t, p]) => `${t},EURUSD_otc,${p}`).join('\n') + '\n');

    q = await Quflx.serve(['--redis-url', redis.url, '--database-url', pg.url, '--batch-interval', '0.2',
      '--feed', 'csv', '--csv-file', file]);
    await waitFor(async () => (await q.health()).feeds[0].state === 'finished', { what: 'replay end', timeoutMs: 30000 });

    const m = await metrics(q.url);
    assert.equal(metric(m, 'quflx_feed_rejected_total', 'reason="duplicate"'), rows.length - distinct.length);
    assert.equal(metric(m, 'quflx_feed_rejected_total', 'feed="csv",reason="duplicate"'), rows.length - distinct.length);
    assert.equal(metric(m, 'quflx_ticks_accepted_total', 'asset="EURUSD_otc"'), distinct.length);

    // The bars (closed ones and the forming one) are those of the distinct ticks.
    const want = minuteBars(distinct);
    const res = await (await fetch(`${q.url}/api/candles?asset=EURUSD_otc&timeframe=1m&limit=1000`)).json();
    assert.deepEqual(res.candles.map(({ timestamp, open, high, low, close, volume }) =>
      ({ timestamp, open, high, low, close, volume })), want);

    const list = await listTicks(redis, 'EURUSD_otc');
    assert.deepEqual(list.map((t) => [t.timestamp, t.price]), distinct.slice(-list.length));
    assert.deepEqual(list.map((t) => t.seq), distinct.slice(-list.length).map((_, i) => distinct.length - list.length + i + 1));

    const { code } = await q.stop();  // drains the journal into PostgreSQL
    assert.equal(code, 0);
    assertStoredOnce(await storedTicks(pg, 'EURUSD_otc'), distinct, 'csv');
    const stored = (await pg.query(
      "SELECT timestamp, volume FROM candles WHERE pair = 'EURUSD_otc' AND timeframe = '1m' ORDER BY timestamp")).trim();
    const closed = want.slice(0, -1);  // the last bar of a replay is still forming
    assert.deepEqual(stored.split('\n').map((l) => l.split('|').map(Number)).slice(0, closed.length),
      closed.map((b) => [b.timestamp, b.volume]));
  } finally {
    if (q) await q.cleanup();
    await pg.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('push: a retried batch stores nothing twice and the reply counts new and duplicate ticks', async () => {
  const redis = await Redis.start();
  const pg = await Postgres.start();
  let q;
  try {
    q = await Quflx.serve(['--redis-url', redis.url, '--database-url', pg.url, '--batch-interval', '0.2',
      '--feed', 'push', '--auth-token', 'tok', '--late-grace', '120']);
    // Pushes are taken once the server has restored numbering (before that: 503).
    await waitFor(async () => (await q.health()).feeds.find((f) => f.name === 'push')?.state === 'running',
      { what: 'the push feed running' });
    const now = Math.round(Date.now()) / 1000 - 5;
    // a b a b c, a tick sharing a's timestamp at another price, and disorder.
    const a = { asset: 'EURUSD_otc', price: 1.1, timestamp: now };
    const b = { asset: 'EURUSD_otc', price: 1.2, timestamp: now + 0.25 };
    const c = { asset: 'EURUSD_otc', price: 1.3, timestamp: now + 0.5 };
    const a2 = { asset: 'EURUSD_otc', price: 1.15, timestamp: now };
    const other = { asset: 'BTCUSD', price: 60000, timestamp: now + 0.25 };
    const post = async (ticks) => {
      const r = await fetch(`${q.url}/api/ticks`, {
        method: 'POST', body: JSON.stringify(ticks), headers: { authorization: 'Bearer tok' } });
      assert.equal(r.status, 200);
      return r.json();
    };
    let ack = await post([a, b, a, b, c, a2, other]);
    assert.equal(ack.accepted, 5);
    assert.equal(ack.duplicates, 2);
    assert.equal(ack.rejected, 0);
    assert.deepEqual(ack.errors ?? [], []);
    ack = await post([a, b, a, b, c, a2, other]);  // the client's retry after a timeout
    assert.equal(ack.accepted, 0);
    assert.equal(ack.duplicates, 7);
    assert.equal(ack.rejected, 0);
    const d = { asset: 'EURUSD_otc', price: 1.3, timestamp: now + 0.75 };  // c's price, later: new
    ack = await post([c, d]);
    assert.equal(ack.accepted, 1);
    assert.equal(ack.duplicates, 1);

    const list = await listTicks(redis, 'EURUSD_otc');
    assert.deepEqual(list.map((t) => [t.seq, t.price]), [[1, 1.1], [2, 1.2], [3, 1.3], [4, 1.15], [5, 1.3]]);
    await assertBars(q, 'EURUSD_otc', [a, b, c, a2, d].map((t) => [t.timestamp, t.price]));
    const m = await metrics(q.url);
    assert.equal(metric(m, 'quflx_feed_rejected_total', 'feed="push",reason="duplicate"'), 2 + 7 + 1);
    assert.equal((await q.stop()).code, 0);
    assertStoredOnce(await storedTicks(pg, 'EURUSD_otc'), [a, b, c, a2, d].map((t) => [t.timestamp, t.price]), 'push');
    assertStoredOnce(await storedTicks(pg, 'BTCUSD'), [[other.timestamp, other.price]], 'push BTCUSD');
  } finally {
    if (q) await q.cleanup();
    await pg.stop();
    await redis.stop();
  }
});

// The index after a restart comes from the tick journal (with a database) or, without one,
// from ticks:{A} in Redis.
for (const withDb of [true, false]) {
  test(`ws: repeats in and across frames, and a restarted server the upstream re-sends to, store nothing twice (${withDb ? 'journal' : 'ticks:{A} only'})`, async () => {
    const redis = await Redis.start();
    const pg = withDb ? await Postgres.start() : null;
    const up = await FakePocketOption.start();
    let q;
    try {
      const args = ['--redis-url', redis.url, '--feed', 'ws', '--ws-url', up.wsUrl, '--late-grace', '120',
        ...(withDb ? ['--database-url', pg.url, '--batch-interval', '0.2'] : [])];
      q = await Quflx.serve(args);
      await waitFor(() => up.connections === 1 && up.sockets.size === 1, { what: 'the feed connects' });
      const now = Date.now() / 1000 - 20;
      const tick = (k, p) => ['EURUSD_otc', Math.round((now + k * 0.125) * 1000) / 1000, p];
      const a = tick(0, 1.081), b = tick(1, 1.082), c = tick(2, 1.083), d = tick(3, 1.084), e = tick(4, 1.085);
      const same = tick(2, 1.0835);  // c's millisecond, another price
      const frames = [[a, b, a, b], [c, b, same], [d, d], [a, e]];
      const distinct = [a, b, c, same, d, e];
      for (const f of frames) up.stream(f);
      await waitFor(async () => (await listTicks(redis, 'EURUSD_otc')).length >= distinct.length,
        { what: 'the distinct ticks in Redis' });
      await assertBars(q, 'EURUSD_otc', distinct.map(([, t, p]) => [t, p]));

      // kill -9, then a new server: the upstream re-sends its last frames to the new connection.
      await q.child.kill9();
      const before = up.connections;
      await q.restart();
      await waitFor(() => up.connections > before && up.sockets.size === 1, { what: 'the feed reconnects' });
      for (const f of frames.slice(-3)) up.stream(f);
      const f = tick(5, 1.086);
      up.stream([e, f]);
      distinct.push(f);
      await waitFor(async () => (await listTicks(redis, 'EURUSD_otc')).length >= distinct.length,
        { what: 'the new tick after the restart' });
      const m = await metrics(q.url);
      // This server's count: the 7 re-sent ticks of the last three frames, then e again.
      assert.equal(metric(m, 'quflx_feed_rejected_total', 'feed="ws",reason="duplicate"'), 7 + 1);

      const list = await listTicks(redis, 'EURUSD_otc');
      assert.deepEqual(list.map((t) => [t.seq, t.timestamp, t.price]), distinct.map(([, t, p], i) => [i + 1, t, p]));
      if (pg) {
        // Committed by the persister (--batch-interval 0.2); not after a SIGTERM, because a
        // server with a connected ws feed does not exit on SIGTERM yet (a known fault, also
        // before this test existed).
        await waitFor(async () => (await storedTicks(pg, 'EURUSD_otc')).length >= distinct.length,
          { what: 'the ticks in PostgreSQL', timeoutMs: 20000 });
        await new Promise((r) => setTimeout(r, 500));  // a late duplicate row would show by now
        assertStoredOnce(await storedTicks(pg, 'EURUSD_otc'), distinct.map(([, t, p]) => [t, p]), 'ws');
      }
    } finally {
      if (q) await q.cleanup();
      await up.stop();
      await pg?.stop();
      await redis.stop();
    }
  });
}

test('push: after two restarts an asset the journal no longer holds is still known from ticks:{A}', async () => {
  const redis = await Redis.start();
  const pg = await Postgres.start();
  let q;
  try {
    q = await Quflx.serve(['--redis-url', redis.url, '--database-url', pg.url, '--batch-interval', '0.2',
      '--feed', 'push', '--auth-token', 'tok']);
    const journal = join(q.dir, 'state', 'journal');
    const segments = () => readdirSync(journal).filter((f) => f.endsWith('.qtj'));
    const ready = () => waitFor(async () => (await q.health()).feeds.find((f) => f.name === 'push')?.state === 'running',
      { what: 'the push feed running' });
    const post = async (ticks) => {
      const r = await fetch(`${q.url}/api/ticks`, {
        method: 'POST', body: JSON.stringify(ticks), headers: { authorization: 'Bearer tok' } });
      assert.equal(r.status, 200);
      return r.json();
    };
    const now = Math.round(Date.now()) / 1000 - 5;
    const eur = [1.1, 1.2, 1.3].map((price, i) => ({ asset: 'EURUSD_otc', price, timestamp: now + i * 0.25 }));
    await ready();
    assert.equal((await post(eur)).accepted, 3);
    assert.equal((await q.stop()).code, 0);
    const first = segments();

    // Run 2 sees only another asset; once run 1's segment is committed it is deleted.
    await q.restart();
    await ready();
    assert.equal((await post([{ asset: 'GBPUSD_otc', price: 1.27, timestamp: now }])).accepted, 1);
    await waitFor(() => !segments().some((f) => first.includes(f)), { what: "run 1's journal segment deleted" });
    assert.equal((await q.stop()).code, 0);

    // Run 3: EURUSD is nowhere in the journal, but its ticks:{A} list holds it.
    await q.restart();
    await ready();
    const ack = await post(eur);
    assert.equal(ack.accepted, 0);
    assert.equal(ack.duplicates, 3);
    assert.equal((await q.stop()).code, 0);
    assertStoredOnce(await storedTicks(pg, 'EURUSD_otc'), eur.map((t) => [t.timestamp, t.price]), 'EURUSD after two restarts');
  } finally {
    if (q) await q.cleanup();
    await pg.stop();
    await redis.stop();
  }
});
