// Deadlines on the dependencies and on shutdown (issue 13 item 4): a Redis or PostgreSQL that
// accepts and then never answers (a blackhole, which no TCP error reveals) is detected within
// the configured deadline and its connection replaced; SIGTERM ends the process within
// --shutdown-timeout even with PostgreSQL hung or an upstream feed connected, and nothing
// accepted is lost (it stays in the tick journal and is written at the next start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Postgres, Quflx, TcpGate, waitFor } from './harness.mjs';
import { FakePocketOption } from './fake_pocketoption.mjs';

const asset = 'EURUSD_otc';
const health = async (q) => (await fetch(`${q.url}/health`)).json();

// Resolves with {code, signal} once the process has exited, or with 'still running' after
// `ms`: the deadline under test is the server's, this only bounds the wait.
function exitWithin(q, ms, signal = 'SIGTERM') {
  return Promise.race([q.stop(signal), new Promise((r) => setTimeout(() => r('still running'), ms))]);
}

test('SIGTERM with an upstream ws feed connected exits at once', async () => {
  const redis = await Redis.start();
  const up = await FakePocketOption.start();
  let q;
  try {
    // A long idle timeout: Beast's idle-ping timer used to keep the process alive for half of it.
    q = await Quflx.serve(['--redis-url', redis.url, '--feed', 'ws', '--ws-url', up.wsUrl,
      '--ws-idle-timeout', '600', '--shutdown-timeout', '2']);
    await waitFor(async () => (await health(q)).feeds[0]?.state === 'running', { what: 'the ws feed connected' });
    const r = await exitWithin(q, 20000);
    assert.deepEqual(r, { code: 0, signal: null }, `did not exit after SIGTERM:\n${q.log()}`);
  } finally {
    await q?.cleanup();
    await up.stop();
    await redis.stop();
  }
});

test('a blackholed Redis is detected within --redis-timeout and the connection replaced', async () => {
  const redis = await Redis.start();
  const gate = await TcpGate.start(redis.port, 'open');
  let q;
  try {
    q = await Quflx.serve(['--redis-url', `redis://127.0.0.1:${gate.port}/0`, '--redis-timeout', '1',
      '--sim-assets', asset, '--sim-rate', '50']);
    await waitFor(async () => (await health(q)).redis.connected === true, { what: 'redis connected' });
    await gate.setMode('blackhole');
    await waitFor(async () => {
      const h = await health(q);
      return h.redis.connected === false && /no reply within 1000 ms/.test(h.redis.last_error);
    }, { what: '/health to show the silent Redis as down', timeoutMs: 15000 });
    const m = await (await fetch(`${q.url}/metrics`)).text();
    assert.match(m, /quflx_redis_errors_total\{connection="writer",reason="timeout"\} [1-9]/);
    await gate.setMode('open');
    await waitFor(async () => (await health(q)).redis.connected === true, { what: 'redis reconnected', timeoutMs: 15000 });
    // Ticks flow into Redis again through the new connection.
    const len = async () => Number((await redis.cli('LLEN', `ticks:{${asset}}`)).trim());
    const before = await len();
    await waitFor(async () => (await len()) > before + 10, { what: 'ticks written after the reconnect' });
    assert.deepEqual(await exitWithin(q, 20000), { code: 0, signal: null }, q.log());
  } finally {
    await q?.cleanup();
    await gate.stop();
    await redis.stop();
  }
});

test('a blackholed PostgreSQL is detected within --pg-timeout; shutdown keeps its deadline; nothing is lost', async () => {
  const pg = await Postgres.start();
  const gate = await TcpGate.start(pg.port, 'open');
  let q;
  try {
    q = await Quflx.serve(['--database-url', `postgresql://postgres@127.0.0.1:${gate.port}/quflx`,
      '--pg-timeout', '1', '--shutdown-timeout', '2', '--batch-interval', '0.1',
      '--sim-assets', asset, '--sim-rate', '100']);
    const stored = async () => Number((await pg.query(`SELECT count(*) FROM historical_ticks WHERE pair = '${asset}'`)).trim());
    await waitFor(async () => (await stored()) >= 50, { what: 'ticks stored while the database answers' });
    await gate.setMode('blackhole');
    await waitFor(async () => {
      const h = await health(q);
      return h.database.connected === false && /no answer within 1000 ms/.test(h.database.last_error);
    }, { what: '/health to show the silent database as down', timeoutMs: 20000 });
    const accepted = (await health(q)).ticks_accepted;
    assert.ok(accepted > 0);
    // The persister is now retrying against a database that accepts connections and never
    // answers; SIGTERM must still end the process within --shutdown-timeout (plus start-up of
    // nothing: no new work is waited for).
    const r = await exitWithin(q, 20000);
    assert.deepEqual(r, { code: 0, signal: null }, `shutdown did not keep its deadline:\n${q.log()}`);
    assert.match(q.log(), /not committed before the deadline/);

    // With the database back, the next start writes what the journal kept: every seq once.
    await gate.setMode('open');
    await q.restart();
    await waitFor(async () => (await health(q)).database.backlog_ticks === 0 && (await stored()) >= accepted,
      { what: 'the journal written after the restart', timeoutMs: 30000 });
    assert.deepEqual(await exitWithin(q, 20000), { code: 0, signal: null }, q.log());
    const [count, distinct, min, max] = (await pg.query(
      `SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM historical_ticks WHERE pair = '${asset}'`,
    )).trim().split('|').map(Number);
    assert.deepEqual([count, distinct, min], [max, max, 1], 'a gap or a duplicate in the stored seqs');
    assert.ok(max >= accepted);
  } finally {
    await q?.cleanup();
    await gate.stop();
    await pg.stop();
  }
});
