// The attacks of issue #10 ("Hardening") as small hostile clients. Each runs one attack against
// a server and reports what the attacker saw (answers, close codes, how much it got to send);
// hardening.test.mjs asserts each fix on its own, hostile_traffic.test.mjs runs them all at once
// next to honest users. Every loop here is bounded in count and in time, and all traffic goes to
// the server under test on 127.0.0.0/8.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseHttpResponses, rawHttp, rawSocket, sleep } from './harness.mjs';

// ---- WebSocket frames written byte by byte ----

/**
 * A client (masked) WebSocket frame. `length` declares a payload length other than the bytes
 * given (the header of a message that is never finished); the mask key is zero unless given.
 */
export function wsFrame(opcode, payload = new Uint8Array(0), { fin = true, length, mask = [0, 0, 0, 0] } = {}) {
  const data = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  const n = length ?? data.length;
  const head = [(fin ? 0x80 : 0) | opcode];
  if (n < 126) head.push(0x80 | n);
  else if (n < 65536) head.push(0x80 | 126, n >> 8, n & 0xff);
  else {
    head.push(0x80 | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(n));
    head.push(...big);
  }
  head.push(...mask);
  const masked = Buffer.from(data);
  for (let i = 0; i < masked.length; ++i) masked[i] ^= mask[i & 3];
  return Buffer.concat([Buffer.from(head), masked]);
}

export const PING = wsFrame(0x9);

// Writes `chunk` and resolves once the socket took it (or failed or closed): backpressure for the
// flood loops below, which stop as soon as the server has closed the connection.
function writeAndWait(sock, chunk) {
  return new Promise((resolve) => {
    if (sock.destroyed || !sock.writable) return resolve(false);
    sock.write(chunk, (err) => resolve(!err));
  });
}

// A raw /ws/doc connection that has received the server's sync step 1.
export async function openedRaw(server, room, token) {
  const raw = await rawSocket(server, room, token);
  await raw.next((m) => m[0] === 0 && m[1] === 0);
  return raw;
}

// Resolves with the close ({code, reason}) of a rawSocket, or null after `timeout` ms.
export function closeWithin(raw, timeout) {
  return Promise.race([raw.closedPromise, sleep(timeout).then(() => raw.closed())]);
}

// ---- #1, #2: chunked requests with oversized trailers ----

// A chunked request with a 2-byte body, up to the end of the last chunk: what follows are the
// trailer fields and the empty line that ends them.
export function chunkedHead(method = 'POST', target = '/api/join') {
  return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n';
}

/** #1: one trailer field of `fieldBytes`. Resolves with {responses, closed, error}. */
export async function oversizedTrailer(server, { fieldBytes = 70 * 1024, localAddress, timeout = 5000 } = {}) {
  const r = await rawHttp(server, [chunkedHead(), `X-Pad: ${'a'.repeat(fieldBytes)}\r\n\r\n`], {
    localAddress, timeout, until: (b) => parseHttpResponses(b).responses.length > 0,
  });
  return { ...parseHttpResponses(r.data), closed: r.closed, error: r.error };
}

/**
 * #2: a trailer of many small fields, `totalBytes` in all, written in `chunkBytes` pieces until the
 * server answers or closes the connection (or `timeout`). Resolves with {responses, sent, closed}:
 * `sent` counts the trailer bytes the socket accepted.
 */
export function trailerFlood(server, {
  totalBytes = 50e6, fieldBytes = 10, chunkBytes = 1 << 20, localAddress, timeout = 20000,
} = {}) {
  // Small fields cost the old server most: each one is a node of its own in the field list.
  const field = `X-F: ${'b'.repeat(Math.max(1, fieldBytes - 7))}\r\n`;
  const chunk = Buffer.from(field.repeat(Math.max(1, Math.floor(chunkBytes / field.length))));
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
    const received = [];
    let sent = 0;
    let closed = false;
    let answered = false;
    const deadline = Date.now() + timeout;
    sock.on('data', (c) => {
      received.push(c);
      if (parseHttpResponses(Buffer.concat(received)).responses.length > 0) answered = true;
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      closed = true;
      // Refused (or reset) before the connection was made: nothing was sent.
      if (sock.connecting || !connected) resolve({ responses: [], rest: Buffer.alloc(0), sent, closed: true });
    });
    let connected = false;
    sock.on('connect', async () => {
      connected = true;
      await writeAndWait(sock, chunkedHead('GET', '/healthz'));
      while (sent < totalBytes && !answered && !closed && Date.now() < deadline) {
        if (!(await writeAndWait(sock, chunk))) break;
        sent += chunk.length;
        // Let node read between writes (as a browser or curl would): writes back to back hit
        // EPIPE once the server has closed, and node then drops the 431 it had not read yet.
        await sleep(1);
      }
      // All of it taken: end the trailer, and give a server that parses it time to answer.
      let wait = 2000;
      if (sent >= totalBytes && !answered && !closed && (await writeAndWait(sock, '\r\n'))) wait = 15000;
      const end = Date.now() + wait;
      while (!answered && !closed && Date.now() < end) await sleep(20);
      const wasClosed = closed;
      if (answered && !closed) {
        // The server should close after its 431; wait for that briefly.
        const closeBy = Date.now() + 3000;
        while (!closed && Date.now() < closeBy) await sleep(20);
      }
      const closedAfterAnswer = closed;
      sock.destroy();
      resolve({ ...parseHttpResponses(Buffer.concat(received)), sent, closed: wasClosed || closedAfterAnswer });
    });
  });
}

// ---- #3: unfinished 4 MiB messages ----

/**
 * On each of `sockets` (open rawSockets), writes the header of a binary frame that declares
 * `declared` bytes and then `send` bytes of its payload, in 64 KiB pieces, stopping early on a
 * connection the server closes. Resolves with the bytes each connection got to send.
 */
export async function sendUnfinished(sockets, { declared = 4 << 20, send = 3 << 20, timeout = 15000 } = {}) {
  const deadline = Date.now() + timeout;
  const piece = Buffer.alloc(64 << 10);
  return Promise.all(sockets.map(async (raw) => {
    const sock = raw.ws._socket;
    let sent = 0;
    if (!(await writeAndWait(sock, wsFrame(0x2, [], { length: declared })))) return sent;
    while (sent < send && raw.ws.readyState === raw.ws.OPEN && Date.now() < deadline) {
      if (!(await writeAndWait(sock, piece.subarray(0, Math.min(piece.length, send - sent))))) break;
      sent += Math.min(piece.length, send - sent);
    }
    return sent;
  }));
}

// ---- #4: idle TCP connections ----

/**
 * Opens `count` TCP connections from `localAddress` that never send a byte, `batch` at a time.
 * Returns {sockets, open(), closedByServer(), destroy()}: `open()` counts the connections still
 * open from the client's side.
 */
export async function idleFlood(server, { count = 1000, localAddress = '127.0.0.1', batch = 100, timeout = 10000 } = {}) {
  const sockets = [];
  const deadline = Date.now() + timeout;
  for (let i = 0; i < count && Date.now() < deadline; i += batch) {
    const wave = [];
    for (let k = i; k < Math.min(count, i + batch); ++k) {
      const s = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
      s.state = 'connecting';
      s.on('error', () => {});
      s.on('close', () => { s.state = 'closed'; });
      s.on('end', () => { s.byServer = true; });
      sockets.push(s);
      wave.push(new Promise((resolve) => {
        s.once('connect', () => {
          if (s.state === 'connecting') s.state = 'open';
          resolve();
        });
        s.once('close', resolve);
        setTimeout(resolve, Math.max(0, deadline - Date.now()));
      }));
    }
    await Promise.all(wave);
  }
  return {
    sockets,
    open: () => sockets.filter((s) => s.state === 'open').length,
    closedByServer: () => sockets.filter((s) => s.byServer || (s.state === 'closed')).length,
    destroy: () => { for (const s of sockets) s.destroy(); },
  };
}

// ---- #5: template validation storm ----

const sourceDir = process.env.NAPC_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../../..');

/** A template (as text) whose one day has `items` empty items: ~3 bytes per item, ~4 issues each. */
export function stormTemplate(items = 85000) {
  const base = JSON.parse(readFileSync(path.join(sourceDir, 'agendas/templates/children-parallel-session.json'), 'utf8'));
  const { $schema, description, safeguards, basis, days, ...rest } = base;
  const day = { ...days[0], items: Array.from({ length: items }, () => ({})) };
  return JSON.stringify({ ...rest, days: [day] });
}

// ---- #6: invitation code guessing ----

/**
 * `count` POST /api/join with wrong codes from `localAddress`, each on its own connection: all
 * connections are opened first, then every request is written at once, so that the server has
 * them all in hand together (`beforeWrite` runs in between). Resolves with [{status, error, retryAfter}] (status 0: no answer).
 */
export async function guessCodes(server, { count = 300, localAddress, timeout = 20000, beforeWrite } = {}) {
  const socks = await Promise.all(Array.from({ length: count }, () => new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
    const timer = setTimeout(() => resolve(s), timeout);
    s.on('error', () => {});
    s.once('connect', () => { clearTimeout(timer); resolve(s); });
    s.once('close', () => { clearTimeout(timer); resolve(s); });
  })));
  const answers = socks.map((s) => new Promise((resolve) => {
    if (s.destroyed) return resolve({ status: 0 });  // never connected
    const chunks = [];
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      const [res] = parseHttpResponses(Buffer.concat(chunks)).responses;
      resolve(res ? { status: res.status, error: res.json?.error, retryAfter: res.headers['retry-after'] } : { status: 0 });
    };
    const timer = setTimeout(done, timeout);
    s.on('data', (c) => {
      chunks.push(c);
      if (parseHttpResponses(Buffer.concat(chunks)).responses.length > 0) done();
    });
    s.once('close', done);
  }));
  if (beforeWrite) await beforeWrite();
  socks.forEach((s, i) => {
    const body = JSON.stringify({ code: `GUESS-${String(i).padStart(5, '0')}`, display_name: 'Mallory' });
    if (!s.destroyed) {
      s.write(`POST /api/join HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
  });
  return Promise.all(answers);
}

// ---- #10: ping flood ----

/**
 * On an open rawSocket, stops reading and writes `count` pings in pieces of `perWrite`, until the
 * socket can take no more or `timeout`; then reads again and resolves with {sent, closed}: the
 * close the server sent within `closeTimeout`, or null.
 */
export async function pingFlood(raw, { count = 200000, perWrite = 5000, timeout = 20000, closeTimeout = 5000 } = {}) {
  const sock = raw.ws._socket;
  const piece = Buffer.concat(Array.from({ length: perWrite }, () => PING));
  const deadline = Date.now() + timeout;
  let sent = 0;
  sock.pause();
  while (sent < count && raw.ws.readyState === raw.ws.OPEN && Date.now() < deadline) {
    if (!(await writeAndWait(sock, piece))) break;
    sent += perWrite;
  }
  sock.resume();
  return { sent, closed: await closeWithin(raw, closeTimeout) };
}

// ---- #11: malformed request lines ----

export const MALFORMED_REQUESTS = [
  { name: 'no HTTP version', bytes: 'GET /healthz\r\n\r\n' },
  { name: 'bare LF line endings', bytes: 'GET /healthz HTTP/1.1\nHost: x\n\n' },
  { name: 'NUL in the target', bytes: 'GET /heal\0thz HTTP/1.1\r\nHost: x\r\n\r\n' },
];

/** Sends one malformed request; resolves with {responses, closed}. */
export async function malformedRequest(server, bytes, { localAddress, timeout = 3000 } = {}) {
  const r = await rawHttp(server, bytes, { localAddress, timeout });
  return { ...parseHttpResponses(r.data), raw: r.data, closed: r.closed };
}

// ---- #12: a sync message whose length prefix says more than there is ----

export const TRUNCATED_SYNC = Uint8Array.from([0, 2, 0x7f]);
