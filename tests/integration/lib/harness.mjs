// Shared by the integration tests: start the real napconsult binary on a free port with a
// temporary database, create consultations with its CLI, join over REST, and talk to
// /ws/doc with stock y-websocket providers or with raw WebSocket frames.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

export const bin = path.join(process.env.NAPC_BIN ?? path.resolve(import.meta.dirname, '../../../build/bin'), 'napconsult');

export function tempDir(prefix = 'napc-it-') {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

// Runs a napconsult CLI command to completion; returns {status, stdout, stderr}.
export function cli(args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function createConsultation(db, title = 'Integration test consultation', extra = []) {
  const r = cli(['consultation', 'create', '--db', db, '--title', title, '--json', ...extra]);
  if (r.status !== 0) throw new Error(`consultation create failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function invitation(consultation, role, constituency) {
  const inv = consultation.invitations.find((i) => i.role === role && (!constituency || i.constituency === constituency));
  if (!inv) throw new Error(`no ${role}/${constituency} invitation`);
  return inv;
}

// Starts `napconsult serve` and resolves once it prints its address. `dir` keeps the database
// across restarts; `port` reuses a port (for restarts the clients reconnect to).
export async function startServer({ dir = tempDir(), db, port = 0, args = [], env = {} } = {}) {
  const dbPath = db ?? path.join(dir, 'napconsult.db');
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', dbPath, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`napconsult did not start:\n${output}`)), 15000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on('data', (chunk) => { output += chunk; });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`napconsult exited (${code ?? signal}):\n${output}`));
    });
  });
  const boundPort = Number(new URL(url).port);
  return {
    url,
    port: boundPort,
    wsBase: `ws://127.0.0.1:${boundPort}/ws/doc`,
    dir,
    db: dbPath,
    child,
    exited,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    // Graceful stop: SIGTERM must end the process with status 0 (a sanitizer report or a crash
    // during shutdown fails the test that stops it).
    async stop({ keep = false } = {}) {
      const running = child.exitCode === null && child.signalCode === null;
      if (running) child.kill('SIGTERM');
      const r = await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
      if (running && r.code !== 0) throw new Error(`napconsult exited with ${r.code ?? r.signal} on SIGTERM:\n${output.slice(-4000)}`);
      return r;
    },
  };
}

export async function request(url, { method = 'GET', body, token, headers = {} } = {}) {
  const h = { ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

export async function join(server, code, { name = 'Test Person', organisation = 'Test Org', constituency } = {}) {
  const body = { code, display_name: name, organisation };
  if (constituency) body.constituency = constituency;
  const r = await request(`${server.url}/api/join`, { method: 'POST', body });
  if (r.status !== 201) throw new Error(`join failed: ${r.status} ${r.text}`);
  return r.json;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls `fn` until it returns truthy or the time is up.
export async function waitFor(fn, { timeout = 10000, interval = 25, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}`);
    await sleep(interval);
  }
}

// A stock y-websocket provider on its own Y.Doc.
export function provider(server, room, token, opts = {}) {
  const doc = new Y.Doc();
  const p = new WebsocketProvider(server.wsBase ?? server, room, doc, {
    WebSocketPolyfill: WebSocket,
    params: { token },
    disableBc: true,
    ...opts,
  });
  // provider.destroy() leaves the awareness (and its 3 s interval) alive until the doc is
  // destroyed, which would keep the test process running: destroy both.
  const destroyProvider = p.destroy.bind(p);
  p.destroy = () => {
    destroyProvider();
    doc.destroy();
  };
  return { doc, provider: p, text: doc.getText('text'), awareness: p.awareness };
}

export function synced(p, timeout = 10000) {
  if (p.provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('provider did not sync')), timeout);
    p.provider.on('sync', function onSync(s) {
      if (s) {
        clearTimeout(t);
        p.provider.off('sync', onSync);
        resolve();
      }
    });
  });
}

// A raw WebSocket to a document, collecting every binary message it receives.
export async function rawSocket(server, room, token, { expectOpen = true } = {}) {
  const ws = new WebSocket(`${server.wsBase}/${room}?token=${encodeURIComponent(token)}`);
  ws.binaryType = 'nodebuffer';
  const messages = [];
  const waiters = [];
  let closed = null;
  const closedPromise = new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      closed = { code, reason: reason.toString() };
      resolve(closed);
    });
  });
  ws.on('message', (data, isBinary) => {
    messages.push(isBinary ? new Uint8Array(data) : data.toString());
    for (const w of waiters.splice(0)) w();
  });
  ws.on('error', () => {});
  if (expectOpen) {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }
  return {
    ws,
    messages,
    closed: () => closed,
    closedPromise,
    send: (bytes) => ws.send(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes)),
    // Resolves with the first message (index >= from) that satisfies pred.
    async next(pred = () => true, { from = 0, timeout = 5000 } = {}) {
      const end = Date.now() + timeout;
      for (;;) {
        for (let i = from; i < messages.length; ++i) if (pred(messages[i])) return messages[i];
        if (closed) throw new Error(`socket closed (${closed.code} ${closed.reason}) while waiting`);
        const left = end - Date.now();
        if (left <= 0) throw new Error('timed out waiting for a message');
        await new Promise((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
    },
    close: () => ws.close(),
  };
}

// Attempts an upgrade and reports the HTTP status when it is refused (or 101).
export function upgradeStatus(server, pathAndQuery) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${pathAndQuery}`);
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.on('error', () => {});
  });
}

export function docText(doc) {
  return doc.getText('text').toString();
}

export { Y, WebSocket };
