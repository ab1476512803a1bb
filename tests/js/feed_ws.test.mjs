// The ws feed against a fake PocketOption upstream made of the real socket.io server: every
// valid tick of multi-tick frames from several assets arrives in Redis in order per asset,
// malformed frames and attachments are counted and skipped, history payloads seed candles,
// the configured messages are sent after the Socket.IO connect, and a dropped connection is
// reopened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Quflx, waitFor } from './harness.mjs';
import { FakePocketOption } from './fake_pocketoption.mjs';

const OFFSET = 7200;  // the broker's clock runs ahead of UTC

async function listTicks(redis, asset) {
  const out = await redis.cli('LRANGE', `ticks:{${asset}}`, '0', '-1');
  return out.trim() ? out.trim().split('\n').map((l) => JSON.parse(l)).reverse() : [];
}

function metric(text, name, labels) {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('ws feed: PocketOption framing end to end', async () => {
  const redis = await Redis.start();
  const up = await FakePocketOption.start();
  let q;
  try {
    q = await Quflx.serve(['--redis-url', redis.url, '--feed', 'ws', '--ws-url', up.wsUrl,
      '--clock-offset', String(OFFSET),
      '--ws-send', '42["changeSymbol",{"asset":"EURUSD_otc","period":60}]\n42["changeSymbol",{"asset":"#AAPL_otc","period":60}]']);
    await waitFor(() => up.received.filter(([e]) => e === 'changeSymbol').length === 2,
      { what: 'the configured messages' });
    assert.deepEqual(up.received.map(([, p]) => p.asset), ['EURUSD_otc', '#AAPL_otc']);

    const now = Date.now() / 1000;
    const b = (k) => Math.round((now - 30 + k * 0.25 + OFFSET) * 1000) / 1000;  // broker time
    const expected = { EURUSD_otc: [], '#AAPL_otc': [], GBPUSD_otc: [] };
    const send = (ticks) => {
      up.stream(ticks);
      for (const [a, t, p] of ticks) expected[a].push([t - OFFSET, p]);
    };
    send([['EURUSD_otc', b(0), 1.0801], ['#AAPL_otc', b(1), 201.5], ['EURUSD_otc', b(2), 1.0802]]);
    // Malformed: attachment that is not JSON, a bad tick among good ones, a header whose
    // attachment never comes, an attachment without a header, garbage packets.
    up.io.emit('updateStream', Buffer.from([0xff, 0xfe, 0x00]));
    up.io.emit('updateStream', Buffer.from('{not json'));
    up.stream([['GBPUSD_otc', b(3), 1.3], ['GBPUSD_otc', 'later', 1.31], ['GBPUSD_otc', b(4), -5]]);
    expected.GBPUSD_otc.push([b(3) - OFFSET, 1.3]);
    up.raw('51-["updateStream",{"_placeholder":true,"num":0}]', '2["unrelated",{}]');
    up.rawBinary('[["EURUSD_otc",1,1]]');
    up.raw('9nonsense', '2["updateStream",[["EURUSD_otc"');
    send([['EURUSD_otc', b(5), 1.0803], ['GBPUSD_otc', b(6), 1.32], ['#AAPL_otc', b(7), 202]]);
    // A text event carries its data inline.
    up.raw(`2["updateStream",[["EURUSD_otc",${b(8)},1.0804]]]`);
    expected.EURUSD_otc.push([b(8) - OFFSET, 1.0804]);

    // History: bars of the previous minutes and history ticks, newest first like the broker.
    const minute = Math.floor(now / 60) * 60;
    up.binary('updateHistoryNewFast', {
      asset: 'BTCUSD', period: 60,
      candles: [[minute - 120 + OFFSET, 100, 102, 103, 99], [minute - 180 + OFFSET, 98, 100, 101, 97]],
      history: [[minute - 60 + OFFSET + 1.5, 105], [minute - 60 + OFFSET + 20, 106]],
    });

    const total = Object.values(expected).reduce((n, v) => n + v.length, 0);
    await waitFor(async () => {
      let n = 0;
      for (const a of Object.keys(expected)) n += (await listTicks(redis, a)).length;
      return n >= total;
    }, { what: `${total} ticks in Redis` });
    for (const [asset, want] of Object.entries(expected)) {
      const got = await listTicks(redis, asset);
      assert.deepEqual(got.map((t) => [t.timestamp, t.price]),
        want.map(([t, p]) => [Math.round(t * 1e6) / 1e6, p]), asset);
      assert.deepEqual(got.map((t) => t.seq), want.map((_, i) => i + 1), `${asset} seq`);
    }
    assert.equal((await listTicks(redis, 'BTCUSD')).length, 0, 'history ticks are not stored as ticks');
    const hist = JSON.parse(await waitFor(async () => (await redis.cli('GET', 'historical:{BTCUSD}:1m')).trim()));
    assert.deepEqual(hist.map((c) => [c.timestamp, c.open, c.high, c.low, c.close]),
      [[minute - 180, 98, 101, 97, 100], [minute - 120, 100, 103, 99, 102], [minute - 60, 105, 106, 105, 106]]);

    const m = await (await fetch(`${q.url}/metrics`)).text();
    const r = (reason) => metric(m, 'quflx_feed_rejected_total', `feed="ws",reason="${reason}"`);
    assert.equal(r('bad_attachment'), 2);
    assert.equal(r('bad_tick'), 1);
    assert.equal(r('invalid_price'), 1);
    assert.equal(r('missing_attachment'), 1);
    assert.equal(r('unexpected_attachment'), 1);
    assert.equal(r('malformed_frame'), 2);
    assert.ok(q.child.running);

    // The upstream drops us: the feed reconnects (backoff), resends its messages, and goes on.
    up.dropClients();
    await waitFor(() => up.received.filter(([e]) => e === 'changeSymbol').length === 4,
      { what: 'reconnect', timeoutMs: 15000 });
    up.stream([['EURUSD_otc', b(20), 1.09]]);
    await waitFor(async () => (await listTicks(redis, 'EURUSD_otc')).at(-1)?.price === 1.09,
      { what: 'a tick after reconnecting' });
    const health = await q.health();
    assert.equal(health.feeds[0].name, 'ws');
    assert.equal(health.feeds[0].state, 'running');
  } finally {
    if (q) await q.cleanup();
    await up.stop();
    await redis.stop();
  }
});
