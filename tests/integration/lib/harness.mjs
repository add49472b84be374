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

// ---- Raw HTTP and process memory (the hardening tests, issue #10) ----
// Import declarations are hoisted: these are in force for the whole module.
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';

// One HTTP request with node:http, which (unlike fetch) can pick the local source address and
// send any header (Origin); `agent` bounds how many connections a burst of requests opens.
// Resolves with {status, headers, text, json, ms}; rejects on a socket error or after `timeout`.
export function httpRequest(server, pathAndQuery, {
  method = 'GET', body, token, headers = {}, localAddress, agent, timeout = 10000,
} = {}) {
  const h = { ...headers };
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  if (payload) {
    h['content-type'] ??= 'application/json';
    h['content-length'] = payload.length;
  }
  if (token) h.authorization = `Bearer ${token}`;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, path: pathAndQuery, method, headers: h, localAddress, agent: agent ?? false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json, ms: performance.now() - t0 });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${pathAndQuery}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// Writes `data` (a string or bytes, or an array of them written in turn) on a fresh TCP
// connection and collects what the server sends until it closes the connection, `until(bytes)`
// holds, or `timeout` passes. Resolves with {data, closed, error}.
export function rawHttp(server, data, { localAddress, timeout = 5000, until } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
    const chunks = [];
    let error = null;
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: Buffer.concat(chunks), closed, error });
    };
    const timer = setTimeout(() => finish(false), timeout);
    sock.on('connect', () => {
      for (const d of Array.isArray(data) ? data : [data]) sock.write(d);
    });
    sock.on('data', (c) => {
      chunks.push(c);
      if (until?.(Buffer.concat(chunks))) finish(false);
    });
    sock.on('error', (e) => { error = e; });
    sock.on('close', () => finish(true));
  });
}

// Splits a byte stream into HTTP/1.1 responses. `noBody[i]` says response i answers a HEAD
// (a Content-Length but no body). Stops at the first incomplete response; `rest` is what is left.
export function parseHttpResponses(buf, { noBody = [] } = {}) {
  const responses = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const head = buf.subarray(pos, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const m = statusLine.match(/^HTTP\/(\d\.\d) (\d{3})/);
    if (!m) break;
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = noBody[responses.length] ? 0 : Number(headers['content-length'] ?? 0);
    if (end + 4 + length > buf.length) break;
    const body = buf.subarray(end + 4, end + 4 + length).toString();
    let json;
    try { json = JSON.parse(body); } catch { json = undefined; }
    responses.push({ version: m[1], status: Number(m[2]), statusLine, headers, body, json });
    pos = end + 4 + length;
  }
  return { responses, rest: buf.subarray(pos) };
}

// The resident set size of a process, in bytes (VmRSS from /proc/<pid>/status); NaN once it is gone.
export function rssBytes(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

// Samples a server's RSS every `interval` ms until stop(); `peak` is the largest sample.
export function rssSampler(server, interval = 250) {
  const s = { baseline: rssBytes(server.child.pid), peak: 0, samples: 0 };
  s.peak = s.baseline;
  const timer = setInterval(() => {
    const v = rssBytes(server.child.pid);
    if (Number.isFinite(v)) {
      s.peak = Math.max(s.peak, v);
      s.samples += 1;
    }
  }, interval);
  s.stop = () => {
    clearInterval(timer);
    const v = rssBytes(server.child.pid);
    if (Number.isFinite(v)) s.peak = Math.max(s.peak, v);
    return s;
  };
  return s;
}

export const MiB = 1 << 20;
