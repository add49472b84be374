// The layer check (design §2, docs/architecture.md): every library may include only the layers
// and third-party libraries below it. The include roots already make a project header of a layer
// a library does not link a build error; this check also covers what every target can see, the
// system headers: storage, consult and exports must never include Asio, Beast or a socket API.
//
//   node tests/layers/check.mjs [--root DIR]     exit 0 when clean; 1 and one line per crossing
import fs from 'node:fs';
import path from 'node:path';

// What each library may include: project layers by folder name, and third-party libraries.
// 'log' (server/log) is the bottom layer of the server: every server library may use it, and
// it uses only the standard library.
const ALLOWED = {
  'server/log': ['log'],
  'server/storage': ['storage', 'sqlite', 'log'],
  'server/consult': ['consult', 'storage', 'agendas', 'crdt', 'nlohmann', 'openssl', 'log'],
  'server/app': ['app', 'storage', 'log'],
  'server/net': ['net', 'boost', 'crdt', 'uring', 'sockets', 'log'],
  'server/sync': ['sync', 'net', 'app', 'consult', 'storage', 'crdt', 'boost', 'nlohmann', 'log'],
  'server/http': ['http', 'sync', 'net', 'app', 'consult', 'storage', 'boost', 'nlohmann', 'log'],
  'server/cli': ['*'],
  exports: ['exports', 'consult', 'storage', 'crdt', 'agendas', 'nlohmann'],
  crdt: ['crdt'],
  agendas: ['agendas', 'nlohmann'],
};
const LAYERS = ['log', 'storage', 'consult', 'app', 'net', 'sync', 'http', 'cli', 'exports'];
// Headers that give a file the network (besides Asio and Beast themselves).
const SOCKET_HEADERS = ['sys/socket.h', 'netinet/in.h', 'netinet/tcp.h', 'arpa/inet.h', 'netdb.h',
  'sys/epoll.h', 'liburing.h'];

// What an include line brings in: a project layer, a third-party library, or null (the
// standard library, the C library, or a private header of the file's own library).
function classify(target, quoted) {
  const first = target.split('/')[0];
  if (quoted) return target.includes('/') && LAYERS.includes(first) ? first : null;
  if (first === 'boost') return 'boost';
  if (target === 'sqlite3.h') return 'sqlite';
  if (first === 'openssl') return 'openssl';
  if (first === 'nlohmann') return 'nlohmann';
  if (first === 'crdt') return 'crdt';
  if (first === 'agendas') return 'agendas';
  if (target === 'liburing.h') return 'uring';
  if (SOCKET_HEADERS.includes(target)) return 'sockets';
  return null;
}

function* sources(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(p);
    else if (/\.(cpp|hpp|h)$/.test(entry.name)) yield p;
  }
}

export function check(root) {
  const crossings = [];
  for (const [lib, allowed] of Object.entries(ALLOWED)) {
    if (allowed.includes('*')) continue;
    for (const file of sources(path.join(root, lib))) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const m = line.match(/^\s*#\s*include\s*([<"])([^>"]+)[>"]/);
        if (!m) return;
        const what = classify(m[2], m[1] === '"');
        if (what && !allowed.includes(what)) {
          crossings.push(`${path.relative(root, file)}:${i + 1}: ${lib} may not include ` +
            `${m[1]}${m[2]}${m[1] === '"' ? '"' : '>'} (${what}); it may use ${allowed.join(', ')}`);
        }
      });
    }
  }
  return crossings;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--root');
  const root = path.resolve(at > 0 ? process.argv[at + 1] : path.join(import.meta.dirname, '../..'));
  const crossings = check(root);
  for (const c of crossings) console.error(c);
  if (crossings.length > 0) {
    console.error(`layers: ${crossings.length} include(s) cross a layer (design §2)`);
    process.exit(1);
  }
  console.log('layers: every library includes only what it may use');
}
