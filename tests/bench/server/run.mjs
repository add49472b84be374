// The fan-out benchmark (issue 4): napconsult side by side with @y/websocket-server 0.1.1 and
// @hocuspocus/server 3.4.0 under node, on this machine, under the same load from the same C++
// load generator (loadgen, built from loadgen.cpp next to this file).
//
//   node tests/bench/server/run.mjs [--quick] [--only y-websocket,hocuspocus,napconsult]
//        [--warmup S] [--duration S] [--runs N] [--out DIR] [--json FILE]
//
// Needs: `cmake --build <build> --target loadgen napconsult` (NAPC_BIN, default build/bin, is
// where both are looked for), `npm ci` in this folder (the peers), ../shared/traces.
// Each measurement starts a fresh server process pinned to core 1 (taskset) with the generator
// on core 0, and samples the server's CPU from /proc/<pid>/stat and its RSS from
// /proc/<pid>/status. Measurements:
//   steady     200 clients x 1 update/s in one room: latency p50/p99/p99.9/max from the moment
//              a frame is handed to the sender's socket to the kernel's receive timestamp on
//              every other client's socket (SO_TIMESTAMPNS), and, beside it, to the moment the
//              generator's one thread read it; server CPU, CPU per delivery, generator CPU
//   awareness  the same plus 1 cursor (awareness) update/s per client
//   ramp       200 clients, rising rates: the highest delivery rate with p99 < 100 ms and no
//              loss; gives the latency-vs-offered-load plot
//   idle       RSS per idle connection (1000 synced clients in one room)
//   docs       RSS per loaded document (the automerge-paper final state in 20 rooms, one
//              connected holder each)
//   cold       100,000 stored updates (the first 100k automerge-paper updates, pushed through a
//              client), server restarted: time from TCP connect to holding the whole state
// Prints a markdown table (and writes table.md, results.json, fanout.svg[, fanout.png] to --out).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { gunzipSync } from 'node:zlib';

const here = import.meta.dirname;
const root = path.resolve(here, '../../..');
const bin = path.resolve(process.env.NAPC_BIN ?? path.join(root, 'build/bin'));
const shared = process.env.NAPC_SHARED_DIR ?? path.resolve(root, '../shared');
const traces = path.join(shared, 'traces');
const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const FLAGS = ['--quick'];
const VALUED = ['--aw-rate', '--clients', '--cold-updates', '--doc-rooms', '--duration', '--idle-clients',
  '--json', '--noise-limit', '--only', '--out', '--quiet-budget', '--quiet-wait', '--ramp-duration',
  '--ramp-warmup', '--report', '--retries', '--runs', '--skip', '--warmup'];
if (argv.includes('--help') || argv.includes('-h')) {
  // The header comment above is the manual; print it rather than start a 15-minute run.
  const text = fs.readFileSync(new URL(import.meta.url), 'utf8');
  const header = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('//')) break;
    header.push(l.slice(3));
  }
  console.log(header.join('\n'));
  console.log(`\noptions: ${FLAGS.join(' ')} ${VALUED.map((o) => `${o} V`).join(' ')}\n` +
    '  --only picks servers (y-websocket,hocuspocus,napconsult); --skip picks measurements\n' +
    '  (steady,awareness,ramp,idle,docs,cold,cold_log)');
  process.exit(0);
}
for (let i = 0; i < argv.length; i++) {
  if (VALUED.includes(argv[i])) i++;
  else if (!FLAGS.includes(argv[i])) {
    console.error(`bench/server: unknown option ${argv[i]} (--help lists them)`);
    process.exit(2);
  }
}
const quick = argv.includes('--quick');
const only = opt('--only', 'y-websocket,hocuspocus,napconsult').split(',');
const WARMUP = Number(opt('--warmup', quick ? 1 : 3));
const DURATION = Number(opt('--duration', quick ? 3 : 10));
const RAMP_WARMUP = Number(opt('--ramp-warmup', quick ? 1 : 2));
const RAMP_DURATION = Number(opt('--ramp-duration', quick ? 2 : 5));
const RUNS = Number(opt('--runs', quick ? 1 : 3)); // runs of the 200 x 1/s measurement and of each cold load
const CLIENTS = Number(opt('--clients', 200));
const IDLE_CLIENTS = Number(opt('--idle-clients', quick ? 300 : 2000));
const DOC_ROOMS = Number(opt('--doc-rooms', quick ? 5 : 20));
const COLD_UPDATES = Number(opt('--cold-updates', 100000));
const AW_RATE = Number(opt('--aw-rate', 1));
const skip = new Set(opt('--skip', '').split(',').filter(Boolean));
const outDir = opt('--out', fs.mkdtempSync(path.join(os.tmpdir(), 'napc-bench-server-out-')));
const jsonOut = opt('--json', null);
const LATENCY_LIMIT_MS = 100;
const QUIET_WAIT = Number(opt('--quiet-wait', 30)); // seconds to wait for idle cores per measurement

const loadgenBin = process.env.NAPC_LOADGEN ?? path.join(bin, 'loadgen');
const napconsultBin = process.env.NAPC_SERVER ?? path.join(bin, 'napconsult');
if (!fs.existsSync(loadgenBin)) die(`${loadgenBin} is missing: build the loadgen target first`);
if (!fs.existsSync(traces)) die(`${traces} is absent: the benchmark needs the shared traces`);
if (!fs.existsSync(path.join(here, 'node_modules/@hocuspocus/server'))) {
  die(`the peer servers are not installed: run \`npm ci\` in ${here}`);
}
if (spawnSync(loadgenBin, ['--mode', 'selftest']).status !== 0) die(`${loadgenBin} --mode selftest failed`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'napc-bench-server-'));
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function die(msg) {
  console.error(`bench/server: ${msg}`);
  process.exit(1);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[bench/server]', ...a);

// ---------------------------------------------------------------------------------------------
// Placement: server on core 1, generator on core 0, when taskset and two cores exist.
const haveTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0 && os.cpus().length >= 2;
const pin = (core, cmd, args) => (haveTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function cpuSeconds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
function rssKB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
// Busy seconds per core since boot, from /proc/stat: user nice system steal, and interrupt +
// softirq time apart (`irq.<core>`). Softirq is mostly loopback packet processing of the
// benchmark's own traffic; only part of it is charged to the process that caused it.
function coreBusy() {
  const out = { irq: {} };
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = line.match(/^cpu(\d+) (.*)/);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    out[m[1]] = (f[0] + f[1] + f[2] + f[7]) / CLK_TCK;
    out.irq[m[1]] = (f[5] + f[6]) / CLK_TCK;
  }
  return out;
}

// This machine is shared: wait (bounded) until both cores are nearly idle before a measurement.
let quietBudget = Number(opt('--quiet-budget', 300)); // seconds of waiting over the whole run
async function waitQuiet(maxSeconds = QUIET_WAIT) {
  const t0 = Date.now();
  maxSeconds = Math.min(maxSeconds, quietBudget);
  if (maxSeconds <= 0) return false;
  try {
    return await waitQuietFor(maxSeconds);
  } finally {
    quietBudget -= (Date.now() - t0) / 1000;
  }
}
async function waitQuietFor(maxSeconds) {
  const t0 = Date.now();
  let warned = false;
  while ((Date.now() - t0) / 1000 < maxSeconds) {
    const a = coreBusy();
    await sleep(1000);
    const b = coreBusy();
    const busy = Object.keys(b).filter((c) => c !== 'irq').map((c) => b[c] + b.irq[c] - a[c] - a.irq[c]);
    if (Math.max(...busy) < 0.15) return true;
    if (!warned) log(`waiting for a quiet machine (cores busy ${busy.map((x) => (100 * x).toFixed(0) + ' %').join(', ')})`);
    warned = true;
  }
  log(`the machine did not get quiet within ${maxSeconds} s; measuring anyway (see "others" in the results)`);
  return false;
}

// RSS after the process settled: node peers are asked to collect garbage first (SIGUSR2).
async function settledRssKB(s) {
  if (s.node) {
    process.kill(s.pid, 'SIGUSR2');
    await sleep(500);
  }
  return rssKB(s.pid);
}

// ---------------------------------------------------------------------------------------------
// Servers

function lines(stream, onLine) {
  readline.createInterface({ input: stream }).on('line', onLine);
}

// Starts a process pinned to core 1 and waits until `ready(line)` returns a port.
async function startProcess(cmd, args, ready, env = {}) {
  const [c, a] = pin(1, cmd, args);
  const child = spawn(c, a, { cwd: here, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port after 20 s: ${stderr}`)), 20000);
    lines(child.stdout, (line) => {
      const p = ready(line);
      if (p) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening: ${stderr.trim()}`));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.once('exit', r));
  return {
    pid: child.pid,
    port,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
      children.delete(child);
    },
  };
}

const peerReady = (line) => {
  try {
    return JSON.parse(line).port;
  } catch {
    return null;
  }
};

// Our server's rate limits protect one address from floods; the generator is one address with
// hundreds of clients, so the benchmark lifts them (the per-connection limits stay as shipped
// except the message rate, which the ramp exceeds on purpose).
const NAPC_FLAGS = ['--threads', '1', '--conn-rate', '1000000', '--conn-burst', '1000000',
  '--msg-rate', '1000000', '--msg-burst', '1000000', '--max-connections', '100000',
  // One token and one address stand for every simulated participant: lift their budgets.
  '--max-connections-per-token', '100000', '--max-connections-per-address', '100000'];

const servers = {
  'y-websocket': {
    label: '@y/websocket-server 0.1.1',
    async start({ persist } = {}) {
      const s = await startProcess(process.execPath, ['--expose-gc', 'peers.mjs', 'y-websocket', ...(persist ? ['--persist', persist] : [])], peerReady);
      return { ...s, node: true, room: (name) => ['--url', `ws://127.0.0.1:${s.port}/${name}`] };
    },
    // Waits until y-leveldb has written everything queued; returns how many updates it holds.
    async flush(s, room) {
      const r = await fetch(`http://127.0.0.1:${s.port}/__flush?doc=${encodeURIComponent(room)}`);
      return (await r.json()).stored;
    },
  },
  hocuspocus: {
    label: '@hocuspocus/server 3.4.0',
    async start({ persist } = {}) {
      const s = await startProcess(process.execPath, ['--expose-gc', 'peers.mjs', 'hocuspocus', ...(persist ? ['--persist', persist] : [])], peerReady);
      return { ...s, node: true, room: (name) => ['--url', `ws://127.0.0.1:${s.port}/`, '--hp-doc', name] };
    },
    // FileLog appends synchronously; count its records.
    async flush(s, room, dir) {
      let buf;
      try {
        buf = fs.readFileSync(path.join(dir, encodeURIComponent(room) + '.log'));
      } catch {
        return 0;
      }
      let n = 0;
      for (let pos = 0; pos + 4 <= buf.length; pos += 4 + buf.readUInt32LE(pos)) n++;
      return n;
    },
  },
  napconsult: {
    label: 'napconsult',
    // A pool of rooms (consultation sections) made before the server starts; each room name the
    // benchmark asks for gets the next unused one (or the one it had before).
    db: null,
    pool: [],
    assigned: new Map(),
    prepare(dbPath, rooms) {
      this.db = dbPath;
      this.pool = [];
      this.assigned = new Map();
      while (this.pool.length < rooms) {
        const r = spawnSync(napconsultBin, ['consultation', 'create', '--db', dbPath, '--title', `bench ${this.pool.length}`, '--json'], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`'napconsult consultation create' failed (${(r.stderr || r.stdout || '').trim().split('\n')[0]}): this build has no /ws/doc rooms yet`);
        const c = JSON.parse(r.stdout);
        if (!c.sections?.length) throw new Error('napconsult consultation create --json lists no sections');
        for (const s of c.sections) this.pool.push({ id: c.id, section: s.key, document: s.document, token: c.facilitator_token });
      }
    },
    roomOf(name) {
      if (!this.assigned.has(name)) {
        if (this.assigned.size >= this.pool.length) throw new Error('napconsult room pool exhausted');
        this.assigned.set(name, this.pool[this.assigned.size]);
      }
      return this.assigned.get(name);
    },
    async start() {
      const s = await startProcess(napconsultBin, ['serve', '--listen', '127.0.0.1:0', '--db', this.db, ...NAPC_FLAGS],
        (line) => Number(line.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1]) || null);
      return { ...s, room: (name) => {
        const r = this.roomOf(name);
        return ['--url', `ws://127.0.0.1:${s.port}/ws/doc/${r.id}/${r.section}?token=${r.token}`];
      } };
    },
    async flush() { // every update is committed before the server answers the barrier
      return null;
    },
  },
};

// ---------------------------------------------------------------------------------------------
// The generator

// Runs loadgen pinned to core 0. onEvent(ev, child) sees every event line; resolves the result.
function loadgen(args, onEvent = () => {}) {
  const [c, a] = pin(0, loadgenBin, args);
  const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let result = null;
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  lines(child.stdout, (line) => {
    let j;
    try {
      j = JSON.parse(line);
    } catch {
      return;
    }
    if (j.event) onEvent(j, child);
    else result = j;
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      children.delete(child);
      if (result) resolve(result);
      else reject(new Error(`loadgen ${args.join(' ')} exited ${code} without a result: ${stderr.trim()}`));
    });
  });
}

// One quick connection so that a just-started node server has loaded its code before we measure.
async function warmProbe(s, room = 'warmup-probe') {
  return loadgen(['--mode', 'idle', '--clients', '2', '--hold', '0.3', '--max-seconds', '10', ...s.room(room)]);
}

// One idle client in a room until stop().
async function startHolder(s, room) {
  let child = null;
  let ready;
  const isReady = new Promise((r) => (ready = r));
  const done = loadgen(['--mode', 'idle', '--clients', '1', '--client-base', '900000', '--max-seconds', '900', ...s.room(room)], (ev, c) => {
    if (ev.event === 'ready') {
      child = c;
      ready();
    }
  });
  await Promise.race([isReady, done.then((r) => { throw new Error(`the holder left early: ${r.first_error ?? 'no reason'}`); })]);
  return {
    async stop() {
      child.kill('SIGTERM');
      await done;
    },
  };
}

// Every fan-out gets a document of its own. The generator's clients use the same client ids and
// clocks every time, so a document that already holds an earlier attempt's updates (napconsult
// keeps them on disk; a measurement that is repeated for noise reuses its room name) would
// rightly treat every new update as a duplicate and broadcast nothing.
let fanoutSeq = 0;

async function fanout(s, room, { clients = CLIENTS, rate, awRate = 0, warmup = WARMUP, duration = DURATION }) {
  room = `${room}-f${fanoutSeq++}`;
  let cpu0 = NaN;
  let cpu1 = NaN;
  let rss = NaN;
  let busy0 = null;
  let busy1 = null;
  await waitQuiet();
  const r = await loadgen(['--mode', 'fanout', '--clients', String(clients), '--rate', String(rate), '--aw-rate', String(awRate),
    '--warmup', String(warmup), '--duration', String(duration), '--drain', '3', '--max-seconds', String(warmup + duration + 120), ...s.room(room)],
  (ev) => {
    if (ev.event === 'window_start') {
      cpu0 = cpuSeconds(s.pid);
      busy0 = coreBusy();
    }
    if (ev.event === 'window_end') {
      cpu1 = cpuSeconds(s.pid);
      busy1 = coreBusy();
      rss = rssKB(s.pid);
    }
  });
  // What else ran on the two cores during the window (other processes on this shared machine).
  if (busy0 && busy1 && haveTaskset) {
    const all = (b, c) => b[c] + b.irq[c];
    r.others_core1_pct = (100 * (all(busy1, '1') - all(busy0, '1') - (cpu1 - cpu0))) / r.window_s;
    r.others_core0_pct = (100 * (all(busy1, '0') - all(busy0, '0') - r.gen_cpu_s)) / r.window_s;
    r.softirq_core1_pct = (100 * (busy1.irq['1'] - busy0.irq['1'])) / r.window_s;
    r.softirq_core0_pct = (100 * (busy1.irq['0'] - busy0.irq['0'])) / r.window_s;
  }
  r.server_cpu_s = cpu1 - cpu0;
  r.server_cpu_pct = (100 * r.server_cpu_s) / r.window_s;
  const deliveries = (r.delivered_dps ?? 0) + (r.aw_delivered_dps ?? 0);
  r.server_us_per_delivery = deliveries > 0 ? (1e6 * r.server_cpu_s) / (deliveries * r.window_s) : null;
  r.server_rss_mb = rss / 1024;
  return r;
}

// A fan-out window in which other processes took more than NOISE_LIMIT % of either core is
// measured again (fresh server), up to RETRIES times; the quietest attempt is kept.
const NOISE_LIMIT = Number(opt('--noise-limit', 15));
const RETRIES = Number(opt('--retries', 2));
async function clean(f) {
  let best = null;
  for (let i = 0; i <= RETRIES; i++) {
    const r = await f();
    r.noise_pct = Math.max(r.others_core1_pct ?? 0, r.others_core0_pct ?? 0);
    r.attempts = i + 1;
    if (!best || r.noise_pct < best.noise_pct) best = { ...r, attempts: i + 1 };
    if (r.noise_pct <= NOISE_LIMIT) break;
    if (i < RETRIES) log(`other processes took ${fmt(r.noise_pct, 0)} % of a core in that window: measuring again`);
  }
  return best;
}

// A measurement passes the ramp if nothing was lost and p99 < 100 ms.
const rampOk = (r) => r.errors === 0 && r.missing === 0 && r.p99_ms !== null && r.p99_ms < LATENCY_LIMIT_MS;

// ---------------------------------------------------------------------------------------------
// Measurements, each on a fresh server

async function withServer(kind, opts, f) {
  const s = await servers[kind].start(opts);
  try {
    return await f(s);
  } finally {
    await s.stop();
  }
}

// RUNS runs, each on a fresh server; the run with the median p99 is reported, with the range.
async function measureSteady(kind) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await clean(() => withServer(kind, {}, async (s) => {
      await warmProbe(s);
      return fanout(s, `steady-${i}`, { rate: 1 });
    })));
  }
  const key = (r) => r.wire_p99_ms ?? Infinity;
  runs.sort((a, b) => key(a) - key(b));
  const median = runs[runs.length >> 1];
  return { ...median, runs: runs.map((r) => ({ wire_p50_ms: r.wire_p50_ms, wire_p99_ms: r.wire_p99_ms, wire_p999_ms: r.wire_p999_ms,
    p50_ms: r.p50_ms, p99_ms: r.p99_ms, p999_ms: r.p999_ms, server_cpu_pct: r.server_cpu_pct,
    gen_cpu_pct: r.gen_cpu_pct, others_core1_pct: r.others_core1_pct, others_core0_pct: r.others_core0_pct,
    missing: r.missing, errors: r.errors, disconnects: r.disconnects, first_error: r.first_error })) };
}

async function measureAwareness(kind) {
  return clean(() => withServer(kind, {}, async (s) => {
    await warmProbe(s);
    return fanout(s, 'awareness', { rate: 1, awRate: AW_RATE });
  }));
}

async function measureRamp(kind) {
  const steps = [];
  // Doubling steps until one fails, then two bisection steps between the last pass and it.
  const rates = quick ? [1, 4, 16, 64] : [1, 2, 4, 8, 16, 32, 64, 128, 256];
  let lastOk = null;
  let firstBad = null;
  let attempt = 0;
  const run = async (rate) => {
    const r = await clean(() => withServer(kind, {}, async (s) => {
      await warmProbe(s);
      return fanout(s, `ramp-${rate}-${attempt++}`, { rate, warmup: RAMP_WARMUP, duration: RAMP_DURATION });
    }));
    r.ok = rampOk(r);
    log(`${kind} ramp ${CLIENTS} x ${rate}/s: offered ${fmtInt(r.offered_dps)}/s, delivered ${fmtInt(r.delivered_dps)}/s, p99 ${r.p99_ms ?? '(lost)'} ms, server ${fmt(r.server_cpu_pct, 0)} %, generator ${fmt(r.gen_cpu_pct, 0)} %`);
    steps.push(r);
    return r;
  };
  for (const rate of rates) {
    const r = await run(rate);
    if (!r.ok) {
      firstBad = r;
      break;
    }
    lastOk = r;
  }
  for (let i = 0; i < (quick ? 1 : 2) && lastOk && firstBad && firstBad.rate / lastOk.rate > 1.15; i++) {
    const mid = Math.round(Math.sqrt(lastOk.rate * firstBad.rate) * 10) / 10;
    const m = await run(mid);
    if (m.ok) lastOk = m;
    else firstBad = m;
  }
  steps.sort((a, b) => a.rate - b.rate);
  return { steps, best: lastOk };
}

async function measureIdle(kind) {
  return withServer(kind, {}, async (s) => {
    await warmProbe(s);
    await sleep(500);
    const before = await settledRssKB(s);
    let after = NaN;
    const r = await loadgen(['--mode', 'idle', '--clients', String(IDLE_CLIENTS), '--max-seconds', '120', ...s.room('idle')], async (ev, child) => {
      if (ev.event !== 'ready') return;
      await sleep(1500);
      after = await settledRssKB(s);
      child.kill('SIGTERM');
    });
    return { ...r, rss_before_kb: before, rss_after_kb: after, kb_per_conn: (after - before) / IDLE_CLIENTS };
  });
}

async function measureDocs(kind) {
  const snapshot = path.join(traces, 'automerge-paper.yjs-v1-snapshot.bin');
  return withServer(kind, {}, async (s) => {
    await warmProbe(s);
    await sleep(500);
    const urlFile = path.join(tmp, `${kind}-docs.urls`);
    const rooms = Array.from({ length: DOC_ROOMS }, (_, i) => s.room(`doc-${i}`));
    fs.writeFileSync(urlFile, rooms.map((a) => a.join(' ')).join('\n') + '\n');
    const before = await settledRssKB(s);
    let after = NaN;
    const r = await loadgen(['--mode', 'docs', '--clients', String(DOC_ROOMS), '--file', snapshot, '--max-seconds', '120', '--room-file', urlFile], async (ev, child) => {
      if (ev.event !== 'ready') return;
      await sleep(1500);
      after = await settledRssKB(s);
      child.kill('SIGTERM');
    });
    return { ...r, rss_before_kb: before, rss_after_kb: after, mb_per_doc: (after - before) / 1024 / DOC_ROOMS };
  });
}

let updatesFile = null;
function coldUpdates() {
  if (!updatesFile) {
    updatesFile = path.join(tmp, 'automerge-paper.updates.bin');
    fs.writeFileSync(updatesFile, gunzipSync(fs.readFileSync(path.join(traces, 'automerge-paper.yjs-v1-updates.bin.gz'))));
  }
  return updatesFile;
}

// Pushes the updates through a client, stops the server, then restarts it RUNS times from a
// copy of what it stored and times the cold load of that room.
async function measureCold(kind, { seedLog = false } = {}) {
  const store = path.join(tmp, `${kind}-store`);
  const copy = (from, to) => {
    fs.rmSync(to, { recursive: true, force: true });
    fs.cpSync(from, to, { recursive: true });
  };
  fs.rmSync(store, { recursive: true, force: true });
  fs.mkdirSync(store, { recursive: true });
  const napcDb = path.join(store, 'napc.db');
  if (kind === 'napconsult') servers.napconsult.prepare(napcDb, 4);
  let pushed;
  const t0 = Date.now();
  if (seedLog) {
    // napconsult only: the updates go straight into its log table, one row each, no snapshot.
    const doc = servers.napconsult.roomOf('cold').document;
    const r = spawnSync(loadgenBin, ['--mode', 'seedlog', '--db', napcDb, '--doc', doc, '--file', coldUpdates(),
      '--count', String(COLD_UPDATES), '--expect-client', '1'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`seedlog failed: ${(r.stderr || r.stdout).trim()}`);
    pushed = JSON.parse(r.stdout.trim().split('\n').pop());
  } else {
    await withServer(kind, { persist: kind === 'napconsult' ? undefined : store }, async (s) => {
      await warmProbe(s);
      // A holder keeps the room open from before the push to after the flush: y-websocket binds
      // a room to LevelDB asynchronously and folds whatever arrives before that into one entry,
      // so the push starts only once the binding is done (the first flush).
      const holder = await startHolder(s, 'cold');
      try {
        await servers[kind].flush(s, 'cold', store);
        pushed = await loadgen(['--mode', 'push', '--file', coldUpdates(), '--count', String(COLD_UPDATES), '--expect-client', '1',
          '--max-seconds', '300', ...s.room('cold')]);
        if (pushed.errors) throw new Error(`push failed: ${pushed.first_error}`);
        pushed.stored_entries = await servers[kind].flush(s, 'cold', store);
      } finally {
        await holder.stop();
      }
    });
  }
  log(`${kind}: stored ${COLD_UPDATES} updates in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const stored = kind === 'napconsult' ? napcStoredRows(napcDb, servers.napconsult.roomOf('cold').document) : null;
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const run = path.join(tmp, `${kind}-run`);
    copy(store, run);
    if (kind === 'napconsult') servers.napconsult.db = path.join(run, 'napc.db');
    const r = await withServer(kind, { persist: kind === 'napconsult' ? undefined : run }, async (s) => {
      await warmProbe(s);
      await waitQuiet();
      return loadgen(['--mode', 'cold', '--expect-client', '1', '--expect-clock', String(pushed.state_clock), '--max-seconds', '60', ...s.room('cold')]);
    });
    if (r.errors || r.ready_ms === null) throw new Error(`cold load failed: ${r.first_error ?? 'the state never arrived'}`);
    runs.push(r);
  }
  const ready = runs.map((r) => r.ready_ms).sort((a, b) => a - b);
  return { pushed, stored, runs, ready_ms: ready[ready.length >> 1], ready_min_ms: ready[0], ready_max_ms: ready[ready.length - 1] };
}

// What napconsult kept for the room: log rows and snapshot bytes (sqlite3 CLI, if present).
function napcStoredRows(db, doc) {
  const q = (sql) => spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  // Schema version 3 keys the log by a document number (document_ids); earlier ones by name.
  let rows = q(`SELECT count(*) FROM document_log l JOIN document_ids d ON d.id = l.document_id WHERE d.name = '${doc}'`);
  if (rows.status !== 0) rows = q(`SELECT count(*) FROM document_updates WHERE document = '${doc}'`);
  const snap = q(`SELECT coalesce(sum(length(snapshot)), 0) FROM documents WHERE name = '${doc}'`);
  if (rows.status !== 0 || snap.status !== 0) return null;
  return { log_rows: Number(rows.stdout.trim()), snapshot_bytes: Number(snap.stdout.trim()) };
}

// ---------------------------------------------------------------------------------------------
// Is napconsult there and speaking /ws/doc?

async function napconsultAvailable() {
  if (!fs.existsSync(napconsultBin)) return `${napconsultBin} is missing (build the napconsult target)`;
  const dir = path.join(tmp, 'napc-probe');
  fs.mkdirSync(dir, { recursive: true });
  try {
    servers.napconsult.prepare(path.join(dir, 'probe.db'), 1);
  } catch (e) {
    return e.message;
  }
  try {
    return await withServer('napconsult', {}, async (s) => {
      const r = await loadgen(['--mode', 'idle', '--clients', '1', '--hold', '0.2', '--max-seconds', '10', ...s.room('probe')]);
      return r.synced === 1 ? null : `/ws/doc does not sync yet (${r.first_error ?? 'no step 2 from the server'})`;
    });
  } catch (e) {
    return `napconsult serve does not start or speak /ws/doc yet: ${e.message.split('\n')[0]}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Main

const fmtInt = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Math.round(v).toLocaleString('en-US'));
const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(d));

// --report FILE[,FILE…]: only print the table (and write the plot) from earlier results.json.
// With several files, each fan-out measurement is taken from the run in which other processes
// disturbed it least (the same method in every run; the noise is reported); others: the last.
function noiseOf(m) {
  if (!m || m.error) return Infinity;
  const all = [m, ...(m.runs ?? []), ...(m.steps ?? [])].map((x) => x.noise_pct ?? Math.max(x.others_core1_pct ?? 0, x.others_core0_pct ?? 0));
  return Math.max(...all);
}
const reportFrom = opt('--report', null);
let results = { machine: {}, servers: {}, unavailable: {} };
results.machine = {
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model,
  node: process.version,
  loadavg_start: os.loadavg(),
  pinned: haveTaskset,
  settings: { clients: CLIENTS, warmup: WARMUP, duration: DURATION, ramp_warmup: RAMP_WARMUP, ramp_duration: RAMP_DURATION,
    aw_rate: AW_RATE, idle_clients: IDLE_CLIENTS, doc_rooms: DOC_ROOMS, cold_updates: COLD_UPDATES, runs: RUNS },
};
if (!reportFrom && os.loadavg()[0] > 1.0) log(`warning: load average ${os.loadavg()[0].toFixed(1)} before the start; numbers will be noisy`);

const kinds = ['y-websocket', 'hocuspocus', 'napconsult'].filter((k) => only.includes(k));
const started = Date.now();
if (reportFrom) {
  // Several files (comma-separated): later ones replace earlier ones, measurement by measurement.
  for (const file of reportFrom.split(',')) {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    results.machine = { ...results.machine, ...r.machine };
    for (const [k, m] of Object.entries(r.servers)) {
      results.servers[k] ??= {};
      for (const [name, v] of Object.entries(m)) {
        const had = results.servers[k][name];
        if (!had || had.error || noiseOf(v) <= noiseOf(had)) results.servers[k][name] = v;
      }
    }
    for (const [k, why] of Object.entries(r.unavailable ?? {})) if (!results.servers[k]) results.unavailable[k] = why;
  }
} else {
if (kinds.includes('napconsult')) {
  const why = await napconsultAvailable();
  if (why) {
    log(`napconsult is not measured: ${why}`);
    results.unavailable.napconsult = why;
  }
}

for (const kind of kinds) {
  if (results.unavailable[kind]) continue;
  const r = (results.servers[kind] = {});
  const step = async (name, f) => {
    if (skip.has(name)) return;
    if (kind === 'napconsult') servers.napconsult.prepare(path.join(tmp, `napc-${name}`, 'napc.db'), name === 'docs' ? DOC_ROOMS + 2 : 40);
    const t = Date.now();
    try {
      r[name] = await f(kind);
    } catch (e) {
      r[name] = { error: e.message };
      log(`${kind} ${name} failed: ${e.message}`);
    }
    log(`${kind} ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  await step('steady', measureSteady);
  await step('awareness', measureAwareness);
  await step('ramp', measureRamp);
  await step('idle', measureIdle);
  await step('docs', measureDocs);
  await step('cold', (k) => measureCold(k));
  if (kind === 'napconsult') await step('cold_log', (k) => measureCold(k, { seedLog: true }));
}
results.machine.loadavg_end = os.loadavg();
results.machine.total_s = (Date.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Report

const peers = ['y-websocket', 'hocuspocus'].filter((k) => results.servers[k]);
const get = (kind, f) => {
  try {
    const v = f(results.servers[kind] ?? {});
    return v === undefined || Number.isNaN(v) ? null : v;
  } catch {
    return null;
  }
};
// rows: [label, getter, digits, better ('low'|'high'), target {op, value} | target function, target text]
const best = (f, better) => {
  const v = peers.map((k) => get(k, f)).filter((x) => x !== null);
  if (!v.length) return null;
  return better === 'low' ? Math.min(...v) : Math.max(...v);
};
// A latency cell of a measurement that lost deliveries (not received within the drain).
const lat = (pick, q, digits = 2) => [(s) => pick(s)[q], digits, (s) => {
  const r = pick(s);
  if (r[q] !== null && r[q] !== undefined) return fmt(r[q], digits);
  const missing = q.startsWith('aw_') ? r.aw_missing : r.missing;
  const sent = (q.startsWith('aw_') ? r.aw_offered_dps : r.offered_dps) * r.window_s;
  return missing ? `saturated (${fmt((100 * missing) / sent, 0)} % late > 3 s)` : '–';
}];
const rows = [
  ['200 × 1/s: fan-out latency p50 (ms), send → each peer\'s socket', (s) => s.steady.wire_p50_ms, 2, 'low'],
  ['200 × 1/s: p99 (ms)', (s) => s.steady.wire_p99_ms, 2, 'low', (v) => v <= 5, '≤ 5'],
  [`  p99 over the ${RUNS} runs (min–max)`, (s) => s.steady.wire_p99_ms, 1, null, null, null,
    (s) => {
      const v = s.steady.runs.map((r) => r.wire_p99_ms ?? Infinity);
      const f = (x) => (x === Infinity ? 'lost' : fmt(x, 1));
      return `${f(Math.min(...v))}–${f(Math.max(...v))}`;
    }],
  ['200 × 1/s: p99.9 (ms)', (s) => s.steady.wire_p999_ms, 2, 'low'],
  ['200 × 1/s: max (ms)', (s) => s.steady.wire_max_ms, 1, 'low'],
  ['200 × 1/s: p50 / p99 as the generator\'s one thread read them (ms)', (s) => s.steady.p99_ms, 1, null, null, null,
    (s) => `${fmt(s.steady.p50_ms, 2)} / ${fmt(s.steady.p99_ms, 2)}`],
  ['200 × 1/s: deliveries/s', (s) => s.steady.delivered_dps, 0, 'high'],
  ['200 × 1/s: server CPU (% of a core)', (s) => s.steady.server_cpu_pct, 1, 'low',
    (v, b) => b !== null && v <= b / 2, '≤ ½ best peer'],
  ['200 × 1/s: server CPU per delivery (µs)', (s) => s.steady.server_us_per_delivery, 2, 'low'],
  ['200 × 1/s: generator CPU (% of a core)', (s) => s.steady.gen_cpu_pct, 1, null],
  [`+ cursors ${AW_RATE}/s: update p50 (ms)`, ...lat((s) => s.awareness, 'wire_p50_ms').slice(0, 2), 'low', null, null, lat((s) => s.awareness, 'wire_p50_ms')[2]],
  [`+ cursors ${AW_RATE}/s: update p99 (ms)`, ...lat((s) => s.awareness, 'wire_p99_ms').slice(0, 2), 'low', null, null, lat((s) => s.awareness, 'wire_p99_ms')[2]],
  [`+ cursors ${AW_RATE}/s: cursor p50 (ms)`, ...lat((s) => s.awareness, 'aw_wire_p50_ms').slice(0, 2), 'low', null, null, lat((s) => s.awareness, 'aw_wire_p50_ms')[2]],
  [`+ cursors ${AW_RATE}/s: cursor p99 (ms)`, ...lat((s) => s.awareness, 'aw_wire_p99_ms').slice(0, 2), 'low', null, null, lat((s) => s.awareness, 'aw_wire_p99_ms')[2]],
  [`+ cursors ${AW_RATE}/s: cursor p99.9 (ms)`, ...lat((s) => s.awareness, 'aw_wire_p999_ms').slice(0, 2), 'low', null, null, lat((s) => s.awareness, 'aw_wire_p999_ms')[2]],
  [`+ cursors ${AW_RATE}/s: deliveries/s (updates + cursors)`, (s) => s.awareness.delivered_dps + s.awareness.aw_delivered_dps, 0, 'high'],
  [`+ cursors ${AW_RATE}/s: server CPU (% of a core)`, (s) => s.awareness.server_cpu_pct, 1, 'low'],
  ['max sustained deliveries/s, p99 < 100 ms, no loss', (s) => s.ramp.best.delivered_dps, 0, 'high',
    (v, b) => b !== null && v >= 5 * b, '≥ 5 × best peer',
    (s) => (s.ramp.best ? fmtInt(s.ramp.best.delivered_dps) : `none: ${CLIENTS} × ${s.ramp.steps[0]?.rate}/s already fails`)],
  ['  at clients × rate', (s) => s.ramp.best.rate, 1, null, null, null, (s) => `${CLIENTS} × ${s.ramp.best.rate}/s`],
  ['  p99 there (ms) / generator CPU there (%)', (s) => s.ramp.best.p99_ms, 1, null, null, null,
    (s) => `${fmt(s.ramp.best.p99_ms, 1)} / ${fmt(s.ramp.best.gen_cpu_pct, 0)}`],
  ['  server CPU per delivery there (µs)', (s) => s.ramp.best.server_us_per_delivery, 2, 'low'],
  ['deliveries per second of server CPU, at the highest load measured', (s) => {
    const top = s.ramp.steps.reduce((a, b) => (b.delivered_dps > a.delivered_dps ? b : a));
    return top.delivered_dps / (top.server_cpu_pct / 100);
  }, 0, 'high'],
  ['RSS per idle connection (KB)', (s) => s.idle.kb_per_conn, 1, 'low', (v) => v <= 4, '≤ 4'],
  ['RSS per loaded automerge-paper document (MB)', (s) => s.docs.mb_per_doc, 2, 'low', (v) => v <= 1, '≤ 1'],
  ['cold load, 100,000 updates pushed through a client (ms)', (s) => s.cold.ready_ms, 1, 'low', (v) => v <= 40, '≤ 40'],
  ['cold load, 100,000 rows in the update log, uncompacted (ms)', (s) => s.cold_log.ready_ms, 1, 'low', (v) => v <= 40, '≤ 40'],
];

const cols = kinds;
const header = ['measurement', ...cols.map((k) => servers[k].label), 'napconsult vs best peer', 'target', 'met'];
const table = [header, header.map(() => '---')];
for (const [label, f, digits, better, target, targetText, show] of rows) {
  const cells = cols.map((k) => {
    if (results.unavailable[k]) return 'n/a';
    if (k !== 'napconsult' && label.includes('uncompacted')) return 'as above (log not compacted)';
    const v = get(k, f);
    if (show) {
      const shown = get(k, show);
      if (shown !== null) return shown;
    }
    if (v === null) return '–';
    return digits === 0 ? fmtInt(v) : fmt(v, digits);
  });
  const ours = results.unavailable.napconsult ? null : get('napconsult', f);
  const b = best(label.includes('uncompacted') ? (s) => s.cold.ready_ms : f, better);
  let ratio = '';
  if (ours !== null && b !== null && better && ours > 0) {
    const x = better === 'low' ? b / ours : ours / b;
    ratio = `${fmt(x, x < 1 ? 2 : 1)}×`;
  }
  let met = '';
  if (target) met = ours === null ? 'not measured' : target(ours, b) ? 'yes' : 'no';
  table.push([label, ...cells, ratio, targetText ?? '', met]);
}
const md = table.map((r) => `| ${r.join(' | ')} |`).join('\n');

const notes = [];
for (const [k, why] of Object.entries(results.unavailable)) notes.push(`${k}: not measured: ${why}`);
for (const k of kinds) {
  for (const [name, v] of Object.entries(results.servers[k] ?? {})) if (v?.error) notes.push(`${k} ${name}: ${v.error}`);
}
for (const k of kinds) {
  const n = get(k, (s) => s.cold.pushed.stored_entries);
  if (n !== null) notes.push(`${k}: the cold-load room held ${fmtInt(n)} stored update entries (${k === 'y-websocket' ? 'y-leveldb; it merges them into one on that first load' : 'FileLog records'})`);
  const st = get(k, (s) => s.cold.stored);
  if (st) notes.push(`${k} stored the 100,000 pushed updates as a ${fmtInt(st.snapshot_bytes)}-byte snapshot + ${fmtInt(st.log_rows)} log rows (it compacts as it goes), so "pushed through a client" loads a snapshot; the uncompacted row seeds its log table directly`);
}
const fanouts = kinds.flatMap((k) => [get(k, (s) => s.steady), get(k, (s) => s.awareness), ...(get(k, (s) => s.ramp.steps) ?? [])]).filter(Boolean);
const retried = fanouts.filter((r) => r.attempts > 1).length;
if (retried) notes.push(`${retried} fan-out measurement(s) were repeated because other processes took more than ${NOISE_LIMIT} % of a core during the window`);
const irq = kinds.map((k) => [k, get(k, (s) => s.steady.softirq_core1_pct)]).filter(([, v]) => v !== null);
if (irq.length) notes.push(`interrupt + softirq time on core 1 during the 200 × 1/s window (mostly loopback packet processing; only partly charged to the server process): ${irq.map(([k, v]) => `${k} ${fmt(v, 0)} %`).join(', ')}; "other processes" below counts the uncharged part too`);
const o1 = fanouts.map((r) => r.others_core1_pct).filter((x) => x !== undefined && !Number.isNaN(x));
const o0 = fanouts.map((r) => r.others_core0_pct).filter((x) => x !== undefined && !Number.isNaN(x));
if (o1.length) notes.push(`other processes on this machine during the fan-out windows: up to ${fmt(Math.max(...o1), 0)} % of core 1 (the server's), ${fmt(Math.max(...o0), 0)} % of core 0 (the generator's)`);
for (const k of kinds) {
  const bound = (get(k, (s) => s.ramp.steps) ?? []).filter((r) => r.gen_cpu_pct > 90);
  if (bound.length) notes.push(`${k}: the generator used > 90 % of its core at ${bound.map((r) => `${CLIENTS} × ${r.rate}/s`).join(', ')}: there the generator, not the server, may be the limit`);
}
const gen = kinds.map((k) => get(k, (s) => s.ramp.steps.map((x) => x.gen_cpu_pct)) ?? []).flat();
if (gen.length) notes.push(`generator CPU over all ramp steps: max ${fmt(Math.max(...gen), 0)} % of core 0`);
notes.push(`load average at start ${results.machine.loadavg_start.map((x) => x.toFixed(2)).join(' ')}, at end ${results.machine.loadavg_end.map((x) => x.toFixed(2)).join(' ')}`);

// The plot: p99 (and p50) latency against offered deliveries/s, one line per server.
const svg = plot(kinds.filter((k) => results.servers[k]?.ramp?.steps));
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'fanout.svg'), svg);
let png = null;
if (spawnSync('rsvg-convert', ['--version']).status === 0) {
  const r = spawnSync('rsvg-convert', ['-w', '900', '-o', path.join(outDir, 'fanout.png'), path.join(outDir, 'fanout.svg')]);
  if (r.status === 0) png = path.join(outDir, 'fanout.png');
}
fs.writeFileSync(path.join(outDir, 'table.md'), md + '\n\n' + notes.map((n) => `- ${n}`).join('\n') + '\n');
fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1));
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 1));

console.log(`\n## Fan-out: napconsult vs @y/websocket-server and Hocuspocus (${os.cpus().length} cores, ${os.cpus()[0]?.model})\n`);
console.log(md);
console.log('');
for (const n of notes) console.log(`- ${n}`);
console.log(`\nwritten: ${path.join(outDir, 'table.md')}, results.json, fanout.svg${png ? ', fanout.png' : ''} (total ${fmt(results.machine.total_s, 0)} s)`);

function plot(ks) {
  const W = 900;
  const H = 520;
  const m = { l: 80, r: 200, t: 40, b: 60 };
  const pts = ks.flatMap((k) => results.servers[k].ramp.steps.map((s) => [s.offered_dps, s.p99_ms ?? 1e4]));
  if (!pts.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="100"><text x="20" y="50">no ramp data</text></svg>`;
  const xmin = 1e4;
  const xmax = 10 ** Math.ceil(Math.log10(Math.max(...pts.map((p) => p[0]), 1e5)));
  const ymin = 0.1;
  const ymax = 1e4;
  const X = (v) => m.l + ((Math.log10(Math.max(v, xmin)) - Math.log10(xmin)) / (Math.log10(xmax) - Math.log10(xmin))) * (W - m.l - m.r);
  const Y = (v) => H - m.b - ((Math.log10(Math.min(Math.max(v, ymin), ymax)) - Math.log10(ymin)) / (Math.log10(ymax) - Math.log10(ymin))) * (H - m.t - m.b);
  const colors = { 'y-websocket': '#1f77b4', hocuspocus: '#ff7f0e', napconsult: '#2ca02c' };
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="22" font-size="15">Fan-out latency vs offered load (${CLIENTS} clients in one room, 1-char updates)</text>`];
  for (let e = Math.log10(xmin); e <= Math.log10(xmax); e++) {
    for (const f of [1, 2, 5]) {
      const v = f * 10 ** e;
      if (v > xmax) continue;
      out.push(`<line x1="${X(v)}" x2="${X(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#ddd"/>`);
      out.push(`<text x="${X(v)}" y="${H - m.b + 16}" text-anchor="middle">${v >= 1e6 ? v / 1e6 + 'M' : v / 1e3 + 'k'}</text>`);
    }
  }
  for (let e = -1; e <= 4; e++) {
    const v = 10 ** e;
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 8}" y="${Y(v) + 4}" text-anchor="end">${v >= 1000 ? v / 1000 + ' s' : v + ' ms'}</text>`);
  }
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(LATENCY_LIMIT_MS)}" y2="${Y(LATENCY_LIMIT_MS)}" stroke="#c00" stroke-dasharray="6,4"/>`);
  out.push(`<text x="${W - m.r - 4}" y="${Y(LATENCY_LIMIT_MS) - 5}" text-anchor="end" fill="#c00">p99 limit 100 ms</text>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 18}" text-anchor="middle">offered deliveries/s (log); hollow points at the top: deliveries lost</text>`);
  out.push(`<text transform="translate(18,${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">latency, send to receipt (log)</text>`);
  ks.forEach((k, i) => {
    const steps = results.servers[k].ramp.steps;
    for (const [q, dash] of [['p99_ms', ''], ['p50_ms', '4,3']]) {
      const d = steps.map((s, j) => `${j ? 'L' : 'M'}${X(s.offered_dps).toFixed(1)},${Y(s[q] ?? ymax).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${colors[k]}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`);
      for (const s of steps) {
        // a hollow point at the top: deliveries were lost (not received within the drain)
        const fill = s[q] === null ? `fill="white" stroke="${colors[k]}"` : `fill="${colors[k]}"`;
        out.push(`<circle cx="${X(s.offered_dps).toFixed(1)}" cy="${Y(s[q] ?? ymax).toFixed(1)}" r="3.5" ${fill}/>`);
      }
    }
    const ly = m.t + 20 + i * 40;
    out.push(`<line x1="${W - m.r + 15}" x2="${W - m.r + 45}" y1="${ly}" y2="${ly}" stroke="${colors[k]}" stroke-width="2"/>`);
    out.push(`<text x="${W - m.r + 50}" y="${ly + 4}">${k} p99</text>`);
    out.push(`<line x1="${W - m.r + 15}" x2="${W - m.r + 45}" y1="${ly + 16}" y2="${ly + 16}" stroke="${colors[k]}" stroke-width="2" stroke-dasharray="4,3"/>`);
    out.push(`<text x="${W - m.r + 50}" y="${ly + 20}">${k} p50</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
