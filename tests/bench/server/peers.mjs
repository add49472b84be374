// Starts one of the two node peer servers of the fan-out benchmark on 127.0.0.1 and an OS-chosen
// port, and prints {"port":N} on stdout once it listens.
//
//   node peers.mjs y-websocket [--persist DIR]
//   node peers.mjs hocuspocus  [--persist DIR]
//
// y-websocket: what @y/websocket-server 0.1.1's own src/server.js does (setupWSConnection
// behind an http server, the room from the URL path), except that the port is chosen by the OS,
// ws is the pinned ws 8.18.3 (the package leaves ws to the application: an optional
// dependency), and the two benchmark hooks below (/__flush, SIGUSR2) are added. --persist sets YPERSISTENCE=DIR before the package loads: its y-leveldb update
// log, the only persistence it has. GET /__flush?doc=NAME answers {"stored": <entries>} once
// every update queued for LevelDB so far is written (y-leveldb runs everything through one chain).
//
// hocuspocus: @hocuspocus/server 3.4.0 `new Server({...}).listen()`, loaded as ESM (the CJS
// build costs ~4x in Yjs). Hocuspocus stores whole-document snapshots only (extension-database,
// debounced). For the cold-load comparison --persist adds a minimal append-only update log
// (FileLog below: every update appended to DIR/<doc>.log, all applied in one transaction on
// load, as y-leveldb does), so all three servers load the same 100,000 stored updates.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [kind, ...rest] = process.argv.slice(2);
const persist = rest.includes('--persist') ? rest[rest.indexOf('--persist') + 1] : null;
const ready = (port) => process.stdout.write(JSON.stringify({ port, pid: process.pid }) + '\n');
process.on('SIGTERM', () => process.exit(0));
// The runner sends SIGUSR2 before it reads RSS: collect garbage first, so that the memory
// figures count live objects, not whatever the collector had not got to yet (node runs with
// --expose-gc for this).
process.on('SIGUSR2', () => globalThis.gc?.());
process.on('SIGINT', () => process.exit(0));

if (kind === 'y-websocket') {
  if (persist) process.env.YPERSISTENCE = persist;
  const { setupWSConnection, getPersistence } = await import('@y/websocket-server/utils');
  const { WebSocketServer } = await import('ws');
  const { getLevelUpdates } = await import('y-leveldb');
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname === '/__flush') {
      // A no-op at the end of y-leveldb's operation chain: it runs once everything queued
      // before it is done. (Not getStateVector: that merges and rewrites the whole log.)
      const p = getPersistence();
      const stored = p
        ? (await p.provider._transact((db) => getLevelUpdates(db, url.searchParams.get('doc') ?? '', { keys: true, values: false }))).length
        : null;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return response.end(JSON.stringify({ stored }));
    }
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.end('okay');
  });
  wss.on('connection', setupWSConnection);
  server.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  server.listen(0, '127.0.0.1', () => ready(server.address().port));
} else if (kind === 'hocuspocus') {
  const { Server } = await import('@hocuspocus/server');
  const Y = await import('yjs');
  const extensions = [];
  if (persist) {
    fs.mkdirSync(persist, { recursive: true });
    const file = (name) => path.join(persist, encodeURIComponent(name) + '.log');
    extensions.push({
      async onLoadDocument({ documentName, document }) {
        let buf;
        try {
          buf = fs.readFileSync(file(documentName));
        } catch {
          return;
        }
        const t0 = performance.now();
        Y.transact(document, () => {
          for (let pos = 0; pos + 4 <= buf.length; ) {
            const n = buf.readUInt32LE(pos);
            Y.applyUpdate(document, buf.subarray(pos + 4, pos + 4 + n));
            pos += 4 + n;
          }
        });
        if (process.env.NAPC_BENCH_DEBUG) console.error(`FileLog: applied ${buf.length} bytes in ${(performance.now() - t0).toFixed(1)} ms`);
      },
      async onChange({ documentName, update }) {
        const head = Buffer.alloc(4);
        head.writeUInt32LE(update.length);
        fs.appendFileSync(file(documentName), Buffer.concat([head, update]));
      },
    });
  }
  const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, extensions });
  await server.listen();
  ready(server.httpServer.address().port);
} else {
  console.error('usage: node peers.mjs y-websocket|hocuspocus [--persist DIR]');
  process.exit(2);
}
