// Differential conformance: ycrdt (the C++ Yjs port) against real Yjs 13.6.33.
//
// What it proves: for ≥ 1,000 random multi-peer scenarios (lib/scenario.mjs: 2–5 peers with
// client ids up to 2^53-1, text with emoji / surrogate splits / formatting / embeds, maps and
// arrays with Any values and nested types, XML, subdocs, bigint; reordered, duplicated, merged and
// dropped delivery, so the replica holds pending structs and pending delete sets), a fresh ycrdt
// document fed the exact update sequence a Yjs replica (a plain Y.Doc that never edits) received
// produces BYTE-IDENTICAL encodeStateAsUpdate, encodeStateVector, encodeStateAsUpdate(doc, halfwaySV) and
// mergeUpdates(all), and equal content JSON (text toString/toDelta, map/array toJSON, XML
// toString); every 4th scenario also checks the doc-less encodeStateVectorFromUpdate and
// diffUpdate (ycrdt svfromupdate / diffupdate) of the merged update. Even seeds run with GC on,
// odd seeds with GC off (--no-gc). Invocations go to long-running `ycrdt batch` processes
// (lib/ycrdt.mjs BatchPool, same RunResult as one process per invocation); the repro lines print
// the equivalent ordinary command.
//
// Rerun:   cd tests && node --test conformance/differential.test.mjs
// Env:     NAPC_SEED=<first seed> (default 1)   NAPC_SCENARIOS=<count> (default 1000)
//          NAPC_SCENARIO=<seed> runs only that scenario (printed by a failure, with a repro file)
//          NAPC_BIN=<dir containing ycrdt>      NAPC_JOBS=<parallel ycrdt batch processes> (default 2)

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as Y from 'yjs'
import { generateScenario } from './lib/scenario.mjs'
import { expectedOutputs, jsonArgsOf } from './lib/oracle.mjs'
import { toHex, fromHex, describeHexDiff } from './lib/hex.mjs'
import { jsonDiff } from './lib/json.mjs'
import { assertBinary, BatchPool, hexOutput, jsonOutput, commandArgs, ycrdtPath } from './lib/ycrdt.mjs'

const ONLY = process.env.NAPC_SCENARIO != null && process.env.NAPC_SCENARIO !== '' ? Number(process.env.NAPC_SCENARIO) : null
const FIRST = ONLY ?? Number(process.env.NAPC_SEED || 1)
const COUNT = ONLY != null ? 1 : Number(process.env.NAPC_SCENARIOS || 1000)
const MAX_FAILING_SCENARIOS = 100 // stop generating after this many failing scenarios (the tool is badly broken)
const IN_FLIGHT = 6 // scenarios whose ycrdt runs overlap with generating the next ones
const reproDir = path.join(os.tmpdir(), `ycrdt-differential-${process.pid}`)

/** Every 4th scenario also checks the doc-less svfromupdate / diffupdate on the merged update. */
const docless = (seed) => seed % 8 === 0 || seed % 8 === 5

const seedsFor = (gc) => {
  const seeds = []
  for (let s = FIRST; s < FIRST + COUNT; s++) if ((s % 2 === 0) === gc) seeds.push(s)
  return seeds
}

/** Writes the scenario's inputs and Yjs's expectations; returns the file with the hex updates. */
const writeRepro = (sc, exp, jsonArgs) => {
  fs.mkdirSync(reproDir, { recursive: true })
  const base = path.join(reproDir, `seed-${sc.seed}`)
  fs.writeFileSync(base + '.updates.hex', sc.updates.map(toHex).join('\n') + '\n')
  if (typeof exp.merge === 'string') fs.writeFileSync(base + '.merged.hex', exp.merge + '\n') // input of svfromupdate / diffupdate
  fs.writeFileSync(base + '.expected.json', JSON.stringify({
    seed: sc.seed, gc: sc.gc, diffSv: toHex(sc.diffSv), jsonArgs, roots: sc.roots, clientIDs: sc.clientIDs,
    expected: { state: exp.state, sv: exp.sv, diff: exp.diff, merge: exp.merge, json: exp.json },
    yjsPending: { structs: exp.pendingStructs, ds: exp.pendingDs }
  }, null, 1) + '\n')
  return base + '.updates.hex'
}

/** Runs the five contract commands for one scenario; resolves to a list of failures. */
const checkScenario = async (run, sc, exp) => {
  const hexes = sc.updates.map(toHex)
  const jsonArgs = jsonArgsOf(sc.jsonRoots)
  const svHex = toHex(sc.diffSv)
  const runs = {
    state: run(commandArgs.state(sc.gc), hexes),
    sv: run(commandArgs.sv(sc.gc), hexes),
    diff: run(commandArgs.diff(sc.gc, svHex), hexes),
    merge: run(commandArgs.merge(), hexes),
    json: run(commandArgs.json(sc.gc, jsonArgs), hexes)
  }
  const problems = []
  for (const kind of ['state', 'sv', 'diff', 'merge']) {
    const r = await runs[kind]
    const want = exp[kind]
    if (want && typeof want === 'object') { // Yjs threw: ycrdt must fail too
      if (r.status === 0) problems.push({ kind, why: `Yjs rejects (${want.error}) but ycrdt exit 0: ${r.stdout.slice(0, 80)}` })
      continue
    }
    const out = hexOutput(r)
    if (!out.ok) problems.push({ kind, why: out.why })
    else if (out.hex !== want) problems.push({ kind, why: describeHexDiff(want, out.hex), args: r.args })
  }
  if (docless(sc.seed) && typeof exp.merge === 'string') {
    // doc-less helpers on Yjs's merged update: what a persistence layer does when compacting
    const merged = fromHex(exp.merge)
    const dl = {
      svfromupdate: [run(commandArgs.svfromupdate(), [exp.merge]), toHex(Y.encodeStateVectorFromUpdate(merged))],
      diffupdate: [run(commandArgs.diffupdate(svHex), [exp.merge]), toHex(Y.diffUpdate(merged, sc.diffSv))]
    }
    for (const [kind, [promise, want]] of Object.entries(dl)) {
      const r = await promise
      const out = hexOutput(r)
      if (!out.ok) problems.push({ kind, why: out.why, args: r.args })
      else if (out.hex !== want) problems.push({ kind, why: describeHexDiff(want, out.hex) + ' (input: the expected merge output)', args: r.args })
    }
  }
  const rj = jsonOutput(await runs.json)
  if (!rj.ok) problems.push({ kind: 'json', why: rj.why })
  else {
    const d = jsonDiff(exp.json, rj.value)
    if (d) problems.push({ kind: 'json', why: d })
  }
  if (!problems.length) return []
  const file = writeRepro(sc, exp, jsonArgs)
  return problems.map((p) => ({ ...p, seed: sc.seed, gc: sc.gc, file: p.kind === 'svfromupdate' || p.kind === 'diffupdate' ? file.replace('.updates.hex', '.merged.hex') : file, args: p.args ?? (p.kind === 'json' ? commandArgs.json(sc.gc, jsonArgs) : p.kind === 'diff' ? commandArgs.diff(sc.gc, svHex) : commandArgs[p.kind](sc.gc)) }))
}

const shellQuote = (a) => /^[A-Za-z0-9_./=:@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`

for (const gc of [true, false]) {
  const seeds = seedsFor(gc)
  test(`differential vs Yjs 13.6.33, GC ${gc ? 'on' : 'off'}: ${seeds.length} scenarios from seed ${FIRST}`, async (t) => {
    assertBinary()
    const t0 = Date.now()
    const failures = []
    const failingSeeds = new Set()
    const inflight = new Set()
    const agg = { updates: 0, maxUpdates: 0, peers: 0, hugeIds: 0, pendingStructsAtEnd: 0, pendingDsAtEnd: 0, pendingStructsEver: 0, pendingDsEver: 0, merged: 0, mergedDiffs: 0, syncs: 0, duplicates: 0, containerDeletes: 0, formats: 0, subdocs: 0, mergeRejected: 0 }
    let ran = 0
    let stoppedEarly = false
    const ycrdt = new BatchPool()
    const run = ycrdt.run.bind(ycrdt)
    try {
      for (const seed of seeds) {
        if (failingSeeds.size >= MAX_FAILING_SCENARIOS) { stoppedEarly = true; break }
        const sc = generateScenario(seed, { gc }) // throws if the generator's own peers fail to converge
        const exp = expectedOutputs(sc.updates, { gc, diffSv: sc.diffSv, roots: sc.jsonRoots })
        assert.equal(exp.state, toHex(Y.encodeStateAsUpdate(sc.server)), `oracle replay differs from the live replica (seed ${seed})`)
        sc.server = null; sc.peerDocs = null // keep memory flat while runs are in flight
        const s = sc.stats
        agg.updates += sc.updates.length; agg.maxUpdates = Math.max(agg.maxUpdates, sc.updates.length); agg.peers += s.peers
        for (const k of ['hugeIds', 'pendingStructsAtEnd', 'pendingDsAtEnd', 'pendingStructsEver', 'pendingDsEver']) agg[k] += s[k] ? 1 : 0
        for (const k of ['merged', 'mergedDiffs', 'syncs', 'duplicates', 'containerDeletes', 'formats', 'subdocs']) agg[k] += s[k]
        if (typeof exp.merge === 'object') agg.mergeRejected++
        const p = checkScenario(run, sc, exp).then((fs) => {
          ran++
          if (fs.length) { failingSeeds.add(seed); failures.push(...fs) }
        })
        inflight.add(p)
        p.finally(() => inflight.delete(p))
        if (inflight.size >= IN_FLIGHT) await Promise.race(inflight)
      }
      await Promise.all(inflight)
    } finally {
      const problems = await ycrdt.close()
      assert.deepEqual(problems, [], 'ycrdt batch processes ended cleanly')
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1)
    t.diagnostic(`${ran} scenarios ran (seeds ${FIRST}..${FIRST + COUNT - 1}, GC ${gc ? 'on' : 'off'}) in ${secs} s against ${ycrdtPath} (${ycrdt.requests} batch requests, ${ycrdt.spawned} processes)${stoppedEarly ? ` — stopped early after ${MAX_FAILING_SCENARIOS} failing scenarios` : ''}`)
    t.diagnostic(`inputs: ${agg.updates} updates (max ${agg.maxUpdates}/scenario), ${agg.peers} peers, huge client ids in ${agg.hugeIds}; ` +
      `replica had pending structs in ${agg.pendingStructsEver} (${agg.pendingStructsAtEnd} at the end), pending deletes in ${agg.pendingDsEver} (${agg.pendingDsAtEnd} at the end); ` +
      `${agg.merged} merged bundles, ${agg.mergedDiffs} diffs of merged bundles, ${agg.syncs} SyncStep2 answers, ${agg.duplicates} duplicates, ` +
      `${agg.containerDeletes} container deletions, ${agg.formats} format ops, ${agg.subdocs} subdocs; Yjs mergeUpdates rejected ${agg.mergeRejected}`)
    if (!failures.length) return
    // one line per distinct (output, kind of difference), first seed first
    failures.sort((a, b) => a.seed - b.seed)
    const distinct = new Map()
    for (const f of failures) {
      const key = f.kind + ':' + (f.why.startsWith('first difference') ? 'bytes' : f.why.replace(/\d+/g, '#').slice(0, 70))
      if (!distinct.has(key)) distinct.set(key, f)
    }
    // the first failing seed of each kind, then more seeds, up to 12 lines
    const shown = [...distinct.values()]
    for (const f of failures) if (shown.length < 12 && !shown.includes(f)) shown.push(f)
    const lines = shown.sort((a, b) => a.seed - b.seed).map((f) =>
      `seed ${f.seed} (GC ${f.gc ? 'on' : 'off'}) ${f.kind}: ${f.why}\n    repro: NAPC_SCENARIO=${f.seed} node --test conformance/differential.test.mjs   |   ${ycrdtPath} ${f.args.map(shellQuote).join(' ')} < ${f.file}`)
    const byKind = {}
    for (const f of failures) byKind[f.kind] = (byKind[f.kind] || 0) + 1
    assert.fail(`${failingSeeds.size} of ${ran} scenarios differ from Yjs (${Object.entries(byKind).map(([k, n]) => `${k}: ${n}`).join(', ')}); ` +
      `${distinct.size} distinct kinds, expected outputs and inputs in ${reproDir}\n` + lines.join('\n'))
  })
}
