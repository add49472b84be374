// Durability: stock y-websocket clients keep editing while the server is killed with SIGKILL at
// random moments and restarted (on the same port and database), 20+ times. Afterwards:
//   1. with no client connected, the stored document contains every update any client had
//      received from the server (the commit-before-broadcast promise: kill -9 loses nothing a
//      client was shown);
//   2. after the clients reconnect, every client and the database hold the same document.
// Seeded: set NAPC_SEED to replay a run; the seed is printed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  cli, createConsultation, docText, invitation, join, provider, sleep, startServer, synced,
  tempDir, waitFor, Y,
} from './lib/harness.mjs';
import { syncPayload } from './lib/frames.mjs';

const CYCLES = Number(process.env.NAPC_DURABILITY_CYCLES ?? 20);
const seed = Number(process.env.NAPC_SEED ?? Date.now() % 1000000);

function prng(s) {
  let x = s >>> 0;
  return (n) => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

// Records the document updates a provider receives from the server (sync step 2 and update),
// across reconnects.
function recordReceived(client, sink) {
  const attach = () => {
    const ws = client.provider.ws;
    if (!ws || ws.__napcRecorded) return;
    ws.__napcRecorded = true;
    ws.addEventListener('message', (event) => {
      const update = syncPayload(new Uint8Array(event.data));
      if (update) sink.push(update);
    });
  };
  client.provider.on('status', attach);
  attach();
}

test(`clients keep editing through ${CYCLES} kill -9 / restart cycles and lose nothing`, { timeout: 170000 }, async (t) => {
  t.diagnostic(`seed ${seed} (NAPC_SEED=${seed} to replay)`);
  const rand = prng(seed);
  const dir = tempDir();
  const db = path.join(dir, 'napconsult.db');
  const consultation = createConsultation(db, 'Durability');
  // A commit delay widens the window between applying an update and its commit: a server that
  // showed clients anything before its commit would lose it to the next kill -9.
  const args = ['--debug-commit-delay-ms', '40'];
  let server = await startServer({ dir, db, args });
  const port = server.port;
  const rooms = [`${consultation.id}/introduction`, `${consultation.id}/scope`];
  const tokens = [];
  for (const who of ['workers', 'employers', 'government']) {
    tokens.push((await join(server, invitation(consultation, 'drafter', who).code, { name: who })).token);
  }
  const received = [[], []];
  const clients = [];
  for (const [r, room] of rooms.entries()) {
    for (const token of tokens) {
      const c = provider(server, room, token, { maxBackoffTime: 300 });
      c.room = r;
      c.token = token;
      recordReceived(c, received[r]);
      clients.push(c);
    }
  }
  await Promise.all(clients.map((c) => synced(c)));

  // Every client edits on its own timer, connected or not, for the whole run.
  let editing = true;
  let edits = 0;
  const editors = clients.map(async (c, i) => {
    const r = prng(seed + i + 1);
    while (editing) {
      const len = c.text.length;
      if (len > 20 && r(3) === 0) {
        const at = r(len);
        c.text.delete(at, Math.min(1 + r(4), len - at));
      } else {
        c.text.insert(r(len + 1), `${'abcdefghij'[r(10)]}${i}`);
      }
      edits += 1;
      await sleep(5 + r(25));
    }
  });

  // After each kill, before any restart, the database must already hold everything any client
  // has received from the server so far (clients would heal a loss by re-sending, so the check
  // reads the database directly, with `napconsult db dump`).
  const seen = rooms.map(() => new Y.Doc());
  const checkStorage = (when) => {
    for (const [r, room] of rooms.entries()) {
      for (const u of received[r].splice(0)) Y.applyUpdate(seen[r], u);
      const dump = cli(['db', 'dump', '--db', db, '--document', room]);
      assert.equal(dump.status, 0, dump.stderr);
      const stored = new Y.Doc();
      Y.applyUpdate(stored, Buffer.from(dump.stdout.trim(), 'base64'));
      const sv = Y.encodeStateVector(stored);
      const text = docText(stored);
      Y.applyUpdate(stored, Y.encodeStateAsUpdate(seen[r]));
      assert.deepEqual(Y.encodeStateVector(stored), sv, `${when}, ${room}: an update shown to a client is not in the database`);
      assert.equal(docText(stored), text, `${when}, ${room}: a deletion shown to a client is not in the database`);
      checked += 1;
    }
  };
  let checked = 0;
  for (let cycle = 0; cycle < CYCLES; ++cycle) {
    // Kill at a random moment: during reconnects, mid-sync, or while edits stream in.
    await sleep(150 + rand(1200));
    await server.kill('SIGKILL');
    checkStorage(`after kill ${cycle + 1}`);
    await sleep(rand(200));
    server = await startServer({ dir, db, port, args });
  }
  // The last server is killed mid-stream too, and the clients stop where they are.
  await sleep(300 + rand(500));
  await server.kill('SIGKILL');
  editing = false;
  await Promise.all(editors);
  for (const c of clients) {
    c.saved = Y.encodeStateAsUpdate(c.doc);
    c.provider.destroy();
  }
  checkStorage('after the last kill');
  t.diagnostic(`${edits} edits; storage checked ${checked} times against what clients had received`);

  // 1. No client connected: the stored documents contain everything any client received.
  server = await startServer({ dir, db, port });
  const stored = [];
  for (const [r, room] of rooms.entries()) {
    const fresh = provider(server, room, consultation.facilitator_token);
    await synced(fresh);
    const before = Y.encodeStateVector(fresh.doc);
    const text = docText(fresh.doc);
    assert.ok(docText(seen[r]).length > 0);
    Y.applyUpdate(fresh.doc, Y.encodeStateAsUpdate(seen[r]));
    assert.deepEqual(Y.encodeStateVector(fresh.doc), before, `${room}: an update shown to a client is missing from storage`);
    assert.equal(docText(fresh.doc), text, `${room}: a deletion shown to a client is missing from storage`);
    stored.push(text);
    fresh.provider.destroy();
  }

  // 2. The clients come back with their offline edits; everybody converges, and so does storage.
  const back = clients.map((c) => {
    const p = provider(server, rooms[c.room], c.token);
    Y.applyUpdate(p.doc, c.saved);
    return { ...p, room: c.room };
  });
  await Promise.all(back.map((c) => synced(c)));
  for (const r of [0, 1]) {
    const group = back.filter((c) => c.room === r);
    await waitFor(() => group.every((c) => docText(c.doc) === docText(group[0].doc)), { message: 'clients converge', timeout: 20000 });
  }
  const finalTexts = [0, 1].map((r) => docText(back.find((c) => c.room === r).doc));
  for (const c of back) c.provider.destroy();
  await server.stop({ keep: true });
  assert.equal(cli(['db', 'check', '--db', db]).status, 0);
  server = await startServer({ dir, db, port });
  for (const [r, room] of rooms.entries()) {
    const fresh = provider(server, room, consultation.facilitator_token);
    await synced(fresh);
    assert.equal(docText(fresh.doc), finalTexts[r]);
    assert.ok(finalTexts[r].length >= stored[r].length / 2);
    fresh.provider.destroy();
  }
  await server.stop();
});
