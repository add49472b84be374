// Operations over real sockets: /healthz, /readyz, /metrics (Prometheus text), idle documents
// unloaded after they are persisted, log compaction, `napconsult db check|backup|compact|dump`, the
// demo command, and graceful shutdown on SIGTERM (clients closed with 1012, nothing lost).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  bin, cli, createConsultation, docText, invitation, join, provider, rawSocket, request, sleep,
  startServer, synced, tempDir, waitFor, Y,
} from './lib/harness.mjs';

let dir;
let db;
let server;
let consultation;
let token;

async function metrics() {
  const r = await request(`${server.url}/metrics`);
  assert.equal(r.status, 200);
  const values = {};
  for (const line of r.text.split('\n')) {
    const m = line.match(/^([a-z_]+(?:\{[^}]*\})?) (\S+)$/);
    if (m) values[m[1]] = Number(m[2]);
  }
  return { text: r.text, values, type: r.headers.get('content-type') };
}

before(async () => {
  dir = tempDir();
  db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Operations');
  server = await startServer({ dir, db, args: ['--unload-delay-ms', '200'] });
  token = (await join(server, invitation(consultation, 'drafter', 'government').code)).token;
});

after(async () => {
  await server?.stop();
});

test('/healthz and /readyz', async () => {
  const h = await request(`${server.url}/healthz`);
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
  const r = await request(`${server.url}/readyz`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ready' });
  assert.equal((await request(`${server.url}/readyz`, { method: 'POST', body: {} })).status, 405);
});

test('/metrics speaks Prometheus text and counts what happens', async () => {
  const before = await metrics();
  assert.match(before.type, /^text\/plain; version=0\.0\.4/);
  for (const name of ['napc_ws_connections', 'napc_rooms', 'napc_documents_loaded', 'napc_updates_applied_total',
    'napc_bytes_in_total', 'napc_bytes_out_total', 'napc_queue_overflows_total', 'napc_commits_total']) {
    assert.match(before.text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'), name);
  }
  assert.match(before.text, /^# TYPE napc_fanout_latency_seconds histogram$/m);
  assert.match(before.text, /^napc_commit_latency_seconds_bucket\{le="\+Inf"\} \d+$/m);

  const room = `${consultation.id}/introduction`;
  const p = provider(server, room, token);
  await synced(p);
  p.text.insert(0, 'counted');
  await waitFor(async () => (await metrics()).values.napc_updates_applied_total >= before.values.napc_updates_applied_total + 1);
  const during = await metrics();
  assert.equal(during.values.napc_ws_connections, before.values.napc_ws_connections + 1);
  assert.ok(during.values.napc_documents_loaded >= 1);
  assert.ok(during.values.napc_bytes_in_total > before.values.napc_bytes_in_total);
  assert.ok(during.values.napc_bytes_out_total > before.values.napc_bytes_out_total);
  assert.ok(during.values.napc_commits_total > before.values.napc_commits_total);
  assert.ok(during.values['napc_fanout_latency_seconds_bucket{le="+Inf"}'] >= 1);
  p.provider.destroy();
});

test('idle documents are unloaded once persisted, and load again intact', async () => {
  const room = `${consultation.id}/scope`;
  const p = provider(server, room, token);
  await synced(p);
  p.text.insert(0, 'kept across unloads');
  await waitFor(async () => {
    const r = await request(`${server.url}/metrics`);
    return /^napc_documents_loaded [1-9]/m.test(r.text);
  });
  p.provider.destroy();
  await waitFor(async () => (await metrics()).values.napc_documents_loaded === 0, { message: 'unload', timeout: 5000 });
  assert.equal((await metrics()).values.napc_rooms, 0);
  const again = provider(server, room, token);
  await synced(again);
  assert.equal(docText(again.doc), 'kept across unloads');
  again.provider.destroy();
});

test('a log larger than its snapshot is compacted; the document stays intact', async () => {
  const room = `${consultation.id}/situation`;
  const p = provider(server, room, token);
  await synced(p);
  const before = (await metrics()).values.napc_compactions_total;
  for (let i = 0; i < 300; ++i) p.text.insert(p.text.length, `${i}:${'z'.repeat(300)}\n`);
  await waitFor(async () => (await metrics()).values.napc_compactions_total > before, { message: 'compaction', timeout: 10000 });
  p.text.delete(0, 100);
  const expected = docText(p.doc);
  await sleep(300);
  p.provider.destroy();
  await server.stop({ keep: true });
  const check = cli(['db', 'check', '--db', db]);
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const dump = cli(['db', 'dump', '--db', db, '--document', room]);
  const stored = new Y.Doc();
  Y.applyUpdate(stored, Buffer.from(dump.stdout.trim(), 'base64'));
  assert.equal(docText(stored), expected);
  // Offline compaction folds every remaining log; the documents read the same afterwards.
  const compact = cli(['db', 'compact', '--db', db]);
  assert.equal(compact.status, 0, compact.stderr);
  assert.match(compact.stdout, /^compacted \d+ documents$/m);
  const after = new Y.Doc();
  Y.applyUpdate(after, Buffer.from(cli(['db', 'dump', '--db', db, '--document', room]).stdout.trim(), 'base64'));
  assert.equal(docText(after), expected);
  assert.equal(cli(['db', 'check', '--db', db]).status, 0);
  server = await startServer({ dir, db, args: ['--unload-delay-ms', '200'] });
});

test('db backup copies a live database; db check finds damage', async () => {
  const room = `${consultation.id}/principles`;
  const p = provider(server, room, token);
  await synced(p);
  p.text.insert(0, 'backed up');
  await sleep(200);
  const copy = path.join(dir, 'backup.db');
  const b = cli(['db', 'backup', '--db', db, '--out', copy]);
  assert.equal(b.status, 0, b.stderr);
  assert.ok(existsSync(copy));
  assert.equal(cli(['db', 'backup', '--db', db, '--out', copy]).status, 1, 'never overwrites');
  assert.equal(cli(['db', 'check', '--db', copy]).status, 0);
  const dump = cli(['db', 'dump', '--db', copy, '--document', room]);
  const restored = new Y.Doc();
  Y.applyUpdate(restored, Buffer.from(dump.stdout.trim(), 'base64'));
  assert.equal(docText(restored), 'backed up');
  p.provider.destroy();

  // Damage a copy in the middle of its pages.
  const damaged = path.join(dir, 'damaged.db');
  copyFileSync(copy, damaged);
  const size = statSync(damaged).size;
  assert.ok(size > 4096);
  const fd = openSync(damaged, 'r+');
  writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);  // every page but the header
  closeSync(fd);
  const c = cli(['db', 'check', '--db', damaged]);
  assert.notEqual(c.status, 0, c.stdout);
  assert.equal(cli(['db', 'check', '--db', path.join(dir, 'missing.db')]).status, 1);
});

test('demo creates a consultation once, then reuses it, and prints its links', async () => {
  const demoDir = tempDir();
  const run = () => new Promise((resolve, reject) => {
    const child = spawn(bin, ['demo', '--listen', '127.0.0.1:0', '--db', path.join(demoDir, 'demo.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      // Once: a second SIGTERM during teardown (after the signal set is gone) kills the process.
      if (/listening on/.test(out) && child.signalCode === null && !child.killed) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c) => { out += c; });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`demo exited ${code}: ${out}`))));
  });
  const first = await run();
  const second = await run();
  const id = (s) => s.match(/demo consultation (\S+)/)[1];
  assert.equal(id(first), id(second));
  assert.match(first, /facilitator: http:\/\/127\.0\.0\.1:\d+\/\?consultation=\S+#token=[A-Za-z0-9_-]{43}/);
  assert.match(first, /drafter \(workers\): http:\/\/127\.0\.0\.1:\d+\/\?join=[0-9A-Z]{5}-[0-9A-Z]{5}/);
  // The reprinted facilitator token works.
  const tokenMatch = second.match(/#token=([A-Za-z0-9_-]{43})/);
  const s = await startServer({ dir: demoDir, db: path.join(demoDir, 'demo.db') });
  const r = await request(`${s.url}/api/consultations/${id(second)}`, { token: tokenMatch[1] });
  assert.equal(r.status, 200);
  await s.stop();
});

test('SIGTERM: clients are closed with 1012, pending work is flushed, the process exits 0', async () => {
  const room = `${consultation.id}/roles`;
  const raw = await rawSocket(server, room, token);
  await raw.next((m) => m[0] === 0 && m[1] === 0);
  const d = new Y.Doc();
  d.getText('text').insert(0, 'written just before the shutdown');
  const u = Y.encodeStateAsUpdate(d);
  raw.send(Uint8Array.from([0, 2, u.length, ...u]));
  await raw.next((m) => m[0] === 0 && m[1] === 2);
  const t0 = Date.now();
  const exited = server.kill('SIGTERM');
  const closed = await raw.closedPromise;
  assert.equal(closed.code, 1012);
  const { code } = await exited;
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 6000);
  assert.match(server.output(), /shutting down/);
  server = await startServer({ dir, db });
  const p = provider(server, room, token);
  await synced(p);
  assert.equal(docText(p.doc), 'written just before the shutdown');
  p.provider.destroy();
});
