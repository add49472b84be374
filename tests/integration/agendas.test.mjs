// Agendas through the real server (issue 5): a consultation created from each shipped template
// has the agenda and the sections the template file describes; facilitators bring their own
// template (CLI --template-file, PUT /api/consultations/<id>/agenda) and get exactly the agenda
// validator's errors (file, JSON pointer, message).
//
// The expected agenda and sections are computed here from the JSON files in agendas/ (template,
// NAP outline, option sets) by a small independent reading of the format (agendas/README.md),
// never by asking the server or the agenda library.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  cli, createConsultation, invitation, join, provider, request, startServer, synced, tempDir, waitFor,
} from './lib/harness.mjs';

const sourceDir = process.env.NAPC_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const agendasDir = path.join(sourceDir, 'agendas');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const templateFiles = readdirSync(path.join(agendasDir, 'templates')).filter((f) => f.endsWith('.json')).sort();
const outlines = new Map(
  readdirSync(path.join(agendasDir, 'outlines')).map((f) => {
    const o = readJson(path.join(agendasDir, 'outlines', f));
    return [o.id, o];
  }),
);
const optionSets = new Map();
for (const f of readdirSync(path.join(agendasDir, 'options'))) {
  const file = readJson(path.join(agendasDir, 'options', f));
  for (const set of file.sets) optionSets.set(`${file.id}/${set.key}`, set);
}

// "HH:MM" → minutes after midnight, and back.
const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const clock = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

// The agenda a template describes: items in running order (a parent before its sub-items);
// items run one after another from their day's start, sub-items from their parent's start; a
// phase's items span the whole phase.
function expectedAgenda(tpl) {
  const items = [];
  const blocks = [];
  const walk = (list, blockKey, start, parent, depth) => {
    let t = start;
    for (const item of list) {
      const position = items.length;
      items.push({
        position,
        key: item.key,
        parent,
        depth,
        block: blockKey,
        kind: item.kind,
        title: item.title,
        description: item.description ?? null,
        planned_minutes: item.planned_minutes,
        planned_start: clock(t),
        planned_end: clock(t + item.planned_minutes),
        sections: item.sections ?? [],
        groups: item.breakout_groups ?? [],
        polls: item.polls ?? [],
        guiding_questions: item.guiding_questions ?? [],
      });
      walk(item.items ?? [], blockKey, t, position, depth + 1);
      t += item.planned_minutes;
    }
  };
  if (tpl.days) {
    for (const day of tpl.days) {
      blocks.push({ kind: 'day', key: day.key, title: day.title, start: day.start, minutes: day.minutes });
      walk(day.items, day.key, minutes(day.start), null, 0);
    }
  } else {
    for (const phase of tpl.phases) {
      blocks.push({ kind: 'phase', key: phase.key, title: phase.title, offset_days: phase.offset_days, length_days: phase.length_days });
      for (const item of phase.items) {
        items.push({
          position: items.length,
          key: item.key,
          parent: null,
          depth: 0,
          block: phase.key,
          kind: item.kind,
          title: item.title,
          description: item.description ?? null,
          planned_minutes: 0,
          planned_start: null,
          planned_end: null,
          start_minute: phase.offset_days * 1440,
          end_minute: (phase.offset_days + phase.length_days) * 1440,
          sections: item.sections ?? [],
          groups: item.breakout_groups ?? [],
          polls: item.polls ?? [],
          guiding_questions: item.guiding_questions ?? [],
        });
      }
    }
  }
  return { schedule: tpl.days ? 'days' : 'phases', blocks, items };
}

// The sections a template describes: the outline's (all, or those `include`d, in outline
// order), then the template's extra sections.
function expectedSections(tpl) {
  const outline = outlines.get(tpl.outline.id);
  assert.ok(outline, `outline ${tpl.outline.id}`);
  const include = tpl.outline.include;
  const fromOutline = include ? outline.sections.filter((s) => include.includes(s.key)) : outline.sections;
  return [...fromOutline, ...(tpl.outline.extra_sections ?? [])];
}

function pollOptionKeys(poll) {
  if (poll.method === 'consent') return [];
  if (poll.option_set) return optionSets.get(poll.option_set).options.map((o) => o.key);
  return poll.options.map((o) => o.key);
}

// expectedAgenda with polls reduced to what a template fixes however it spells it (an
// `option_set` name or the options it resolves to).
function comparableAgenda(tpl) {
  const a = expectedAgenda(tpl);
  for (const item of a.items) item.polls = item.polls.map((p) => [p.key, p.method, p.question, pollOptionKeys(p)]);
  return a;
}

function assertAgenda(actual, tpl, label) {
  const want = expectedAgenda(tpl);
  assert.equal(actual.schedule, want.schedule, label);
  assert.equal(actual.blocks.length, want.blocks.length, `${label}: blocks`);
  want.blocks.forEach((b, i) => {
    const got = actual.blocks[i];
    assert.equal(got.kind, b.kind, `${label} block ${i}`);
    assert.equal(got.key, b.key);
    assert.deepEqual(got.title, b.title);
    if (b.kind === 'day') {
      assert.equal(got.start, b.start);
      assert.equal(got.minutes, b.minutes);
    } else {
      assert.equal(got.offset_days, b.offset_days);
      assert.equal(got.length_days, b.length_days);
    }
  });
  assert.deepEqual(actual.items.map((i) => i.key), want.items.map((i) => i.key), `${label}: item order`);
  want.items.forEach((w, n) => {
    const got = actual.items[n];
    const where = `${label} item ${w.key}`;
    assert.equal(got.position, w.position, where);
    assert.equal(got.parent, w.parent, `${where}: parent`);
    assert.equal(got.depth, w.depth, `${where}: depth`);
    assert.equal(got.block, w.block, `${where}: day/phase`);
    assert.equal(got.kind, w.kind, `${where}: kind`);
    assert.deepEqual(got.title, w.title, `${where}: title`);
    assert.deepEqual(got.description, w.description, `${where}: description`);
    assert.equal(got.planned_minutes, w.planned_minutes ?? 0, `${where}: minutes`);
    assert.equal(got.planned_start, w.planned_start, `${where}: start`);
    assert.equal(got.planned_end, w.planned_end, `${where}: end`);
    if (w.start_minute !== undefined) {
      assert.equal(got.planned_start_minute, w.start_minute, `${where}: phase start`);
      assert.equal(got.planned_end_minute, w.end_minute, `${where}: phase end`);
    }
    assert.deepEqual(got.sections, w.sections, `${where}: linked sections`);
    assert.deepEqual(got.guiding_questions, w.guiding_questions, `${where}: guiding questions`);
    assert.deepEqual(
      got.breakout_groups.map((g) => [g.key, g.title, g.pillar ?? 'none', g.sections ?? [], g.guiding_questions ?? []]),
      w.groups.map((g) => [g.key, g.title, g.pillar ?? 'none', g.sections ?? [], g.guiding_questions ?? []]),
      `${where}: breakout groups`,
    );
    assert.deepEqual(
      got.polls.map((p) => [p.key, p.method, p.question, (p.options ?? []).map((o) => o.key)]),
      w.polls.map((p) => [p.key, p.method, p.question, pollOptionKeys(p)]),
      `${where}: polls`,
    );
    assert.equal(got.actual_start, null);
    assert.equal(got.actual_end, null);
  });
}

function assertSections(actual, tpl, consultationId, label) {
  const want = expectedSections(tpl);
  const live = actual.filter((s) => !s.retired);
  assert.deepEqual(live.map((s) => s.key), want.map((s) => s.key), `${label}: section keys in order`);
  want.forEach((w, i) => {
    const got = live[i];
    const where = `${label} section ${w.key}`;
    assert.equal(got.title, w.title.en, where);
    assert.deepEqual(got.titles, w.title, where);
    assert.equal(got.number, w.number ?? '', where);
    assert.equal(got.pillar, w.pillar ?? 'none', where);
    assert.equal(got.kind, w.document.kind, where);
    assert.deepEqual(got.editors, w.editors, where);
    assert.deepEqual(got.constituencies, w.constituencies ?? [], where);
    assert.deepEqual(got.guiding_questions, w.guiding_questions ?? [], where);
    if (w.document.kind === 'table') {
      assert.deepEqual(got.columns.map((c) => [c.key, c.type]), w.document.columns.map((c) => [c.key, c.type]), where);
    }
    assert.equal(got.document, `${consultationId}/${w.key}`);
  });
}

const templates = templateFiles.map((f) => ({ file: path.join(agendasDir, 'templates', f), json: readJson(path.join(agendasDir, 'templates', f)) }));
const byId = (id) => templates.find((t) => t.json.id === id).json;
const clone = (v) => structuredClone(v);

let server;
const created = new Map();  // template id → consultation
let dir;

before(async () => {
  dir = tempDir('napc-agendas-');
  const db = path.join(dir, 'napconsult.db');
  for (const t of templates) created.set(t.json.id, createConsultation(db, `From ${t.json.id}`, ['--template', t.json.id]));
  server = await startServer({ dir, db });
});

after(async () => {
  await server?.stop();
});

test('the shipped templates are all here', () => {
  assert.ok(templates.length >= 7, `templates: ${templateFiles}`);
  assert.ok(templates.some((t) => t.json.phases), 'a written (phased) template');
});

describe('a consultation created from each shipped template has its agenda and sections', () => {
  for (const { json: tpl } of templates) {
    test(tpl.id, async () => {
      const c = created.get(tpl.id);
      assert.equal(c.template, tpl.id);
      assert.equal(c.template_source, 'library');
      assert.equal(c.agenda_items, expectedAgenda(tpl).items.length);
      const facilitator = await request(`${server.url}/api/consultations/${c.id}`, { token: c.facilitator_token });
      assert.equal(facilitator.status, 200, facilitator.text);
      assert.equal(facilitator.json.template, tpl.id);
      assertAgenda(facilitator.json.agenda, tpl, tpl.id);
      assertSections(facilitator.json.sections, tpl, c.id, tpl.id);
      // Any participant of the consultation reads the same agenda, also at /agenda.
      const who = await join(server, invitation(c, 'participant', 'workers').code, { name: `Reader of ${tpl.id}` });
      const participant = await request(`${server.url}/api/consultations/${c.id}`, { token: who.token });
      assert.equal(participant.status, 200);
      assert.deepEqual(participant.json.agenda, facilitator.json.agenda);
      const agenda = await request(`${server.url}/api/consultations/${c.id}/agenda`, { token: who.token });
      assert.equal(agenda.status, 200);
      assert.equal(agenda.json.template, tpl.id);
      assert.deepEqual(agenda.json.agenda, facilitator.json.agenda);
      // The template, in the file format, describes the same agenda.
      const stored = await request(`${server.url}/api/consultations/${c.id}/template`, { token: who.token });
      assert.equal(stored.status, 200);
      assert.equal(stored.json.id, tpl.id);
      assert.deepEqual(comparableAgenda(stored.json), comparableAgenda(tpl));
    });
  }
});

test('a consultation without a template has the outline sections and an empty agenda', async () => {
  const c = createConsultation(server.db, 'Outline only');
  const r = await request(`${server.url}/api/consultations/${c.id}`, { token: c.facilitator_token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.agenda, { schedule: 'none', blocks: [], items: [] });
  const t = await request(`${server.url}/api/consultations/${c.id}/template`, { token: c.facilitator_token });
  assert.equal(t.status, 404);
  assert.equal(t.json.error, 'no_template');
  assert.deepEqual(r.json.sections.map((s) => s.key), outlines.get('nap-forced-labour').sections.map((s) => s.key));
});

// A facilitator's own template: the regional consultation, renamed, with an extra section that
// an added item links to.
function customTemplate() {
  const tpl = clone(byId('regional-consultation'));
  delete tpl.$schema;
  tpl.id = 'my-district-consultation';
  tpl.title.en = 'District consultation in Gulu';
  tpl.outline.extra_sections.push({
    key: 'district_notes',
    title: { en: 'District notes', fr: 'Notes du district', es: 'Notas del distrito' },
    editors: ['facilitator', 'drafter'],
    document: { kind: 'richtext' },
  });
  const day = tpl.days[0];
  const used = day.items.reduce((sum, i) => sum + i.planned_minutes, 0);
  assert.ok(day.minutes - used >= 10, 'room for one more item');
  day.items.push({
    key: 'district_wrap_up',
    kind: 'drafting',
    title: { en: 'District notes', fr: 'Notes du district', es: 'Notas del distrito' },
    planned_minutes: 10,
    sections: ['district_notes'],
  });
  return tpl;
}

// The first item of `day` whose running total passes the day's length.
function firstOverrun(day) {
  let total = 0;
  for (let i = 0; i < day.items.length; ++i) {
    total += day.items[i].planned_minutes;
    if (total > day.minutes) return i;
  }
  return -1;
}

describe('bring your own template over HTTP: PUT /api/consultations/<id>/agenda', () => {
  let c;
  let participant;
  const agendaUrl = () => `${server.url}/api/consultations/${c.id}/agenda`;
  const view = async () => (await request(`${server.url}/api/consultations/${c.id}`, { token: c.facilitator_token })).json;

  before(async () => {
    c = createConsultation(server.db, 'Upload target', ['--template', 'national-validation-workshop']);
    participant = await join(server, invitation(c, 'drafter', 'workers').code, { name: 'Drafter' });
  });

  test('invalid templates get 422 with the exact pointer, and nothing changes', async () => {
    const before = await view();
    // A kind that is not an item kind.
    const badKind = customTemplate();
    badKind.days[0].items[2].kind = 'party';
    let r = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: badKind });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error, 'invalid_template');
    assert.deepEqual(r.json.issues.map((i) => [i.file, i.pointer]), [['upload', '/days/0/items/2/kind']]);
    assert.match(r.json.issues[0].message, /'party' is not a valid item kind/);
    // Items that overrun their day: the first item past the day's end is named.
    const overrun = customTemplate();
    overrun.days[0].minutes = 60;
    const first = firstOverrun(overrun.days[0]);
    assert.ok(first > 0);
    r = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: overrun });
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.json.issues.map((i) => i.pointer), [`/days/0/items/${first}`]);
    assert.match(r.json.issues[0].message, new RegExp(`item '${overrun.days[0].items[first].key}' .*overruns day '${overrun.days[0].key}'`));
    // A linked section that the consultation would not have.
    const dangling = customTemplate();
    dangling.days[0].items[1].sections = ['no_such_section'];
    r = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: dangling });
    assert.equal(r.status, 422);
    assert.deepEqual(r.json.issues.map((i) => i.pointer), ['/days/0/items/1/sections/0']);
    // Not JSON at all: line and column.
    r = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: '{"id": ' });
    assert.equal(r.status, 422);
    assert.equal(r.json.issues.length, 1);
    assert.equal(r.json.issues[0].line, 1);
    // The preview endpoint reports the same problems without a consultation.
    r = await request(`${server.url}/api/templates/validate`, { method: 'POST', token: c.facilitator_token, body: badKind });
    assert.equal(r.status, 422);
    assert.deepEqual(r.json.issues.map((i) => i.pointer), ['/days/0/items/2/kind']);
    assert.deepEqual(await view(), before, 'nothing changed');
  });

  test('only the facilitator of this consultation may replace the agenda', async () => {
    const before = await view();
    const body = customTemplate();
    let r = await request(agendaUrl(), { method: 'PUT', token: participant.token, body });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error, 'forbidden');
    const other = createConsultation(server.db, 'Someone else');
    r = await request(agendaUrl(), { method: 'PUT', token: other.facilitator_token, body });
    assert.equal(r.status, 403);
    r = await request(agendaUrl(), { method: 'PUT', body });
    assert.equal(r.status, 401);
    r = await request(`${server.url}/api/templates/validate`, { method: 'POST', token: participant.token, body });
    assert.equal(r.status, 403);
    r = await request(agendaUrl(), { method: 'POST', token: c.facilitator_token, body });
    assert.equal(r.status, 405);
    assert.deepEqual(await view(), before, 'nothing changed');
  });

  test('an oversized template gets 413', async () => {
    const before = await view();
    const big = customTemplate();
    big.description.en = 'x'.repeat(2 * 1024 * 1024);  // past any socket buffer
    const r = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: big });
    assert.equal(r.status, 413);
    assert.equal(r.json.error, 'payload_too_large');
    assert.deepEqual(await view(), before, 'nothing changed');
  });

  test('a valid template replaces the agenda; sections with documents are kept, retired', async () => {
    // Write into a section the new template does not have.
    const writer = provider(server, `${c.id}/introduction`, c.facilitator_token);
    await synced(writer);
    writer.text.insert(0, 'Kept across agenda changes');
    await waitFor(async () => (await view()).sections.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writer.provider.destroy();

    const tpl = customTemplate();
    const preview = await request(`${server.url}/api/templates/validate`, { method: 'POST', token: c.facilitator_token, body: tpl });
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.json.valid, true);
    assertAgenda(preview.json.agenda, tpl, 'preview');

    const r = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: tpl });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.template, 'my-district-consultation');
    assert.equal(r.json.template_source, 'upload');
    assert.equal(typeof r.json.agenda_updated_at, 'number');
    assert.deepEqual(r.json.added_sections, ['regional_findings', 'district_notes']);
    const after = await view();
    assertAgenda(after.agenda, tpl, 'uploaded');
    assertSections(after.sections, tpl, c.id, 'uploaded');
    // The national validation workshop's sections the new template lacks are retired, not
    // deleted; the one with a document says so and still serves it, read-only.
    const national = expectedSections(byId('national-validation-workshop')).map((s) => s.key);
    const keep = new Set(expectedSections(tpl).map((s) => s.key));
    const retired = after.sections.filter((s) => s.retired);
    assert.deepEqual(retired.map((s) => s.key), national.filter((k) => !keep.has(k)));
    assert.deepEqual(r.json.retired_sections, retired.map((s) => s.key));
    const intro = retired.find((s) => s.key === 'introduction');
    assert.equal(intro.has_document, true);
    assert.equal(intro.editable, false);
    // The stored template can be downloaded, edited and uploaded again.
    const stored = await request(`${server.url}/api/consultations/${c.id}/template`, { token: participant.token });
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.json.id, tpl.id);
    assert.deepEqual(comparableAgenda(stored.json), comparableAgenda(tpl));
    const reupload = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: stored.json });
    assert.equal(reupload.status, 200, reupload.text);
    assert.deepEqual(reupload.json.added_sections, []);
    assert.deepEqual((await view()).agenda, after.agenda);
    const reader = provider(server, `${c.id}/introduction`, c.facilitator_token);
    await synced(reader);
    assert.equal(reader.text.toString(), 'Kept across agenda changes');
    reader.provider.destroy();

    // Back to a shipped template: the retired section returns with its document.
    const again = await request(agendaUrl(), { method: 'PUT', token: c.facilitator_token, body: byId('national-validation-workshop') });
    assert.equal(again.status, 200, again.text);
    const restored = await view();
    assertAgenda(restored.agenda, byId('national-validation-workshop'), 'restored');
    assertSections(restored.sections, byId('national-validation-workshop'), c.id, 'restored');
    assert.equal(restored.sections.find((s) => s.key === 'introduction').retired, false);
    assert.deepEqual(restored.sections.filter((s) => s.retired).map((s) => s.key), ['regional_findings', 'district_notes']);
  });
});

describe('bring your own template on the CLI: consultation create --template-file', () => {
  test('a valid file gives its agenda and sections', async () => {
    const file = path.join(dir, 'district.json');
    const tpl = customTemplate();
    writeFileSync(file, JSON.stringify(tpl, null, 2));
    const c = createConsultation(server.db, 'From a file', ['--template-file', file]);
    assert.equal(c.template, tpl.id);
    assert.equal(c.template_source, 'file');
    const r = await request(`${server.url}/api/consultations/${c.id}`, { token: c.facilitator_token });
    assert.equal(r.status, 200);
    assertAgenda(r.json.agenda, tpl, 'file');
    assertSections(r.json.sections, tpl, c.id, 'file');
  });

  test('an invalid file is refused with the validator\'s errors and writes nothing', () => {
    const file = path.join(dir, 'broken.json');
    const tpl = customTemplate();
    tpl.days[0].items[0].kind = 'party';
    tpl.days[0].minutes = 60;
    writeFileSync(file, JSON.stringify(tpl, null, 2));
    const db = path.join(dir, 'never-created.db');
    const r = cli(['consultation', 'create', '--db', db, '--title', 'Broken', '--template-file', file]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.ok(lines[0].startsWith(`${file}:/days/0/items/0/kind: 'party' is not a valid item kind`), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`${file}:/days/0/items/${firstOverrun(tpl.days[0])}: item `)), r.stderr);
    // Exactly what `napconsult agendas validate FILE` prints.
    const validate = cli(['agendas', 'validate', file]);
    assert.equal(validate.status, 1);
    assert.deepEqual(lines, validate.stdout.trim().split('\n').concat(validate.stderr.trim() ? validate.stderr.trim().split('\n') : []).filter((l) => l.startsWith(file)));
    assert.equal(existsSync(db), false, 'no database written');
    // --json puts the same issues on stdout for tools.
    const j = cli(['consultation', 'create', '--db', db, '--title', 'Broken', '--template-file', file, '--json']);
    assert.equal(j.status, 1);
    const out = JSON.parse(j.stdout);
    assert.equal(out.error, 'invalid_template');
    assert.deepEqual(out.issues.map((i) => `${i.file}:${i.pointer}: ${i.message}`), lines);
    // --template and --template-file together are a usage error.
    assert.equal(cli(['consultation', 'create', '--db', db, '--title', 'x', '--template', 'regional-consultation', '--template-file', file]).status, 2);
    assert.equal(existsSync(db), false);
  });
});
