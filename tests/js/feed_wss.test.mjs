// The ws feed over TLS (wss://): with the upstream's certificate trusted through --ws-ca-file
// ticks flow; without it the certificate is refused, nothing is ingested, the feed says why
// and keeps retrying, and the server keeps running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, Quflx, waitFor, sleep } from './harness.mjs';
import { FakePocketOption } from './fake_pocketoption.mjs';

// A throwaway self-signed certificate for 127.0.0.1.
function makeCertificate(dir) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key, cert };
}

test('ws feed over wss:// verifies the upstream certificate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quflx-wss-'));
  const { key, cert } = makeCertificate(dir);
  const redis = await Redis.start();
  const up = await FakePocketOption.start({ tls: { key: readFileSync(key), cert: readFileSync(cert) } });
  const servers = [];
  try {
    assert.match(up.wsUrl, /^wss:/);
    const trusting = await Quflx.serve(['--redis-url', redis.url, '--feed', 'ws', '--ws-url', up.wsUrl,
      '--ws-ca-file', cert, '--sim-assets', 'EURUSD_otc']);
    servers.push(trusting);
    await waitFor(() => up.connections >= 1, { what: 'the TLS connection' });
    const t = Date.now() / 1000 - 5;
    up.stream([['EURUSD_otc', t, 1.1], ['EURUSD_otc', t + 0.5, 1.2]]);
    await waitFor(async () => Number(await redis.cli('LLEN', 'ticks:{EURUSD_otc}')) === 2,
      { what: 'two ticks over wss' });

    // The same upstream without trusting its certificate: refused, retried, nothing ingested.
    const before = up.connections;
    const sceptic = await Quflx.serve(['--redis-url', 'none', '--feed', 'ws', '--ws-url', up.wsUrl]);
    servers.push(sceptic);
    const detail = await waitFor(async () => {
      const ws = (await sceptic.health()).feeds.find((f) => f.name === 'ws');
      return /certificate|handshake/i.test(ws.detail) && ws.detail;
    }, { what: 'a certificate error in /health' });
    assert.match(detail, /certificate verify failed|handshake/i);
    await sleep(300);
    assert.equal(up.connections, before, 'no Socket.IO session was opened without trust');
    assert.equal((await sceptic.health()).ticks_accepted, 0);
  } finally {
    for (const s of servers) await s.cleanup();
    await up.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
