// Shared corpora: ycrdt against data in $NAPC_SHARED_DIR/conformance and $NAPC_SHARED_DIR/traces.
//
// What it proves:
//  1. yrs small test dataset (yjs-spec.md §7.2; 5,320 cases, 46,385 updates made by Yjs): for every
//     case ycrdt's text / map JSON / array JSON equal the dataset's expected values, and ycrdt's
//     encodeStateAsUpdate and encodeStateVector bytes equal what yjs 13.6.33 in node makes from the
//     same updates (every 5th case also with --no-gc).
//  2. Yjs's own compatibility documents (made by Yjs 13.2.0; yjs tests/compatibility.tests.js,
//     extracted to conformance/yjs-compatibility-v1.json): content and bytes as Yjs 13.6.33.
//  3. Real editing traces replayed through Yjs (traces/*.yjs-v1-updates.bin.gz, one V1 update per
//     edit): final state, state vector and text of all updates; mergeUpdates of a prefix and of a
//     strided sample (Yjs's merge is quadratic, so not of all 260k).
// Each part is skipped (and says so) when its shared file is absent: that data is not in the repo.
// Parts 1 and 3 send their invocations to long-running `ycrdt batch` processes (lib/ycrdt.mjs
// BatchPool; same results as one process per invocation, without ~17,000 process start-ups);
// part 2 spawns one ycrdt per invocation, so the ordinary command path is exercised here too.
//
// Rerun:   cd tests && node --test conformance/yrs-dataset.test.mjs
//          NAPC_YRS_CASE=<index> runs one dataset case (NAPC_YRS_LIMIT=<n> the first n);
//          NAPC_SHARED_DIR=<dir> points at shared/.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { toHex, describeHexDiff } from './lib/hex.mjs'
import { jsonDiff, toContractJson } from './lib/json.mjs'
import { makeReplica, expectedOutputs, jsonArgsOf, readRoot } from './lib/oracle.mjs'
import { assertBinary, run, BatchPool, hexOutput, jsonOutput, commandArgs, ycrdtPath } from './lib/ycrdt.mjs'

const SHARED = process.env.NAPC_SHARED_DIR || path.resolve(process.env.NAPC_SOURCE_DIR || path.join(process.cwd(), '..'), '..', 'shared')
const DATASET = path.join(SHARED, 'conformance', 'yrs-small-test-dataset.bin')
const COMPAT = path.join(SHARED, 'conformance', 'yjs-compatibility-v1.json')
const TRACES = path.join(SHARED, 'traces')
const ONLY_CASE = process.env.NAPC_YRS_CASE ? Number(process.env.NAPC_YRS_CASE) : null
const LIMIT = process.env.NAPC_YRS_LIMIT ? Number(process.env.NAPC_YRS_LIMIT) : Infinity // for quick local runs only
const reproDir = path.join(os.tmpdir(), `ycrdt-shared-${process.pid}`)

const writeRepro = (name, updatesHex, expected) => {
  fs.mkdirSync(reproDir, { recursive: true })
  const f = path.join(reproDir, name)
  fs.writeFileSync(f + '.updates.hex', updatesHex.join('\n') + '\n')
  fs.writeFileSync(f + '.expected.json', JSON.stringify(expected, null, 1) + '\n')
  return f + '.updates.hex'
}

/** Compares one hex output; pushes a problem string on mismatch. */
const cmpHex = (problems, label, r, want) => {
  const out = hexOutput(r)
  if (!out.ok) problems.push(`${label}: ${out.why}`)
  else if (out.hex !== want) problems.push(`${label}: ${describeHexDiff(want, out.hex)}`)
}

function * readDataset (buf) {
  const d = decoding.createDecoder(new Uint8Array(buf))
  const n = decoding.readVarUint(d)
  for (let i = 0; i < n; i++) {
    const m = decoding.readVarUint(d)
    const updates = []
    for (let j = 0; j < m; j++) updates.push(decoding.readVarUint8Array(d))
    const text = decoding.readVarString(d)
    const map = decoding.readAny(d)
    const array = decoding.readAny(d)
    yield { index: i, count: n, updates, text, map, array }
  }
}

test('yrs small test dataset: 5,320 cases through ycrdt vs expected content and Yjs bytes', async (t) => {
  if (!fs.existsSync(DATASET)) { t.skip(`${DATASET} absent: shared/ absent`); return }
  assertBinary()
  const t0 = Date.now()
  const roots = [{ name: 'text', mode: 'text' }, { name: 'map', mode: 'map' }, { name: 'array', mode: 'array' }]
  const jsonArgs = jsonArgsOf(roots)
  const failures = []
  const yjsMismatch = []
  let cases = 0; let updates = 0; let total = 0
  const inflight = new Set()
  const ycrdt = new BatchPool()
  const run = ycrdt.run.bind(ycrdt)
  try {
    for (const c of readDataset(fs.readFileSync(DATASET))) {
      total = c.count
      if (ONLY_CASE != null && c.index !== ONLY_CASE) continue
      if (c.index >= LIMIT) continue
      cases++; updates += c.updates.length
      const hexes = c.updates.map(toHex)
      const want = { text: c.text, map: toContractJson(c.map), array: toContractJson(c.array) }
      const doc = makeReplica(true)
      for (const u of c.updates) Y.applyUpdate(doc, u)
      const state = toHex(Y.encodeStateAsUpdate(doc))
      const sv = toHex(Y.encodeStateVector(doc))
      const yjsContent = Object.fromEntries(roots.map(({ name, mode }) => [name, toContractJson(readRoot(doc, name, mode))]))
      const yd = jsonDiff(want, yjsContent)
      if (yd) yjsMismatch.push(`case ${c.index}: ${yd}`) // the dataset itself disagrees with Yjs: reported, not blamed on ycrdt
      const check = async () => {
        const problems = []
        const runs = [run(commandArgs.json(true, jsonArgs), hexes), run(commandArgs.state(true), hexes), run(commandArgs.sv(true), hexes)]
        let noGcState = null
        if (c.index % 5 === 0) {
          const d2 = makeReplica(false)
          for (const u of c.updates) Y.applyUpdate(d2, u)
          noGcState = toHex(Y.encodeStateAsUpdate(d2))
          runs.push(run(commandArgs.state(false), hexes))
        }
        const [rj, rs, rv, rn] = await Promise.all(runs)
        const j = jsonOutput(rj)
        if (!j.ok) problems.push(`json: ${j.why}`)
        else { const d = jsonDiff(want, j.value); if (d) problems.push(`json: ${d}`) }
        cmpHex(problems, 'state', rs, state)
        cmpHex(problems, 'sv', rv, sv)
        if (rn) cmpHex(problems, 'state --no-gc', rn, noGcState)
        if (problems.length) {
          const file = writeRepro(`yrs-case-${c.index}`, hexes, { case: c.index, json: want, state, sv, noGcState })
          failures.push({ index: c.index, problems, file })
        }
      }
      const p = check()
      inflight.add(p)
      p.finally(() => inflight.delete(p))
      if (inflight.size >= 16) await Promise.race(inflight)
    }
    await Promise.all(inflight)
  } finally {
    const problems = await ycrdt.close()
    assert.deepEqual(problems, [], 'ycrdt batch processes ended cleanly')
  }
  t.diagnostic(`${cases} of ${total} cases (${updates} updates) in ${((Date.now() - t0) / 1000).toFixed(1)} s against ${ycrdtPath} (${ycrdt.requests} batch requests, ${ycrdt.spawned} processes); ` +
    `${cases - failures.length} match, ${failures.length} differ; Yjs itself disagrees with the dataset in ${yjsMismatch.length}`)
  for (const m of yjsMismatch.slice(0, 5)) t.diagnostic(`dataset vs Yjs: ${m}`)
  if (failures.length) {
    failures.sort((a, b) => a.index - b.index)
    const lines = failures.slice(0, 15).map((f) => `case ${f.index}: ${f.problems.join('; ')}\n    repro: NAPC_YRS_CASE=${f.index} node --test conformance/yrs-dataset.test.mjs   |   ${ycrdtPath} state - < ${f.file}`)
    assert.fail(`${failures.length} of ${cases} dataset cases differ\n${lines.join('\n')}`)
  }
})

test('Yjs compatibility documents (made by Yjs 13.2.0): content and bytes as Yjs 13.6.33', async (t) => {
  if (!fs.existsSync(COMPAT)) { t.skip(`${COMPAT} absent: shared/ absent`); return }
  assertBinary()
  const { cases } = JSON.parse(fs.readFileSync(COMPAT, 'utf8'))
  assert.equal(cases.length, 3)
  for (const c of cases) {
    await t.test(c.test, async () => {
      const update = new Uint8Array(Buffer.from(c.updateV1Base64, 'base64'))
      const root = c.test.includes('Array') ? { name: 'array', mode: 'array' } : c.test.includes('Map') ? { name: 'map', mode: 'map' } : { name: 'text', mode: 'delta' }
      const exp = expectedOutputs([update], { roots: [root], diffSv: Y.encodeStateVector(new Map([[0, 5], [1, 50]])) })
      // the documents' own expectation (from the Yjs test) must hold in Yjs 13.6.33 too
      assert.equal(jsonDiff(toContractJson(c.expected), exp.json[root.name]), null, 'Yjs 13.6.33 reads the document as its test expects')
      const hexes = [toHex(update)]
      const [rs, rv, rd, rj] = await Promise.all([run(commandArgs.state(true), hexes), run(commandArgs.sv(true), hexes),
        run(commandArgs.diff(true, toHex(Y.encodeStateVector(new Map([[0, 5], [1, 50]])))), hexes), run(commandArgs.json(true, jsonArgsOf([root])), hexes)])
      const problems = []
      cmpHex(problems, 'state', rs, exp.state)
      cmpHex(problems, 'sv', rv, exp.sv)
      cmpHex(problems, 'diff', rd, exp.diff)
      const j = jsonOutput(rj)
      if (!j.ok) problems.push(`json: ${j.why}`)
      else { const d = jsonDiff(exp.json, j.value); if (d) problems.push(`json: ${d}`) }
      if (problems.length) assert.fail(problems.join('\n') + `\n    input: ${writeRepro(c.test, hexes, exp)}`)
    })
  }
})

/** traces/*.yjs-v1-updates.bin.gz: u32 little-endian length + V1 update, repeated. */
const readTrace = (file) => {
  const buf = zlib.gunzipSync(fs.readFileSync(file))
  const out = []
  for (let o = 0; o < buf.length;) {
    const n = buf.readUInt32LE(o); o += 4
    out.push(new Uint8Array(buf.buffer, buf.byteOffset + o, n)); o += n
  }
  return out
}

test('editing traces: final state, SV, text of all edit updates and merges as Yjs 13.6.33', async (t) => {
  const files = fs.existsSync(TRACES) ? fs.readdirSync(TRACES).filter((f) => f.endsWith('.yjs-v1-updates.bin.gz')).sort() : []
  if (!files.length) { t.skip(`${TRACES}/*.yjs-v1-updates.bin.gz absent: shared/ absent`); return }
  assertBinary()
  for (const f of files) {
    await t.test(f, async (st) => {
      const t0 = Date.now()
      const updates = readTrace(path.join(TRACES, f))
      const doc = makeReplica(true)
      for (const u of updates) Y.applyUpdate(doc, u)
      const names = [...doc.share.keys()]
      const roots = names.map((name) => ({ name, mode: 'text' }))
      const state = toHex(Y.encodeStateAsUpdate(doc))
      const sv = toHex(Y.encodeStateVector(doc))
      const json = Object.fromEntries(names.map((n) => [n, doc.getText(n).toString()]))
      // Yjs's mergeUpdates is quadratic in the number of updates (23k updates take 30 s), so merge
      // a contiguous prefix and a strided sample (gaps -> Skip structs) instead of everything.
      const prefix = updates.slice(0, 2000)
      const strided = updates.filter((_, i) => i % Math.max(1, Math.floor(updates.length / 1500)) === 0)
      const mergePrefix = toHex(Y.mergeUpdates(prefix))
      const mergeStrided = toHex(Y.mergeUpdates(strided))
      const file = path.join(os.tmpdir(), `ycrdt-trace-${process.pid}-${f.replace('.bin.gz', '.hex')}`)
      const hexes = updates.map(toHex)
      fs.writeFileSync(file, hexes.join('\n') + '\n')
      const slow = { timeoutMs: 300000 }
      const ycrdt = new BatchPool()
      const run = ycrdt.run.bind(ycrdt)
      const [rs, rv, rj, rm1, rm2] = await Promise.all([run(commandArgs.state(true), hexes, slow), run(commandArgs.sv(true), hexes, slow),
        run(commandArgs.json(true, jsonArgsOf(roots)), hexes, slow), run(commandArgs.merge(), prefix.map(toHex), slow), run(commandArgs.merge(), strided.map(toHex), slow)])
      const problems = await ycrdt.close() // ycrdt batch processes ended cleanly
      cmpHex(problems, 'state', rs, state)
      cmpHex(problems, 'sv', rv, sv)
      cmpHex(problems, `merge of the first ${prefix.length} updates`, rm1, mergePrefix)
      cmpHex(problems, `merge of every ${Math.max(1, Math.floor(updates.length / 1500))}th update`, rm2, mergeStrided)
      const j = jsonOutput(rj)
      if (!j.ok) problems.push(`json: ${j.why}`)
      else { const d = jsonDiff(json, j.value); if (d) problems.push(`json: ${d}`) }
      st.diagnostic(`${updates.length} updates, roots ${JSON.stringify(names)}, ${(Date.now() - t0) / 1000} s`)
      if (problems.length) assert.fail(problems.join('\n') + `\n    input (hex lines): ${file}`)
      fs.rmSync(file, { force: true })
    })
  }
})
