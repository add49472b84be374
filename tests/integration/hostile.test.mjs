// Hostile input over real sockets: random bytes, truncated and mutated updates, invalid UTF-8,
// oversized frames, unknown message types, text frames, floods from one connection, and a
// document past its size cap. Each hostile connection is closed with a clear code or its
// message refused; the document is unchanged; the server stays up and keeps serving a
// bystander client in the same room.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createConsultation, docText, invitation, join, provider, rawSocket, request, sleep,
  startServer, synced, tempDir, waitFor, Y,
} from './lib/harness.mjs';
import { frame, syncUpdate } from './lib/frames.mjs';
import path from 'node:path';

const MAX_MESSAGE = 64 * 1024;
const MAX_DOCUMENT = 32 * 1024;

let server;
let consultation;
let drafter;
let room;
let bystander;
let bystanderCloses = 0;
const ORIGINAL = 'Article 1. Forced labour is prohibited.';

const awarenessFrame = (payload) => frame(1, payload);

function prng(seed) {
  let x = seed >>> 0;
  return (n) => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

// Opens a raw connection, completes the handshake, runs `attack`, and resolves with how the
// connection ended (close code) or with the messages received when it stayed open.
async function attack(fn, { waitClose = true } = {}) {
  const raw = await rawSocket(server, room, drafter.token);
  await raw.next((m) => m[0] === 0 && m[1] === 0);
  await fn(raw);
  if (!waitClose) return raw;
  const closed = await Promise.race([raw.closedPromise, sleep(5000).then(() => null)]);
  if (!closed) raw.ws.terminate();
  return closed;
}

async function assertDocumentIntact() {
  assert.equal(docText(bystander.doc), ORIGINAL);
  const fresh = provider(server, room, consultation.facilitator_token);
  await synced(fresh);
  assert.equal(docText(fresh.doc), ORIGINAL);
  fresh.provider.destroy();
  assert.equal((await request(`${server.url}/healthz`)).status, 200);
  assert.equal(bystanderCloses, 0, 'the bystander was never disconnected');
}

before(async () => {
  const dir = tempDir();
  const db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Hostile input');
  server = await startServer({
    dir, db,
    args: ['--max-message-bytes', String(MAX_MESSAGE), '--max-document-bytes', String(MAX_DOCUMENT),
      '--msg-rate', '200', '--msg-burst', '400'],
  });
  drafter = await join(server, invitation(consultation, 'drafter', 'workers').code, { name: 'Mallory' });
  room = `${consultation.id}/introduction`;
  bystander = provider(server, room, drafter.token);
  bystander.provider.on('connection-close', () => { bystanderCloses += 1; });
  await synced(bystander);
  bystander.text.insert(0, ORIGINAL);
  const check = provider(server, room, consultation.facilitator_token);
  await synced(check);
  await waitFor(() => docText(check.doc) === ORIGINAL, { message: 'original stored' });
  check.provider.destroy();
});

after(async () => {
  bystander?.provider.destroy();
  await server?.stop();
});

test('random bytes: closed with a protocol code, document unchanged', async () => {
  const rand = prng(20261123);
  const codes = new Set();
  for (let i = 0; i < 25; ++i) {
    const len = 1 + rand(200);
    const bytes = Uint8Array.from({ length: len }, () => rand(256));
    // Keep the outer type valid half of the time so the inner decoders are reached too.
    if (i % 2 === 0) bytes[0] = rand(2);
    const closed = await attack(async (raw) => raw.send(bytes));
    assert.ok(closed, `random frame ${i} left the connection open`);
    assert.ok([1002, 1003, 1007].includes(closed.code), `code ${closed.code} (${closed.reason})`);
    codes.add(closed.code);
  }
  assert.ok(codes.size >= 2, `codes seen: ${[...codes]}`);
  await assertDocumentIntact();
});

test('truncated updates: refused, document unchanged', async () => {
  const d = new Y.Doc();
  d.getText('text').insert(0, 'Injected paragraph that must never appear.');
  const update = Y.encodeStateAsUpdate(d);
  for (const cut of [1, 5, 10, update.length - 1]) {
    // Length prefix says more than there is: a malformed y-sync message in a valid WebSocket
    // frame, 1007 (1002 is for the WebSocket framing itself; issue #10).
    const frame = syncUpdate(update).slice(0, 3 + cut);
    let closed = await attack(async (raw) => raw.send(frame));
    assert.equal(closed?.code, 1007, `cut ${cut}: ${closed?.code} ${closed?.reason}`);
    // A well-formed frame around a truncated update: the update is malformed.
    closed = await attack(async (raw) => raw.send(syncUpdate(update.slice(0, cut))));
    assert.equal(closed?.code, 1007, `cut ${cut}: ${closed?.code} ${closed?.reason}`);
    assert.match(closed.reason, /malformed update/);
  }
  await assertDocumentIntact();
});

test('mutated updates that Yjs rejects are refused, document unchanged', async () => {
  const d = new Y.Doc();
  d.getText('text').insert(0, 'Mutant content');
  d.getMap('meta').set('k', { nested: [1, 2, 3] });
  const update = Y.encodeStateAsUpdate(d);
  const rand = prng(7);
  let rejectedByYjs = 0;
  for (let i = 0; i < 200 && rejectedByYjs < 12; ++i) {
    const mutated = Uint8Array.from(update);
    for (let k = 0; k < 1 + rand(3); ++k) mutated[rand(mutated.length)] = rand(256);
    // Yjs is the oracle: only mutants it throws on must be refused.
    let yjsThrows = false;
    try {
      Y.applyUpdate(new Y.Doc(), mutated);
    } catch {
      yjsThrows = true;
    }
    if (!yjsThrows) continue;
    rejectedByYjs += 1;
    const closed = await attack(async (raw) => raw.send(syncUpdate(mutated)));
    assert.ok(closed, `mutant ${i} was not refused`);
    assert.equal(closed.code, 1007, `mutant ${i}: ${closed.code} ${closed.reason}`);
  }
  assert.ok(rejectedByYjs >= 5, `only ${rejectedByYjs} mutants were rejected by Yjs`);
  await assertDocumentIntact();
});

test('invalid UTF-8: in an update, in awareness JSON, in a text frame', async () => {
  // An update whose string content is not UTF-8 ('abc' update with the 'c' replaced by 0xff).
  const bad = Uint8Array.from([1, 1, 1, 0, 4, 1, 4, 0x74, 0x65, 0x78, 0x74, 3, 0x61, 0x62, 0xff, 0]);
  let closed = await attack(async (raw) => raw.send(syncUpdate(bad)));
  assert.equal(closed?.code, 1007);
  // Awareness state '"\xff"' at clock 1.
  closed = await attack(async (raw) => raw.send(awarenessFrame([1, 9, 1, 3, 0x22, 0xff, 0x22])));
  assert.equal(closed?.code, 1007);
  // Awareness state that is not JSON.
  closed = await attack(async (raw) => raw.send(awarenessFrame([1, 9, 1, 2, 0x7b, 0x7b])));
  assert.equal(closed?.code, 1007);
  // Text frames: invalid UTF-8 is a WebSocket protocol error (1007); valid text is not ours.
  closed = await attack(async (raw) => raw.ws._socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe])));
  assert.equal(closed?.code, 1007);
  closed = await attack(async (raw) => raw.ws.send('hello'));
  assert.equal(closed?.code, 1003);
  await assertDocumentIntact();
});

test('oversized frames are closed with 1009', async () => {
  const closed = await attack(async (raw) => raw.send(new Uint8Array(MAX_MESSAGE + 1024)));
  assert.equal(closed?.code, 1009);
  await assertDocumentIntact();
});

test('unknown message types are closed with 1003', async () => {
  for (const frame of [[4], [0x7f, 1, 2], [0, 3, 0], [2, 5, 0]]) {
    const closed = await attack(async (raw) => raw.send(frame));
    assert.equal(closed?.code, 1003, `frame ${frame}`);
    assert.match(closed.reason, /unknown message type/);
  }
  // A client's auth message carries nothing for the server: ignored, connection stays up.
  const raw = await attack(async (r) => r.send([2, 0, 2, 0x6e, 0x6f]), { waitClose: false });
  raw.send([0, 0, 1, 0]);
  await raw.next((m) => m[0] === 0 && m[1] === 1);
  raw.close();
  await assertDocumentIntact();
});

test('a flood from one connection is closed with 1008; others are unaffected', async () => {
  const closed = await attack(async (raw) => {
    // Awareness at clock 0 for an unknown client: applied as nothing, but still a message.
    const frame = awarenessFrame([1, 42, 0, 2, 0x7b, 0x7d]);
    for (let i = 0; i < 2000; ++i) raw.send(frame);
  });
  assert.equal(closed?.code, 1008);
  assert.match(closed.reason, /rate limit/);
  await assertDocumentIntact();
});

test('updates past the document size cap are refused with permission denied', async () => {
  const raw = await attack(async () => {}, { waitClose: false });
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(bystander.doc));
  const before = Y.encodeStateVector(d);
  d.getText('text').insert(0, 'x'.repeat(MAX_DOCUMENT));
  raw.send(syncUpdate(Y.encodeStateAsUpdate(d, before)));
  const denied = await raw.next((m) => m[0] === 2);
  assert.match(Buffer.from(denied.slice(3)).toString(), /document size limit/);
  raw.close();
  await sleep(200);
  await assertDocumentIntact();
});
