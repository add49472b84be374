// The reverse direction: updates the C++ library authors are the updates Yjs authors.
//
// For each random scenario, a Yjs document L (client id c, GC on or off) makes random local
// edits — Y.Text inserts with and without attributes, embeds, deletes and formatting (emoji and
// surrogate splits included), Y.Array inserts/pushes/deletes of JSON, binary and new shared types,
// Y.Map sets/deletes, XmlFragment/XmlElement children and attributes, nested types edited in
// the transaction that creates them — while two Yjs peers edit concurrently; their updates reach
// L in random order (pending structs), and L's reach them. The same script runs on a crdt::Doc
// with client id c (tests/conformance/edit_driver.cpp). Required: every local transaction's
// update is BYTE-IDENTICAL to the one L emitted; every remote apply emits the same update (and
// the same formatting-cleanup update); the final state is byte-identical and the content JSON
// equal; and a fresh Yjs document that applies the C++ updates (with the peers') reaches L's
// state vector and content.
//
// Rerun:   cd tests && node --test conformance/reverse.test.mjs
// Env:     NAPC_SEED=<first seed> (default 1)   NAPC_SCENARIOS=<count> (default 400)
//          NAPC_SCENARIO=<seed> runs one scenario and prints its script
//          NAPC_BIN=<dir containing crdt_edit_driver>

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'
import { Rng } from './lib/prng.mjs'

const binDir = process.env.NAPC_BIN || path.resolve(import.meta.dirname, '../../build/bin')
const driver = path.join(binDir, 'crdt_edit_driver')
const ONLY = process.env.NAPC_SCENARIO ? Number(process.env.NAPC_SCENARIO) : null
const FIRST = ONLY ?? Number(process.env.NAPC_SEED || 1)
const COUNT = ONLY != null ? 1 : Number(process.env.NAPC_SCENARIOS || 400)

const toHex = (u8) => (u8 == null || u8.length === 0) ? '-' : Buffer.from(u8).toString('hex')
const ROOTS = [['text', 'delta'], ['array', 'array'], ['map', 'map'], ['xml', 'xml']]
const rootsOf = (doc) => [doc.getText('text'), doc.getArray('array'), doc.getMap('map'), doc.getXmlFragment('xml')]
const byteReplacer = (k, v) => v instanceof Uint8Array ? Array.from(v) : v
const contentOf = (doc) => {
  const [text, array, map, xml] = rootsOf(doc)
  return JSON.stringify({ text: text.toDelta(), array: array.toJSON(), map: map.toJSON(), xml: xml.toString() }, byteReplacer)
}

const refOf = (type) => type._item === null ? ROOTS[rootsOf(type.doc).indexOf(type)][0] : [type._item.id.client, type._item.id.clock]

// Every shared type reachable from the roots, with the kind of edits it takes.
const typesOf = (doc) => {
  const out = []
  const visit = (t) => {
    out.push(t)
    if (t instanceof Y.Text) return
    const children = t instanceof Y.Map ? [...t.values()] : t.toArray()
    for (const c of children) if (c instanceof Y.AbstractType) visit(c)
  }
  for (const r of rootsOf(doc)) visit(r)
  return out
}

const CHARS = ['a', 'b', 'c', ' ', 'é', '中', '😀', '👍🏽', '\n', 'x', 'y', 'z']
const randomString = (rng) => {
  let s = ''
  for (let n = rng.int(1, 6); n > 0; n--) s += rng.pick(CHARS)
  return s
}
const randomAttrs = (rng) => {
  const a = {}
  for (let n = rng.int(1, 2); n > 0; n--) {
    const k = rng.pick(['bold', 'italic', 'link', 'comment'])
    a[k] = rng.weighted([[3, true], [1, null], [1, { href: 'https://example.org/' + rng.int(0, 9) }], [1, rng.int(0, 3)]])
  }
  return a
}
const randomJson = (rng, depth = 0) => rng.weighted([
  [3, () => rng.int(-5, 100)],
  [1, () => rng.int(0, 2 ** 40)],
  [1, () => rng.int(1, 1000) / 8],
  [3, () => randomString(rng)],
  [1, () => rng.bool()],
  [1, () => null],
  [depth < 2 ? 1 : 0, () => ({ k: randomJson(rng, depth + 1), n: rng.int(0, 9) })],
  [depth < 2 ? 1 : 0, () => [randomJson(rng, depth + 1), randomJson(rng, depth + 1)]],
])()
const NEW = {
  map: () => new Y.Map(), array: () => new Y.Array(), text: () => new Y.Text(),
  xml_element: (name) => new Y.XmlElement(name), xml_text: () => new Y.XmlText(),
  xml_fragment: () => new Y.XmlFragment(), xml_hook: (name) => new Y.XmlHook(name),
}
// A value for an array or map: [the Yjs value, its script form].
const randomValue = (rng, { xmlOnly = false } = {}) => {
  if (xmlOnly) {
    const kind = rng.pick(['xml_element', 'xml_element', 'xml_text'])
    const name = rng.pick(['paragraph', 'heading', 'bullet_list', 'list_item'])
    return [NEW[kind](name), { new: kind, name }]
  }
  return rng.weighted([
    [6, () => { const v = randomJson(rng); return [v, { any: v }] }],
    [1, () => { const b = Uint8Array.from({ length: rng.int(0, 4) }, () => rng.int(0, 255)); return [b, { bin: Array.from(b) }] }],
    [2, () => {
      const kind = rng.pick(Object.keys(NEW))
      const name = kind === 'xml_element' ? 'p' : kind === 'xml_hook' ? 'hook' : undefined
      return [NEW[kind](name), name === undefined ? { new: kind } : { new: kind, name }]
    }],
  ])()
}
const randomValues = (rng, opts) => {
  const pairs = Array.from({ length: rng.int(1, 3) }, () => randomValue(rng, opts))
  return [pairs.map((p) => p[0]), pairs.map((p) => p[1])]
}

// One random edit on `doc`, performed and returned in script form.
const randomEdit = (rng, doc) => {
  const t = rng.pick(typesOf(doc))
  const ref = refOf(t)
  if (t instanceof Y.Text) { // Y.Text and Y.XmlText
    const len = t.length
    const op = rng.weighted([[5, 'insertText'], [1, 'insertEmbed'], [len > 0 ? 2 : 0, 'deleteText'], [len > 0 ? 2 : 0, 'format']])
    if (op === 'insertText') {
      const index = rng.int(0, len)
      const s = randomString(rng)
      const attrs = rng.bool(0.3) ? randomAttrs(rng) : null
      if (attrs === null) t.insert(index, s)
      else t.insert(index, s, attrs)
      return [op, ref, index, s, attrs]
    }
    if (op === 'insertEmbed') {
      const index = rng.int(0, len)
      const embed = { image: 'img' + rng.int(0, 9) + '.png' }
      const attrs = rng.bool(0.5) ? randomAttrs(rng) : {}
      t.insertEmbed(index, embed, attrs)
      return [op, ref, index, embed, attrs]
    }
    const index = rng.int(0, len - 1)
    const length = rng.int(1, Math.min(len - index, 5))
    if (op === 'deleteText') {
      t.delete(index, length)
      return [op, ref, index, length]
    }
    const attrs = randomAttrs(rng)
    t.format(index, length, attrs)
    return [op, ref, index, length, attrs]
  }
  if (t instanceof Y.Map) { // Y.Map and Y.XmlHook
    const keys = [...t.keys()]
    if (keys.length > 0 && rng.bool(0.25)) {
      const key = rng.bool(0.8) ? rng.pick(keys) : 'absent'
      t.delete(key)
      return ['removeKey', ref, key]
    }
    const key = rng.pick(['a', 'b', 'c', 'title', 'ключ', '😀'])
    const [v, s] = randomValue(rng)
    t.set(key, v)
    return ['set', ref, key, s]
  }
  if (t instanceof Y.XmlElement && rng.bool(0.3)) {
    const names = Object.keys(t.getAttributes())
    if (names.length > 0 && rng.bool(0.3)) {
      const name = rng.pick(names)
      t.removeAttribute(name)
      return ['removeKey', ref, name]
    }
    const name = rng.pick(['level', 'class', 'data-id'])
    const v = rng.weighted([[3, String(rng.int(1, 6))], [1, rng.int(1, 6)], [1, { align: 'left' }]])
    t.setAttribute(name, v)
    return ['set', ref, name, { any: v }]
  }
  // Y.Array, Y.XmlFragment, Y.XmlElement children.
  const xmlOnly = t instanceof Y.XmlFragment
  const len = t.length
  const op = rng.weighted([[4, 'insert'], [1, 'push'], [len > 0 ? 2 : 0, 'remove']])
  if (op === 'remove') {
    const index = rng.int(0, len - 1)
    const length = rng.int(1, Math.min(len - index, 3))
    t.delete(index, length)
    return [op, ref, index, length]
  }
  const [values, script] = randomValues(rng, { xmlOnly })
  if (op === 'push' && !xmlOnly) {
    t.push(values)
    return [op, ref, script]
  }
  // YXmlFragment#push is insert(length): after the last visible child (Edit::push is YArray's).
  const index = op === 'push' ? len : rng.int(0, len)
  t.insert(index, values)
  return ['insert', ref, index, script]
}

// Collects the update events `doc` emits while `fn` runs.
const updatesDuring = (doc, fn) => {
  const out = []
  const h = (u) => out.push(u)
  doc.on('update', h)
  try { fn() } finally { doc.off('update', h) }
  return out
}

/** One scenario: commands for the driver, the answers Yjs gives, and the updates to replay. */
const generate = (seed) => {
  const rng = new Rng(seed)
  const gc = seed % 2 === 0
  const client = rng.bool(0.3) ? rng.int(2 ** 32, 2 ** 53 - 1) : rng.int(0, 2 ** 32 - 1)
  const local = new Y.Doc({ gc })
  local.clientID = client
  const peers = [1, 2].map(() => {
    const d = new Y.Doc({ gc })
    d.clientID = rng.int(0, 2 ** 32 - 1)
    return { doc: d, outbox: [], inbox: [] }
  })
  for (const p of peers) p.doc.on('update', (u) => p.outbox.push(u))
  // L types its roots before anything arrives, as editing clients do (y-prosemirror's
  // getXmlFragment, an editor's getText); the C++ replica is told the same for its text root.
  rootsOf(local)
  const commands = [{ new: { client, gc } }, { getText: 'text' }]
  const expected = ['ok', 'ok']
  const replay = [] // what L integrated, in order: remote updates as received, local ones as authored
  const steps = rng.int(10, 40)
  for (let step = 0; step < steps; step++) {
    const action = rng.weighted([[5, 'local'], [2, 'peer'], [2, 'deliver'], [1, 'share']])
    if (action === 'local') {
      const edits = []
      const events = updatesDuring(local, () => local.transact(() => {
        for (let n = rng.weighted([[4, 1], [2, 2], [1, 4]]); n > 0; n--) edits.push(randomEdit(rng, local))
      }))
      assert.ok(events.length <= 1, 'a local transaction emits at most one update')
      commands.push({ tx: edits })
      expected.push('ok ' + toHex(events[0]))
      if (events[0]) {
        replay.push({ from: 'cpp', index: commands.length - 1 })
        for (const p of peers) p.inbox.push(events[0])
      }
    } else if (action === 'peer') {
      const p = rng.pick(peers)
      p.doc.transact(() => randomEdit(rng, p.doc))
    } else if (action === 'deliver') {
      // Some of a peer's updates reach L, possibly out of order (pending structs and deletes).
      const p = rng.pick(peers)
      if (p.outbox.length === 0) continue
      const batch = p.outbox.splice(0, rng.int(1, p.outbox.length))
      if (rng.bool(0.3)) rng.shuffle(batch)
      for (const u of batch) {
        const events = updatesDuring(local, () => Y.applyUpdate(local, u))
        assert.ok(events.length <= 2, 'a remote apply emits at most two updates')
        commands.push({ apply: Buffer.from(u).toString('hex') })
        expected.push(`ok ${toHex(events[0])} ${toHex(events[1])}`)
        replay.push({ from: 'yjs', update: u })
        // L's formatting cleanup is a transaction of L's own: replay the C++ one.
        if (events[1]) replay.push({ from: 'cpp-cleanup', index: commands.length - 1 })
      }
    } else {
      // L's updates reach the peers, so that their next edits are concurrent with L's state.
      for (const p of peers) for (const u of p.inbox.splice(0)) Y.applyUpdate(p.doc, u)
    }
  }
  commands.push({ state: true })
  expected.push('ok ' + toHex(Y.encodeStateAsUpdate(local)))
  commands.push({ json: ROOTS })
  expected.push('ok ' + contentOf(local))
  return { seed, gc, client, commands, expected, replay, local }
}

test(`crdt::Doc authors the updates Yjs authors (${COUNT} scenarios from seed ${FIRST})`, () => {
  assert.ok(fs.existsSync(driver), `crdt_edit_driver not found at ${driver}: build it (cmake --build <build> --target crdt_edit_driver) and set NAPC_BIN`)
  const scenarios = []
  for (let seed = FIRST; seed < FIRST + COUNT; seed++) scenarios.push(generate(seed))
  const input = scenarios.map((s) => s.commands.map((c) => JSON.stringify(c) + '\n').join('')).join('')
  const run = spawnSync(driver, [], { input, encoding: 'utf8', maxBuffer: 1 << 30 })
  assert.equal(run.status, 0, `driver failed: ${run.stderr}`)
  const answers = run.stdout.split('\n')
  let at = 0
  const failures = []
  let transactions = 0
  let applies = 0
  for (const s of scenarios) {
    const got = answers.slice(at, at + s.commands.length)
    at += s.commands.length
    const bad = s.expected.findIndex((e, i) => got[i] !== e)
    transactions += s.commands.filter((c) => c.tx).length
    applies += s.commands.filter((c) => c.apply).length
    if (bad >= 0) {
      failures.push(`seed ${s.seed} (gc ${s.gc}, client ${s.client}), command ${bad}: ${JSON.stringify(s.commands[bad]).slice(0, 400)}\n` +
        `  Yjs: ${s.expected[bad].slice(0, 300)}\n  C++: ${(got[bad] ?? '(no answer)').slice(0, 300)}\n` +
        `  rerun: NAPC_SCENARIO=${s.seed} node --test conformance/reverse.test.mjs`)
      continue
    }
    // Yjs applies what the C++ library authored (and the peers' updates, as L received them).
    const fresh = new Y.Doc({ gc: s.gc })
    for (const r of s.replay) {
      const update = r.from === 'cpp' ? Buffer.from(got[r.index].slice(3), 'hex')
        : r.from === 'cpp-cleanup' ? Buffer.from(got[r.index].split(' ')[2], 'hex')
          : r.update
      Y.applyUpdate(fresh, update)
    }
    // (State vector and content, not state bytes: how GC splits deleted runs depends on how the
    // updates were cut, so even L's own updates replayed in Yjs need not give L's state bytes.)
    if (toHex(Y.encodeStateVector(fresh)) !== toHex(Y.encodeStateVector(s.local))) {
      failures.push(`seed ${s.seed}: Yjs applying the C++ updates does not reach L's state vector`)
    } else if (!contentOf(s.local).includes('\uFFFD') && contentOf(fresh) !== contentOf(s.local)) {
      // (A replica that split a surrogate pair locally holds U+FFFD where the others hold the
      // character: Yjs's own replicas differ there, docs/conformance-notes.md.)
      failures.push(`seed ${s.seed}: Yjs applying the C++ updates does not reach L's content\n  L:     ${contentOf(s.local).slice(0, 500)}\n  fresh: ${contentOf(fresh).slice(0, 500)}`)
    }
  }
  if (ONLY != null) console.log(JSON.stringify(scenarios[0].commands, null, 1))
  console.log(`# ${scenarios.length} scenarios, ${transactions} local transactions, ${applies} remote applies, ${failures.length} failing`)
  assert.equal(failures.length, 0, failures.slice(0, 5).join('\n'))
})
