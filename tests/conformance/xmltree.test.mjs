// XML tree view (crdt::Doc::xml_tree, `ycrdt json --xmltree`) against real Yjs 13.6.33.
//
// What it proves: for random y-prosemirror-like documents (lib/scenario.mjs with {xml: true}: 2–5
// peers editing XmlFragment roots concurrently — nested XmlElements with attributes holding
// strings, numbers, objects, booleans and null; XmlText with bold/italic/link marks (links with
// attributes), embeds and embedded XML types; XmlHooks; deletions of whole subtrees; reordered,
// merged and partial delivery), the tree ycrdt prints equals, as exact JSON text (so key order
// too), the tree read from a Yjs replica through its public API (lib/oracle.mjs xmlTree:
// toArray(), nodeName, getAttributes(), toDelta(), hookName). The same scenarios also check the
// bytes of state, state vector, diff and merge. Even seeds run with GC on, odd seeds with GC off.
//
// Rerun:   cd tests && node --test conformance/xmltree.test.mjs
// Env:     NAPC_XML_SEED=<first seed> (default 1)   NAPC_XML_SCENARIOS=<count> (default 60)
//          NAPC_BIN=<dir containing ycrdt>

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateScenario } from './lib/scenario.mjs'
import { expectedOutputs, jsonArgsOf } from './lib/oracle.mjs'
import { toHex, describeHexDiff } from './lib/hex.mjs'
import { jsonDiff } from './lib/json.mjs'
import { assertBinary, BatchPool, hexOutput, jsonOutput, commandArgs } from './lib/ycrdt.mjs'

const FIRST = Number(process.env.NAPC_XML_SEED || 1)
const COUNT = Number(process.env.NAPC_XML_SCENARIOS || 60)

/** What `ycrdt json` must print: the roots in JS object order, as JSON.stringify writes them. */
const expectedJsonText = (json, roots) => {
  const obj = {}
  for (const { name } of roots) obj[name] = json[name]
  return JSON.stringify(obj)
}

test(`XML trees vs Yjs 13.6.33: ${COUNT} XML scenarios from seed ${FIRST}, GC on and off`, async (t) => {
  assertBinary()
  const t0 = Date.now()
  const pool = new BatchPool()
  const failures = []
  const stats = { nodes: 0, elements: 0, texts: 0, marks: 0, embeds: 0, hooks: 0, objectAttrs: 0, updates: 0 }
  const walk = (nodes) => {
    for (const n of nodes) {
      stats.nodes++
      if (n.type === 'element') {
        stats.elements++
        stats.objectAttrs += Object.values(n.attributes).filter((v) => v && typeof v === 'object').length
        walk(n.children)
      } else if (n.type === 'text') {
        stats.texts++
        for (const op of n.delta) {
          if (op.attributes) stats.marks++
          if (typeof op.insert !== 'string') {
            stats.embeds++
            if (op.insert && op.insert.type) walk([op.insert])
          }
        }
      } else if (n.type === 'hook') stats.hooks++
      else if (n.type === 'fragment') walk(n.children)
    }
  }
  try {
    const pending = []
    for (let seed = FIRST; seed < FIRST + COUNT; seed++) {
      const gc = seed % 2 === 0
      const sc = generateScenario(seed, { gc, xml: true })
      const exp = expectedOutputs(sc.updates, { gc, diffSv: sc.diffSv, roots: sc.jsonRoots })
      stats.updates += sc.updates.length
      for (const { name, mode } of sc.jsonRoots) if (mode === 'xmltree') walk(exp.json[name])
      const hexes = sc.updates.map(toHex)
      const runs = {
        state: pool.run(commandArgs.state(gc), hexes),
        sv: pool.run(commandArgs.sv(gc), hexes),
        diff: pool.run(commandArgs.diff(gc, toHex(sc.diffSv)), hexes),
        merge: pool.run(commandArgs.merge(), hexes),
        json: pool.run(commandArgs.json(gc, jsonArgsOf(sc.jsonRoots)), hexes)
      }
      pending.push((async () => {
        for (const kind of ['state', 'sv', 'diff', 'merge']) {
          if (typeof exp[kind] !== 'string') continue // Yjs rejected the merge: covered by differential
          const out = hexOutput(await runs[kind])
          if (!out.ok) failures.push(`seed ${seed} ${kind}: ${out.why}`)
          else if (out.hex !== exp[kind]) failures.push(`seed ${seed} ${kind}: ${describeHexDiff(exp[kind], out.hex)}`)
        }
        const r = await runs.json
        const parsed = jsonOutput(r)
        if (!parsed.ok) { failures.push(`seed ${seed} json: ${parsed.why}`); return }
        const want = expectedJsonText(exp.json, sc.jsonRoots)
        if (r.stdout.trimEnd() !== want) {
          const d = jsonDiff(JSON.parse(want), parsed.value)
          failures.push(`seed ${seed} json: ${d ?? 'same values, different key order or number text'}\n    want ${want.slice(0, 300)}\n    got  ${r.stdout.slice(0, 300)}`)
        }
      })())
    }
    await Promise.all(pending)
  } finally {
    const problems = await pool.close()
    assert.deepEqual(problems, [], 'ycrdt batch processes ended cleanly')
  }
  t.diagnostic(`${COUNT} scenarios, ${stats.updates} updates in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
    `trees held ${stats.nodes} nodes: ${stats.elements} elements (${stats.objectAttrs} object-valued attributes), ` +
    `${stats.texts} texts (${stats.marks} formatted ops, ${stats.embeds} embeds), ${stats.hooks} hooks`)
  // The generator must actually produce what this test claims to cover.
  assert.ok(stats.elements > 100 && stats.objectAttrs > 10 && stats.marks > 50 && stats.embeds > 5, `coverage too thin: ${JSON.stringify(stats)}`)
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} differences from Yjs`)
})
