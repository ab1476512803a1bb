// GET /api/candles and GET /api/ticks (SPEC §5) on the built binary with the simulated feed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Quflx, waitFor } from './harness.mjs';

let redis, q;
before(async () => {
  redis = await Redis.start();
  q = await Quflx.serve(['--redis-url', redis.url, '--sim-assets', 'EURUSD_otc,#AAPL_otc',
    '--sim-rate', '40', '--buffer-size', '30']);
});
after(async () => {
  await q?.cleanup();
  await redis?.stop();
});

const get = async (path) => {
  const r = await fetch(`${q.url}${path}`);
  return { status: r.status, body: await r.json() };
};

test('/api/ticks returns the ticks after since_seq, oldest first, and names what was trimmed', async () => {
  await waitFor(async () => (await get('/api/ticks?asset=EURUSD_otc')).body.latest_seq > 40,
    { what: 'more ticks than the list holds' });
  const all = await get('/api/ticks?asset=EURUSD_otc&since_seq=0');
  assert.equal(all.status, 200);
  const seqs = all.body.ticks.map((t) => t.seq);
  assert.ok(seqs.length >= 20 && seqs.length <= 30, `list cap respected: ${seqs.length}`);
  seqs.forEach((s, i) => i > 0 && assert.equal(s, seqs[i - 1] + 1));
  assert.deepEqual(all.body.unavailable, [{ from: 1, to: seqs[0] - 1 }]);
  assert.equal(all.body.latest_seq, seqs.at(-1));
  assert.ok(all.body.ticks.every((t) => t.asset === 'EURUSD_otc' && typeof t.price === 'number'));

  const tail = await get(`/api/ticks?asset=EURUSD_otc&since_seq=${seqs.at(-3)}`);
  assert.ok(tail.body.ticks[0].seq === seqs.at(-2));
  assert.deepEqual(tail.body.unavailable, []);

  const hash = await get(`/api/ticks?asset=${encodeURIComponent('#AAPL_otc')}`);
  assert.ok(hash.body.ticks.length > 0);
  const none = await get('/api/ticks?asset=NOTSEEN');
  assert.deepEqual({ ...none.body }, { asset: 'NOTSEEN', since_seq: 0, latest_seq: 0, ticks: [], unavailable: [] });
});

test('/api/candles returns closed candles from the cache, oldest first, then the forming bar', async () => {
  await waitFor(async () => (await get('/api/candles?asset=EURUSD_otc&timeframe=1s')).body.candles.length >= 3,
    { what: 'three 1s candles' });
  const r = await get('/api/candles?asset=EURUSD_otc&timeframe=1S&limit=2');
  assert.equal(r.status, 200);
  assert.equal(r.body.timeframe, '1s');
  assert.equal(r.body.source, 'redis_cache');
  const c = r.body.candles;
  assert.equal(c.length, 3, 'two closed plus the forming bar');
  assert.deepEqual(c.map((x) => x.closed), [true, true, false]);
  assert.ok(c[0].timestamp < c[1].timestamp && c[1].timestamp < c[2].timestamp);
  for (const x of c) {
    assert.ok(x.low <= Math.min(x.open, x.close) && x.high >= Math.max(x.open, x.close));
    assert.equal(x.asset, 'EURUSD_otc');
  }
  const miss = await get('/api/candles?asset=NOTSEEN&timeframe=1h');
  assert.deepEqual(miss.body, { asset: 'NOTSEEN', timeframe: '1h', source: 'cache_miss', candles: [] });
});

test('bad parameters answer 400 with the error code', async () => {
  const cases = [
    ['/api/candles', 'invalid_asset'],
    ['/api/candles?asset=bad%20name', 'invalid_asset'],
    ['/api/candles?asset=EURUSD_otc&timeframe=2m', 'invalid_timeframe'],
    ['/api/candles?asset=EURUSD_otc&limit=0', 'bad_payload'],
    ['/api/candles?asset=EURUSD_otc&limit=abc', 'bad_payload'],
    ['/api/ticks?asset=EURUSD_otc&since_seq=-1', 'bad_payload'],
    ['/api/ticks', 'invalid_asset'],
  ];
  for (const [path, code] of cases) {
    const r = await get(path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.error.code, code, path);
    assert.ok(r.body.error.message.length > 0);
  }
});
