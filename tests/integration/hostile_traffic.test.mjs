// All the attacks of issue #10 at once, while an honest drafter works. One server; a drafter's
// y-websocket provider inserts a few characters every 50 ms for the whole test and a second
// honest provider on the same section measures each edit's round trip (insert here, seen there).
// Meanwhile hostile clients run, in turn and partly overlapping, for ~35 s: oversized and endless
// chunked trailers, one token opening too many connections that each hold an unfinished 4 MiB
// message, 1000 idle sockets from 127.0.0.3, a template-validation storm, parallel code guessing
// from 127.0.0.4, ping floods, malformed request lines and malformed y-sync messages. The honest
// providers are never disconnected, their round trips stay short (p99 < 250 ms), the server's
// memory stays within a budget, every attack is refused the way hardening.test.mjs checks one
// by one, and afterwards (and after a SIGTERM restart on the same database) a fresh client
// reads exactly the honest text.
import assert from 'node:assert/strict';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, test } from 'node:test';
import {
  createConsultation, docText, httpRequest, invitation, join, MiB, provider, request, rssSampler,
  sleep, startServer, synced, tempDir, waitFor,
} from './lib/harness.mjs';
import {
  closeWithin, guessCodes, idleFlood, MALFORMED_REQUESTS, malformedRequest, openedRaw,
  oversizedTrailer, pingFlood, sendUnfinished, stormTemplate, trailerFlood, TRUNCATED_SYNC,
} from './lib/attacks.mjs';

const PER_ADDRESS = 300;
const PER_TOKEN = 16;
const BUFFERED = 32 * MiB;
// Peak server RSS allowed over the whole test. Measured against the fixed server (release
// build, 2 cores): 42-62 MiB peak from 11 MiB at the start (see the diagnostic line); the budget
// is about twice that. The server before issue #10 peaked at 1165 MiB (its trailer parser alone).
const RSS_BUDGET = 128 * MiB;
const RTT_P99_MS = 250;
const EDIT_EVERY_MS = 50;

let server;
after(async () => { await server?.kill(); });

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

// The honest drafter: inserts `[i]` at the end every EDIT_EVERY_MS until stop(); the second
// provider notes when each edit arrives. Resolves (on stop) with what was written and seen.
function honestWork(writer, reader) {
  const sentAt = [];
  const seenAt = [];
  reader.text.observe((event) => {
    const now = performance.now();
    for (const d of event.delta) {
      if (typeof d.insert !== 'string') continue;
      for (const m of d.insert.matchAll(/\[(\d+)\]/g)) seenAt[Number(m[1])] ??= now;
    }
  });
  let running = true;
  const done = (async () => {
    for (let i = 0; running && i < 2000; ++i) {
      sentAt[i] = performance.now();
      writer.text.insert(writer.text.length, `[${i}]`);
      await sleep(EDIT_EVERY_MS);
    }
  })();
  return {
    sentAt,
    seenAt,
    async stop() {
      running = false;
      await done;
    },
  };
}

// Runs `fn` after `delay` ms; records its outcome (or error) under `name`.
function at(outcomes, delay, name, fn) {
  return (async () => {
    await sleep(delay);
    const t0 = performance.now();
    try {
      outcomes[name] = { ...(await fn()), ms: performance.now() - t0 };
    } catch (e) {
      outcomes[name] = { error: e, ms: performance.now() - t0 };
    }
  })();
}

test('every attack at once: the honest drafter keeps working, memory stays bounded, nothing is lost', { timeout: 150000 }, async (t) => {
  const dir = tempDir('napc-traffic-');
  const db = path.join(dir, 'napconsult.db');
  const consultation = createConsultation(db, 'Hostile traffic');
  server = await startServer({
    dir, db,
    args: ['--max-connections-per-address', String(PER_ADDRESS), '--max-connections', '1000',
      '--max-buffered-bytes', String(BUFFERED), '--max-connections-per-token', String(PER_TOKEN)],
  });
  const room = `${consultation.id}/introduction`;
  const amina = await join(server, invitation(consultation, 'drafter', 'workers').code, { name: 'Amina' });
  const mallory = await join(server, invitation(consultation, 'participant', 'employers').code, { name: 'Mallory' });

  const writer = provider(server, room, amina.token);
  const reader = provider(server, room, consultation.facilitator_token);
  let honestCloses = 0;
  for (const p of [writer, reader]) p.provider.on('connection-close', () => { honestCloses += 1; });
  await Promise.all([synced(writer), synced(reader)]);

  const rss = rssSampler(server, 250);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const work = honestWork(writer, reader);
  const outcomes = {};
  const started = performance.now();
  // A server that dies under attack fails the test at once.
  let attacking = true;
  const died = server.exited.then(({ code, signal }) => {
    if (attacking) throw new Error(`the server died under attack (${code ?? signal}):\n${server.output().slice(-2000)}`);
  });
  try {
    await Promise.race([died, Promise.all([
      // Trailers: five oversized fields, then two 50 MB floods of small fields (from 127.0.0.5).
      at(outcomes, 1000, 'trailer', async () => {
        const statuses = [];
        for (let i = 0; i < 5; ++i) {
          statuses.push((await oversizedTrailer(server, { localAddress: '127.0.0.5' })).responses[0]?.status);
          await sleep(300);
        }
        return { statuses };
      }),
      at(outcomes, 2500, 'trailerFlood', async () => {
        const statuses = [];
        for (let i = 0; i < 2; ++i) {
          statuses.push((await trailerFlood(server, { totalBytes: 50e6, localAddress: '127.0.0.5' })).responses[0]?.status);
        }
        return { statuses };
      }),
      // 1000 idle sockets from 127.0.0.3, held for 15 s.
      at(outcomes, 4000, 'idle', async () => {
        const flood = await idleFlood(server, { count: 1000, localAddress: '127.0.0.3', timeout: 20000 });
        try {
          await waitFor(() => flood.open() <= PER_ADDRESS, { timeout: 3000, message: 'idle sockets over the cap closed' }).catch(() => {});
          const open = flood.open();
          await sleep(15000);
          return { open, stillOpen: flood.open() };
        } finally {
          flood.destroy();
        }
      }),
      // One token opens more connections than it may, and each holds 3 MiB of a 4 MiB message;
      // twice.
      at(outcomes, 7000, 'perToken', async () => {
        const refused = [];
        const codes = [];
        for (let round = 0; round < 2; ++round) {
          const hogs = [];
          for (let i = 0; i < PER_TOKEN + 4; ++i) {
            try {
              hogs.push(await openedRaw(server, room, mallory.token));
            } catch (e) {
              refused.push(e.message);
            }
          }
          await sendUnfinished(hogs, { declared: 4 * MiB, send: 3 * MiB });
          // At most BUFFERED / 3 MiB of them fit in the budget.
          const mustClose = hogs.length - Math.floor(BUFFERED / (3 * MiB));
          await waitFor(() => hogs.filter((h) => h.closed()).length >= mustClose,
            { timeout: 5000, message: 'the connections past the buffer budget closed' }).catch(() => {});
          codes.push(...hogs.map((h) => h.closed()?.code ?? 'open'));
          await sleep(2000);
          for (const h of hogs) h.ws.terminate();
          await sleep(500);
        }
        return { refused, codes };
      }),
      // Template-validation storm: 3 rounds of 8 at once.
      at(outcomes, 11000, 'templates', async () => {
        const template = stormTemplate(85000);
        const statuses = [];
        for (let round = 0; round < 3; ++round) {
          const rs = await Promise.all(Array.from({ length: 8 }, () => request(`${server.url}/api/templates/validate`,
            { method: 'POST', body: template, token: consultation.facilitator_token })));
          statuses.push(...rs.map((r) => r.status));
          await sleep(500);
        }
        return { statuses };
      }),
      // Code guessing from 127.0.0.4: 200 at once, then one every 500 ms for ~10 s.
      at(outcomes, 15000, 'guessing', async () => {
        const t0 = performance.now();
        const burst = await guessCodes(server, { count: 200, localAddress: '127.0.0.4' });
        const later = [];
        for (let i = 0; i < 20; ++i) {
          await sleep(500);
          later.push(...(await guessCodes(server, { count: 1, localAddress: '127.0.0.4' })));
        }
        const all = [...burst, ...later];
        return {
          evaluated: all.filter((r) => r.status === 403).length,
          limited: all.filter((r) => r.status === 429).length,
          other: all.filter((r) => r.status !== 403 && r.status !== 429).map((r) => r.status),
          seconds: (performance.now() - t0) / 1000,
        };
      }),
      // Ping floods: three connections one after another.
      at(outcomes, 19000, 'ping', async () => {
        const codes = [];
        for (let i = 0; i < 3; ++i) {
          const raw = await openedRaw(server, room, mallory.token);
          const { closed } = await pingFlood(raw, { count: 200000, perWrite: 5000 });
          if (!closed) raw.ws.terminate();
          codes.push(closed?.code ?? 'open');
        }
        return { codes };
      }),
      // Malformed request lines, ten rounds.
      at(outcomes, 23000, 'requestLines', async () => {
        const statuses = [];
        for (let i = 0; i < 10; ++i) {
          for (const { name, bytes } of MALFORMED_REQUESTS) {
            const r = await malformedRequest(server, bytes, { localAddress: '127.0.0.6' });
            statuses.push(`${name}: ${r.responses[0]?.status ?? 'none'}`);
          }
          await sleep(200);
        }
        return { statuses };
      }),
      // Malformed y-sync messages, ten connections.
      at(outcomes, 26000, 'ysync', async () => {
        const codes = [];
        for (let i = 0; i < 10; ++i) {
          const raw = await openedRaw(server, room, mallory.token);
          raw.send(TRUNCATED_SYNC);
          const closed = await closeWithin(raw, 5000);
          if (!closed) raw.ws.terminate();
          codes.push(closed?.code ?? 'open');
          await sleep(300);
        }
        return { codes };
      }),
    ])]);
    // The honest drafter keeps working a little past the last attack.
    await sleep(2000);
  } finally {
    attacking = false;
    await work.stop();
    lag.disable();
  }
  const attackSeconds = (performance.now() - started) / 1000;
  // Every edit arrives at the reader.
  await waitFor(() => docText(reader.doc) === docText(writer.doc), { timeout: 10000, message: 'the reader to catch up' })
    .catch(() => {});
  rss.stop();

  const n = work.sentAt.length;
  const rtts = work.sentAt.map((s, i) => work.seenAt[i] - s).filter(Number.isFinite);
  const p50 = percentile(rtts, 0.5);
  const p99 = percentile(rtts, 0.99);
  const summary = `${n} honest edits over ${attackSeconds.toFixed(1)} s: round trip p50 ${p50?.toFixed(1)} ms, ` +
    `p99 ${p99?.toFixed(1)} ms, max ${Math.max(...rtts).toFixed(1)} ms; server RSS ${(rss.baseline / MiB).toFixed(0)} MiB at the start, ` +
    `peak ${(rss.peak / MiB).toFixed(0)} MiB (${rss.samples} samples); test process event-loop delay p99 ` +
    `${(lag.percentile(99) / 1e6).toFixed(1)} ms`;
  console.log(summary);
  t.diagnostic(summary);
  for (const [name, o] of Object.entries(outcomes)) {
    const { error, ...rest } = o;
    t.diagnostic(`${name}: ${error ? `ERROR ${error.message}` : JSON.stringify(rest).slice(0, 400)}`);
  }

  // The honest users.
  assert.equal(honestCloses, 0, 'an honest provider was disconnected');
  assert.ok(n >= 400, `only ${n} honest edits were made`);
  assert.equal(rtts.length, n, `${n - rtts.length} honest edits never reached the other provider`);
  assert.ok(p99 < RTT_P99_MS, `honest round trip p99 ${p99.toFixed(1)} ms (p50 ${p50.toFixed(1)} ms)`);
  assert.ok(rss.peak < RSS_BUDGET, `server RSS peaked at ${(rss.peak / MiB).toFixed(0)} MiB (budget ${RSS_BUDGET / MiB} MiB)`);
  const expected = Array.from({ length: n }, (_, i) => `[${i}]`).join('');
  assert.equal(docText(writer.doc), expected, 'the writer holds every edit in order');

  // Each attack was refused as hardening.test.mjs checks it alone.
  for (const [name, o] of Object.entries(outcomes)) assert.ok(!o.error, `${name} attack failed: ${o.error?.stack}`);
  assert.deepEqual(outcomes.trailer.statuses, Array(5).fill(431), 'oversized trailers');
  assert.deepEqual(outcomes.trailerFlood.statuses, [431, 431], 'trailer floods');
  assert.ok(outcomes.idle.open <= PER_ADDRESS, `${outcomes.idle.open} idle sockets from 127.0.0.3 kept open`);
  assert.ok(outcomes.perToken.refused.length >= 8 && outcomes.perToken.refused.every((m) => m === 'HTTP 429'),
    `connections past the per-token cap: ${outcomes.perToken.refused}`);
  assert.ok(outcomes.perToken.codes.includes(1013), `no unfinished message was closed (1013): ${outcomes.perToken.codes}`);
  assert.ok(outcomes.perToken.codes.every((c) => c === 1013 || c === 'open'), `unfinished messages: ${outcomes.perToken.codes}`);
  assert.deepEqual(outcomes.templates.statuses, Array(24).fill(422), 'template validations');
  const allowedGuesses = 5 + Math.ceil(outcomes.guessing.seconds / 6) + 1;
  assert.ok(outcomes.guessing.evaluated <= allowedGuesses,
    `${outcomes.guessing.evaluated} code guesses evaluated in ${outcomes.guessing.seconds.toFixed(1)} s (at most ${allowedGuesses})`);
  assert.deepEqual(outcomes.guessing.other, [], 'every guess is answered 403 or 429');
  assert.deepEqual(outcomes.ping.codes, [1008, 1008, 1008], 'ping floods');
  assert.ok(outcomes.requestLines.statuses.every((s) => /: 400$/.test(s) || s === 'bare LF line endings: 200'),
    `malformed request lines: ${[...new Set(outcomes.requestLines.statuses)]}`);
  assert.deepEqual(outcomes.ysync.codes, Array(10).fill(1007), 'malformed y-sync messages');

  // A fresh client reads exactly the honest text; so it does after a SIGTERM restart.
  assert.equal((await httpRequest(server, '/healthz', { timeout: 2000 })).status, 200);
  const fresh = provider(server, room, consultation.facilitator_token);
  await synced(fresh);
  assert.equal(docText(fresh.doc), expected, 'a fresh client reads the honest text');
  fresh.provider.destroy();
  writer.provider.destroy();
  reader.provider.destroy();
  const port = server.port;
  await server.stop({ keep: true });
  server = await startServer({ dir, db, port });
  const afterRestart = provider(server, room, consultation.facilitator_token);
  await synced(afterRestart);
  assert.equal(docText(afterRestart.doc), expected, 'after a restart the honest text is all there');
  afterRestart.provider.destroy();
  await server.stop();
  server = undefined;
});
