// The WebSocket layer (RFC 6455) over real sockets, with the `ws` client and with a bare TCP
// socket: pings answered with their payload, the close handshake (the client's code echoed, the
// server's own close completed), fragmented messages, the server's keep-alive pings and the idle
// timeout, and broadcasts with and without io_uring batches (the fallback path).
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  createConsultation, provider, rawSocket, sleep, startServer, synced, waitFor,
} from './lib/harness.mjs';
import { syncMessage } from './lib/frames.mjs';

// Twelve y-websocket providers each add a process 'exit' listener.
process.setMaxListeners(50);

const servers = [];
let server;
let consultation;
const room = () => `${consultation.id}/glossary`;

async function start(args = []) {
  const s = await startServer({ args: ['--idle-timeout', '2', ...args] });
  servers.push(s);
  return s;
}

before(async () => {
  server = await start();
  consultation = createConsultation(server.db, 'WebSocket');
});

after(async () => {
  for (const s of servers) await s.stop();
});

const step1 = () => syncMessage(0, [0]);  // an empty state vector

test('a ping is answered with a pong carrying its payload', async () => {
  const raw = await rawSocket(server, room(), consultation.facilitator_token);
  const payload = Buffer.from('are you there?');
  const pong = new Promise((resolve) => raw.ws.once('pong', resolve));
  raw.ws.ping(payload);
  assert.deepEqual(await pong, payload);
  raw.close();
});

test('the client closes: the server answers with its code and ends the connection', async () => {
  const raw = await rawSocket(server, room(), consultation.facilitator_token);
  raw.ws.close(4000, 'done here');
  const closed = await raw.closedPromise;
  assert.equal(closed.code, 4000);
});

test('a message in fragments (with a ping between) is one message', async () => {
  const raw = await rawSocket(server, room(), consultation.facilitator_token);
  const m = step1();
  const pong = new Promise((resolve) => raw.ws.once('pong', resolve));
  raw.ws.send(m.subarray(0, 2), { binary: true, fin: false });
  raw.ws.ping();
  raw.ws.send(m.subarray(2), { binary: true, fin: true });
  await pong;
  // The answer to a step 1 is a step 2.
  await raw.next((x) => x instanceof Uint8Array && x[0] === 0 && x[1] === 1);
  raw.close();
});

// A bare TCP client: completes the upgrade, then does whatever `behave` says with the socket.
function bareClient(s, token) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(s.port, '127.0.0.1');
    const key = crypto.randomBytes(16).toString('base64');
    let head = Buffer.alloc(0);
    sock.on('error', () => {});
    sock.on('connect', () => {
      sock.write(`GET /ws/doc/${room()}?token=${encodeURIComponent(token)} HTTP/1.1\r\n` +
        `Host: 127.0.0.1:${s.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.includes(' 101 ')) return reject(new Error(status));
      resolve({ sock, rest: head.subarray(end + 4) });
    };
    sock.on('data', onData);
  });
}

// Server frames are unmasked: opcode and payload of every complete frame in `buf`.
function serverFrames(buf) {
  const out = [];
  let at = 0;
  while (at + 2 <= buf.length) {
    let len = buf[at + 1] & 0x7f;
    let off = at + 2;
    if (len === 126) { len = buf.readUInt16BE(off); off += 2; }
    else if (len === 127) { len = Number(buf.readBigUInt64BE(off)); off += 8; }
    if (off + len > buf.length) break;
    out.push({ opcode: buf[at] & 0x0f, payload: buf.subarray(off, off + len) });
    at = off + len;
  }
  return out;
}

test('a silent peer is pinged at half the idle timeout and cut off at the full one', async () => {
  const { sock, rest } = await bareClient(server, consultation.facilitator_token);
  let received = Buffer.from(rest);
  sock.on('data', (c) => { received = Buffer.concat([received, c]); });
  const t0 = Date.now();
  const ended = new Promise((resolve) => sock.on('close', resolve));
  await Promise.race([ended, sleep(8000)]);
  const elapsed = Date.now() - t0;
  assert.ok(sock.destroyed || sock.readyState === 'closed', 'the silent peer was not disconnected');
  // --idle-timeout 2: not before 2 s, and within a tick or two after.
  assert.ok(elapsed >= 1900 && elapsed < 4000, `disconnected after ${elapsed} ms`);
  const opcodes = serverFrames(received).map((f) => f.opcode);
  assert.ok(opcodes.includes(0x9), `no ping among ${opcodes}`);
});

test('a peer that answers pings stays connected past the idle timeout', async () => {
  // `ws` answers pings by itself; this client sends nothing of its own for 5 s (2.5 timeouts).
  const raw = await rawSocket(server, room(), consultation.facilitator_token);
  let pings = 0;
  raw.ws.on('ping', () => { pings += 1; });
  await sleep(5000);
  assert.equal(raw.closed(), null, `closed: ${JSON.stringify(raw.closed())}`);
  assert.ok(pings >= 2, `${pings} pings`);
  raw.close();
});

test('the server closes: its close frame is completed by the client and the socket ends', async () => {
  // A text frame is refused with 1003; the client answers the close and sees the code.
  const raw = await rawSocket(server, room(), consultation.facilitator_token);
  raw.ws.send('not binary');
  const closed = await raw.closedPromise;
  assert.equal(closed.code, 1003);
  assert.equal(closed.reason, 'binary messages only');
});

for (const [label, args] of [['io_uring batches where available', []], ['one send() per connection (--no-io-uring)', ['--no-io-uring']]]) {
  test(`broadcasts reach every client: ${label}`, async () => {
    const s = args.length ? await start(args) : server;
    const c = args.length ? createConsultation(s.db, 'Fallback') : consultation;
    const clients = Array.from({ length: 12 }, () => provider(s, `${c.id}/introduction`, c.facilitator_token));
    await Promise.all(clients.map((p) => synced(p)));
    clients.forEach((p, i) => p.text.insert(0, `${i};`));
    const want = () => clients[0].text.toString();
    await waitFor(() => clients.every((p) => p.text.toString().split(';').length === 13 && p.text.toString() === want()),
      { message: 'all 12 clients converge' });
    // What the server stored is the same document.
    const final = want();
    for (const p of clients) p.provider.destroy();
    const check = provider(s, `${c.id}/introduction`, c.facilitator_token);
    await synced(check);
    const stored = check.text.toString();
    check.provider.destroy();
    assert.equal(stored, final);
  });
}
