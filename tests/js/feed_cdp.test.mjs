// The cdp feed against Debian's chromium: a headless browser with remote debugging on a
// private port opens a local page whose stock socket.io client connects to the fake
// PocketOption upstream; quflx attaches through the DevTools Protocol and captures the ticks
// from the page's WebSocket frames (binary attachments paired with their 451- headers). The
// page reloads itself once: capture goes on with the new socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, Quflx, waitFor, freePort } from './harness.mjs';
import { FakePocketOption } from './fake_pocketoption.mjs';

const PAGE = `<!doctype html><title>broker</title>
<script src="/socket.io/socket.io.js"></script>
<script>
  const s = io({ transports: ['websocket'] });
  s.on('connect', () => { document.title = 'connected ' + s.id; });
  if (!sessionStorage.getItem('reloaded')) {
    setTimeout(() => { sessionStorage.setItem('reloaded', '1'); location.reload(); }, 1500);
  }
</script>`;

test('cdp feed: captures a page\'s socket through DevTools and survives a reload', async () => {
  const redis = await Redis.start();
  const up = await FakePocketOption.start({ page: PAGE });
  const debugPort = await freePort();
  const profile = mkdtempSync(join(tmpdir(), 'quflx-chromium-'));
  const chrome = spawn('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', `--remote-debugging-port=${debugPort}`,
    '--remote-debugging-address=127.0.0.1', `--user-data-dir=${profile}`, up.pageUrl],
  { stdio: 'ignore', detached: true });  // its own process group: its helpers are stopped with it
  const chromeExited = new Promise((r) => chrome.once('exit', r));
  let q;
  let timer;
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${debugPort}/json/list`)).ok,
      { what: 'chromium remote debugging', timeoutMs: 20000 });
    q = await Quflx.serve(['--redis-url', redis.url, '--feed', 'cdp',
      '--cdp-url', `http://127.0.0.1:${debugPort}`, '--cdp-target', `127.0.0.1:${up.port}`]);
    // A tick every 40 ms, two assets per frame, with a running counter as the price.
    let k = 0;
    timer = setInterval(() => {
      if (up.sockets.size === 0) return;
      const t = Date.now() / 1000;
      k += 1;
      up.stream([['EURUSD_otc', t, 1 + k / 1e4], ['GBPUSD_otc', t, 2 + k / 1e4]]);
    }, 40);
    await waitFor(async () => Number((await redis.cli('LLEN', 'ticks:{EURUSD_otc}')).trim()) >= 20,
      { what: 'captured ticks', timeoutMs: 20000 });
    // Wait until the page has reloaded (a second socket.io connection) and ticks still flow.
    await waitFor(() => up.connections >= 2, { what: 'the page reloading', timeoutMs: 10000 });
    const before = Number((await redis.cli('LLEN', 'ticks:{EURUSD_otc}')).trim());
    await waitFor(async () => Number((await redis.cli('LLEN', 'ticks:{EURUSD_otc}')).trim()) >= before + 40,
      { what: 'ticks after the reload', timeoutMs: 20000 });
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 300));
    for (const [asset, base] of [['EURUSD_otc', 1], ['GBPUSD_otc', 2]]) {
      const ticks = (await redis.cli('LRANGE', `ticks:{${asset}}`, '0', '-1')).trim().split('\n')
        .map((l) => JSON.parse(l)).reverse();
      const counters = ticks.map((t) => Math.round((t.price - base) * 1e4));
      // In order, each at most once, and seq gap-free.
      for (let i = 1; i < counters.length; i++) assert.ok(counters[i] > counters[i - 1], `${asset} order`);
      assert.deepEqual(ticks.map((t) => t.seq), ticks.map((_, i) => i + 1));
    }
    const m = await (await fetch(`${q.url}/metrics`)).text();
    assert.match(m, /quflx_feed_connects_total\{feed="cdp"\} 1/);
    assert.doesNotMatch(m, /quflx_feed_rejected_total\{feed="cdp",reason="[a-z_]+"\} [1-9]/);
    const health = await q.health();
    assert.equal(health.feeds[0].state, 'running');
  } finally {
    clearInterval(timer);
    if (q) await q.cleanup();
    try {
      process.kill(-chrome.pid, 'SIGKILL');  // the browser and its renderer, GPU and zygote processes
    } catch { /* already gone */ }
    await chromeExited;
    await up.stop();
    await redis.stop();
    // Last, and patient: a helper process may still be writing into the profile for a moment.
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
});
