// Slow consumers: a client that stops reading gets its live updates merged (newest tick and
// current bar per key, seq gaps it can see), never loses a reply, is disconnected only past
// the hard limit, and changes nothing for a client that keeps up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Quflx, waitFor } from './harness.mjs';
import { RawClient, connect, request, metrics, metric } from './sio.mjs';

let redis, q;
before(async () => {
  redis = await Redis.start();
  q = await Quflx.serve(['--redis-url', redis.url, '--sim-assets', 'EURUSD_otc', '--sim-rate', '2000',
    '--client-conflate-bytes', '16384', '--client-max-bytes', '1048576', '--client-rate-limit', '1000']);
  // 200 candles in the cache: a ~30 KB reply, to fill a paused client's socket buffers fast.
  const c = await connect(q.url, { transports: ['websocket'] });
  const data = Array.from({ length: 200 }, (_, i) => ({ timestamp: 1761350400 + 60 * i, open: 1.1, high: 1.2, low: 1.0, close: 1.15, volume: i }));
  await request(c, 'cache_historical_data', { asset: 'BIG_otc', timeframe: '1m', data }, 'historical_data_cached');
  c.close();
});
after(async () => {
  await q?.cleanup();
  await redis?.stop();
});

async function subscribed() {
  const c = await RawClient.open(q.url);
  await c.connectNamespace();
  c.send('42["subscribe_redis_updates",{"asset":"EURUSD_otc"}]');
  const sub = await c.nextEvent('redis_subscribed');
  return { c, sub };
}
const seqs = (c) => c.events().filter((e) => e[0] === 'redis_update').map((e) => e[1].data.seq);
const conflated = async () => metric(await metrics(q.url), 'quflx_socketio_updates_conflated_total');
const slowDisconnects = async () => metric(await metrics(q.url), 'quflx_socketio_disconnects_total', 'reason="slow consumer"');
// Sends `c` (paused) requests answered with ~30 KB each (acks 100..), and with `ping` also
// an Engine.IO ping of 4 KB each (answered by a pong as large), one at a time, until the
// server disconnects a slow consumer. One at a time, paced by a look at /metrics: a burst
// would overflow the client's queue of waiting events, and what is refused as rate_limited
// is answered with a few bytes, not 30 KB (a slow, sanitized server made fixed bursts fall
// short of the limit). Gives up after 2,000 requests (~60 MB).
async function askUntilDisconnected(c, { ping = false } = {}) {
  const before_ = await slowDisconnects();
  const data = 'x'.repeat(4096);
  let sent = 0;
  await waitFor(async () => {
    if (await slowDisconnects() > before_) return true;
    if (sent < 2000) {
      c.send(`42${100 + sent++}["get_cached_historical_data",{"asset":"BIG_otc","timeframe":"1m"}]`);
      if (ping) c.send(`2${data}`);
    }
    return false;
  }, { what: 'slow consumer disconnect', timeoutMs: 60000, intervalMs: 1 });
}
// Pauses `c` and fills its socket buffers with ~30 KB replies, one request at a time, until
// the server merges its updates (its writer is then stuck behind a full socket), then waits
// for `merges` merges without sending more: the backlog, replies included, stays far below
// --client-max-bytes. Returns how many requests were sent (acks 100..).
async function pauseUntilCongested(c, merges) {
  const before_ = await conflated();
  c.ws._socket.pause();
  let sent = 0;
  await waitFor(async () => {
    if (await conflated() >= before_ + 20) return true;
    if (sent < 300) c.send(`42${100 + sent++}["get_cached_historical_data",{"asset":"BIG_otc","timeframe":"1m"}]`);
    return false;
  }, { what: 'the first merges', timeoutMs: 20000, intervalMs: 5 });
  await waitFor(async () => await conflated() >= before_ + merges, { what: 'conflation', timeoutMs: 20000 });
  return sent;
}

test('a paused client is conflated, keeps its replies, and others are untouched', async () => {
  const { c: good, sub: goodSub } = await subscribed();
  const { c: slow } = await subscribed();
  const requests = await pauseUntilCongested(slow, 200);
  // The client that keeps reading got every seq meanwhile. (Checked before the slow one
  // resumes: both run in this one process, and its backlog would starve the other.)
  const g = seqs(good);
  assert.ok(g.length > 200);
  assert.equal(g[0], goodSub.seq + 1);
  g.forEach((x, i) => i > 0 && assert.equal(x, g[i - 1] + 1));
  slow.ws._socket.resume();
  // Every request is answered exactly once (a reply, or rate_limited when too many waited).
  const ackIds = () => slow.frames.filter((f) => typeof f === 'string' && /^43\d+\[/.test(f))
    .map((f) => Number(/^43(\d+)\[/.exec(f)[1]));
  await waitFor(() => ackIds().length >= requests, { what: `all ${requests} replies` });
  assert.deepEqual([...ackIds()].sort((x, y) => x - y), Array.from({ length: requests }, (_, i) => 100 + i),
    'no reply merged or dropped');
  const n = seqs(slow).length;
  await waitFor(() => seqs(slow).length > n + 100, { what: 'live again' });
  const s = seqs(slow);
  let gaps = 0;
  s.forEach((x, i) => { if (i > 0) { assert.ok(x > s[i - 1], 'in order'); if (x !== s[i - 1] + 1) gaps++; } });
  assert.ok(gaps > 0, 'the merged updates show as seq gaps');
  good.close();
  slow.close();
});

test('past the hard limit the slow client is disconnected, and only it', async () => {
  const { c: good } = await subscribed();
  const { c: slow } = await subscribed();
  slow.ws._socket.pause();
  await askUntilDisconnected(slow);  // past the socket buffers and the hard limit
  assert.ok(metric(await metrics(q.url), 'quflx_socketio_updates_dropped_total') > 0);
  slow.ws._socket.resume();
  await slow.closed;
  const n = seqs(good).length;
  await waitFor(() => seqs(good).length > n + 100, { what: 'the other client carries on' });
  const g = seqs(good);
  g.forEach((x, i) => i > 0 && assert.equal(x, g[i - 1] + 1));
  good.close();
});

test('a client that pings without reading gets only the latest pong', async () => {
  const { c: slow } = await subscribed();
  const requests = await pauseUntilCongested(slow, 1000);
  // WebSocket pings: only the latest unanswered one is answered (RFC 6455 5.5.3).
  const pongs = [];
  slow.ws.on('pong', (data) => pongs.push(data.toString()));
  const pings = 1000;
  for (let i = 0; i < pings; i++) slow.ws.ping(`p${i}`);
  slow.ws._socket.resume();
  const ackIds = () => slow.frames.filter((f) => typeof f === 'string' && /^43\d+\[/.test(f)).length;
  await waitFor(() => ackIds() >= requests, { what: 'the replies' });
  slow.send('4299["get_redis_status"]');  // written after the pong: when it is here, so is the pong
  await slow.next((f) => f.startsWith('4399['));
  assert.ok(pongs.length >= 1 && pongs.length < pings / 10, `${pongs.length} pongs for ${pings} pings`);
  assert.equal(pongs.at(-1), `p${pings - 1}`);
  slow.close();
});

test('replies and pongs count towards the hard limit: asking without reading disconnects', async () => {
  const { c: good } = await subscribed();
  // Subscribed to nothing: everything queued for it is replies and Engine.IO pongs.
  const idle = await RawClient.open(q.url);
  await idle.connectNamespace();
  idle.ws._socket.pause();
  await askUntilDisconnected(idle, { ping: true });
  idle.ws._socket.resume();
  await idle.closed;
  const n = seqs(good).length;
  await waitFor(() => seqs(good).length > n + 100, { what: 'the other client carries on' });
  good.close();
});
