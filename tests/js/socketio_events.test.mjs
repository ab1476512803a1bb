// Every event of SPEC §5 (except calculate_indicators and detect_asset) through the stock
// socket.io-client against the built binary with the simulated feed and a private Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Quflx, sleep, waitFor } from './harness.mjs';
import { connect, request, metrics, metric } from './sio.mjs';

let redis, q;
before(async () => {
  redis = await Redis.start();
  q = await Quflx.serve(['--redis-url', redis.url, '--sim-assets', 'EURUSD_otc,#AAPL_otc,BTCUSD',
    '--sim-rate', '20']);
  // Let some 1s bars close so the candle cache has something.
  await waitFor(async () => Number(await redis.cli('STRLEN', 'historical:{EURUSD_otc}:1s')) > 0, { what: 'candle cache' });
});
after(async () => {
  await q?.cleanup();
  await redis?.stop();
});

const ws = { transports: ['websocket'] };

test('start_stream: stream_started, then the history seed, then live ticks and candles of that asset', async () => {
  const c = await connect(q.url, ws);
  c.socket.emit('start_stream', { asset: 'EURUSD_otc', timeframe: '1s' });
  const started = await c.next('stream_started');
  assert.equal(started.data.asset, 'EURUSD_otc');
  assert.equal(started.data.timeframe, '1s');
  assert.ok(Math.abs(started.data.timestamp - Date.now() / 1000) < 5);
  const seed = await c.next('historical_candles_loaded');
  assert.equal(seed.data.source, 'redis_cache');
  assert.equal(seed.data.count, seed.data.candles.length);
  const times = seed.data.candles.map((x) => x.timestamp);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
  assert.ok(seed.data.candles.slice(0, -1).every((x) => x.closed));
  const tick = await c.next('tick_update');
  const candle = await c.next('candle_update');
  assert.equal(tick.data.asset, 'EURUSD_otc');
  assert.ok(tick.data.seq > 0 && tick.data.price > 0);
  assert.equal(candle.data.timeframe, '1s');
  assert.ok(candle.data.seq > 0);
  // The order on the wire: nothing live before the seed.
  const names = c.events.map((e) => e.name);
  assert.ok(names.indexOf('historical_candles_loaded') < names.indexOf('tick_update'));
  // Only the streamed asset, each seq once and in order.
  await sleep(500);
  const ticks = c.named('tick_update').map((e) => e.data);
  assert.ok(ticks.every((t) => t.asset === 'EURUSD_otc'));
  ticks.forEach((t, i) => i > 0 && assert.equal(t.seq, ticks[i - 1].seq + 1));
  assert.ok(c.named('candle_update').every((e) => e.data.asset === 'EURUSD_otc' && e.data.timeframe === '1s'));
  c.close();
});

test('stop_stream stops one asset or all of them', async () => {
  const c = await connect(q.url, ws);
  await request(c, 'start_stream', { asset: 'EURUSD_otc' }, 'stream_started');
  await request(c, 'start_stream', { asset: 'BTCUSD' }, 'stream_started');
  await c.next('tick_update', (d) => d.asset === 'BTCUSD');
  const one = await request(c, 'stop_stream', { asset: 'BTCUSD' }, 'stream_stopped');
  assert.equal(one.asset, 'BTCUSD');
  await sleep(50);  // anything already on the wire
  const mark = c.events.length;
  await c.next('tick_update', (d) => d.asset === 'EURUSD_otc');
  await sleep(300);
  assert.ok(c.events.slice(mark).every((e) => e.data?.asset !== 'BTCUSD'));
  const all = await request(c, 'stop_stream', undefined, 'stream_stopped');
  assert.equal(all.asset, null);
  await sleep(50);
  const mark2 = c.events.length;
  await sleep(300);
  assert.equal(c.events.slice(mark2).filter((e) => e.name === 'tick_update').length, 0);
  c.close();
});

test('change_asset switches the stream and sends a new seed', async () => {
  const c = await connect(q.url, ws);
  await request(c, 'start_stream', { asset: 'EURUSD_otc', timeframe: '5s' }, 'stream_started');
  await c.next('historical_candles_loaded');
  const changed = await request(c, 'change_asset', { asset: '#AAPL_otc' }, 'asset_changed');
  assert.equal(changed.asset, '#AAPL_otc');
  assert.equal(changed.timeframe, '5s', 'keeps the timeframe');
  const seed = await c.next('historical_candles_loaded', (d) => d.asset === '#AAPL_otc');
  assert.equal(seed.data.timeframe, '5s');
  await c.next('tick_update', (d) => d.asset === '#AAPL_otc');
  await sleep(50);
  const mark = c.events.length;
  await sleep(300);
  assert.ok(c.events.slice(mark).every((e) => e.data?.asset === '#AAPL_otc'));
  c.close();
});

test('two clients at once: one leaving or stopping changes nothing for the other', async () => {
  const a = await connect(q.url, ws);
  const b = await connect(q.url);  // polling then WebSocket
  await request(a, 'start_stream', { asset: 'EURUSD_otc' }, 'stream_started');
  await request(b, 'start_stream', { asset: 'EURUSD_otc' }, 'stream_started');
  await a.next('tick_update');
  await b.next('tick_update');
  await request(a, 'stop_stream', {}, 'stream_stopped');
  a.close();
  const n = b.named('tick_update').length;
  await waitFor(() => b.named('tick_update').length >= n + 5, { what: 'b keeps receiving' });
  const seqs = b.named('tick_update').map((e) => e.data.seq);
  seqs.forEach((s, i) => i > 0 && assert.equal(s, seqs[i - 1] + 1));
  b.close();
});

test('subscribe_redis_updates: redis_subscribed with the current seq, then every tick after it', async () => {
  const c = await connect(q.url, ws);
  const sub = await request(c, 'subscribe_redis_updates', { asset: 'BTCUSD' }, 'redis_subscribed');
  assert.equal(sub.asset, 'BTCUSD');
  assert.ok(sub.seq > 0);
  const first = await c.next('redis_update');
  assert.equal(first.data.data.seq, sub.seq + 1);
  assert.equal(first.data.data.asset, 'BTCUSD');
  const un = await request(c, 'unsubscribe_redis_updates', { asset: 'BTCUSD' }, 'redis_unsubscribed');
  assert.deepEqual(un, { asset: 'BTCUSD' });
  await sleep(50);
  const mark = c.events.length;
  await sleep(300);
  assert.equal(c.events.slice(mark).filter((e) => e.name === 'redis_update').length, 0);
  c.close();
});

test('a well-formed asset nobody produces yet is valid: seq 0, an empty seed', async () => {
  const c = await connect(q.url, ws);
  const sub = await request(c, 'subscribe_redis_updates', { asset: 'NEWASSET_otc' }, 'redis_subscribed');
  assert.equal(sub.seq, 0);
  const seed = await request(c, 'start_stream', { asset: 'NEWASSET_otc' }, 'stream_started');
  assert.equal(seed.asset, 'NEWASSET_otc');
  const h = await c.next('historical_candles_loaded');
  assert.equal(h.data.source, 'cache_miss');
  assert.deepEqual(h.data.candles, []);
  c.close();
});

test('assets no client wants any more are forgotten and their Redis channels unsubscribed', async () => {
  const channels = async () => (await redis.cli('PUBSUB', 'CHANNELS', 'updates:{GONE*')).split('\n').filter(Boolean).sort();
  const relayed = async () => {
    const m = await metrics(q.url);
    assert.ok('quflx_live_assets{origin="relayed"}' in m);
    return metric(m, 'quflx_live_assets', 'origin="relayed"');
  };
  const a = await connect(q.url, ws);
  const b = await connect(q.url, ws);
  // Unsubscribing from assets never subscribed to makes the server remember nothing.
  const before_ = await relayed();
  for (let i = 0; i < 10; i++) await a.socket.emitWithAck('unsubscribe_redis_updates', { asset: `NEVER_${i}` });
  assert.ok(await relayed() <= before_);

  for (let i = 0; i < 5; i++) await a.socket.emitWithAck('subscribe_redis_updates', { asset: `GONE_${i}` });
  await a.socket.emitWithAck('subscribe_redis_updates', { asset: 'GONE_KEEP' });
  await b.socket.emitWithAck('start_stream', { asset: 'GONE_STREAM' });
  assert.equal((await channels()).length, 7);
  for (let i = 0; i < 5; i++) await a.socket.emitWithAck('unsubscribe_redis_updates', { asset: `GONE_${i}` });
  b.close();
  await waitFor(async () => (await channels()).join() === 'updates:{GONE_KEEP}',
    { what: 'the unwanted channels unsubscribed', timeoutMs: 20000, intervalMs: 200 });
  // The asset still wanted is still relayed.
  await redis.cli('PUBLISH', 'updates:{GONE_KEEP}',
    '{"type":"tick","asset":"GONE_KEEP","price":1.5,"timestamp":1756869696.775,"seq":1}');
  assert.equal((await a.next('redis_update')).data.data.asset, 'GONE_KEEP');
  a.close();
});

test('get_cached_historical_data answers from the cache, cache_miss otherwise', async () => {
  const c = await connect(q.url, ws);
  const hit = await request(c, 'get_cached_historical_data', { asset: 'EURUSD_otc', timeframe: '1s' }, 'cached_historical_data');
  assert.equal(hit.source, 'redis_cache');
  assert.ok(hit.data.length > 0 && hit.data.every((x) => x.closed && x.timeframe === '1s'));
  const miss = await request(c, 'get_cached_historical_data', { asset: 'EURUSD_otc', timeframe: '1d' }, 'cached_historical_data');
  assert.deepEqual(miss, { asset: 'EURUSD_otc', timeframe: '1d', data: [], source: 'cache_miss' });
  c.close();
});

test('cache_historical_data stores the latest 200, clear_cached_historical_data removes them', async () => {
  const c = await connect(q.url, ws);
  const t0 = 1761350400;
  const data = Array.from({ length: 250 }, (_, i) => ({ timestamp: t0 + 3600 * i, open: 1 + i, high: 2 + i, low: 0.5 + i, close: 1.5 + i, volume: i }));
  const stored = await request(c, 'cache_historical_data', { asset: 'XAUUSD', timeframe: '1h', data: data.reverse() }, 'historical_data_cached');
  assert.deepEqual(stored, { asset: 'XAUUSD', timeframe: '1h', count: 200 });
  const inRedis = JSON.parse(await redis.cli('GET', 'historical:{XAUUSD}:1h'));
  assert.equal(inRedis.length, 200);
  assert.equal(inRedis[0].timestamp, t0 + 3600 * 50, 'oldest first, the latest 200');
  assert.ok(Number(await redis.cli('TTL', 'historical:{XAUUSD}:1h')) > 3000);
  const got = await request(c, 'get_cached_historical_data', { asset: 'XAUUSD', timeframe: '1H' }, 'cached_historical_data');
  assert.equal(got.data.length, 200);
  assert.equal(got.data[199].close, 1.5 + 249);
  const cleared = await request(c, 'clear_cached_historical_data', { asset: 'XAUUSD', timeframe: '1h' }, 'historical_data_cache_cleared');
  assert.deepEqual(cleared, { asset: 'XAUUSD', timeframe: '1h' });
  assert.equal(Number(await redis.cli('EXISTS', 'historical:{XAUUSD}:1h')), 0);
  c.close();
});

test('store_csv_candles validates and merges candles into the cache', async () => {
  const c = await connect(q.url, ws);
  const t0 = 1761350400;
  const candles = [
    { timestamp: t0, open: 1, high: 1.2, low: 0.9, close: 1.1, volume: 3 },
    { timestamp: '2025-10-25T00:01:00Z', open: 1.1, high: 1.3, low: 1.0, close: 1.2 },
  ];
  const r = await request(c, 'store_csv_candles', { asset: 'CSV_TEST', candles }, 'csv_storage_success');
  assert.equal(r.asset, 'CSV_TEST');
  assert.equal(r.candle_count, 2);
  assert.equal(r.cached, 2);
  const more = await request(c, 'store_csv_candles', { asset: 'CSV_TEST', candles: [{ timestamp: t0 + 120, open: 1, high: 1, low: 1, close: 1 }] }, 'csv_storage_success');
  assert.equal(more.cached, 3);
  const bad = await c.socket.emitWithAck('store_csv_candles', { asset: 'CSV_TEST', candles: [{ timestamp: t0, open: 1, high: 0.5, low: 1, close: 1 }] });
  assert.equal(bad.error.code, 'bad_payload');
  assert.match(bad.error.message, /candle 0/);
  c.close();
});

test('get_redis_status reports Redis and the tick path', async () => {
  const c = await connect(q.url, ws);
  const s = await request(c, 'get_redis_status', undefined, 'redis_status');
  assert.equal(s.connected, true);
  for (const k of ['version', 'used_memory', 'connected_clients', 'total_commands_processed', 'keyspace_hits', 'keyspace_misses']) {
    assert.ok(k in s.redis_info, k);
  }
  assert.equal(s.batch_status.is_running, true);
  assert.deepEqual(s.batch_status.active_assets, ['#AAPL_otc', 'BTCUSD', 'EURUSD_otc']);
  assert.ok(s.batch_status.buffer_sizes.EURUSD_otc > 0);
  assert.ok(Math.abs(s.batch_status.last_processed_times.BTCUSD - Date.now() / 1000) < 5);
  assert.equal(typeof s.batch_status.pending, 'number');
  assert.ok('persister' in s.batch_status);
  assert.ok(Math.abs(s.timestamp - Date.now() / 1000) < 5);
  c.close();
});
