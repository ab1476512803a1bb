// The harness itself: a private Redis and the built binary, checked from outside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Quflx, waitFor } from './harness.mjs';

test('quflx serve with the simulated feed fills Redis and exits 0 on SIGTERM', async (t) => {
  const redis = await Redis.start();
  t.after(() => redis.stop());
  const q = await Quflx.serve(['--redis-url', redis.url, '--sim-assets', 'EURUSD_otc', '--sim-rate', '50']);
  t.after(() => q.cleanup());

  await waitFor(async () => Number(await redis.cli('LLEN', 'ticks:{EURUSD_otc}')) >= 20, { what: '20 ticks in Redis' });
  const head = JSON.parse(await redis.cli('LINDEX', 'ticks:{EURUSD_otc}', '0'));
  assert.equal(head.asset, 'EURUSD_otc');
  assert.ok(head.seq >= 20);
  const h = await q.health();
  assert.equal(h.status, 'ok');
  assert.equal(h.redis.connected, true);
  const { code } = await q.stop();
  assert.equal(code, 0, q.log());
});
