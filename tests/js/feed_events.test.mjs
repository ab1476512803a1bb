// What the feeds tell Socket.IO clients: detect_asset answers with the symbol the broker's
// chart shows (updateCharts), and every client hears feed_stale when an asset stops ticking
// and again when it resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { Quflx, waitFor } from './harness.mjs';
import { FakePocketOption } from './fake_pocketoption.mjs';

// Emits `event` and resolves with the first reply among `replies`: [name, payload].
function ask(socket, event, replies) {
  return new Promise((resolve) => {
    const handlers = replies.map((name) => [name, (p) => {
      for (const [n, h] of handlers) socket.off(n, h);
      resolve([name, p]);
    }]);
    for (const [n, h] of handlers) socket.on(n, h);
    socket.emit(event);
  });
}

test('detect_asset and feed_stale reach Socket.IO clients', async () => {
  const up = await FakePocketOption.start();
  let q;
  const sockets = [];
  try {
    q = await Quflx.serve(['--redis-url', 'none', '--feed', 'ws', '--ws-url', up.wsUrl,
      '--stale-after', '1']);
    await waitFor(() => up.connections >= 1, { what: 'the upstream connection' });
    const a = io(q.url, { transports: ['websocket'] });
    const b = io(q.url);  // polling, then upgrade: notices reach every transport
    sockets.push(a, b);
    await Promise.all(sockets.map((s) => new Promise((r) => s.once('connect', r))));

    let [name, payload] = await ask(a, 'detect_asset', ['asset_detected', 'asset_detection_failed']);
    assert.equal(name, 'asset_detection_failed');
    assert.match(payload.error, /not named/);

    // The broker's chart settings arrive as a binary event whose settings are a JSON string.
    up.binary('updateCharts', [{ chart_id: 'graph', settings: JSON.stringify({ chartPeriod: 4, symbol: 'AUDCAD_otc' }) }]);
    await waitFor(async () => (await q.health()).active_asset === 'AUDCAD_otc', { what: 'the active asset' });
    [name, payload] = await ask(a, 'detect_asset', ['asset_detected', 'asset_detection_failed']);
    assert.equal(name, 'asset_detected');
    assert.deepEqual(payload, { asset: 'AUDCAD_otc' });

    const notices = { a: [], b: [] };
    a.on('feed_stale', (p) => notices.a.push(p));
    b.on('feed_stale', (p) => notices.b.push(p));
    up.stream([['AUDCAD_otc', Date.now() / 1000, 0.91]]);
    await waitFor(() => notices.a.length >= 1 && notices.b.length >= 1,
      { what: 'feed_stale after a silent second', timeoutMs: 5000 });
    for (const n of [notices.a[0], notices.b[0]]) {
      assert.equal(n.feed, 'ws');
      assert.equal(n.asset, 'AUDCAD_otc');
      assert.equal(n.stale, true);
      assert.equal(n.stale_after, 1);
      assert.ok(Math.abs(n.last_tick - Date.now() / 1000) < 10);
    }
    up.stream([['AUDCAD_otc', Date.now() / 1000, 0.92]]);
    await waitFor(() => notices.a.length >= 2, { what: 'feed_stale {stale:false}' });
    assert.equal(notices.a[1].stale, false);
  } finally {
    for (const s of sockets) s.close();
    if (q) await q.cleanup();
    await up.stop();
  }
});

test('detect_asset says why when no feed can detect an asset', async () => {
  const q = await Quflx.serve(['--redis-url', 'none', '--feed', 'sim', '--sim-assets', 'EURUSD_otc']);
  const s = io(q.url, { transports: ['websocket'] });
  try {
    await new Promise((r) => s.once('connect', r));
    const [name, payload] = await ask(s, 'detect_asset', ['asset_detected', 'asset_detection_failed']);
    assert.equal(name, 'asset_detection_failed');
    assert.match(payload.error, /no ws or cdp feed/);
  } finally {
    s.close();
    await q.cleanup();
  }
});
