// CSV replay forms the same candles as an independent computation from the same file (bars
// close on the replay's data clock), bad rows are reported with file and line and skipped;
// candle files in the original's column order become the candle cache; POST /api/ticks takes
// pushed ticks only with the token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, Quflx, waitFor, minuteBars } from './harness.mjs';

const T0 = 1761350400;  // 2025-10-25T00:00:00Z


test('csv replay: candles equal an independent computation; bad rows skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quflx-csv-'));
  const redis = await Redis.start();
  let q;
  try {
    // ~10 minutes of ticks at irregular spacing, two assets, a few bad rows.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const rows = { EURUSD_otc: [], BTCUSD: [] };
    const lines = ['timestamp,asset,price'];
    let t = T0 + 0.25;
    for (let i = 0; i < 900; i++) {
      t += 0.1 + rnd() * 1.2;
      const asset = i % 3 === 0 ? 'BTCUSD' : 'EURUSD_otc';
      const price = Math.round((asset === 'BTCUSD' ? 60000 : 1.08) * (1 + (rnd() - 0.5) / 100) * 1e5) / 1e5;
      const ts = Math.round(t * 1000) / 1000;
      rows[asset].push([ts, price]);
      lines.push(i % 2 ? `${ts},${asset},${price}` : `${Math.round(ts * 1000)},${asset},${price}`);
      if (i === 100) lines.push('not-a-time,EURUSD_otc,1.0');
      if (i === 200) lines.push(`${ts - 100},EURUSD_otc,1.0`);  // out of order
    }
    const file = join(dir, 'ticks.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const candles = join(dir, 'GBPUSD_otc_1m.csv');
    writeFileSync(candles, 'timestamp,open,close,high,low\n' +
      `${T0},1.30,1.31,1.32,1.29\n${T0 + 60},1.31,1.30,1.33,1.28\n2025-10-25 00:02:00Z,1.30,1.35,1.36,1.30\n`);

    q = await Quflx.serve(['--redis-url', redis.url, '--feed', 'csv', '--csv-file', file]);
    await waitFor(async () => (await q.health()).feeds[0].state === 'finished', { what: 'replay end' });
    for (const [asset, data] of Object.entries(rows)) {
      const want = minuteBars(data).slice(0, -1);  // the last bar is still forming
      const got = JSON.parse(await waitFor(async () => {
        const v = (await redis.cli('GET', `historical:{${asset}}:1m`)).trim();
        return v && JSON.parse(v).length === want.length ? v : '';
      }, { what: `${asset} candles` }));
      assert.deepEqual(got.map((c) => ({ timestamp: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })), want, asset);
      assert.equal(Number((await redis.cli('LLEN', `ticks:{${asset}}`)).trim()), data.length);
    }
    const m = await (await fetch(`${q.url}/metrics`)).text();
    assert.match(m, /quflx_feed_rejected_total\{feed="csv",reason="bad_row"\} 1/);
    assert.match(m, /quflx_feed_rejected_total\{feed="csv",reason="out_of_order"\} 1/);
    assert.match(q.log(), /ticks\.csv:103: timestamp: 'not-a-time'/);
    await q.cleanup();

    q = await Quflx.serve(['--redis-url', redis.url, '--feed', 'csv', '--csv-file', candles]);
    const got = JSON.parse(await waitFor(async () => (await redis.cli('GET', 'historical:{GBPUSD_otc}:1m')).trim(),
      { what: 'candle file in the cache' }));
    assert.deepEqual(got.map((c) => [c.timestamp, c.open, c.high, c.low, c.close]),
      [[T0, 1.30, 1.32, 1.29, 1.31], [T0 + 60, 1.31, 1.33, 1.28, 1.30], [T0 + 120, 1.30, 1.36, 1.30, 1.35]]);
  } finally {
    if (q) await q.cleanup();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('push: POST /api/ticks needs the token and keeps every valid tick', async () => {
  const redis = await Redis.start();
  let q;
  try {
    q = await Quflx.serve(['--redis-url', redis.url, '--feed', 'push', '--auth-token', 's3cret']);
    // Pushes are taken once the server has restored numbering (before that: 503).
    await waitFor(async () => (await q.health()).feeds.find((f) => f.name === 'push')?.state === 'running',
      { what: 'the push feed running' });
    const now = Date.now() / 1000;
    const body = JSON.stringify([{ asset: 'EURUSD_otc', price: 1.1, timestamp: now },
      { asset: 'EURUSD_otc', price: -1, timestamp: now }, { asset: 'EURUSD_otc' },
      { asset: 'EURUSD_otc', price: 1.2, timestamp: now + 0.5 }]);
    const post = (headers, b = body) => fetch(`${q.url}/api/ticks`, { method: 'POST', body: b, headers });
    let r = await post({});
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.code, 'not_authorised');
    r = await post({ authorization: 'Bearer wrong' });
    assert.equal(r.status, 401);
    r = await post({ authorization: 'Bearer s3cret' });
    assert.equal(r.status, 200);
    const ack = await r.json();
    assert.equal(ack.accepted, 2);
    assert.equal(ack.rejected, 2);
    assert.equal(ack.durable, false);
    assert.deepEqual(ack.errors.map((e) => e.code).sort(), ['bad_payload', 'invalid_price']);
    const ticks = (await redis.cli('LRANGE', 'ticks:{EURUSD_otc}', '0', '-1')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(ticks.map((t) => [t.price, t.seq]), [[1.2, 2], [1.1, 1]]);
    r = await post({ 'x-auth-token': 's3cret' }, '{oops');
    assert.equal(r.status, 400);
  } finally {
    if (q) await q.cleanup();
    await redis.stop();
  }
});
