// The layer check holds on the tree, and it fails when a lower layer reaches up: a storage or
// consultation file that includes Asio, Beast, a socket header or the network layer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { check } from './check.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const script = path.join(import.meta.dirname, 'check.mjs');

test('the source tree crosses no layer', () => {
  const r = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

// A copy of the tree's server/ and exports/ layout with one crossing planted in `file`.
function plant(file, line) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'napc-layers-'));
  for (const lib of ['server/storage/src', 'server/consult/src', 'exports/src', 'server/http/src']) {
    fs.mkdirSync(path.join(dir, lib), { recursive: true });
  }
  fs.writeFileSync(path.join(dir, 'server/storage/src/ok.cpp'), '#include "storage/database.hpp"\n#include <sqlite3.h>\n#include <vector>\n');
  fs.writeFileSync(path.join(dir, 'server/http/src/ok.cpp'), '#include <boost/beast.hpp>\n#include "sync/access.hpp"\n');
  fs.writeFileSync(path.join(dir, file), `#include <string>\n${line}\n`);
  return dir;
}

for (const [file, line] of [
  ['server/storage/src/bad.cpp', '#include <boost/asio.hpp>'],
  ['server/storage/src/bad.cpp', '#include "net/net.hpp"'],
  ['server/consult/src/bad.cpp', '#include "http/http_session.hpp"'],
  ['server/consult/src/bad.cpp', '#include <sys/socket.h>'],
  ['exports/src/bad.cpp', '#  include <boost/beast/http.hpp>'],
  ['exports/src/bad.cpp', '#include "sync/room_registry.hpp"'],
]) {
  test(`a crossing is caught: ${file} with ${line}`, () => {
    const dir = plant(file, line);
    try {
      const crossings = check(dir);
      assert.equal(crossings.length, 1, crossings.join('\n'));
      assert.match(crossings[0], new RegExp(`^${file}:2: `));
      const r = spawnSync(process.execPath, [script, '--root', dir], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /cross a layer/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
