// The Yjs side of the CRDT benchmark: the same measurements as crdt_bench.cpp, on yjs 13.6.33
// loaded as an ES module (through require() Yjs runs about 4x slower, which would flatter us).
//
//   node --expose-gc yjs_bench.mjs updates FILE
//   node --expose-gc yjs_bench.mjs snapshot FILE
//   node --expose-gc yjs_bench.mjs replay FILE
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';

function splitUpdates(buf) {
  const out = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const n = buf.readUInt32LE(pos);
    pos += 4;
    out.push(new Uint8Array(buf.buffer, buf.byteOffset + pos, n));
    pos += n;
  }
  return out;
}

function benchUpdates(path) {
  const updates = splitUpdates(readFileSync(path));
  const doc = new Y.Doc();
  let emitted = 0;
  doc.on('update', (u) => { emitted += u.length; });
  const start = performance.now();
  for (const u of updates) Y.applyUpdate(doc, u);
  const ms = performance.now() - start;
  const state = Y.encodeStateAsUpdate(doc);
  console.log(JSON.stringify({ name: 'apply_updates', ms, updates: updates.length, emitted_bytes: emitted, state_bytes: state.length }));
}

// Loads the snapshot 11 times (the first run warms the JIT and is not counted) and reports the
// median load and encode times, and the heap held by one loaded document.
function benchSnapshot(path) {
  const snapshot = new Uint8Array(readFileSync(path));
  const loads = [];
  const encodes = [];
  let identical = true;
  for (let i = 0; i < 11; i++) {
    const start = performance.now();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, snapshot);
    const load = performance.now() - start;
    const encodeStart = performance.now();
    const encoded = Y.encodeStateAsUpdate(doc);
    const encode = performance.now() - encodeStart;
    identical &&= Buffer.compare(Buffer.from(encoded), Buffer.from(snapshot)) === 0;
    if (i === 0) continue;
    loads.push(load);
    encodes.push(encode);
  }
  // Memory held by one loaded document: heap after minus heap before, each after full GCs.
  const settle = () => { for (let i = 0; i < 4; i++) globalThis.gc(); return process.memoryUsage().heapUsed; };
  const before = settle();
  const doc = new Y.Doc();
  Y.applyUpdate(doc, snapshot);
  const docBytes = settle() - before;
  console.log(JSON.stringify({ name: 'snapshot', load_ms: median(loads), encode_ms: median(encodes), doc_bytes: docBytes, snapshot_bytes: snapshot.length, identical, text_length: doc.getText('text').length }));
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
}

// Local replay of a trace file written by run.mjs (`txn pos del text` per line, UTF-16
// positions), one transaction per trace transaction, with an update listener as B4 has.
function benchReplay(path) {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const patches = lines.map((l) => {
    const [txn, pos, del, ...rest] = l.split(' ');
    return [Number(txn), Number(pos), Number(del), JSON.parse(rest.join(' '))];
  });
  const doc = new Y.Doc();
  doc.clientID = 1;
  const text = doc.getText('text');
  let emitted = 0;
  let txns = 0;
  doc.on('update', (u) => { emitted += u.length; });
  const start = performance.now();
  for (let i = 0; i < patches.length;) {
    let end = i;
    while (end < patches.length && patches[end][0] === patches[i][0]) end++;
    doc.transact(() => {
      for (let k = i; k < end; k++) {
        const [, pos, del, ins] = patches[k];
        if (del > 0) text.delete(pos, del);
        if (ins.length > 0) text.insert(pos, ins);
      }
    });
    txns++;
    i = end;
  }
  const ms = performance.now() - start;
  const state = Y.encodeStateAsUpdate(doc);
  console.log(JSON.stringify({ name: 'replay', ms, txns, emitted_bytes: emitted, state_bytes: state.length, length: text.length }));
}

const [mode, file] = process.argv.slice(2);
if (mode === 'updates') benchUpdates(file);
else if (mode === 'snapshot') benchSnapshot(file);
else if (mode === 'replay') benchReplay(file);
else {
  console.error('usage: yjs_bench.mjs updates|snapshot|replay FILE');
  process.exit(2);
}
