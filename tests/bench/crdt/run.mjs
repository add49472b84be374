// The CRDT benchmark: our C++ port (crdt_bench) and Yjs 13.6.33 under node (yjs_bench.mjs), on
// the same inputs, in one run, alternating so both see the same machine noise. Reports medians of
// several runs and the ratio Yjs / C++ (above 1 = we are faster), plus callgrind instruction
// counts for the C++ side, which stay stable on a noisy machine.
//
//   tests/bench/run [--runs N] [--no-callgrind] [--json FILE]
//
// Inputs come from ../shared/traces (the editing traces; see its README for their licence).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const root = path.resolve(import.meta.dirname, '../../..');
const bin = process.env.NAPC_BIN ?? path.join(root, 'build/bin');
const shared = process.env.NAPC_SHARED_DIR ?? path.resolve(root, '../shared');
const traces = path.join(shared, 'traces');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: node tests/bench/crdt/run.mjs [--runs N] [--no-callgrind] [--json FILE]

Runs the CRDT benchmark: crdt_bench (C++) beside Yjs 13.6.33 (ESM, node) on the same inputs,
alternating runs; prints medians of N runs (default 5), ratios and callgrind instruction counts.
Env: NAPC_BIN       directory with crdt_bench (default <repo>/build/bin)
     NAPC_SHARED_DIR directory holding traces/ (default <repo>/../shared)`);
  process.exit(0);
}
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const callgrind = !args.includes('--no-callgrind') && spawnSync('valgrind', ['--version']).status === 0;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;

if (!existsSync(traces)) {
  console.error(`bench: ${traces} is absent; the benchmarks need the shared editing traces`);
  process.exit(1);
}
const cppBench = path.join(bin, 'crdt_bench');
if (!existsSync(cppBench)) {
  console.error(`bench: ${cppBench} is missing; run make build first`);
  process.exit(1);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'napc-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
function gunzipTo(name) {
  const out = path.join(tmp, name.replace(/\.gz$/, ''));
  writeFileSync(out, gunzipSync(readFileSync(path.join(traces, name))));
  return out;
}

function runJson(cmd, argv) {
  const out = execFileSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out.trim().split('\n').pop());
}
const cpp = (...a) => runJson(cppBench, a);
const yjs = (...a) => runJson(process.execPath, ['--expose-gc', path.join(import.meta.dirname, 'yjs_bench.mjs'), ...a]);
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

function instructions(argv) {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', cppBench, ...argv], { encoding: 'utf8' });
  const m = r.stderr.match(/Collected : (\d+)/);
  return m ? Number(m[1]) : null;
}

const rows = [];
function measure(label, field, mode, file, target) {
  const c = [], y = [];
  let cLast, yLast;
  const cAll = [], yAll = [];
  for (let i = 0; i < runs; i++) {
    cLast = cpp(mode, file); c.push(cLast[field]); cAll.push(cLast);
    yLast = yjs(mode, file); y.push(yLast[field]); yAll.push(yLast);
  }
  const row = { label, cpp_ms: median(c), yjs_ms: median(y), ratio: median(y) / median(c), target, cpp: cLast, yjs: yLast, cAll, yAll };
  if (callgrind) row.cpp_instructions = instructions([mode, file]);
  rows.push(row);
  return row;
}

const updates = {
  'automerge-paper': gunzipTo('automerge-paper.yjs-v1-updates.bin.gz'),
  friendsforever: gunzipTo('friendsforever.yjs-v1-updates.bin.gz'),
  clownschool: gunzipTo('clownschool.yjs-v1-updates.bin.gz'),
};
const snapshot = path.join(traces, 'automerge-paper.yjs-v1-snapshot.bin');

// A sequential trace as one patch per line, `txn pos del text`, with the trace's code-point
// positions converted to the UTF-16 units Y.Text counts, so both sides replay the same edits.
function flattenTrace(name) {
  const trace = JSON.parse(gunzipSync(readFileSync(path.join(traces, name))).toString('utf8'));
  const astral = /[\u{10000}-\u{10FFFF}]/u;
  // Without astral characters code points and UTF-16 units coincide; otherwise convert through
  // an array of code points (slow, but exact).
  const needsMap = astral.test(trace.startContent) ||
    trace.txns.some((txn) => txn.patches.some((p) => astral.test(p[2])));
  let doc = needsMap ? [...trace.startContent] : null;
  const lines = [];
  trace.txns.forEach((txn, t) => {
    for (const [pos, del, ins] of txn.patches) {
      if (!needsMap) {
        lines.push(`${t} ${pos} ${del} ${JSON.stringify(ins)}`);
        continue;
      }
      const u16 = (from, n) => doc.slice(from, from + n).join('').length;
      lines.push(`${t} ${u16(0, pos)} ${u16(pos, del)} ${JSON.stringify(ins)}`);
      doc.splice(pos, del, ...ins);
    }
  });
  const out = path.join(tmp, name.replace(/\.json\.gz$/, '.ops'));
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}
measure('replay 259,778 local edits (automerge-paper)', 'ms', 'replay', flattenTrace('automerge-paper.json.gz'), 20);
measure('replay seph-blog1 as local edits', 'ms', 'replay', flattenTrace('seph-blog1.json.gz'), 20);

measure('apply 259,778 updates one by one (automerge-paper)', 'ms', 'updates', updates['automerge-paper'], 15);
measure('apply 26,078 concurrent updates (friendsforever)', 'ms', 'updates', updates.friendsforever, 10);
measure('apply 23,136 concurrent updates (clownschool)', 'ms', 'updates', updates.clownschool, 10);
const load = measure('load the automerge-paper snapshot', 'load_ms', 'snapshot', snapshot, 10);
// Encode times: medians over the runs too (each run already reports the median of its 10 encodes).
const encCpp = median(load.cAll.map((r) => r.encode_ms));
const encYjs = median(load.yAll.map((r) => r.encode_ms));
const encRow = { label: 'encode the automerge-paper document', cpp_ms: encCpp, yjs_ms: encYjs, ratio: encYjs / encCpp, target: 10 };
rows.push(encRow);

const fmt = (x, d = 2) => (x === undefined || x === null ? '–' : Number(x).toFixed(d));
console.log(`\nCRDT benchmark: medians of ${runs} runs; ratio = Yjs time / C++ time (higher is better for us)\n`);
console.log('| measurement | C++ ms | Yjs ms | ratio | target | C++ instructions |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const r of rows) {
  const ok = r.ratio >= r.target ? '' : ' (below target)';
  console.log(`| ${r.label} | ${fmt(r.cpp_ms)} | ${fmt(r.yjs_ms)} | ${fmt(r.ratio, 1)}×${ok} | ≥ ${r.target}× | ${r.cpp_instructions ? r.cpp_instructions.toLocaleString('en') : '–'} |`);
}
console.log(`\nMemory of the loaded automerge-paper document: C++ ${(load.cpp.doc_bytes / 1e6).toFixed(2)} MB (target ≤ 1 MB), Yjs ${(load.yjs.doc_bytes / 1e6).toFixed(2)} MB`);
console.log(`Re-encoded snapshot byte-identical to Yjs's: C++ ${load.cpp.identical}, Yjs ${load.yjs.identical}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runs, rows: rows.map(({ cAll, yAll, ...r }) => ({ ...r, cpp_runs: cAll, yjs_runs: yAll })) }, null, 2));
