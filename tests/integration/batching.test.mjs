// Write batching (issue 4): a burst of updates reaches a reader in fewer WebSocket messages than
// updates — merged by the room per group commit, and by the session when frames queue up behind
// a slow socket — and the reader ends with exactly the writer's document.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  createConsultation, invitation, join, rawSocket, request, sleep, startServer, tempDir, waitFor, Y,
} from './lib/harness.mjs';
import { syncPayload as carried, syncUpdate, varUint } from './lib/frames.mjs';

let consultation;
let token;
const servers = [];


async function metric(server, name) {
  assert.ok(server.alive(), `napconsult is gone:\n${server.output().slice(-2000)}`);
  const r = await request(`${server.url}/metrics`);
  const m = r.text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

async function start(args) {
  const dir = tempDir();
  const db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Batching');
  const server = await startServer({
    dir, db,
    args: ['--conn-rate', '10000', '--conn-burst', '10000',
      '--msg-rate', '100000', '--msg-burst', '100000', '--byte-rate', '1000000000',
      '--byte-burst', '1000000000', ...args],
  });
  servers.push(server);
  token = (await join(server, invitation(consultation, 'drafter', 'workers').code)).token;
  return server;
}

// A reader that applies every update it receives to its own Y.Doc and counts the messages.
async function reader(server, room) {
  const sock = await rawSocket(server, room, token);
  await sock.next((m) => m[0] === 0 && m[1] === 0);
  sock.send([0, 1, 2, 0, 0]);  // answer step 1: we have nothing
  sock.send([0, 0, 1, 0]);  // and ask for everything the server has
  const doc = new Y.Doc();
  let seen = 0;
  let updateMessages = 0;
  const drain = () => {
    for (; seen < sock.messages.length; ++seen) {
      const u = carried(sock.messages[seen]);
      if (!u) continue;
      if (sock.messages[seen][1] === 2) ++updateMessages;
      Y.applyUpdate(doc, u);
    }
  };
  return { sock, doc, drain, count: () => updateMessages };
}

// Sends `n` updates, each appending `size` characters after the previous one (one Yjs item per
// update, encoded here: a Y.Doc would merge the items and re-encode ever longer strings), as
// fast as the socket takes them; returns the text they make.
async function burst(server, room, n, size) {
  const w = await rawSocket(server, room, token);
  await w.next((m) => m[0] === 0 && m[1] === 0);
  const client = 777001;
  const root = Buffer.from('prosemirror');
  let clock = 0;
  let text = '';
  for (let i = 0; i < n; ++i) {
    const str = Buffer.from(String.fromCharCode(97 + (i % 26)).repeat(size));
    // V1 update: 1 client, 1 struct; an Item with string content (info 4), its origin the last
    // character of the previous update (info | 0x80), or the root type for the first one.
    const head = [1, 1, ...varUint(client), ...varUint(clock)];
    const item = clock === 0
      ? [0x04, 1, ...varUint(root.length), ...root]
      : [0x84, ...varUint(client), ...varUint(clock - 1)];
    const update = Buffer.concat([Buffer.from([...head, ...item, ...varUint(str.length)]), str,
      Buffer.from([0])]);
    w.send(syncUpdate(update));
    clock += size;
    text += str.toString();
  }
  return { text, close: () => w.close() };
}

after(async () => {
  for (const s of servers) await s.stop();
});

test('updates committed together reach a reader as one merged message', async (t) => {
  // Every group commit waits 300 ms, so the burst is committed in a few groups.
  const server = await start(['--debug-commit-delay-ms', '300']);
  const room = `${consultation.id}/scope`;
  const r = await reader(server, room);
  const N = 400;
  const w = await burst(server, room, N, 1);
  await waitFor(() => {
    r.drain();
    return r.doc.getText('prosemirror').toString() === w.text;
  }, { timeout: 30000, message: 'the reader holds the writer\'s text' });
  await sleep(300);
  r.drain();
  assert.equal(r.doc.getText('prosemirror').toString(), w.text);
  t.diagnostic(`${N} updates arrived in ${r.count()} messages`);
  assert.ok(r.count() <= N / 10, `${N} updates arrived in ${r.count()} messages`);
  assert.ok((await metric(server, 'napc_broadcast_merges_total')) >= 1);
  // A late joiner gets the same document from the server's state.
  const late = await reader(server, room);
  await waitFor(() => {
    late.drain();
    return late.doc.getText('prosemirror').toString() === w.text;
  }, { timeout: 10000, message: 'a late joiner holds the same text' });
  w.close();
  r.sock.close();
  late.sock.close();
});

test('frames queued behind a slow socket are written as one message', async (t) => {
  const server = await start(['--queue-bytes', String(64 << 20), '--queue-messages', '100000']);
  const room = `${consultation.id}/introduction`;
  const r = await reader(server, room);
  r.sock.ws._socket.pause();
  // Enough bytes to fill the kernel's socket buffers, so that the server's queue backs up.
  const N = 3000;
  const w = await burst(server, room, N, 4096);
  await waitFor(async () => (await metric(server, 'napc_updates_applied_total')) >= N,
    { timeout: 60000, interval: 200, message: 'the server applied the burst' });
  r.sock.ws._socket.resume();
  await waitFor(() => {
    r.drain();
    return r.doc.getText('prosemirror').length === w.text.length;
  }, { timeout: 60000, message: 'the slow reader caught up' });
  assert.equal(r.doc.getText('prosemirror').toString(), w.text);
  t.diagnostic(`${N} updates arrived in ${r.count()} messages`);
  assert.ok(r.count() < N, `${N} updates arrived in ${r.count()} messages`);
  assert.ok((await metric(server, 'napc_write_coalesces_total')) >= 1, 'no write was coalesced');
  w.close();
  r.sock.close();
});
