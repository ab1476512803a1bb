// DNS rebinding (SPEC §11, issue 13 item 3): a page on a name its owner re-points at 127.0.0.1
// is "same origin" for the browser, but its requests carry that name in Host. Such requests are
// refused on every path (HTTP, Engine.IO polling, the WebSocket upgrade); IP addresses,
// localhost and --allowed-hosts names are served. Listening beyond loopback without a token
// keeps write events off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Redis, Quflx } from './harness.mjs';
import { connect, request } from './sio.mjs';

/** One HTTP request with an explicit Host header; resolves to {status, body}. */
function get(port, path, host, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const upgradeHeaders = {
  Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/** A WebSocket upgrade with an explicit Host; resolves to the HTTP status (101 on success). */
function upgrade(port, host) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=websocket',
      headers: { Host: host, ...upgradeHeaders } });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
}

test('a rebinding Host is refused on every path; IPs, localhost and allowed names are served', async () => {
  const q = await Quflx.serve(['--redis-url', 'none', '--feed', 'none', '--allowed-hosts', 'quflx.example']);
  try {
    const p = q.port;
    for (const host of ['attacker.example', `attacker.example:${p}`, '127.0.0.1.nip.io', `localhost.attacker.example:${p}`]) {
      const h = await get(p, '/health', host);
      assert.equal(h.status, 403, host);
      assert.equal(JSON.parse(h.body).error.code, 'not_authorised');
      assert.match(JSON.parse(h.body).error.message, /DNS-rebinding/);
      assert.equal((await get(p, '/socket.io/?EIO=4&transport=polling', host)).status, 403, host);
      assert.equal((await get(p, '/api/candles?asset=EURUSD_otc&timeframe=1m', host)).status, 403, host);
      assert.equal(await upgrade(p, host), 403, host);
    }
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, 'quflx.example', `QUFLX.example:${p}`]) {
      assert.equal((await get(p, '/health', host)).status, 200, host);
      const poll = await get(p, '/socket.io/?EIO=4&transport=polling', host);
      assert.equal(poll.status, 200, host);
      assert.match(poll.body, /^0\{"sid"/, host);
      assert.equal(await upgrade(p, host), 101, host);
    }
    const metrics = await (await fetch(`${q.url}/metrics`)).text();
    assert.match(metrics, /quflx_http_requests_total\{route="host_refused",status="4xx"\} 16/);
    assert.match(q.log(), /refused Host 'attacker\.example'/);
  } finally {
    await q.cleanup();
  }
});

test('listening beyond loopback without a token keeps write events off; a token turns them on', async () => {
  const redis = await Redis.start();
  let open, guarded;
  try {
    const candles = [{ time: 1_699_999_980, open: 1, high: 2, low: 0.5, close: 1.5 }];
    open = await Quflx.serve(['--host', '0.0.0.0', '--redis-url', redis.url, '--feed', 'none']);
    assert.match(open.log(), /write events are disabled: the server listens on 0\.0\.0\.0 without --auth-token/);
    const c = await connect(open.url, { transports: ['websocket'] });
    const err = await request(c, 'cache_historical_data', { asset: 'EURUSD_otc', timeframe: '1m', data: candles }, 'error');
    assert.equal(err.code, 'not_authorised');
    assert.match(err.message, /disabled.*without --auth-token/);
    // Reads still work.
    const cached = await request(c, 'get_cached_historical_data', { asset: 'EURUSD_otc', timeframe: '1m' }, 'cached_historical_data');
    assert.equal(cached.source, 'cache_miss');
    c.close();
    assert.equal(await redis.cli('EXISTS', 'historical:{EURUSD_otc}:1m').then((s) => s.trim()), '0');

    guarded = await Quflx.serve(['--host', '0.0.0.0', '--redis-url', redis.url, '--feed', 'none', '--auth-token', 'tok-123']);
    assert.doesNotMatch(guarded.log(), /write events are disabled/);
    const w = await connect(guarded.url, { transports: ['websocket'], auth: { token: 'tok-123' } });
    const ok = await request(w, 'cache_historical_data', { asset: 'EURUSD_otc', timeframe: '1m', data: candles }, 'historical_data_cached');
    assert.equal(ok.count, 1);
    w.close();
  } finally {
    await open?.cleanup();
    await guarded?.cleanup();
    await redis.stop();
  }
});
