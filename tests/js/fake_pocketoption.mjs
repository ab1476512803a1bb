// A fake PocketOption upstream built from the real `socket.io` server (Engine.IO v4 /
// Socket.IO v4 framing as the broker sends it): binary events go out as
// `451-["updateStream",{"_placeholder":true,"num":0}]` followed by the attachment as a binary
// WebSocket message. It also serves a page (`/`) that connects to it with the stock browser
// client, for the DevTools capture test.

import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { Server } from 'socket.io';
import { freePort } from './harness.mjs';

export class FakePocketOption {
  /** `tls: {key, cert}` (PEM) serves https/wss instead of http/ws. */
  static async start({ page = '', tls = null } = {}) {
    const f = new FakePocketOption();
    f.tls = Boolean(tls);
    f.port = await freePort();
    f.received = [];   // [event, payload] the clients sent
    f.sockets = new Set();
    const handler = (req, res) => {
      if (req.url === '/' || req.url.startsWith('/?')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(page);
        return;
      }
      res.writeHead(404).end();
    };
    f.http = tls ? createTlsServer(tls, handler) : createServer(handler);
    f.io = new Server(f.http, { serveClient: true, cors: { origin: '*' } });
    f.connections = 0;
    f.io.on('connection', (socket) => {
      f.connections += 1;
      f.sockets.add(socket);
      socket.on('disconnect', () => f.sockets.delete(socket));
      socket.onAny((event, ...args) => f.received.push([event, args[0]]));
    });
    await new Promise((r) => f.http.listen(f.port, '127.0.0.1', r));
    return f;
  }
  get wsUrl() {
    return `${this.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}/socket.io/?EIO=4&transport=websocket`;
  }
  get pageUrl() { return `http://127.0.0.1:${this.port}/`; }
  /** Sends ticks [[asset, t, price], ...] as one binary updateStream event to every client. */
  stream(ticks) { this.io.emit('updateStream', Buffer.from(JSON.stringify(ticks))); }
  /** A binary event with any JSON payload. */
  binary(event, payload) { this.io.emit(event, Buffer.from(JSON.stringify(payload))); }
  /** Raw Engine.IO message packets (the leading '4' is added), for malformed framing. */
  raw(...packets) { for (const s of this.sockets) for (const p of packets) s.conn.send(p); }
  rawBinary(bytes) { for (const s of this.sockets) s.conn.send(Buffer.from(bytes)); }
  dropClients() { for (const s of this.sockets) s.disconnect(true); }
  async stop() {
    this.io.close();
    await new Promise((r) => this.http.close(r));
  }
}
