// A slow reader (a client that stops reading) cannot grow server memory past its queue cap, and
// the other clients' latency is unaffected: a writer floods one room with ~12 MB of updates while
// a probe client measures the round trip of its own awareness echo, first with only fast readers
// in the room, then with a reader that has stopped reading.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  createConsultation, docText, invitation, join, provider, rawSocket, request, sleep,
  startServer, synced, tempDir, waitFor, Y,
} from './lib/harness.mjs';
import { frame, varUint } from './lib/frames.mjs';

const QUEUE_BYTES = 4 << 20;
const COUNT = 2000;
const SIZE = 8192;
let server;
let consultation;
let token;


async function metric(name) {
  const r = await request(`${server.url}/metrics`);
  const m = r.text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

// Floods `room` with `count` updates of `size` characters from a writer process, while a probe
// measures its awareness echo every 20 ms and a sampler tracks napc_queued_bytes.
async function flood(room, { count, size }) {
  const probe = await rawSocket(server, room, token);
  await probe.next((m) => m[0] === 0 && m[1] === 0);
  const latencies = [];
  let queuedMax = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      queuedMax = Math.max(queuedMax, await metric('napc_queued_bytes'));
      await sleep(20);
    }
  })();
  const prober = (async () => {
    const id = 4000000 + Math.floor(Math.random() * 1000);
    for (let clock = 1; running; ++clock) {
      const json = Buffer.from(JSON.stringify({ probe: clock }));
      const update = Buffer.from([1, ...varUint(id), ...varUint(clock), ...varUint(json.length), ...json]);
      const from = probe.messages.length;
      const t0 = performance.now();
      probe.send(frame(1, update));
      await probe.next((m) => m[0] === 1 && Buffer.from(m).includes(json), { from, timeout: 10000 });
      latencies.push(performance.now() - t0);
      await sleep(20);
    }
  })();
  const writer = spawn(process.execPath, [path.join(import.meta.dirname, 'lib/flood_writer.mjs'),
    `${server.wsBase}/${room}?token=${token}`, String(count), String(size)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  writer.stderr.on('data', (c) => { err += c; });
  const code = await new Promise((resolve) => writer.on('exit', resolve));
  assert.equal(code, 0, `writer failed: ${err}`);
  await sleep(200);
  running = false;
  await Promise.all([sampler, prober]);
  probe.close();
  return { latencies, queuedMax };
}

before(async () => {
  const dir = tempDir();
  const db = path.join(dir, 'napconsult.db');
  consultation = createConsultation(db, 'Slow reader');
  server = await startServer({
    dir, db,
    args: ['--queue-bytes', String(QUEUE_BYTES), '--queue-messages', '4096',
      '--max-document-bytes', String(256 << 20), '--write-timeout', '3', '--handshake-timeout', '3',
      '--msg-rate', '20000', '--msg-burst', '20000', '--byte-rate', '100000000', '--byte-burst', '100000000'],
  });
  token = (await join(server, invitation(consultation, 'drafter', 'workers').code)).token;
});

after(async () => {
  await server?.stop();
});

test('a stalled reader is cut off at its queue cap; the others do not wait', async (t) => {
  // Baseline: the same flood in another room, with one fast reader.
  const baseRoom = `${consultation.id}/scope`;
  const fastBase = provider(server, baseRoom, token);
  await synced(fastBase);
  const baseline = await flood(baseRoom, { count: COUNT, size: SIZE });
  await waitFor(() => docText(fastBase.doc).length === COUNT * SIZE, { message: 'fast reader caught up', timeout: 30000 });
  fastBase.provider.destroy();

  // Now with a reader that stops reading right after it has synced.
  const room = `${consultation.id}/introduction`;
  const fast = provider(server, room, token);
  await synced(fast);
  const slow = await rawSocket(server, room, token);
  await slow.next((m) => m[0] === 0 && m[1] === 0);
  slow.ws._socket.pause();
  const overflowsBefore = await metric('napc_queue_overflows_total');
  const loaded = await flood(room, { count: COUNT, size: SIZE });

  // Memory: no connection's outbound queue ever held more than its cap (plus the one frame whose
  // arrival triggers the merge or the close), and all queues together stayed small.
  const peak = await metric('napc_queue_peak_bytes');
  assert.ok(peak <= QUEUE_BYTES + 2 * SIZE, `one queue peaked at ${peak} bytes (cap ${QUEUE_BYTES})`);
  assert.ok(loaded.queuedMax <= 3 * QUEUE_BYTES, `all queues together peaked at ${loaded.queuedMax}`);
  // The slow reader was dropped (1013) rather than buffered.
  assert.ok((await metric('napc_queue_overflows_total')) > overflowsBefore, 'no queue overflow recorded');
  await waitFor(async () => (await metric('napc_ws_connections')) <= 1, { message: 'slow reader dropped', timeout: 15000 });
  // The fast reader got everything.
  await waitFor(() => docText(fast.doc).length === COUNT * SIZE, { message: 'fast reader caught up', timeout: 30000 });
  const finalText = docText(fast.doc);
  // Latency of the others: the probe's echo round trip, with and without the slow reader. The
  // medians are compared (the machine is shared, single probes can stall), the tail is bounded.
  const medBase = percentile(baseline.latencies, 0.5);
  const medLoaded = percentile(loaded.latencies, 0.5);
  const p95Loaded = percentile(loaded.latencies, 0.95);
  t.diagnostic(`echo latency median ${medBase.toFixed(1)} ms without, ${medLoaded.toFixed(1)} ms with ` +
    `a slow reader (p95 ${p95Loaded.toFixed(1)} ms); queued bytes peak ${loaded.queuedMax} in all, ${peak} in one queue`);
  assert.ok(loaded.latencies.length >= 10, `only ${loaded.latencies.length} probes`);
  assert.ok(medLoaded <= Math.max(3 * medBase, medBase + 100),
    `median echo latency ${medLoaded.toFixed(1)} ms with a slow reader vs ${medBase.toFixed(1)} ms without`);
  assert.ok(p95Loaded < 2000, `p95 echo latency ${p95Loaded.toFixed(1)} ms`);

  // The slow reader finds its connection closed when it reads again, and can resync.
  slow.ws._socket.resume();
  const closed = await Promise.race([slow.closedPromise, sleep(10000).then(() => null)]);
  assert.ok(closed, 'the slow reader is still connected');
  const again = provider(server, room, token);
  await synced(again);
  assert.equal(docText(again.doc), finalText);
  again.provider.destroy();
  fast.provider.destroy();
});
