// Identity over real sockets: `consultation create --json`, POST /api/join (201, 403, 400, the
// per-address slow-down), GET /api/consultations/<id> with bearer tokens, and the token check
// before the WebSocket upgrade (401/403/404 and no upgrade).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import path from 'node:path';
import {
  cli, createConsultation, invitation, join, request, startServer, tempDir, upgradeStatus,
} from './lib/harness.mjs';

let server;
let consultation;

before(async () => {
  const dir = tempDir();
  const db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Validation workshop, Kampala');
  server = await startServer({ dir, db, args: ['--join-failure-burst', '5'] });
});

after(async () => {
  await server?.stop();
});

test('consultation create prints the fixed JSON contract', () => {
  assert.match(consultation.id, /^[a-z0-9]{12}$/);
  assert.match(consultation.facilitator_token, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(consultation.invitations.length >= 8);
  const seen = new Set();
  for (const inv of consultation.invitations) {
    assert.deepEqual(Object.keys(inv).sort(), ['code', 'constituency', 'max_uses', 'role']);
    assert.ok(['drafter', 'participant', 'observer'].includes(inv.role), inv.role);
    assert.ok(['government', 'employers', 'workers', 'victim_support', 'civil_society', 'international', 'other'].includes(inv.constituency));
    const key = `${inv.role}/${inv.constituency}`;
    assert.ok(!seen.has(key), `duplicate invitation ${key}`);
    seen.add(key);
  }
  assert.ok(seen.has('observer/international'));
  assert.ok(seen.has('drafter/workers'));
  assert.ok(seen.has('participant/employers'));
  const bad = cli(['consultation', 'create', '--db', path.join(server.dir, 'other.db'), '--title', 'x', '--template', 'no-such-template', '--json']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown agenda template/);
});

test('a template picks the agenda and its sections', () => {
  const list = cli(['agendas', 'list']);
  assert.equal(list.status, 0, list.stderr);
  const id = list.stdout.trim().split('\n')[0].split(/\s+/)[0];
  const c = createConsultation(path.join(server.dir, 'templated.db'), 'Templated', ['--template', id]);
  assert.equal(c.template, id);
  assert.ok(c.sections.length > 0);
});

test('POST /api/join answers 201 with a participant, a token and the role', async () => {
  const inv = invitation(consultation, 'drafter', 'workers');
  const r = await request(`${server.url}/api/join`, {
    method: 'POST',
    body: { code: inv.code, display_name: 'Amina K.', organisation: 'National Trade Union Federation', constituency: 'workers' },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.role, 'drafter');
  assert.equal(typeof r.json.participant_id, 'number');
  assert.match(r.json.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(r.headers.get('content-type'), 'application/json');
});

test('invalid join requests get 400 with a JSON error', async () => {
  const inv = invitation(consultation, 'participant', 'government');
  for (const body of ['not json', '[1,2]', { code: inv.code }, { code: inv.code, display_name: 'X', constituency: 'martians' }]) {
    const r = await request(`${server.url}/api/join`, { method: 'POST', body });
    assert.equal(r.status, 400, r.text);
    assert.equal(typeof r.json.error, 'string');
  }
  const get = await request(`${server.url}/api/join`);
  assert.equal(get.status, 405);
});

test('GET /api/consultations/<id> lists the sections with their document names', async () => {
  const joined = await join(server, invitation(consultation, 'observer', 'international').code, { name: 'ILO observer' });
  assert.equal(joined.role, 'observer');
  for (const token of [consultation.facilitator_token, joined.token]) {
    const r = await request(`${server.url}/api/consultations/${consultation.id}`, { token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, consultation.id);
    assert.ok(r.json.sections.length > 0);
    for (const s of r.json.sections) {
      assert.equal(s.document, `${consultation.id}/${s.key}`);
      assert.equal(typeof s.title, 'string');
    }
    assert.deepEqual(r.json.sections.map((s) => s.key), consultation.sections.map((s) => s.key));
  }
  const observerView = await request(`${server.url}/api/consultations/${consultation.id}`, { token: joined.token });
  assert.ok(observerView.json.sections.every((s) => s.editable === false));
  // No token, a wrong token, a token of another consultation.
  assert.equal((await request(`${server.url}/api/consultations/${consultation.id}`)).status, 401);
  const wrong = await request(`${server.url}/api/consultations/${consultation.id}`, { token: 'A'.repeat(43) });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
  const other = createConsultation(server.db, 'Another consultation');
  const cross = await request(`${server.url}/api/consultations/${consultation.id}`, { token: other.facilitator_token });
  assert.equal(cross.status, 403);
  assert.equal(cross.json.error, 'forbidden');
  // The contribution ledger is the facilitator's.
  assert.equal((await request(`${server.url}/api/consultations/${consultation.id}/contributions`, { token: joined.token })).status, 403);
  const ledger = await request(`${server.url}/api/consultations/${consultation.id}/contributions`, { token: consultation.facilitator_token });
  assert.equal(ledger.status, 200);
  assert.deepEqual(ledger.json.contributions, []);
});

test('the token is checked before the WebSocket upgrade', async () => {
  const room = `${consultation.id}/introduction`;
  assert.equal((await upgradeStatus(server, `/ws/doc/${room}`)).status, 401);
  assert.equal((await upgradeStatus(server, `/ws/doc/${room}?token=${'B'.repeat(43)}`)).status, 401);
  const other = createConsultation(server.db, 'Third consultation');
  assert.equal((await upgradeStatus(server, `/ws/doc/${room}?token=${other.facilitator_token}`)).status, 403);
  assert.equal((await upgradeStatus(server, `/ws/doc/${consultation.id}/no-such-section?token=${consultation.facilitator_token}`)).status, 404);
  assert.equal((await upgradeStatus(server, `/ws/doc/${room}?token=${consultation.facilitator_token}`)).status, 101);
  // Without an upgrade the endpoint says so.
  assert.equal((await request(`${server.url}/ws/doc/${room}?token=${consultation.facilitator_token}`)).status, 426);
});

test('wrong and exhausted codes get 403; repeated failures from one address are slowed down', async () => {
  let r = await request(`${server.url}/api/join`, { method: 'POST', body: { code: 'ZZZZZ-ZZZZZ', display_name: 'Mallory' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error, 'invalid_code');
  const inv = invitation(consultation, 'participant', 'employers');
  r = await request(`${server.url}/api/join`, { method: 'POST', body: { code: inv.code, display_name: 'Eve', constituency: 'workers' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error, 'constituency_mismatch');
  // Burst of 5 failures, then 429 with Retry-After, even for a valid code.
  const statuses = [];
  for (let i = 0; i < 6; ++i) {
    const x = await request(`${server.url}/api/join`, { method: 'POST', body: { code: `GUESS-${i}AAAA`, display_name: 'Mallory' } });
    statuses.push(x.status);
  }
  assert.ok(statuses.includes(429), `statuses: ${statuses}`);
  const blocked = await request(`${server.url}/api/join`, { method: 'POST', body: { code: inv.code, display_name: 'Eve' } });
  assert.equal(blocked.status, 429);
  assert.equal(blocked.json.error, 'too_many_attempts');
  assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
});

test('an exhausted invitation code gets 403', async () => {
  // A fresh server: the previous test left this address rate-limited.
  const dir = tempDir();
  const db = path.join(dir, 'napconsult.db');
  const c = createConsultation(db, 'Exhaustion');
  const s = await startServer({ dir, db });
  try {
    const inv = invitation(c, 'observer', 'international');
    // Spend every use (observer invitations allow max_uses joins).
    for (let i = 0; i < inv.max_uses; ++i) await join(s, inv.code, { name: `Observer ${i}` });
    const r = await request(`${s.url}/api/join`, { method: 'POST', body: { code: inv.code, display_name: 'One too many' } });
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'invitation_exhausted');
  } finally {
    await s.stop();
  }
});

test('new WebSocket connections from one address are rate limited (429 before the upgrade)', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'napconsult.db');
  const c = createConsultation(db, 'Connection limits');
  const s = await startServer({ dir, db, args: ['--conn-rate', '0.5', '--conn-burst', '3'] });
  try {
    const room = `/ws/doc/${c.id}/introduction?token=${c.facilitator_token}`;
    const statuses = [];
    for (let i = 0; i < 5; ++i) statuses.push((await upgradeStatus(s, room)).status);
    assert.deepEqual(statuses.slice(0, 3), [101, 101, 101]);
    assert.deepEqual(statuses.slice(3), [429, 429]);
    // REST is not affected.
    assert.equal((await request(`${s.url}/healthz`)).status, 200);
  } finally {
    await s.stop();
  }
});
