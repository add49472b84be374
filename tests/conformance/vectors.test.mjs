// Static conformance vectors: ycrdt against the committed vectors/*.json.
//
// What it proves:
//  (a) the committed vectors are exactly what the pinned yjs 13.6.33 produces today: the generator
//      (gen/make-vectors.mjs, which also checks the byte strings quoted in yjs-spec.md §1/§2.9/§7.3)
//      is re-run in-process and must reproduce every file byte for byte;
//  (b) ycrdt reproduces every expected output of every vector: state (inputs on stdin and as raw
//      files), sv, each diff, merge, content JSON, and the doc-less svfromupdate / diffupdate of
//      the merged update; and exits non-zero with a message on stderr for each malformed update
//      Yjs rejects.
//
// Rerun:   cd tests && node --test conformance/vectors.test.mjs
//          NAPC_VECTOR=<id substring> limits (b) to matching vectors.
// Regenerate after a deliberate change: node conformance/gen/make-vectors.mjs

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { makeVectors, serialize, vectorsDir } from './gen/make-vectors.mjs'
import { describeHexDiff, fromHex } from './lib/hex.mjs'
import { jsonDiff } from './lib/json.mjs'
import { assertBinary, run, hexOutput, jsonOutput, commandArgs, describeFailure } from './lib/ycrdt.mjs'

const FILTER = process.env.NAPC_VECTOR || ''
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ycrdt-vectors-'))

test('vectors/*.json are what the pinned yjs makes (generator re-run)', () => {
  const fresh = makeVectors()
  const committed = fs.readdirSync(vectorsDir).filter((f) => f.endsWith('.json')).sort()
  assert.deepEqual(committed, Object.keys(fresh).sort(), 'vectors/ holds exactly the generated files')
  for (const [name, obj] of Object.entries(fresh)) {
    const text = fs.readFileSync(path.join(vectorsDir, name), 'utf8')
    assert.ok(text === serialize(obj), `vectors/${name} differs from what gen/make-vectors.mjs makes with the pinned yjs; ` +
      'if the change is deliberate run: cd tests && node conformance/gen/make-vectors.mjs')
  }
})

const load = (name) => JSON.parse(fs.readFileSync(path.join(vectorsDir, name), 'utf8')).vectors
const safe = (s) => s.replace(/[^A-Za-z0-9_.-]+/g, '_')

/** Writes the updates as raw files (the other input mode of the contract). */
let fileCounter = 0
const writeFiles = (prefix, updatesHex) => updatesHex.map((hex, i) => {
  const f = path.join(tmp, `${++fileCounter}-${safe(prefix)}-${i}.bin`)
  fs.writeFileSync(f, fromHex(hex))
  return f
})

/** Starts all ycrdt runs of one vector; resolves to a list of problems. */
const checkVector = async (file, v) => {
  const gcFlag = v.gc ? [] : ['--no-gc']
  const problems = []
  const cmp = async (label, promise, want) => {
    const r = await promise
    const out = hexOutput(r)
    if (!out.ok) problems.push(`${label}: ${out.why}`)
    else if (out.hex !== want) problems.push(`${label}: ${describeHexDiff(want, out.hex)}\n      expected ${want}\n      got      ${out.hex}`)
  }
  const files = writeFiles(`${file}-${v.id}`, v.updates)
  const jobs = [
    cmp('state (stdin)', run(commandArgs.state(v.gc), v.updates), v.expect.state),
    cmp('state (files)', run(['state', ...gcFlag, ...files]), v.expect.state),
    cmp('sv', run(commandArgs.sv(v.gc), v.updates), v.expect.sv)
  ]
  for (const [i, d] of (v.expect.diffs || []).entries()) jobs.push(cmp(`diff #${i} --sv ${d.sv}`, run(commandArgs.diff(v.gc, d.sv), v.updates), d.update))
  if (v.expect.merge) jobs.push(cmp('merge', run(commandArgs.merge(), v.updates), v.expect.merge))
  if (v.expect.docless) {
    const { svFromUpdate, diffUpdates } = v.expect.docless
    const input = v.expect.docless.input ?? v.updates[0]
    jobs.push(cmp('svfromupdate (of the merged update)', run(commandArgs.svfromupdate(), [input]), svFromUpdate))
    for (const d of diffUpdates) jobs.push(cmp(`diffupdate --sv ${d.sv} (of the merged update)`, run(commandArgs.diffupdate(d.sv), [input]), d.update))
  }
  if (v.expect.json) {
    jobs.push(run(commandArgs.json(v.gc, v.expect.json.args), v.updates).then((r) => {
      const out = jsonOutput(r)
      if (!out.ok) problems.push(`json: ${out.why}`)
      else {
        const d = jsonDiff(v.expect.json.value, out.value)
        if (d) problems.push(`json ${v.expect.json.args.join(' ')}: ${d}`)
      }
    }))
  }
  await Promise.all(jobs)
  return problems
}

const checkError = async (v) => {
  const problems = []
  const expectFailure = (label, r) => {
    if (r.status === 0) problems.push(`${label}: Yjs rejects this update (${v.yjsError}) but ycrdt exit 0, stdout ${JSON.stringify(r.stdout.slice(0, 100))}`)
    else if (r.signal || r.error) problems.push(`${label}: must fail cleanly, not ${describeFailure(r)}`)
    else if (!r.stderr.trim()) problems.push(`${label}: exit ${r.status} but nothing on stderr`)
  }
  const files = writeFiles(`errors-${v.id}`, v.updates)
  expectFailure(`${v.command} (files)`, await run([v.command, ...files]))
  if (v.updates.every((u) => u.length)) expectFailure(`${v.command} (stdin)`, await run([v.command, '-'], v.updates))
  // a bad update among good ones is still an error
  expectFailure(`${v.command} (good, bad)`, await run([v.command, ...writeFiles('good', ['01010100040104746578740361626300']), ...files]))
  return problems
}

const VECTOR_FILES = ['spec.json', 'more.json', 'lib0.json', 'compat.json']

test('ycrdt reproduces every vector', async (t) => {
  assertBinary()
  const all = []
  for (const file of VECTOR_FILES) for (const v of load(file)) if (!FILTER || v.id.includes(FILTER)) all.push({ file, v, result: checkVector(file, v) })
  for (const v of load('errors.json')) if (!FILTER || v.id.includes(FILTER)) all.push({ file: 'errors.json', v, result: checkError(v) })
  let failed = 0
  for (const { file, v, result } of all) {
    await t.test(`${file.replace('.json', '')} ${v.id}: ${v.what}`, async () => {
      const problems = await result
      if (problems.length) {
        failed++
        assert.fail(`${problems.join('\n    ')}\n    inputs (hex, one per line): ${v.updates.join(' ')}`)
      }
    })
  }
  t.diagnostic(`${all.length - failed} of ${all.length} vectors pass`)
})
