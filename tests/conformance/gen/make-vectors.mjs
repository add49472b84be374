// Generates the committed conformance vectors in tests/conformance/vectors/*.json with the pinned
// yjs (13.6.33, tests/package.json). Every expected value is computed here by real Yjs; where
// yjs-spec.md quotes a vector (§2.9, §7.3, §1), the generator also checks that Yjs still produces
// exactly the quoted bytes, so a spec typo or a changed dependency fails loudly.
//
//   cd tests && node conformance/gen/make-vectors.mjs          # rewrite vectors/*.json
//   cd tests && node conformance/gen/make-vectors.mjs --check  # exit 1 if the files are stale
//
// vectors.test.mjs imports makeVectors() and requires the committed files to be identical.
//
// A vector is { id, what, gc, updates: [hex…], expect: { state, sv, diffs?: [{sv, update}], merge?,
// json?: {args, value}, docless?: {input?, svFromUpdate, diffUpdates: [{sv, update}]} },
// yjs?: {pendingStructs, pendingDs} } (docless: Y.encodeStateVectorFromUpdate and Y.diffUpdate of
// mergeUpdates(updates), for ycrdt svfromupdate / diffupdate); an error vector is
// { id, what, command, updates, yjsError } and ycrdt must exit non-zero for it.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { Rng } from '../lib/prng.mjs'
import { toHex, fromHex } from '../lib/hex.mjs'
import { expectedOutputs, jsonArgsOf, makeReplica } from '../lib/oracle.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
export const vectorsDir = path.join(here, '..', 'vectors')

const h = (s) => s.replace(/\s+/g, '')
const mk = (id, opts) => { const d = new Y.Doc(opts); d.clientID = id; return d }
const updatesOf = (doc, f) => {
  const ups = []
  const on = (u) => ups.push(u)
  doc.on('update', on)
  f()
  doc.off('update', on)
  return ups
}
const svOf = (entries) => Y.encodeStateVector(new Map(entries))
const full = (doc) => Y.encodeStateAsUpdate(doc)

/**
 * @param {string} id
 * @param {string} what
 * @param {Uint8Array[]} updates
 * @param {{gc?: boolean, diffSvs?: Uint8Array[], roots?: Array<{name:string, mode:string}>, merge?: boolean,
 *          spec?: {state?: string, sv?: string, merge?: string, updates?: string[], diffs?: string[]}}} [o]
 */
const vector = (id, what, updates, { gc = true, diffSvs = [], roots = [], merge = false, spec = {} } = {}) => {
  const e = expectedOutputs(updates, { gc, roots })
  const doc = makeReplica(gc)
  for (const u of updates) Y.applyUpdate(doc, u)
  const v = { id, what, gc, updates: updates.map(toHex), expect: { state: e.state, sv: e.sv } }
  if (diffSvs.length) v.expect.diffs = diffSvs.map((sv) => ({ sv: toHex(sv), update: toHex(Y.encodeStateAsUpdate(doc, sv)) }))
  if (merge) {
    if (typeof e.merge !== 'string') throw new Error(`${id}: Yjs mergeUpdates threw ${e.merge.error}`)
    v.expect.merge = e.merge
  }
  if (roots.length) v.expect.json = { args: jsonArgsOf(roots), value: e.json }
  // the doc-less helpers on the merged update (ycrdt diffupdate / svfromupdate)
  if (typeof e.merge === 'string' && updates.length) {
    const merged = fromHex(e.merge)
    v.expect.docless = {
      ...(updates.length > 1 ? { input: e.merge } : {}), // one update: mergeUpdates returns it, input = updates[0]
      svFromUpdate: toHex(Y.encodeStateVectorFromUpdate(merged)),
      diffUpdates: [svOf([]), ...diffSvs].map((sv) => ({ sv: toHex(sv), update: toHex(Y.diffUpdate(merged, sv)) }))
    }
  }
  if (e.pendingStructs || e.pendingDs) v.yjs = { pendingStructs: e.pendingStructs, pendingDs: e.pendingDs }
  // the bytes yjs-spec.md quotes must still be what Yjs makes
  const same = (label, actual, quoted) => { if (actual !== h(quoted)) throw new Error(`${id}: ${label} is ${actual}, yjs-spec.md says ${h(quoted)}`) }
  if (spec.state) same('state', v.expect.state, spec.state)
  if (spec.sv) same('sv', v.expect.sv, spec.sv)
  if (spec.merge) same('merge', v.expect.merge, spec.merge)
  ;(spec.updates || []).forEach((q, i) => q && same(`update #${i}`, v.updates[i], q))
  ;(spec.diffs || []).forEach((q, i) => q && same(`diff #${i}`, v.expect.diffs[i].update, q))
  return v
}

// ---------------------------------------------------------------------------------------------
// §2.9 / §7.3: the annotated update vectors

const specVectors = () => {
  const out = []
  const text = [{ name: 'text', mode: 'text' }]
  const delta = (name) => [{ name, mode: 'delta' }]

  { // U1-U5
    const d = mk(1); d.getText('text').insert(0, 'abc')
    out.push(vector('U1', "client 1: getText('text').insert(0,'abc'); state, SV (U3), diff vs {1:1} (U4), diff vs own SV (U5), diff vs empty SV, diff vs SV past the state and with unknown clients",
      [full(d)], {
        roots: [...text], merge: true,
        diffSvs: [svOf([[1, 1]]), Y.encodeStateVector(d), svOf([]), svOf([[1, 7], [99, 3]]), svOf([[1, 2], [2 ** 53 - 1, 1]])],
        spec: { state: '01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00', sv: '01 01 03', diffs: ['01 01 01 01 84 01 00 02 62 63 00', '00 00'] }
      }))
  }
  out.push(vector('U7', 'the empty update 00 00: empty state and SV; merge of one update returns it unchanged', [fromHex('0000')], { merge: true, roots: [{ name: 'text', mode: 'delta' }, { name: 'm', mode: 'map' }, { name: 'a', mode: 'array' }, { name: 'x', mode: 'xml' }], spec: { state: '00 00', sv: '00' } }))
  out.push(vector('U7b', 'two empty updates merged', [fromHex('0000'), fromHex('0000')], { merge: true }))

  // U8-U13: typing one char per transaction
  const typing = (() => { const d = mk(1); const t = d.getText('text'); return updatesOf(d, () => { t.insert(0, 'a'); t.insert(1, 'b'); t.insert(2, 'c') }) })()
  out.push(vector('U8', "typing 'a','b','c' as three transactions: store merges the items (U9); mergeUpdates keeps 3 items (U10)", typing, {
    roots: text, merge: true, diffSvs: [svOf([[1, 1]]), svOf([[1, 2]])],
    spec: {
      updates: ['01 01 01 00 04 01 04 74 65 78 74 01 61 00', '01 01 01 01 84 01 00 01 62 00', '01 01 01 02 84 01 01 01 63 00'],
      state: '01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00',
      merge: '01 03 01 00 04 01 04 74 65 78 74 01 61 84 01 00 01 62 84 01 01 01 63 00'
    }
  }))
  out.push(vector('U8r', 'the typing updates in reverse order: #3 and #2 wait as pending structs until #1 arrives', [...typing].reverse(), { roots: text, merge: true }))
  out.push(vector('U11', 'updates #1 and #3 only: #3 stays pending; mergeUpdates bridges the gap with a Skip (0a)', [typing[0], typing[2]], {
    roots: text, merge: true, diffSvs: [svOf([[1, 1]])],
    spec: { merge: '01 03 01 00 04 01 04 74 65 78 74 01 61 0a 01 84 01 01 01 63 00' }
  }))
  const u10 = Y.mergeUpdates(typing)
  out.push(vector('U37', 'the merged 3-struct update U10 applied to a fresh doc is re-encoded as one item (U9)', [u10], { roots: text, merge: true, spec: { state: '01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00' } }))
  const u12 = Y.diffUpdate(u10, svOf([[1, 1]]))
  out.push(vector('U12', 'diffUpdate(U10, {1:1}) applied alone: both structs pending (missing 1:0)', [u12], { roots: text, merge: true, spec: { updates: ['01 02 01 01 84 01 00 01 62 84 01 01 01 63 00'] } }))
  out.push(vector('U12b', 'U12 then U8#1: the pending structs integrate', [u12, typing[0]], { roots: text, merge: true }))
  out.push(vector('U10+U11', 'merging overlapping merged updates (Skip against real structs)', [u10, Y.mergeUpdates([typing[0], typing[2]])], { merge: true }))

  { // U14/U15 delete
    const d = mk(1); const t = d.getText('text'); t.insert(0, 'abc')
    const base = full(d)
    const del = updatesOf(d, () => t.delete(1, 1))
    out.push(vector('U14', "'abc'.delete(1,1), GC on: the middle becomes ContentDeleted (81) (U15)", [base, ...del], {
      roots: text, merge: true, diffSvs: [svOf([[1, 1]]), svOf([[1, 2]])],
      spec: { updates: [null, '00 01 01 01 01 01'], state: '01 03 01 00 04 01 04 74 65 78 74 01 61 81 01 00 01 84 01 01 01 63 01 01 01 01 01' }
    }))
    out.push(vector('U14nogc', "'abc'.delete(1,1), GC off: content kept, DS marks it", [base, ...del], { gc: false, roots: text, diffSvs: [svOf([[1, 1]])] }))
    out.push(vector('U36', 'a delete of an unknown clock range first: pending delete set, then the structs arrive', [...del, base], { roots: text, merge: true }))
    out.push(vector('U36a', 'only a delete of unknown structs: the pending delete set is part of encodeStateAsUpdate', del, { roots: text, merge: true }))
  }

  { // U16/U17 map
    const d = mk(1); const m = d.getMap('map')
    const ups = updatesOf(d, () => { m.set('k', 'v'); m.set('n', 42); m.set('o', { a: [1, 2] }); m.set('k', 'w') })
    const d2 = mk(1); const m2 = d2.getMap('map'); m2.set('k', 'v'); m2.set('n', 42); m2.set('o', { a: [1, 2] })
    out.push(vector('U16', "Map 'map': k='v', n=42, o={a:[1,2]} in one state (U16)", [full(d2)], {
      roots: [{ name: 'map', mode: 'map' }],
      spec: { state: '01 03 01 00 28 01 03 6d 61 70 01 6b 01 77 01 76 28 01 03 6d 61 70 01 6e 01 7d 2a 28 01 03 6d 61 70 01 6f 01 76 01 01 61 75 02 7d 01 7d 02 00' }
    }))
    out.push(vector('U17', "the same as four incremental updates, the last overwriting k='w' (a8, U17)", ups, {
      roots: [{ name: 'map', mode: 'map' }], merge: true, diffSvs: [svOf([[1, 3]])],
      spec: { updates: [null, null, null, '01 01 01 03 a8 01 00 01 77 01 77 01 01 01 00 01'] }
    }))
    out.push(vector('U17nogc', 'map overwrite with GC off', ups, { gc: false, roots: [{ name: 'map', mode: 'map' }] }))
  }

  { // U18 array content kinds
    const d = mk(1); const a = d.getArray('arr')
    a.insert(0, [1, 'two', null, true]); a.push([new Uint8Array([0xde, 0xad])]); a.push([new Y.Map()])
    out.push(vector('U18', "Array 'arr': [1,'two',null,true] (Any), Uint8Array(de ad) (Binary), Y.Map (Type)", [full(d)], {
      roots: [{ name: 'arr', mode: 'array' }], diffSvs: [svOf([[1, 2]])],
      spec: { state: '01 03 01 00 08 01 03 61 72 72 04 7d 01 77 03 74 77 6f 7e 78 83 01 03 02 de ad 87 01 04 01 00' }
    }))
  }

  { // U19-U21 nested + GC
    const d = mk(1); const m = d.getMap('m'); const inner = new Y.Array(); m.set('list', inner); inner.push(['x', 'y'])
    const base = full(d)
    const del = updatesOf(d, () => m.delete('list'))
    const roots = [{ name: 'm', mode: 'map' }]
    out.push(vector('U19', "Map 'm' set 'list' -> Y.Array, push ['x','y'] (child parent as ID)", [base], { roots, spec: { state: '01 02 01 00 27 01 01 6d 04 6c 69 73 74 00 08 00 01 00 02 77 01 78 77 01 79 00' } }))
    out.push(vector('U20', "U19 then m.delete('list'), GC on: type item -> 21, children -> GC struct", [base, ...del], { roots, merge: true, diffSvs: [svOf([[1, 1]]), svOf([[1, 2]])], spec: { state: '01 02 01 00 21 01 01 6d 04 6c 69 73 74 01 00 02 01 01 01 00 03' } }))
    out.push(vector('U21', "U19 then m.delete('list'), GC off", [base, ...del], { gc: false, roots, diffSvs: [svOf([[1, 1]])], spec: { state: '01 02 01 00 27 01 01 6d 04 6c 69 73 74 00 08 00 01 00 02 77 01 78 77 01 79 01 01 01 00 03' } }))
    out.push(vector('U20r', 'the delete of the container arrives first (pending DS), then the container and its children', [...del, base], { roots, merge: true }))
    const gcState = Y.encodeStateAsUpdate(d)
    out.push(vector('U20gc-into-nogc', 'a GC-on state (with GC structs) applied to a GC-off replica', [gcState], { gc: false, roots }))
  }

  { // U22 rich text
    const d = mk(1); const t = d.getText('t')
    const ups = updatesOf(d, () => { t.insert(0, 'hello'); t.format(1, 2, { bold: true }); t.insertEmbed(5, { image: 'x.png' }) })
    out.push(vector('U22', "Text 't': 'hello', format(1,2,{bold:true}), insertEmbed(5,{image:'x.png'})", [full(d)], {
      roots: delta('t'), diffSvs: [svOf([[1, 3]])],
      spec: { state: '01 06 01 00 04 01 01 74 01 68 84 01 00 02 65 6c 84 01 02 02 6c 6f c6 01 00 01 01 04 62 6f 6c 64 04 74 72 75 65 c6 01 02 01 03 04 62 6f 6c 64 04 6e 75 6c 6c 85 01 04 11 7b 22 69 6d 61 67 65 22 3a 22 78 2e 70 6e 67 22 7d 00' }
    }))
    out.push(vector('U22inc', 'the same as incremental updates, toString', ups, { roots: [{ name: 't', mode: 'text' }], merge: true }))
  }

  { // U23 XML
    const build = () => {
      const d = mk(1); const f = d.getXmlFragment('prosemirror'); const p = new Y.XmlElement('paragraph')
      f.insert(0, [p]); p.setAttribute('align', 'left'); const tx = new Y.XmlText(); p.insert(0, [tx]); tx.insert(0, 'Hi')
      return { d, f, tx }
    }
    const roots = [{ name: 'prosemirror', mode: 'xml' }]
    out.push(vector('U23', "XmlFragment 'prosemirror' > <paragraph align='left'> > XmlText 'Hi'", [full(build().d)], {
      roots, spec: { state: '01 04 01 00 07 01 0b 70 72 6f 73 65 6d 69 72 72 6f 72 03 09 70 61 72 61 67 72 61 70 68 28 00 01 00 05 61 6c 69 67 6e 01 77 04 6c 65 66 74 07 00 01 00 06 04 00 01 02 02 48 69 00' }
    }))
    const { d, f, tx } = build()
    const base = full(d)
    const more = updatesOf(d, () => { tx.format(0, 1, { bold: true }); tx.insert(2, '!', { link: { href: 'https://x' } }); f.insert(1, [new Y.XmlText('tail')]) })
    out.push(vector('U23fmt', 'XmlText formatting (bold, link) and a second XmlText', [base, ...more], { roots, merge: true }))
  }

  { // U24/U25 subdocs
    const d = mk(1); d.getMap('docs').set('s', new Y.Doc({ guid: 'sub-guid' }))
    out.push(vector('U24', "subdoc: map 'docs' set 's' -> Y.Doc({guid:'sub-guid'})", [full(d)], { spec: { state: '01 01 01 00 29 01 04 64 6f 63 73 01 73 08 73 75 62 2d 67 75 69 64 76 00 00' } }))
    d.getMap('docs').set('t', new Y.Doc({ guid: 'g2', gc: false, autoLoad: true, meta: 'm' }))
    out.push(vector('U25', "+ 't' -> Y.Doc({guid:'g2', gc:false, autoLoad:true, meta:'m'})", [full(d)], { spec: { state: '01 02 01 00 29 01 04 64 6f 63 73 01 73 08 73 75 62 2d 67 75 69 64 76 00 29 01 04 64 6f 63 73 01 74 02 67 32 76 03 02 67 63 79 08 61 75 74 6f 4c 6f 61 64 78 04 6d 65 74 61 77 01 6d 00' } }))
  }

  { // U26/U27 concurrency
    const a = mk(1); const b = mk(2)
    a.getText('t').insert(0, 'A'); b.getText('t').insert(0, 'B')
    out.push(vector('U26', "concurrent 'A' (client 1) / 'B' (client 2) at 0 -> 'AB'; clients written descending", [full(a), full(b)], { roots: [{ name: 't', mode: 'text' }], merge: true, spec: { state: '02 01 02 00 04 01 01 74 01 42 01 01 00 04 01 01 74 01 41 00', sv: '02 02 01 01 01' } }))
    out.push(vector('U26r', 'the same, other arrival order', [full(b), full(a)], { roots: [{ name: 't', mode: 'text' }], merge: true }))
  }

  { // U28 big client id
    const d = mk(3000000000); d.getText('text').insert(0, 'x')
    out.push(vector('U28', 'client 3000000000 inserts x', [full(d)], { roots: text, spec: { state: '01 01 80 bc c1 96 0b 00 04 01 04 74 65 78 74 01 78 00' } }))
  }

  { // U29-U33 surrogate pairs
    const a = mk(1); const b = mk(2)
    a.getText('t').insert(0, 'a😀b')
    const u29 = full(a)
    Y.applyUpdate(b, u29)
    const u30 = updatesOf(b, () => b.getText('t').insert(2, 'X'))
    const r = [{ name: 't', mode: 'text' }]
    out.push(vector('U29', "'a😀b': clock length 4, 6 UTF-8 bytes; diffs with SVs inside the pair (U32)", [u29], {
      roots: r, diffSvs: [svOf([[1, 2]]), svOf([[1, 1]]), svOf([[1, 3]])],
      spec: { state: '01 01 01 00 04 01 01 74 06 61 f0 9f 98 80 62 00', diffs: ['01 01 01 02 84 01 01 04 ef bf bd 62 00'] }
    }))
    out.push(vector('U30', "client 2 inserts 'X' inside the pair: both halves become U+FFFD (U31)", [u29, ...u30], {
      roots: [{ name: 't', mode: 'delta' }], merge: true, diffSvs: [svOf([[1, 2]]), svOf([[2, 1]])],
      spec: { updates: [null, '01 01 02 00 c4 01 01 01 02 01 58 00'], state: '02 01 02 00 c4 01 01 01 02 01 58 02 01 00 04 01 01 74 04 61 ef bf bd 84 01 01 04 ef bf bd 62 00' }
    }))
    out.push(vector('U30r', 'the insert inside the pair arrives first (pending), then the pair', [...u30, u29], { roots: r, merge: true }))
    const c = mk(1); const ct = c.getText('t'); ct.insert(0, '😀')
    const before = full(c)
    const del = updatesOf(c, () => ct.delete(0, 1))
    out.push(vector('U33', "'😀'.delete(0,1) leaves U+FFFD", [before, ...del], { roots: r, merge: true, spec: { updates: [null, '00 01 01 01 00 01'], state: '01 02 01 00 01 01 01 74 01 84 01 00 03 ef bf bd 01 01 01 00 01' } }))
    out.push(vector('U33nogc', "'😀'.delete(0,1) with GC off", [before, ...del], { gc: false, roots: r }))
  }

  { // U34/U35 pending structs
    const src = mk(1); const t = src.getText('t')
    const ups = updatesOf(src, () => { t.insert(0, 'a'); t.insert(1, 'b') })
    out.push(vector('U35', 'only update #2 of a typing session: pending struct, SV 00, state includes it', [ups[1]], { roots: [{ name: 't', mode: 'text' }], merge: true, diffSvs: [svOf([[1, 1]])], spec: { state: '01 01 01 01 84 01 00 01 62 00', sv: '00' } }))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Concurrency, GC and pending cases beyond the spec table

const moreVectors = () => {
  const out = []
  { // 64-bit client comparison: 2^32+1 vs 3 (low 32 bits of the big id are 1 < 3)
    const a = mk(2 ** 32 + 1); const b = mk(3); const c = mk(2 ** 53 - 1)
    for (const [d, s] of [[a, 'A'], [b, 'B'], [c, 'C']]) { d.getText('t').insert(0, s); d.getMap('m').set('k', s) }
    out.push(vector('C1', 'concurrent inserts and map sets from clients 4294967297, 3 and 2^53-1: order and winner compare full 53-bit ids', [full(a), full(b), full(c)], {
      roots: [{ name: 't', mode: 'text' }, { name: 'm', mode: 'map' }], merge: true, diffSvs: [svOf([[3, 1]]), svOf([[2 ** 32 + 1, 2], [2 ** 53 - 1, 0]])]
    }))
    out.push(vector('C1r', 'the same, reversed arrival', [full(c), full(b), full(a)], { roots: [{ name: 't', mode: 'text' }, { name: 'm', mode: 'map' }], merge: true }))
  }
  { // interleaved typing from two peers with origins crossing each other
    const a = mk(10); const b = mk(2 ** 40)
    const ua = updatesOf(a, () => { const t = a.getText('t'); t.insert(0, 'hello'); t.insert(5, ' world') })
    Y.applyUpdate(b, ua[0])
    const ub = updatesOf(b, () => { const t = b.getText('t'); t.insert(2, '[B]'); t.delete(0, 1) })
    const ua2 = updatesOf(a, () => { Y.applyUpdate(a, ub[0]); a.getText('t').insert(3, '{A}') })
    out.push(vector('C2', 'interleaved edits, incremental updates in causal order', [...ua, ...ub, ...ua2.filter((_, i) => i > 0)], { roots: [{ name: 't', mode: 'delta' }], merge: true, diffSvs: [svOf([[10, 5]]), svOf([[2 ** 40, 2]])] }))
    out.push(vector('C2r', 'the same updates in reverse order (pending structs and deletes)', [...ua, ...ub, ...ua2.filter((_, i) => i > 0)].reverse(), { roots: [{ name: 't', mode: 'delta' }], merge: true }))
  }
  { // nested types deleted while another peer edits inside them (items into a GC'd parent)
    const a = mk(5); const b = mk(6)
    const m = a.getMap('root'); const arr = new Y.Array(); const txt = new Y.Text('inner')
    const u1 = updatesOf(a, () => { m.set('arr', arr); arr.push([txt, { x: 1 }]); m.set('other', new Y.Map([['q', 1]])) })
    for (const u of u1) Y.applyUpdate(b, u)
    const ub = updatesOf(b, () => { b.getMap('root').get('arr').get(0).insert(2, 'XYZ'); b.getMap('root').get('arr').push([7]) })
    const ua = updatesOf(a, () => m.delete('arr'))
    for (const gc of [true, false]) {
      out.push(vector(`G1${gc ? '' : 'nogc'}`, `edits inside a container that another peer deletes concurrently, GC ${gc ? 'on' : 'off'}`, [...u1, ...ua, ...ub], { gc, roots: [{ name: 'root', mode: 'map' }], merge: true, diffSvs: [svOf([[5, 2]])] }))
      out.push(vector(`G2${gc ? '' : 'nogc'}`, `the same, the inner edits arrive before the deletion, GC ${gc ? 'on' : 'off'}`, [...u1, ...ub, ...ua], { gc, roots: [{ name: 'root', mode: 'map' }], merge: true }))
    }
    out.push(vector('G3', 'a mergeUpdates of everything (GC structs and items of the same client) applied at once', [Y.mergeUpdates([...u1, ...ua, ...ub])], { roots: [{ name: 'root', mode: 'map' }], merge: true }))
    const gcFull = Y.encodeStateAsUpdate((() => { const d = mk(77); for (const u of [...u1, ...ua, ...ub]) Y.applyUpdate(d, u); return d })())
    out.push(vector('G4', 'a GC-on full state (GC structs) merged with the original updates', [gcFull, ...ub], { roots: [{ name: 'root', mode: 'map' }], merge: true }))
  }
  { // formatting: attributes removed with null, overlapping formats, embeds with attributes
    const a = mk(1); const b = mk(2)
    const ua = updatesOf(a, () => { const t = a.getText('rich'); t.insert(0, 'Bold and 😀 plain', { bold: true }); t.format(5, 3, { bold: null, italic: true }); t.insertEmbed(9, { image: 'a.png' }, { link: 'x' }) })
    for (const u of ua) Y.applyUpdate(b, u)
    const ub = updatesOf(b, () => { const t = b.getText('rich'); t.format(0, 12, { color: '#f00' }); t.insert(3, 'ZZ', { size: 1.5 }) })
    out.push(vector('F1', 'formats with null removal, overlapping ranges, embeds with attributes', [...ua, ...ub], { roots: [{ name: 'rich', mode: 'delta' }], merge: true }))
    out.push(vector('F1s', 'the same, toString', [...ub, ...ua], { roots: [{ name: 'rich', mode: 'text' }], merge: true }))
  }
  { // mergeUpdates: a GC and an Item of the same client starting at the same clock. Yjs's reader
    // comparator (updates.js mergeUpdatesV2) returns -1 for both (GC, Item) and (Item, GC), so the
    // winner is whatever V8's Array.prototype.sort (TimSort: strictly descending runs are reversed,
    // binary insertion below 64 elements, merging with galloping above) leaves first.
    const a = mk(5); const arr = new Y.Array(); a.getMap('m').set('k', arr)
    const b = mk(6); Y.applyUpdate(b, full(a))
    b.getMap('m').get('k').push(['XY'])
    const item = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a))
    Y.applyUpdate(a, item); a.getMap('m').delete('k')
    const gcd = full(a)
    out.push(vector('M1', 'mergeUpdates([GC of client 6 at clock 0, Item of client 6 at clock 0]): the Item wins', [gcd, item], { merge: true, roots: [{ name: 'm', mode: 'map' }] }))
    out.push(vector('M2', 'mergeUpdates([Item, GC]) of the same structs: the GC wins', [item, gcd], { merge: true, roots: [{ name: 'm', mode: 'map' }] }))
    // the same conflict among many readers (full TimSort path, re-sorted every step)
    const rng = new Rng(77)
    const parent = mk(5); const list = new Y.Array(); parent.getMap('m').set('k', list)
    const base = full(parent)
    const pieces = []
    const writers = [6, 7, 2 ** 33, 3].map((id) => { const d = mk(id); Y.applyUpdate(d, base); return d })
    for (let i = 0; i < 64; i++) {
      const w = rng.pick(writers)
      pieces.push(...updatesOf(w, () => w.getMap('m').get('k').insert(0, [rng.pick(['p', 'q', 'r']) + i])))
    }
    const all = mk(99); Y.applyUpdate(all, base); for (const u of pieces) Y.applyUpdate(all, u)
    all.getMap('m').delete('k')
    const gcAll = full(all)
    const mixed = rng.shuffle([base, ...pieces, gcAll, gcAll, ...pieces.filter((_, i) => i % 3 === 0)])
    out.push(vector('M3', `mergeUpdates of ${mixed.length} updates where GC'd and live copies of the same clocks meet (TimSort with merges)`, mixed, { merge: true, roots: [{ name: 'm', mode: 'map' }] }))
    out.push(vector('M4', 'the first 20 of them (binary insertion sort path)', mixed.slice(0, 20), { merge: true, roots: [{ name: 'm', mode: 'map' }] }))
  }
  { // legacy ContentJSON (ref 2: Yjs 13.6 decodes it but never writes it) and input with a Skip
    const str = (t) => { const b = Buffer.from(t, 'utf8'); return [b.length, ...b] }
    const json = new Uint8Array([1, 1, 4, 0, 0x02, 1, ...str('a'), 3, ...str('1'), ...str('{"x":[2,null]}'), ...str('undefined'), 0])
    out.push(vector('J1', 'legacy ContentJSON item (ref 2) with "undefined" in an array root', [json], { roots: [{ name: 'a', mode: 'array' }], merge: true, diffSvs: [svOf([[4, 1]])] }))
    const json2 = new Uint8Array([1, 1, 4, 3, 0x82, 4, 2, 1, ...str('"tail"'), 0])
    out.push(vector('J2', 'a second ContentJSON item after the first (origin, merges in the store)', [json, json2], { roots: [{ name: 'a', mode: 'array' }], merge: true }))
    const d = mk(8); const t = d.getText('t')
    const ups = updatesOf(d, () => { for (const c of 'abcdef') t.insert(t.length, c) })
    const skip = Y.mergeUpdates([ups[0], ups[2], ups[5]])
    out.push(vector('S1', 'an input containing Skip structs (a merge with gaps): the structs after each Skip stay pending', [skip], { roots: [{ name: 't', mode: 'text' }], merge: true }))
    out.push(vector('S2', 'then the missing updates arrive', [skip, ups[4], ups[1], ups[3]], { roots: [{ name: 't', mode: 'text' }], merge: true }))
  }
  { // long content: clocks and lengths above 127 and 16383 (multi-byte varUints)
    const d = mk(300); const t = d.getText('long')
    const ups = updatesOf(d, () => { t.insert(0, 'x'.repeat(200)); t.insert(100, 'ab'.repeat(8200)); t.delete(50, 16500) })
    out.push(vector('L1', 'clock/length/offset varUints of 2 and 3 bytes', ups, { roots: [{ name: 'long', mode: 'text' }], diffSvs: [svOf([[300, 16385]])] }))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// §1 style: lib0 primitives as they appear inside updates

const lib0Vectors = () => {
  const out = []
  for (const id of [0, 1, 63, 64, 127, 128, 255, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 3000000000, 2 ** 53 - 1]) {
    const d = mk(id); d.getText('t').insert(0, 'x'); d.getText('t').insert(1, 'y')
    out.push(vector(`varuint-client-${id}`, `client id ${id} as varUint (structs, DS and SV)`, [full(d), ...updatesOf(d, () => d.getText('t').delete(0, 1))], { roots: [{ name: 't', mode: 'text' }], merge: true, diffSvs: [svOf([[id, 1]])] }))
  }
  const strings = ['', 'abc', 'é', '€', '😀', '\uD83D', 'a\u0000b', '\uFEFFbom', 'x'.repeat(127), 'y'.repeat(128), '😀'.repeat(40)]
  strings.forEach((s, i) => {
    const d = mk(7); const m = d.getMap('m')
    m.set('s', s); m.set(s, 1)
    if (s) d.getText('t').insert(0, s)
    out.push(vector(`varstring-${i}`, `varString ${JSON.stringify(s).slice(0, 40)} as map value, map key and text`, [full(d)], { roots: [{ name: 'm', mode: 'map' }, { name: 't', mode: 'text' }] }))
  })
  const anys = [
    ['undefined', undefined], ['null', null], ['true', true], ['false', false], ['0', 0], ['-0', -0], ['1', 1], ['-1', -1],
    ['2^31-1', 2 ** 31 - 1], ['-(2^31-1)', -(2 ** 31 - 1)], ['2^31', 2 ** 31], ['-2^31', -(2 ** 31)], ['2^53-1', 2 ** 53 - 1],
    ['-(2^53-1)', -(2 ** 53 - 1)], ['1.5', 1.5], ['0.1', 0.1], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
    ['1e300', 1e300], ['5e-324', 5e-324], ['float32 max', 3.4028234663852886e38], ['1n', 1n], ['-2n', -2n], ['2^63-1 n', 2n ** 63n - 1n],
    ['"x"', 'x'], ['[1,"a"]', [1, 'a']], ['{a:1,b:[true]}', { a: 1, b: [true] }], ['{}', {}], ['[]', []],
    ['int-like keys', { b: 1, 10: 2, 2: 3, a: { 1: null, z: [] } }], ['nested Uint8Array', { bytes: new Uint8Array([1, 2, 255]) }],
    ['deep', { a: [{ b: [{ c: [1.25, -0, 'd'] }] }] }], ['undefined member', { a: undefined, b: 1 }]
  ]
  for (const [name, value] of anys) {
    const d = mk(9); d.getMap('m').set('v', value)
    const bytesOnly = typeof value === 'bigint'
    out.push(vector(`any-${name}`, `Any ${name} as a map value${bytesOnly ? ' (bigint: bytes only, no JSON form)' : ''}`, [full(d)], { roots: bytesOnly ? [] : [{ name: 'm', mode: 'map' }] }))
    if (value !== undefined && !bytesOnly) {
      const e = mk(9); e.getArray('a').insert(0, [value, value])
      out.push(vector(`any-array-${name}`, `Any ${name} twice in one array item (ContentAny, 2 values)`, [full(e)], { roots: [{ name: 'a', mode: 'array' }], diffSvs: [svOf([[9, 1]])] }))
    }
  }
  { const d = mk(9); d.getMap('m').set('bin', new Uint8Array([])); d.getMap('m').set('bin2', new Uint8Array(300).map((_, i) => i & 255)); out.push(vector('binary', 'ContentBinary: empty and 300 bytes', [full(d)], { roots: [{ name: 'm', mode: 'map' }] })) }
  return out
}

// ---------------------------------------------------------------------------------------------
// Compatibility documents: array, map and rich-text documents made by 5 peers with random edits
// and random delivery (the same idea as Yjs's tests/compatibility.tests.js, whose documents were
// made by Yjs 13.2.0; those originals are checked from $NAPC_SHARED_DIR by vectors.test.mjs).

const compatVectors = () => {
  const out = []
  const kinds = ['array', 'map', 'text']
  kinds.forEach((kind, k) => {
    const rng = new Rng(4242 + k)
    const peers = [0, 1, 2, 3, 4].map((id) => mk(id))
    const queues = peers.map(() => [])
    peers.forEach((p, i) => p.on('update', (u, origin) => { if (origin !== 'net') peers.forEach((_, j) => { if (j !== i) queues[j].push(u) }) }))
    for (let step = 0; step < 400; step++) {
      const p = rng.pick(peers)
      if (kind === 'array') {
        const a = p.getArray('array')
        const r = rng.float()
        if (r < 0.5 || a.length === 0) a.insert(rng.int(0, a.length), rng.pick([[1, 2, 3, 4], [{ someprop: 44 }], [rng.int(400, 530)], [rng.int(1, 9), 'str', null]]))
        else if (r < 0.8) { const i = rng.int(0, a.length - 1); a.delete(i, Math.min(a.length - i, rng.int(1, 3))) }
        else a.insert(rng.int(0, a.length), [new Y.Map([['someprop', 44]]), Y.Array.from([1, 2, 3, 4])])
      } else if (kind === 'map') {
        const m = p.getMap('map')
        const r = rng.float()
        if (r < 0.6) m.set(rng.pick(['one', 'two', 'three']), rng.pick([[1, 2, 3, 4], { deepkey: 'deepvalue' }, rng.int(0, 1000), 'str']))
        else if (r < 0.8) m.delete(rng.pick(['one', 'two', 'three']))
        else m.set(rng.pick(['one', 'two']), new Y.Map([['deepkey', 'deepvalue']]))
      } else {
        const t = p.getText('text')
        const r = rng.float()
        if (r < 0.45 || t.length === 0) t.insert(rng.int(0, t.length), rng.pick(['1', '13', 'rup', 'uj', '\n', 'kz😀', ' ']), rng.bool(0.3) ? rng.pick([{ bold: true }, { italic: true, color: '#888' }]) : {})
        else if (r < 0.7) { const i = rng.int(0, t.length - 1); t.delete(i, Math.min(t.length - i, rng.int(1, 4))) }
        else if (r < 0.9) { const i = rng.int(0, t.length - 1); t.format(i, Math.min(t.length - i, rng.int(1, 6)), rng.pick([{ bold: true }, { bold: null }, { italic: true, color: '#888' }, { italic: null, color: null }])) }
        else t.insertEmbed(rng.int(0, t.length), { image: 'https://user-images.example.com/5553757/48975307.png' })
      }
      if (rng.bool(0.5)) { const j = rng.int(0, 4); while (queues[j].length && rng.bool(0.7)) Y.applyUpdate(peers[j], queues[j].splice(rng.int(0, queues[j].length - 1), 1)[0], 'net') }
    }
    while (queues.some((q) => q.length)) queues.forEach((q, j) => { while (q.length) Y.applyUpdate(peers[j], q.shift(), 'net') })
    const doc = full(peers[0])
    const roots = kind === 'text' ? [{ name: 'text', mode: 'delta' }] : [{ name: kind, mode: kind }]
    out.push(vector(`compat-${kind}`, `${kind} document made by 5 peers (clients 0-4) with 400 random edits and random delivery`, [doc], { roots, diffSvs: [svOf([[0, 10], [3, 40]])] }))
  })
  return out
}

// ---------------------------------------------------------------------------------------------
// Malformed input: Yjs throws, so ycrdt must exit non-zero (and say why on stderr)

const errorVectors = () => {
  const good = h('01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00')
  const cases = [
    ['truncated-string', 'update cut inside the string content', good.slice(0, 24)],
    ['truncated-header', 'update cut after the client count', '01'],
    ['empty-input', 'zero bytes', ''],
    ['bad-utf8', 'invalid UTF-8 in a string (ff ff ff)', h('01 01 01 00 04 01 04 74 65 78 74 03 ff ff ff 00')],
    ['content-ref-11', 'unknown content ref 11', h('01 01 01 00 0b 01 04 74 65 78 74 03 61 62 63 00')],
    ['type-ref-7', 'unknown type ref 7 (yrs WeakLink)', h('01 01 01 00 07 01 01 6d 07 00')],
    ['any-tag-70', 'unknown Any tag 0x70', h('01 01 01 00 28 01 01 6d 01 6b 01 70 00')],
    ['varuint-overflow', 'client id varUint above 2^53', h('01 01 ff ff ff ff ff ff ff ff 7f 00 04 01 01 74 01 61 00')],
    ['len-past-end', 'string length past the end of the update', h('01 01 01 00 04 01 04 74 65 78 74 09 61 62 63 00')]
  ]
  const out = []
  for (const [id, what, hex] of cases) {
    let err = null
    try { const d = makeReplica(); Y.applyUpdate(d, fromHex(hex)) } catch (e) { err = String(e && e.message) }
    if (err === null) throw new Error(`error vector ${id}: Yjs accepts it; not an error vector`)
    out.push({ id, what, command: 'state', updates: [hex], yjsError: err })
  }
  return out
}

export const makeVectors = () => {
  const header = (name, what) => ({ generator: 'tests/conformance/gen/make-vectors.mjs', yjs: '13.6.33', file: name, what })
  return {
    'spec.json': { ...header('spec.json', 'the annotated vectors of yjs-spec.md §2.9 / §7.3 as ycrdt invocations'), vectors: specVectors() },
    'more.json': { ...header('more.json', '64-bit client ordering, interleaving, GC of edited containers, formatting, long content'), vectors: moreVectors() },
    'lib0.json': { ...header('lib0.json', 'yjs-spec.md §1 primitives inside updates: varUint client ids, varString, Any values'), vectors: lib0Vectors() },
    'compat.json': { ...header('compat.json', 'array/map/rich-text documents from 5 random peers (cf. Yjs compatibility.tests.js)'), vectors: compatVectors() },
    'errors.json': { ...header('errors.json', 'malformed updates Yjs rejects; ycrdt must exit non-zero'), vectors: errorVectors() }
  }
}

export const serialize = (obj) => JSON.stringify(obj, null, 1) + '\n'

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const check = process.argv.includes('--check')
  let stale = 0
  fs.mkdirSync(vectorsDir, { recursive: true })
  for (const [name, obj] of Object.entries(makeVectors())) {
    const file = path.join(vectorsDir, name)
    const text = serialize(obj)
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null
    if (old === text) continue
    stale++
    if (check) console.error(`${name} is stale`)
    else { fs.writeFileSync(file, text); console.log(`wrote ${path.relative(process.cwd(), file)} (${obj.vectors.length} vectors)`) }
  }
  if (check && stale) process.exit(1)
  if (!stale) console.log('vectors up to date')
}
