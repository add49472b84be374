// Yjs's second update event through the real server: when a remote transaction leaves redundant
// formatting in a nested Y.Text (two drafters bolding the same words at the same time), a Y.Doc
// deletes the redundant format items in a transaction of its own and emits that as a second
// update. A y-websocket server's Y.Doc does it; so must napconsult (crdt ApplyResult's
// cleanup_update), and the deletions must reach the other clients and survive a restart.
// The oracle is a plain Y.Doc in node that applies the same updates as a server would.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, createConsultation, rawSocket, startServer, tempDir, waitFor, Y } from './lib/harness.mjs';
import { syncMessage, syncPayload } from './lib/frames.mjs';

let dir;
let db;
let server;
let consultation;

before(async () => {
  dir = tempDir();
  db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Formatting cleanup');
  server = await startServer({ dir, db });
});

after(async () => {
  await server?.stop();
});

// The deletions an encoded update carries, as client → sorted merged [start, end) ranges.
// Read from the bytes, never through a Y.Doc: a Y.Doc would run the cleanup itself and hide
// whether the server sent it.
const deletions = (updates) => {
  const ranges = new Map();
  for (const u of updates) {
    for (const [client, items] of Y.decodeUpdate(u).ds.clients) {
      const list = ranges.get(client) ?? [];
      for (const i of items) list.push([i.clock, i.clock + i.len]);
      ranges.set(client, list);
    }
  }
  for (const [client, list] of ranges) {
    list.sort((x, y) => x[0] - y[0]);
    const merged = [];
    for (const r of list) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([...r]);
    }
    ranges.set(client, merged);
  }
  return ranges;
};

// True if every range of `needed` lies inside a range of `have`.
const covers = (have, needed) => [...needed].every(([client, list]) =>
  list.every(([s, e]) => (have.get(client) ?? []).some(([hs, he]) => hs <= s && e <= he)));

const boldRuns = (doc) => JSON.stringify(doc.getMap('section').get('body').toDelta());

test('a server-side formatting cleanup is broadcast, stored and survives a restart', async () => {
  // Two drafters share "forced labour indicators" in a nested text, then both bold "forced
  // labour" while apart: each produces its own pair of bold/unbold format items.
  const a = new Y.Doc();
  a.clientID = 101;
  const body = new Y.Text('forced labour indicators');
  a.getMap('section').set('body', body);
  const initial = Y.encodeStateAsUpdate(a);
  const b = new Y.Doc();
  b.clientID = 202;
  Y.applyUpdate(b, initial);
  const captured = (doc, fn) => {
    let u = null;
    const h = (update) => { u = update; };
    doc.on('update', h);
    fn();
    doc.off('update', h);
    return u;
  };
  const fromA = captured(a, () => body.format(0, 13, { bold: true }));
  const fromB = captured(b, () => b.getMap('section').get('body').format(0, 13, { bold: true }));

  // The oracle: a server-like Y.Doc (roots untyped) applying the three updates as remote ones.
  const reference = new Y.Doc();
  const emitted = [];
  reference.on('update', (u) => emitted.push(u));
  for (const u of [initial, fromA, fromB]) Y.applyUpdate(reference, u);
  assert.equal(emitted.length, 4, 'Yjs emits a cleanup update after the concurrent format');
  const cleanup = Y.decodeUpdate(emitted[3]);
  assert.equal(cleanup.structs.length, 0, 'the cleanup only deletes');
  assert.ok(cleanup.ds.clients.size > 0);
  const cleanupRanges = deletions([emitted[3]]);
  // Before the cleanup, nothing had deleted those format items.
  assert.ok(!covers(deletions(emitted.slice(0, 3)), cleanupRanges));
  const expectedDelta = boldRuns(reference);

  // Through the server: a reader watches while a writer sends the three updates.
  const room = `${consultation.id}/summary`;
  const reader = await rawSocket(server, room, consultation.facilitator_token);
  await reader.next((m) => m[0] === 0 && m[1] === 0);
  reader.send(syncMessage(0, Y.encodeStateVector(new Y.Doc())));
  const writer = await rawSocket(server, room, consultation.facilitator_token);
  await writer.next((m) => m[0] === 0 && m[1] === 0);
  for (const u of [initial, fromA, fromB]) writer.send(syncMessage(2, u));

  const received = () => reader.messages.map(syncPayload).filter((u) => u);
  await waitFor(() => covers(deletions(received()), cleanupRanges),
    { message: 'the reader to receive the cleanup deletions', timeout: 10000 });
  const seen = new Y.Doc();
  for (const u of received()) Y.applyUpdate(seen, u);
  assert.equal(boldRuns(seen), expectedDelta);
  reader.ws.close();
  writer.ws.close();

  // After a restart (log and snapshot reloaded), the state served still holds the deletions.
  await server.stop({ keep: true });
  assert.equal(cli(['db', 'check', '--db', db]).status, 0);
  server = await startServer({ dir, db });
  const fresh = await rawSocket(server, room, consultation.facilitator_token);
  await fresh.next((m) => m[0] === 0 && m[1] === 0);
  fresh.send(syncMessage(0, Y.encodeStateVector(new Y.Doc())));
  const state = syncPayload(await fresh.next((m) => m[0] === 0 && m[1] === 1));
  assert.ok(covers(deletions([state]), cleanupRanges), 'the state served after a restart holds the cleanup');
  const stored = new Y.Doc();
  Y.applyUpdate(stored, state);
  assert.equal(boldRuns(stored), expectedDelta);
  fresh.ws.close();
});
