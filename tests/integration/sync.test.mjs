// /ws/doc over real sockets with stock y-websocket 3.0.0 providers (yjs 13.6.33, ws as the
// WebSocket): the byte-level exchange of yjs-spec.md §5.7, convergence of several clients on
// several documents with each other and with what the server stores (after a restart), read-only
// observers, attribution of every update, awareness (echo, query, removal of a killed client),
// and a lone idle client that stays connected for 36 s (run alongside the other tests).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  cli, createConsultation, docText, invitation, join, provider, rawSocket, request, sleep,
  startServer, synced, tempDir, waitFor, Y,
} from './lib/harness.mjs';
import { syncUpdate } from './lib/frames.mjs';

let dir;
let db;
let server;
let consultation;
const drafters = [];
let observer;
let idleCheck;

const hex = (s) => Uint8Array.from(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const toHex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join(' ');

before(async () => {
  dir = tempDir();
  db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Drafting workshop');
  server = await startServer({ dir, db });
  for (const who of ['workers', 'employers', 'government']) {
    drafters.push(await join(server, invitation(consultation, 'drafter', who).code, { name: `Drafter ${who}`, constituency: who }));
  }
  observer = await join(server, invitation(consultation, 'observer', 'international').code, { name: 'ILO' });
  // The idle client starts now and is checked by the last test, 36 s later.
  // It has a server of its own, because the convergence test restarts this one.
  const idleServer = await startServer({ dir: tempDir(), db: path.join(tempDir(), 'idle.db') });
  const idle = createConsultation(idleServer.db, 'Idle');
  idleCheck = (async () => {
    const p = provider(idleServer, `${idle.id}/glossary`, idle.facilitator_token);
    p.awareness.setLocalStateField('user', { name: 'idle facilitator' });
    let closes = 0;
    const events = [];
    p.provider.on('connection-close', (e) => {
      closes += 1;
      events.push(`close ${e?.code} ${e?.reason} after ${Date.now() - started} ms`);
    });
    const started = Date.now();
    await synced(p);
    await sleep(36000);
    const connected = p.provider.wsconnected;
    const result = { closes, connected, events: [...events], elapsed: Date.now() - started };
    p.provider.destroy();
    await idleServer.stop();
    return result;
  })();
});

after(async () => {
  await server?.stop();
});

test('the wire exchange matches the reference server byte for byte', async () => {
  const room = `${consultation.id}/summary`;
  const a = await rawSocket(server, room, drafters[0].token);
  // The document is loaded, then step 1 with its (empty) state vector.
  assert.equal(toHex(await a.next()), '00 00 01 00');
  a.send(hex('00 00 01 00'));
  assert.equal(toHex(await a.next((m) => m[0] === 0 && m[1] === 1)), '00 01 02 00 00');
  // A first awareness state at clock 0 is ignored: nothing comes back.
  a.send(hex('01 06 01 01 00 02 7b 7d'));
  // 'abc' update: committed, then echoed to the sender.
  const abc = '00 02 10 01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00';
  a.send(hex(abc));
  assert.equal(toHex(await a.next((m) => m[0] === 0 && m[1] === 2)), abc);
  // A second client gets step 1 with the server's state vector {1:3}, then the content.
  const b = await rawSocket(server, room, drafters[1].token);
  assert.equal(toHex(await b.next()), '00 00 03 01 01 03');
  b.send(hex('00 00 01 00'));
  assert.equal(toHex(await b.next((m) => m[0] === 0 && m[1] === 1)),
    '00 01 10 01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00');
  // Awareness at clock 1 is broadcast to both, the sender included.
  const aw = '01 19 01 02 01 15 7b 22 75 73 65 72 22 3a 7b 22 6e 61 6d 65 22 3a 22 42 22 7d 7d';
  b.send(hex(aw));
  assert.equal(toHex(await b.next((m) => m[0] === 1)), aw);
  assert.equal(toHex(await a.next((m) => m[0] === 1)), aw);
  // Query awareness: all known states.
  const before = a.messages.length;
  a.send(hex('03'));
  assert.equal(toHex(await a.next((m) => m[0] === 1, { from: before })), aw);
  // B goes away abruptly: A receives the removal at the SAME clock 1.
  b.ws.terminate();
  assert.equal(toHex(await a.next((m) => m[0] === 1 && m[m.length - 1] === 0x6c, { from: before + 1 })),
    '01 08 01 02 01 04 6e 75 6c 6c');
  a.close();
});

async function randomEdits(clients, rounds, seed) {
  // mulberry32: small, seeded, good enough for choosing edit positions.
  let x = seed >>> 0;
  const rand = (n) => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
  for (let r = 0; r < rounds; ++r) {
    for (const c of clients) {
      const len = c.text.length;
      if (len > 0 && rand(4) === 0) {
        const at = rand(len);
        c.text.delete(at, Math.min(1 + rand(3), len - at));
      } else {
        c.text.insert(rand(len + 1), `${String.fromCharCode(97 + rand(26))}${r}`);
      }
    }
    await sleep(rand(3) * 5);
  }
}

function equalState(docs) {
  const sv = toHex(Y.encodeStateVector(docs[0]));
  const text = docText(docs[0]);
  return docs.every((d) => docText(d) === text && toHex(Y.encodeStateVector(d)) === sv);
}

test('stock providers converge on several documents, and with what the server stores', async () => {
  const sections = ['introduction', 'scope', 'situation'];
  const rooms = sections.map((s) => `${consultation.id}/${s}`);
  const clients = rooms.map((room) => drafters.map((d) => provider(server, room, d.token)));
  await Promise.all(clients.flat().map((c) => synced(c)));
  await Promise.all(clients.map((group, i) => randomEdits(group, 40, 7 + i)));
  for (const group of clients) {
    await waitFor(() => equalState(group.map((c) => c.doc)), { message: 'convergence', timeout: 15000 });
  }
  const expected = clients.map((group) => docText(group[0].doc));
  for (const [i, text] of expected.entries()) assert.ok(text.length > 40, `${rooms[i]}: ${text}`);
  assert.notEqual(expected[0], expected[1]);
  for (const c of clients.flat()) c.provider.destroy();

  // What the server stores: restart it and read each document with a fresh client.
  await server.stop({ keep: true });
  assert.equal(cli(['db', 'check', '--db', db]).status, 0);
  server = await startServer({ dir, db });
  for (const [i, room] of rooms.entries()) {
    const fresh = provider(server, room, consultation.facilitator_token);
    await synced(fresh);
    assert.equal(docText(fresh.doc), expected[i]);
    fresh.provider.destroy();
  }
});

test('observers are read-only: their updates are refused and never applied', async () => {
  const room = `${consultation.id}/principles`;
  const writer = provider(server, room, drafters[0].token);
  await synced(writer);
  writer.text.insert(0, 'agreed text');
  const reader = provider(server, room, observer.token);
  await synced(reader);
  await waitFor(() => docText(reader.doc) === 'agreed text', { message: 'observer reads' });

  // A raw observer connection: step 1 is answered, an update gets permission denied.
  const raw = await rawSocket(server, room, observer.token);
  await raw.next((m) => m[0] === 0 && m[1] === 0);
  raw.send(hex('00 00 01 00'));
  await raw.next((m) => m[0] === 0 && m[1] === 1);
  const evil = new Y.Doc();
  evil.getText('text').insert(0, 'VANDALISM ');
  raw.send(syncUpdate(Y.encodeStateAsUpdate(evil)));
  const denied = await raw.next((m) => m[0] === 2);
  assert.equal(denied[1], 0);
  assert.match(Buffer.from(denied.slice(3)).toString(), /read-only/);

  // The observer's own provider edits locally; nobody else ever sees it.
  reader.text.insert(0, 'observer edit ');
  await sleep(500);
  assert.equal(docText(writer.doc), 'agreed text');
  const fresh = provider(server, room, consultation.facilitator_token);
  await synced(fresh);
  assert.equal(docText(fresh.doc), 'agreed text');
  for (const p of [writer, reader, fresh]) p.provider.destroy();
  raw.close();
});


test('every applied update is attributed to its participant', async () => {
  const room = `${consultation.id}/legal_framework`;
  const [a, b] = [provider(server, room, drafters[0].token), provider(server, room, drafters[1].token)];
  await Promise.all([synced(a), synced(b)]);
  a.text.insert(0, 'Labour code');            // 11 characters by A
  await waitFor(() => docText(b.doc) === 'Labour code');
  b.text.insert(11, ', article 4');            // 11 characters by B
  b.text.delete(0, 7);                         // 7 deleted by B
  await waitFor(() => docText(a.doc) === 'code, article 4');
  const ledger = await waitFor(async () => {
    const r = await request(`${server.url}/api/consultations/${consultation.id}/contributions`, { token: consultation.facilitator_token });
    const rows = r.json.contributions.filter((c) => c.section === 'legal_framework');
    const sum = rows.reduce((s, c) => s + c.inserted + c.deleted, 0);
    return sum === 29 ? rows : null;
  }, { message: 'ledger' });
  const byId = Object.fromEntries(ledger.map((c) => [c.participant_id, c]));
  assert.equal(byId[drafters[0].participant_id].inserted, 11);
  assert.equal(byId[drafters[0].participant_id].deleted, 0);
  assert.equal(byId[drafters[1].participant_id].inserted, 11);
  assert.equal(byId[drafters[1].participant_id].deleted, 7);
  assert.equal(byId[drafters[1].participant_id].constituency, 'employers');
  a.provider.destroy();
  b.provider.destroy();
});

test("a killed client's awareness disappears for the others", async () => {
  const room = `${consultation.id}/roles`;
  const watcher = provider(server, room, drafters[0].token);
  watcher.awareness.setLocalStateField('user', { name: 'watcher' });
  await synced(watcher);
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'lib/awareness_client.mjs'),
    server.wsBase, room, drafters[1].token, 'doomed'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  await waitFor(() => /synced (\d+)/.test(out), { message: 'child synced' });
  const childId = Number(out.match(/synced (\d+)/)[1]);
  await waitFor(() => watcher.awareness.getStates().get(childId)?.user?.name === 'doomed', { message: 'child visible' });
  child.kill('SIGKILL');
  const t0 = Date.now();
  await waitFor(() => !watcher.awareness.getStates().has(childId), { message: 'child removed', timeout: 10000 });
  assert.ok(Date.now() - t0 < 5000, 'removed on close, not by the 30 s timeout');
  watcher.provider.destroy();
});

test('a lone idle client is not disconnected within 35 s', async () => {
  const r = await idleCheck;
  assert.equal(r.closes, 0, r.events.join('; '));
  assert.equal(r.connected, true);
  assert.ok(r.elapsed >= 35000);
});
