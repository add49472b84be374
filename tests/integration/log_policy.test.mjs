// The logging policy (docs/architecture.md, "Logging") on a real server at --log-level debug:
// joins, document edits, bad requests, refused upgrades with a token in the query, a template
// with errors and a SIGTERM shutdown; then no line the server printed holds a token or an
// invitation code it handed out or received, and every stderr line is a structured log line.
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  createConsultation, join, provider, request, startServer, synced, tempDir, upgradeStatus, waitFor,
} from './lib/harness.mjs';

const LINE = new RegExp(
  '^ts=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=(debug|info|warn|error) ' +
  'event=[a-z][a-z0-9_]*( [a-z][a-z0-9_]*=([^ "=\\\\\\x00-\\x1f\\x7f]+|"([^"\\\\\\x00-\\x1f\\x7f]|\\\\.)*"))*$');

let dir;
let server;
let consultation;
const secrets = new Set();

function fakeToken(seed) {
  // 43 base64url characters, the shape of a real token, that the server has never issued.
  return (seed.repeat(43)).slice(0, 43);
}

function rawHttp(port, bytes) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(bytes));
    let got = '';
    s.on('data', (c) => { got += c; });
    s.on('close', () => resolve(got));
    s.on('error', () => resolve(got));
  });
}

before(async () => {
  dir = tempDir('napc-log-');
  const db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Log policy');
  secrets.add(consultation.facilitator_token);
  for (const inv of consultation.invitations) secrets.add(inv.code);
  server = await startServer({ dir, db, args: ['--log-level', 'debug'] });
});

after(async () => {
  if (server?.alive()) await server.stop();
});

test('a server at --log-level debug logs no secret and only structured lines', async () => {
  // Joins, with every invitation once, and refused joins with codes that do not exist.
  const tokens = [];
  for (const inv of consultation.invitations) {
    const j = await join(server, inv.code, { name: 'Ada Lovelace', organisation: 'Union of Analysts' });
    secrets.add(j.token);
    tokens.push(j.token);
  }
  for (const code of ['ZZZZZ-ZZZZZ', '22222-33333']) {
    secrets.add(code);
    const r = await request(`${server.url}/api/join`, { method: 'POST', body: { code, display_name: 'X', organisation: 'Y' } });
    assert.ok(r.status >= 400, r.text);
  }
  const badJson = await request(`${server.url}/api/join`, { method: 'POST', body: '{"code": ' });
  assert.equal(badJson.status, 400);

  // Document edits through a stock provider.
  const room = `${consultation.id}/roles`;
  const p = provider(server, room, consultation.facilitator_token);
  await synced(p);
  p.text.insert(0, 'the log never sees this text');
  const reader = provider(server, room, tokens[0]);
  await synced(reader);
  await waitFor(() => reader.text.toString().includes('never sees'), { message: 'the edit to arrive' });
  p.provider.destroy();
  reader.provider.destroy();

  // Bad requests: unknown tokens, malformed HTTP, unknown routes.
  const unknown = fakeToken('Qx7');
  secrets.add(unknown);
  assert.equal((await request(`${server.url}/api/consultations/${consultation.id}`, { token: unknown })).status, 401);
  assert.equal((await request(`${server.url}/api/nowhere?token=${unknown}`)).status, 404);
  await rawHttp(server.port, 'NOT HTTP AT ALL\r\n\r\n');
  await rawHttp(server.port, `GET /ws/doc/${room}?token=${unknown} HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n`);

  // Refused upgrades with a token in the query: unknown, wrong document, none.
  assert.equal((await upgradeStatus(server, `/ws/doc/${room}?token=${unknown}`)).status, 401);
  assert.equal((await upgradeStatus(server, `/ws/doc/${consultation.id}/no_such_section?token=${tokens[0]}`)).status, 404);
  assert.equal((await upgradeStatus(server, `/ws/doc/AAAAAAAAAAAAAAAA/roles?token=${tokens[0]}`)).status, 403);
  assert.equal((await upgradeStatus(server, `/ws/doc/${room}`)).status, 401);

  // A template with errors, previewed and uploaded.
  const bad = { id: 'bad', days: [{ key: 'd', minutes: 10, items: [{ key: 'i', kind: 'party', minutes: 5 }] }] };
  assert.equal((await request(`${server.url}/api/templates/validate`, { method: 'POST', token: consultation.facilitator_token, body: bad })).status, 422);
  assert.equal((await request(`${server.url}/api/consultations/${consultation.id}/agenda`, { method: 'PUT', token: consultation.facilitator_token, body: bad })).status, 422);

  // SIGTERM: a graceful shutdown, status 0.
  await server.stop({ keep: true });

  // server.output() holds everything the process wrote, stdout and stderr. stdout carries the
  // three lines of the announcement (unchanged: tests and scripts wait for them); every other
  // line is a log line on stderr.
  const output = server.output();
  const all = output.split('\n').filter((l) => l !== '');
  const announcement = [/^napconsult listening on http:\/\/127\.0\.0\.1:\d+$/, /^ {2}health: http:\/\/\S+\/healthz$/, /^ {2}web client: http:\/\/\S+\/$/];
  const lines = all.filter((l) => !announcement.some((re) => re.test(l)));
  assert.equal(all.length - lines.length, 3, output);
  assert.ok(lines.length > 0, 'the server logged nothing');
  for (const line of lines) assert.match(line, LINE);
  for (const event of ['server_started', 'joined', 'join_refused', 'upgrade_rejected', 'shutting_down', 'server_stopped']) {
    assert.ok(lines.some((l) => l.includes(` event=${event}`)), `no ${event} line in:\n${output}`);
  }
  assert.ok(secrets.size > 5);
  for (const line of all) {
    for (const secret of secrets) assert.ok(!line.includes(secret), `a secret reached the log: ${line}`);
    assert.ok(!line.includes('Ada Lovelace') && !line.includes('Union of Analysts'), `a participant is named: ${line}`);
  }
});
