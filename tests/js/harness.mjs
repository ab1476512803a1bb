// Test harness for the JavaScript end-to-end tests: real redis-server processes on free
// loopback ports in temporary directories, the built quflx binary, both stopped by PID.
// The binary comes from QUFLX_BINARY (set by CTest), else build/release/src/app/quflx.

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, readFileSync, closeSync, readdirSync, chownSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const QUFLX_BINARY = process.env.QUFLX_BINARY ?? resolve(here, '../../build/release/src/app/quflx');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port that was free a moment ago. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor(fn, { timeoutMs = 10000, intervalMs = 20, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** A child process with its output in a log file, stopped by PID. */
class Child {
  constructor(argv, { logPath, env = {} } = {}) {
    this.logPath = logPath;
    const fd = openSync(logPath, 'a');
    this.proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    this.exited = new Promise((res) => this.proc.on('exit', (code, signal) => res({ code, signal })));
  }
  get pid() { return this.proc.pid; }
  get running() { return this.proc.exitCode === null && this.proc.signalCode === null; }
  log() { try { return readFileSync(this.logPath, 'utf8'); } catch { return ''; } }
  /** Sends `signal` and waits (up to `timeoutMs`) for the exit; SIGKILL after that. */
  async stop(signal = 'SIGTERM', timeoutMs = 15000) {
    if (!this.running) return this.exited;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }
  kill9() { return this.stop('SIGKILL'); }
}

/** A private redis-server. `await r.stop()` at the end; `kill9()` / `start()` for outages. */
export class Redis {
  static async start(extraArgs = []) {
    const r = new Redis();
    r.dir = mkdtempSync(join(tmpdir(), 'quflx-js-redis-'));
    r.port = await freePort();
    r.extraArgs = extraArgs;
    await r.start();
    return r;
  }
  get url() { return `redis://127.0.0.1:${this.port}`; }
  async start() {
    this.child = new Child(['redis-server', '--port', String(this.port), '--bind', '127.0.0.1',
      '--dir', this.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...this.extraArgs],
    { logPath: join(this.dir, 'redis.log') });
    await waitFor(async () => (await this.cli('PING')).trim() !== '', { what: 'redis-server', timeoutMs: 10000 });
  }
  /** Runs redis-cli with the given arguments against this server; resolves to stdout. */
  async cli(...args) {
    const { stdout } = await execFileP('redis-cli', ['-p', String(this.port), ...args]);
    return stdout;
  }
  async kill9() { await this.child.kill9(); }
  async stop() {
    await this.child?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A private PostgreSQL cluster (the Debian package): initdb into a temporary directory (as the
 * `postgres` user when the tests run as root: the server refuses root), `postgres` on a free
 * loopback port, a database `quflx`. `await pg.stop()` at the end.
 */
export class Postgres {
  static async start() {
    const pg = new Postgres();
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => a - b);
    if (versions.length === 0) throw new Error('PostgreSQL server binaries not found (package postgresql)');
    pg.bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
    pg.dir = mkdtempSync(join(tmpdir(), 'quflx-js-pg-'));
    pg.port = await freePort();
    pg.user = {};
    if (process.getuid() === 0) {
      const { stdout } = await execFileP('id', ['-u', 'postgres']);
      const { stdout: g } = await execFileP('id', ['-g', 'postgres']);
      pg.user = { uid: Number(stdout), gid: Number(g) };
      chownSync(pg.dir, pg.user.uid, pg.user.gid);
    }
    await execFileP(`${pg.bin}/initdb`, ['-D', join(pg.dir, 'data'), '-U', 'postgres', '--auth=trust',
      '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], pg.user);
    const log = join(pg.dir, 'postgres.log');
    closeSync(openSync(log, 'a'));
    if (pg.user.uid !== undefined) chownSync(log, pg.user.uid, pg.user.gid);
    // The free port may be taken by someone else before postgres binds it: then it exits at
    // once, and it is tried again on another port.
    for (let attempt = 1; ; attempt++) {
      const fd = openSync(log, 'a');
      // fsync off: these tests check the server's durability, not PostgreSQL's.
      pg.proc = spawn(`${pg.bin}/postgres`, ['-D', join(pg.dir, 'data'), '-p', String(pg.port), '-k', pg.dir,
        '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], { stdio: ['ignore', fd, fd], ...pg.user });
      closeSync(fd);
      pg.exited = new Promise((res) => pg.proc.on('exit', res));
      const exited = () => pg.proc.exitCode !== null || pg.proc.signalCode !== null;
      let state;
      try {
        // Generous: a loaded machine (sanitizer builds, other test processes) starts it slowly.
        state = await waitFor(async () => {
          if (exited()) return 'exited';
          return (await pg.psql('postgres', 'SELECT 1')).trim() === '1' ? 'up' : false;
        }, { what: 'postgres', timeoutMs: 90000, intervalMs: 100 });
      } catch (e) {
        pg.proc.kill('SIGQUIT');
        await pg.exited;
        state = e;
      }
      if (state === 'up') break;
      if (state === 'exited' && attempt < 3) {
        pg.port = await freePort();
        continue;
      }
      const tail = readFileSync(log, 'utf8').split('\n').slice(-20).join('\n');
      rmSync(pg.dir, { recursive: true, force: true });
      throw new Error(`${state === 'exited' ? 'postgres exited' : state.message}\npostgres log:\n${tail}`);
    }
    await pg.psql('postgres', 'CREATE DATABASE quflx');
    return pg;
  }
  get url() { return `postgresql://postgres@127.0.0.1:${this.port}/quflx`; }
  /** Runs one statement with psql; resolves to its unaligned, tuples-only output. */
  async psql(db, sql) {
    const { stdout } = await execFileP('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres',
      '-d', db, '-tAc', sql]);
    return stdout;
  }
  async query(sql) { return this.psql('quflx', sql); }
  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGQUIT');  // immediate shutdown: the data is thrown away
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A TCP port in front of a real server, for outages that a process kill cannot make:
 * `closed` (nothing listens: connection refused), `open` (forwards both ways) and `blackhole`
 * (accepts, then never forwards or closes: a peer that went silent). `setMode` applies to new
 * connections and to those already open (a blackhole stops forwarding on them; closed ends
 * them). `await gate.stop()` at the end.
 */
export class TcpGate {
  static async start(targetPort, mode = 'open') {
    const g = new TcpGate();
    g.targetPort = targetPort;
    g.port = await freePort();
    g.pairs = new Set();
    g.server = createServer((client) => g.#accept(client));
    await g.setMode(mode);
    return g;
  }
  get mode() { return this.current; }
  async setMode(mode) {
    this.current = mode;
    const listening = this.server.listening;
    if (mode === 'closed') {
      for (const p of this.pairs) { p.client.destroy(); p.upstream?.destroy(); }
      this.pairs.clear();
      if (listening) await new Promise((r) => this.server.close(r));
    } else if (!listening) {
      await new Promise((r, j) => this.server.once('error', j).listen(this.port, '127.0.0.1', r));
    }
    if (mode === 'blackhole') for (const p of this.pairs) p.pause();
  }
  #accept(client) {
    const p = { client, upstream: null };
    client.on('error', () => {});
    if (this.current === 'blackhole') {  // accepted, then silence
      p.pause = () => {};
      this.pairs.add(p);
      client.on('close', () => this.pairs.delete(p));
      return;
    }
    const up = netConnect(this.targetPort, '127.0.0.1');
    p.upstream = up;
    up.on('error', () => client.destroy());
    client.pipe(up);
    up.pipe(client);
    p.pause = () => { client.unpipe(up); up.unpipe(client); client.pause(); up.pause(); };
    this.pairs.add(p);
    const end = () => { this.pairs.delete(p); client.destroy(); up.destroy(); };
    client.on('close', end);
    up.on('close', end);
  }
  async stop() { await this.setMode('closed'); }
}

/** The built quflx binary running `serve` on a free port. */
export class Quflx {
  static async serve(args = [], { env = {}, waitHealthy = true } = {}) {
    const q = new Quflx();
    q.dir = mkdtempSync(join(tmpdir(), 'quflx-js-server-'));
    q.port = await freePort();
    // Each server gets its own state directory (its tick journal), and no PostgreSQL unless
    // the test names one: a developer's DATABASE_URL must not leak into tests.
    const own = ['--state-dir', join(q.dir, 'state')];
    if (!args.includes('--database-url')) own.push('--database-url', 'none');
    q.argv = [QUFLX_BINARY, 'serve', '--port', String(q.port), ...own, ...args];
    q.env = env;
    await q.#spawn(waitHealthy);
    return q;
  }
  async #spawn(waitHealthy) {
    this.child = new Child(this.argv, { logPath: join(this.dir, 'quflx.log'), env: this.env });
    if (waitHealthy) {
      await waitFor(async () => {
        if (!this.child.running) throw new Error(`quflx exited:\n${this.child.log()}`);
        return (await fetch(`${this.url}/health`)).ok;
      }, { what: 'quflx /health', timeoutMs: 15000 });
    }
  }
  /** Starts the server again, same arguments, port and state directory (after stop or kill9). */
  async restart({ waitHealthy = true } = {}) {
    if (this.child.running) throw new Error('quflx is still running');
    await this.#spawn(waitHealthy);
  }
  get url() { return `http://127.0.0.1:${this.port}`; }
  log() { return this.child.log(); }
  async health() { return (await fetch(`${this.url}/health`)).json(); }
  /** SIGTERM (graceful) by default; resolves to {code, signal}. */
  async stop(signal = 'SIGTERM') {
    const r = await this.child.stop(signal);
    return r;
  }
  async cleanup() {
    await this.child.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 1-minute OHLC bars (volume = tick count) of [t, price] pairs in arrival order, oldest first. */
export function minuteBars(ticks) {
  const bars = new Map();
  for (const [t, p] of ticks) {
    const open = Math.floor(t / 60) * 60;
    const b = bars.get(open);
    if (!b) bars.set(open, { timestamp: open, open: p, high: p, low: p, close: p, volume: 1 });
    else Object.assign(b, { high: Math.max(b.high, p), low: Math.min(b.low, p), close: p, volume: b.volume + 1 });
  }
  return [...bars.values()].sort((x, y) => x.timestamp - y.timestamp);
}
