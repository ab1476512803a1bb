// The reference for bench/fanout.sh: what a Node.js team would write for the same job with
// the stock tools. socket.io with @socket.io/redis-adapter (so several instances can share
// rooms), a Redis subscription to updates:{A}, and each tick emitted to the room of its asset
// as `redis_update {data: tick}`. Clients join with `subscribe_redis_updates {asset}` and get
// `redis_subscribed {asset, seq}` (the last seq this process saw).
//
//   node bench/node-reference/server.mjs --port 3002 --redis-url redis://127.0.0.1:6379

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3002' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});

const pub = createClient({ url: values['redis-url'] });
const sub = pub.duplicate();
const feed = pub.duplicate();
await Promise.all([pub.connect(), sub.connect(), feed.connect()]);

const http = createServer();
const io = new Server(http, {
  adapter: createAdapter(pub, sub),
  perMessageDeflate: false,
  cors: { origin: true },
});

const lastSeq = new Map();
io.on('connection', (socket) => {
  socket.on('subscribe_redis_updates', (payload) => {
    const asset = payload?.asset;
    if (typeof asset !== 'string') return socket.emit('error', { code: 'invalid_asset', message: 'asset required' });
    socket.join(asset);
    socket.emit('redis_subscribed', { asset, seq: lastSeq.get(asset) ?? 0 });
  });
  socket.on('unsubscribe_redis_updates', (payload) => {
    socket.leave(payload?.asset);
    socket.emit('redis_unsubscribed', { asset: payload?.asset });
  });
});

await feed.pSubscribe('updates:*', (message, channel) => {
  const asset = channel.slice('updates:{'.length, -1);
  const update = JSON.parse(message);
  if (update.type !== 'tick') return;
  lastSeq.set(asset, update.seq);
  io.to(asset).emit('redis_update', { data: update });
});

http.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`node reference listening on ${values.port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
