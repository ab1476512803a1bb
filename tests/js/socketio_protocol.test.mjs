// Engine.IO / Socket.IO on the built binary: both transports of the stock socket.io-client,
// acks, namespaces, auth, binary attachments, heartbeat, CORS, and every kind of bad input,
// which must get its error (or the protocol's own) and be counted, leaving the server and
// other clients unaffected.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Quflx, sleep, waitFor } from './harness.mjs';
import { connect, request, metrics, metric, RawClient } from './sio.mjs';

let redis, q;
before(async () => {
  redis = await Redis.start();
  q = await Quflx.serve(['--redis-url', redis.url, '--sim-assets', 'EURUSD_otc', '--sim-rate', '20',
    '--ping-interval', '0.5', '--ping-timeout', '0.5', '--max-payload', '10000']);
});
after(async () => {
  await q?.cleanup();
  await redis?.stop();
});

test('default transports: long-polling handshake, then upgrade to WebSocket', async () => {
  const c = await connect(q.url);
  const status = await c.next('connection_status');
  assert.equal(status.data.status, 'connected');
  assert.equal(status.data.sid, c.socket.id);
  assert.equal(status.data.transport, 'polling');
  await waitFor(() => c.socket.io.engine.transport.name === 'websocket', { what: 'upgrade' });
  // The session carries on over the WebSocket.
  const s = await c.socket.emitWithAck('get_redis_status');
  assert.equal(s.connected, true);
  c.close();
});

test('websocket-only transport', async () => {
  const c = await connect(q.url, { transports: ['websocket'] });
  assert.equal((await c.next('connection_status')).data.transport, 'websocket');
  c.close();
});

test('acks carry the reply, or {error} when the request fails', async () => {
  const c = await connect(q.url, { transports: ['websocket'] });
  const ok = await c.socket.emitWithAck('get_cached_historical_data', { asset: 'EURUSD_otc', timeframe: '1m' });
  assert.equal(ok.asset, 'EURUSD_otc');
  assert.ok(['redis_cache', 'cache_miss'].includes(ok.source));
  const bad = await c.socket.emitWithAck('start_stream', { asset: 'no spaces' });
  assert.equal(bad.error.code, 'invalid_asset');
  assert.equal(bad.error.event, 'start_stream');
  // Without an ack the same failure is an `error` event.
  c.socket.emit('start_stream', { asset: 'no spaces' });
  assert.equal((await c.next('error')).data.code, 'invalid_asset');
  c.close();
});

test('an unknown namespace gets CONNECT_ERROR', async () => {
  await assert.rejects(connect(`${q.url}/admin`, { transports: ['websocket'] }), /Invalid namespace/);
});

test('binary attachments are accepted as UTF-8 text; other bytes are refused', async () => {
  const c = await connect(q.url, { transports: ['websocket'] });
  const r = await c.socket.emitWithAck('get_cached_historical_data',
    { asset: Buffer.from('EURUSD_otc'), timeframe: Buffer.from('1m') });
  assert.equal(r.asset, 'EURUSD_otc');
  assert.equal(r.timeframe, '1m');
  const bad = await c.socket.emitWithAck('get_cached_historical_data', { asset: Buffer.from([0xff, 0xfe]) });
  assert.equal(bad.error.code, 'invalid_utf8');
  c.close();
});

test('bad payloads get error {code, message}, are counted, and the client stays usable', async () => {
  const c = await connect(q.url, { transports: ['websocket'] });
  const before = await metrics(q.url);
  const cases = [
    ['start_stream', { asset: 42 }, 'invalid_asset'],
    ['start_stream', {}, 'invalid_asset'],
    ['start_stream', 'EURUSD_otc', 'bad_payload'],
    ['start_stream', { asset: 'EURUSD_otc', timeframe: '2m' }, 'invalid_timeframe'],
    ['start_stream', { asset: 'EURUSD_otc', timeframe: 60 }, 'invalid_timeframe'],
    ['subscribe_redis_updates', { asset: 'EURUSD_otc', last_seq: -1 }, 'bad_payload'],
    ['subscribe_redis_updates', { asset: 'EURUSD_otc', last_seq: 'x' }, 'bad_payload'],
    ['cache_historical_data', { asset: 'EURUSD_otc', data: 'nope' }, 'bad_payload'],
    ['cache_historical_data', { asset: 'EURUSD_otc', data: [{ timestamp: 1761350401, open: 1, high: 1, low: 1, close: 1 }] }, 'bad_payload'],
    ['store_csv_candles', { asset: 'EURUSD_otc', candles: [] }, 'bad_payload'],
    ['no_such_event', {}, 'unknown_event'],
  ];
  for (const [event, payload, code] of cases) {
    const r = await c.socket.emitWithAck(event, payload);
    assert.equal(r.error?.code, code, `${event} ${JSON.stringify(payload)} -> ${JSON.stringify(r)}`);
    assert.ok(r.error.message.length > 0);
  }
  const after_ = await metrics(q.url);
  for (const code of ['invalid_asset', 'bad_payload', 'invalid_timeframe', 'unknown_event']) {
    assert.ok(metric(after_, 'quflx_socketio_errors_total', `code="${code}"`) >
      metric(before, 'quflx_socketio_errors_total', `code="${code}"`), code);
  }
  // Still usable.
  const ok = await request(c, 'start_stream', { asset: 'EURUSD_otc' }, 'stream_started');
  assert.equal(ok.timeframe, '1m');
  c.close();
});

test('malformed packets on the wire: invalid JSON, wrong shapes, garbage', async () => {
  const raw = await RawClient.open(q.url);
  assert.match(await raw.connectNamespace(), /^40\{"sid":/);
  raw.send('42["start_stream",{');
  assert.equal((await raw.nextEvent('error')).code, 'bad_json');
  raw.send('42{"asset":"EURUSD_otc"}');
  assert.equal((await raw.nextEvent('error')).code, 'bad_payload');
  raw.send('42[7]');
  assert.equal((await raw.nextEvent('error')).code, 'bad_payload');
  raw.send('49garbage');
  assert.equal((await raw.nextEvent('error')).code, 'protocol_error');
  raw.send('43[1]');  // an ACK the server never asked for
  assert.equal((await raw.nextEvent('error')).code, 'protocol_error');
  raw.send('42["get_cached_historical_data",{"asset":"EURUSD_otc"}]');
  assert.equal((await raw.nextEvent('cached_historical_data')).asset, 'EURUSD_otc');
  raw.close();
});

test('a binary placeholder whose num is out of range is bad_payload; the connection carries on', async () => {
  const raw = await RawClient.open(q.url);
  await raw.connectNamespace();
  // 2^63 does not fit an int64: it must be a bad placeholder, not a failure of the server.
  raw.send('451-["get_cached_historical_data",{"asset":{"_placeholder":true,"num":9223372036854775808}}]');
  raw.sendBinary(Buffer.from('EURUSD_otc'));
  assert.equal((await raw.nextEvent('error')).code, 'bad_payload');
  raw.send('42["get_cached_historical_data",{"asset":"EURUSD_otc"}]');
  assert.equal((await raw.nextEvent('cached_historical_data')).asset, 'EURUSD_otc');
  raw.close();
  const c = await connect(q.url, { transports: ['websocket'] });
  assert.equal((await c.socket.emitWithAck('get_redis_status')).connected, true);
  c.close();
});

test('non-UTF-8: an error event over polling, close 1007 over WebSocket', async () => {
  // Polling: handshake, CONNECT, then a body with invalid UTF-8 inside the JSON.
  const hs = await (await fetch(`${q.url}/socket.io/?EIO=4&transport=polling`)).text();
  const sid = JSON.parse(hs.slice(1)).sid;
  const url = `${q.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  assert.equal(await (await fetch(url, { method: 'POST', body: '40' })).text(), 'ok');
  const body = Buffer.concat([Buffer.from('42["start_stream",{"asset":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]);
  assert.equal((await fetch(url, { method: 'POST', body })).status, 200);
  let got = '';
  await waitFor(async () => { got += await (await fetch(url)).text(); return got.includes('"error"'); }, { what: 'error event' });
  assert.match(got, /"code":"invalid_utf8"/);

  const raw = await RawClient.open(q.url);
  await raw.connectNamespace();
  raw.ws.send(Buffer.from([0x34, 0x32, 0xff]), { binary: false });  // "42\xff" as a text frame
  assert.equal((await raw.closed).code, 1007);
});

test('a message above maxPayload closes only that connection', async () => {
  const other = await connect(q.url, { transports: ['websocket'] });
  const raw = await RawClient.open(q.url);
  await raw.connectNamespace();
  raw.send(`42["start_stream",{"asset":"${'x'.repeat(20000)}"}]`);
  assert.equal((await raw.closed).code, 1009);
  // Polling: 413 and the session is gone.
  const hs = await (await fetch(`${q.url}/socket.io/?EIO=4&transport=polling`)).text();
  const sid = JSON.parse(hs.slice(1)).sid;
  const url = `${q.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  assert.equal((await fetch(url, { method: 'POST', body: `4${'y'.repeat(20000)}` })).status, 413);
  assert.equal((await fetch(url)).status, 400);
  // Everyone else carries on.
  const s = await other.socket.emitWithAck('get_redis_status');
  assert.equal(s.connected, true);
  assert.ok(metric(await metrics(q.url), 'quflx_socketio_errors_total', 'code="payload_too_large"') >= 2);
  other.close();
});

test('a client that stops answering pings is disconnected', async () => {
  const raw = await RawClient.open(q.url);
  await raw.connectNamespace();
  raw.ws.removeAllListeners('message');  // no more pongs
  const t0 = Date.now();
  await raw.closed;
  assert.ok(Date.now() - t0 < 5000);
  await waitFor(async () => metric(await metrics(q.url), 'quflx_socketio_disconnects_total', 'reason="ping timeout"') >= 1,
    { what: 'ping timeout counted' });
});

test('events beyond the per-connection rate limit are refused with rate_limited', async () => {
  const c = await connect(q.url, { transports: ['websocket'] });
  const replies = await Promise.all(Array.from({ length: 80 },
    () => c.socket.emitWithAck('get_cached_historical_data', { asset: 'EURUSD_otc' })));
  const limited = replies.filter((r) => r.error?.code === 'rate_limited').length;
  assert.ok(limited > 0 && limited < 80, `limited ${limited}`);
  await sleep(1200);
  const r = await c.socket.emitWithAck('get_cached_historical_data', { asset: 'EURUSD_otc' });
  assert.equal(r.asset, 'EURUSD_otc');
  c.close();
});

test('Engine.IO request errors: version, transport, session id', async () => {
  const get = async (qs) => {
    const r = await fetch(`${q.url}/socket.io/?${qs}`);
    return { status: r.status, body: await r.json() };
  };
  assert.deepEqual(await get('EIO=3&transport=polling'), { status: 400, body: { code: 5, message: 'Unsupported protocol version' } });
  assert.deepEqual(await get('EIO=4&transport=carrier-pigeon'), { status: 400, body: { code: 0, message: 'Transport unknown' } });
  assert.deepEqual(await get('EIO=4&transport=polling&sid=nope'), { status: 400, body: { code: 1, message: 'Session ID unknown' } });
  await assert.rejects(RawClient.open(q.url, { query: 'EIO=4&transport=websocket&sid=nope' }), /HTTP 400/);
});

test('CORS: same origin and localhost are allowed, other origins are not', async () => {
  const hs = (origin) => fetch(`${q.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
  const local = await hs('http://localhost:5173');
  assert.equal(local.status, 200);
  assert.equal(local.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  assert.equal(local.headers.get('access-control-allow-credentials'), 'true');
  assert.equal((await hs(q.url)).status, 200);
  assert.equal((await hs('http://evil.example')).status, 403);
  await assert.rejects(RawClient.open(q.url, { headers: { Origin: 'http://evil.example' } }), /HTTP 403/);
  const pre = await fetch(`${q.url}/socket.io/?EIO=4&transport=polling`, {
    method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
});

describe('with --auth-token', () => {
  let qa;
  before(async () => {
    qa = await Quflx.serve(['--redis-url', redis.url, '--feed', 'none', '--auth-token', 'secret-token-1']);
  });
  after(async () => qa?.cleanup());

  test('without a token a client reads but may not write', async () => {
    const c = await connect(qa.url, { transports: ['websocket'] });
    assert.equal((await c.next('connection_status')).data.may_write, false);
    const r = await c.socket.emitWithAck('clear_cached_historical_data', { asset: 'EURUSD_otc', timeframe: '1m' });
    assert.equal(r.error.code, 'not_authorised');
    const ok = await c.socket.emitWithAck('get_cached_historical_data', { asset: 'EURUSD_otc' });
    assert.equal(ok.asset, 'EURUSD_otc');
    c.close();
  });

  test('a wrong token is refused at CONNECT; the right one may write', async () => {
    await assert.rejects(connect(qa.url, { transports: ['websocket'], auth: { token: 'wrong-token' } }), /invalid auth token/);
    const c = await connect(qa.url, { auth: { token: 'secret-token-1' } });
    assert.equal((await c.next('connection_status')).data.may_write, true);
    const r = await c.socket.emitWithAck('clear_cached_historical_data', { asset: 'EURUSD_otc', timeframe: '1m' });
    assert.deepEqual(r, { asset: 'EURUSD_otc', timeframe: '1m' });
    c.close();
  });
});
