// Gap-free resume and several servers on one Redis: server A ingests (simulated feed), server
// B (--feed none) serves A's ticks to its own clients. Every client must get each seq exactly
// once and in order, whichever server it is on, across reconnects and a lost Redis
// subscription.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Quflx, sleep, waitFor } from './harness.mjs';
import { io } from 'socket.io-client';
import { connect, request, metrics, metric, record } from './sio.mjs';

let redis, a, b;
before(async () => {
  redis = await Redis.start();
  a = await Quflx.serve(['--redis-url', redis.url, '--sim-assets', 'EURUSD_otc,BTCUSD', '--sim-rate', '100',
    '--buffer-size', '200']);
  b = await Quflx.serve(['--redis-url', redis.url, '--feed', 'none']);
});
after(async () => {
  await a?.cleanup();
  await b?.cleanup();
  await redis?.stop();
});

const ws = { transports: ['websocket'] };
const seqsOf = (rec) => rec.named('redis_update').map((e) => e.data.data.seq);
function assertContiguous(seqs, from) {
  assert.ok(seqs.length > 0, 'received ticks');
  assert.equal(seqs[0], from, `starts at ${from}`);
  seqs.forEach((s, i) => i > 0 && assert.equal(s, seqs[i - 1] + 1, `gap or duplicate at index ${i}: ${seqs[i - 1]} -> ${s}`));
}

test('reconnect with last_seq: the missed ticks first, in order, then live, each once', async () => {
  const c1 = await connect(a.url, ws);
  const sub = await request(c1, 'subscribe_redis_updates', { asset: 'EURUSD_otc' }, 'redis_subscribed');
  await waitFor(() => seqsOf(c1).length >= 20, { what: '20 ticks' });
  c1.close();
  const last = seqsOf(c1).at(-1);
  assertContiguous(seqsOf(c1), sub.seq + 1);
  await sleep(600);  // ~60 ticks go by

  const c2 = await connect(a.url, ws);
  const resumed = await request(c2, 'subscribe_redis_updates', { asset: 'EURUSD_otc', last_seq: last }, 'redis_subscribed');
  assert.equal(resumed.last_seq, last);
  assert.deepEqual(resumed.unavailable, []);
  assert.ok(resumed.replayed >= 30, `replayed ${resumed.replayed}`);
  assert.equal(resumed.seq, last + resumed.replayed);
  await waitFor(() => seqsOf(c2).length >= resumed.replayed + 30, { what: 'replay and live' });
  assertContiguous(seqsOf(c2), last + 1);
  c2.close();
});

test("socket.io-client's own reconnection, resubscribing with last_seq, sees every seq once", async () => {
  // What an application does: remember the last seq, resubscribe with it on every connect.
  const socket = io(a.url, { reconnectionDelay: 50, reconnectionDelayMax: 100, forceNew: true });
  const rec = record(socket);
  let last;
  socket.on('redis_update', (u) => { last = u.data.seq; });
  let connects = 0;
  socket.on('connect', () => {
    connects++;
    socket.emit('subscribe_redis_updates', last === undefined ? { asset: 'EURUSD_otc' } : { asset: 'EURUSD_otc', last_seq: last });
  });
  const first = await rec.next('redis_subscribed');
  for (let i = 0; i < 3; i++) {
    const n = seqsOf(rec).length;
    await waitFor(() => seqsOf(rec).length >= n + 20, { what: 'ticks' });
    socket.io.engine.close();  // the transport drops; the client reconnects by itself
    await rec.next('redis_subscribed', (d) => d.last_seq !== undefined);
  }
  await waitFor(() => seqsOf(rec).length >= 150, { what: 'ticks after the reconnects' });
  assert.equal(connects, 4);
  assertContiguous(seqsOf(rec), first.data.seq + 1);
  socket.close();
});

test('a resume from before what Redis holds says exactly which range is gone', async () => {
  await waitFor(async () => JSON.parse(await redis.cli('LINDEX', 'ticks:{BTCUSD}', '-1')).seq > 10,
    { what: 'the list to be trimmed' });
  const oldest = JSON.parse(await redis.cli('LINDEX', 'ticks:{BTCUSD}', '-1')).seq;
  const c = await connect(a.url, ws);
  const r = await request(c, 'subscribe_redis_updates', { asset: 'BTCUSD', last_seq: 3 }, 'redis_subscribed');
  assert.equal(r.unavailable.length, 1);
  assert.equal(r.unavailable[0].from, 4);
  assert.ok(r.unavailable[0].to >= oldest - 1 && r.unavailable[0].to < oldest + 50, JSON.stringify(r));
  await waitFor(() => seqsOf(c).length >= r.replayed + 10, { what: 'replay and live' });
  assertContiguous(seqsOf(c), r.unavailable[0].to + 1);
  c.close();
});

test('two servers, one Redis: clients of both get every seq once, in order', async () => {
  const onA = await connect(a.url, ws);
  const onB = await connect(b.url);  // polling, then upgrade
  const sa = await request(onA, 'subscribe_redis_updates', { asset: 'EURUSD_otc' }, 'redis_subscribed');
  const sb = await request(onB, 'subscribe_redis_updates', { asset: 'EURUSD_otc' }, 'redis_subscribed');
  const stream = await request(onB, 'start_stream', { asset: 'EURUSD_otc', timeframe: '1s' }, 'stream_started');
  assert.equal(stream.asset, 'EURUSD_otc');
  const seed = await onB.next('historical_candles_loaded');
  assert.equal(seed.data.source, 'redis_cache');
  await waitFor(() => seqsOf(onB).length >= 100 && seqsOf(onA).length >= 100, { what: '100 ticks on both' });
  assertContiguous(seqsOf(onA), sa.seq + 1);
  assertContiguous(seqsOf(onB), sb.seq + 1);
  // Same ticks, same bytes, whichever server relayed them.
  const byA = new Map(onA.named('redis_update').map((e) => [e.data.data.seq, JSON.stringify(e.data.data)]));
  for (const e of onB.named('redis_update')) {
    if (byA.has(e.data.data.seq)) assert.equal(JSON.stringify(e.data.data), byA.get(e.data.data.seq));
  }
  // B relays start_stream's live updates too, and knows the forming bar from them.
  await onB.next('tick_update');
  await onB.next('candle_update');
  const http = await (await fetch(`${b.url}/api/candles?asset=EURUSD_otc&timeframe=1s&limit=3`)).json();
  assert.equal(http.candles.at(-1).closed, false);
  onA.close();
  onB.close();
});

test('resuming on the other server is gap-free too', async () => {
  const c1 = await connect(a.url, ws);
  await request(c1, 'subscribe_redis_updates', { asset: 'BTCUSD' }, 'redis_subscribed');
  await waitFor(() => seqsOf(c1).length >= 10, { what: '10 ticks' });
  c1.close();
  const last = seqsOf(c1).at(-1);
  await sleep(300);
  const c2 = await connect(b.url, ws);
  const r = await request(c2, 'subscribe_redis_updates', { asset: 'BTCUSD', last_seq: last }, 'redis_subscribed');
  assert.deepEqual(r.unavailable, []);
  await waitFor(() => seqsOf(c2).length >= r.replayed + 30, { what: 'replay and live' });
  assertContiguous(seqsOf(c2), last + 1);
  c2.close();
});

test('a lost Redis subscription is re-established and the gap filled from the list', async () => {
  const c = await connect(b.url, ws);
  const sub = await request(c, 'subscribe_redis_updates', { asset: 'EURUSD_otc' }, 'redis_subscribed');
  await waitFor(() => seqsOf(c).length >= 10, { what: 'ticks before' });
  const fillsBefore = metric(await metrics(b.url), 'quflx_live_gap_fills_total');
  await redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');  // B's subscriber connection goes away
  const n = seqsOf(c).length;
  await waitFor(() => seqsOf(c).length >= n + 100, { what: 'ticks after the reconnect', timeoutMs: 15000 });
  assertContiguous(seqsOf(c), sub.seq + 1);
  const m = await metrics(b.url);
  assert.ok(metric(m, 'quflx_live_gap_fills_total') > fillsBefore, 'a gap fill happened');
  assert.ok(metric(m, 'quflx_live_gap_ticks_total', 'outcome="filled"') > 0);
  assert.equal(metric(m, 'quflx_live_gap_ticks_total', 'outcome="lost"'), 0);
  c.close();
});
