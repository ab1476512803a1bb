// Helpers for the Socket.IO tests: the stock socket.io-client with an event recorder, a raw
// Engine.IO/Socket.IO client over WebSocket (the `ws` package) for what a stock client never
// sends, and /metrics as numbers.

import { io } from 'socket.io-client';
import WebSocket from 'ws';

/** A connected socket.io-client socket; rejects on connect_error. */
export function connect(url, opts = {}) {
  const socket = io(url, { reconnection: false, forceNew: true, ...opts });
  const rec = record(socket);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('connect timed out')), 10000);
    socket.once('connect', () => { clearTimeout(t); resolve(rec); });
    socket.once('connect_error', (e) => { clearTimeout(t); socket.close(); reject(e); });
  });
}

/** Records every event a socket receives; `next()` awaits the next match. */
export function record(socket) {
  const events = [];
  const waiters = [];
  socket.onAny((name, ...args) => {
    const e = { name, data: args[0], at: Date.now() };
    events.push(e);
    for (const w of [...waiters]) {
      if (w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  let cursor = 0;
  return {
    socket,
    events,
    /** The next event (after the ones already taken) named `name` and matching `pred`. */
    next(name, pred = () => true, timeoutMs = 10000) {
      const match = (e) => e.name === name && pred(e.data);
      for (let i = cursor; i < events.length; i++) {
        if (match(events[i])) {
          cursor = i + 1;
          return Promise.resolve(events[i]);
        }
      }
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (e) => { clearTimeout(t); cursor = events.indexOf(e) + 1; resolve(e); },
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no '${name}' within ${timeoutMs} ms; got: ${events.slice(-5).map((x) => x.name).join(', ')}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    named(name) { return events.filter((e) => e.name === name); },
    close() { socket.close(); },
  };
}

/** Emits and waits for the reply event (or rejects on an `error` event for this request). */
export async function request(rec, event, payload, replyEvent) {
  const reply = rec.next(replyEvent);
  const err = rec.next('error', (d) => d?.event === event).then((e) => { throw new Error(`${e.data.code}: ${e.data.message}`); });
  if (payload === undefined) rec.socket.emit(event); else rec.socket.emit(event, payload);
  return (await Promise.race([reply, err])).data;
}

/** Prometheus text -> { 'name{labels}': value }. */
export async function metrics(baseUrl) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** Sum of a metric over all label sets matching `labelSubstring`. */
export function metric(m, name, labelSubstring = '') {
  let sum = 0;
  for (const [k, v] of Object.entries(m)) {
    if ((k === name || k.startsWith(`${name}{`)) && k.includes(labelSubstring)) sum += v;
  }
  return sum;
}

/**
 * A raw Engine.IO v4 WebSocket client: sees every frame, can send anything. `connectNamespace`
 * sends CONNECT and waits for the reply.
 */
export class RawClient {
  static open(baseUrl, { query = 'EIO=4&transport=websocket', headers = {} } = {}) {
    const c = new RawClient();
    c.ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/socket.io/?${query}`, { headers, perMessageDeflate: false });
    c.frames = [];
    c.waiters = [];
    c.closed = new Promise((res) => c.ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    c.ws.on('error', () => {});
    c.ws.on('message', (data, isBinary) => {
      const f = isBinary ? data : data.toString();
      c.frames.push(f);
      if (f === '2') c.ws.send('3');  // answer pings
      for (const w of [...c.waiters]) {
        if (typeof f === 'string' && w.pred(f)) {
          c.waiters.splice(c.waiters.indexOf(w), 1);
          w.resolve(f);
        }
      }
    });
    return new Promise((resolve, reject) => {
      c.ws.once('open', () => resolve(c));
      c.ws.once('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      c.ws.once('error', reject);
    });
  }
  /** Resolves with the next text frame (after those already taken) matching `pred`. */
  next(pred, timeoutMs = 5000) {
    this.cursor ??= 0;
    for (let i = this.cursor; i < this.frames.length; i++) {
      const f = this.frames[i];
      if (typeof f === 'string' && pred(f)) {
        this.cursor = i + 1;
        return Promise.resolve(f);
      }
    }
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (f) => { clearTimeout(t); this.cursor = this.frames.lastIndexOf(f) + 1; resolve(f); } };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; last: ${this.frames.slice(-3).join(' | ')}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
  send(text) { this.ws.send(text); }
  sendBinary(buf) { this.ws.send(buf, { binary: true }); }
  async connectNamespace(auth) {
    await this.next((f) => f.startsWith('0{'));
    this.send(auth ? `40${JSON.stringify(auth)}` : '40');
    const reply = await this.next((f) => f.startsWith('40') || f.startsWith('44'));
    return reply;
  }
  /** Events received so far as [name, data]. */
  events() {
    return this.frames.filter((f) => typeof f === 'string' && f.startsWith('42'))
      .map((f) => JSON.parse(f.slice(2)));
  }
  nextEvent(name, timeoutMs = 5000) {
    return this.next((f) => f.startsWith(`42["${name}"`), timeoutMs).then((f) => JSON.parse(f.slice(2))[1]);
  }
  close() { try { this.ws.terminate(); } catch { /* closed */ } }
}
