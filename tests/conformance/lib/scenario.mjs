// Random multi-peer editing scenarios for the differential conformance test.
//
// A scenario is fully determined by its seed. 2–5 real Yjs peers (Y.Doc, clientIDs mixing small
// values, uint32 values and values above 2^32 up to 2^53-1) edit Y.Text (emoji, surrogate pairs,
// splits inside pairs, formatting, embeds), Y.Map and Y.Array (Any values incl. -0, large ints,
// floats, NaN/±Infinity, nested objects/arrays, Uint8Array, undefined; nested shared types, deleted
// containers so GC replaces their children) and Y.XmlFragment (XmlElement with attributes,
// XmlText with formatting), plus an "opaque" map (bigint, subdocuments) that is only compared as
// bytes. Peers exchange their updates with delayed, reordered, duplicated and merged delivery and
// occasional SyncStep2-style diffs.
//
// A "server" replica (a plain Y.Doc that never edits or reads typed roots) receives its own
// sequence of updates: peer updates out of order (pending structs / pending delete sets), duplicates, Y.mergeUpdates bundles, diffs of merged
// bundles, SyncStep2 answers. That exact sequence is the scenario's input for ycrdt.

import * as Y from 'yjs'
import { Rng } from './prng.mjs'
import { makeReplica, ORACLE_CLIENT_ID, readRoot } from './oracle.mjs'

const REMOTE = Symbol('remote')

// XML-focused scenarios (generateScenario(seed, {xml: true})): y-prosemirror-like documents read as
// XML trees. Set for the duration of one synchronous generateScenario call; when false every draw
// below is exactly what it was before the option existed, so existing seeds are unchanged.
let xmlFocus = false

// ---------------------------------------------------------------------------------------------
// Value pools

const EDGE_IDS = [0, 1, 2, 63, 64, 127, 128, 255, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1,
  2 ** 32, 2 ** 32 + 1, 2 ** 35 + 7, 2 ** 40, 2 ** 49 + 3, 2 ** 53 - 2, 2 ** 53 - 1]

const WORDS = ['a', 'b', 'c', 'x', 'lorem', 'ipsum', 'dolor', 'NAP', 'forced', 'labour', 'plan', 'Ab', 'zz', '12', '3.5']
const EMOJI = ['😀', '👍🏽', '🇫🇷', '👨‍👩‍👧', '𝄞', '🙂', '🧪', '😀😀']
const BMP = ['é', 'e\u0301', 'ß', 'Ж', 'щ', '漢字', 'עברית', 'ﷺ', '\u200b', 'Ω', '€', 'ñ']
const ROOT_NAMES = ['text', 't', 'body', 'title', 'notes', 'map', 'm', 'meta', 'config', 'array', 'a', 'list',
  'items', 'xml', 'prosemirror', 'fragment', 'δοκιμή', '文档', '😀root', 'a b', 'x/y', 'k']
const MAP_KEYS = ['a', 'b', 'c', 'k', 'key', 'ключ', '😀', '0', '1', '10', 'x y', 'title', 'a\u0000b', 'long-key-long-key-long-key']
const OBJ_KEYS = ['a', 'b', 'x', 'id', '0', '1', '10', '2', 'key with space', 'ключ', '😀', '']
const ATTR_KEYS = ['bold', 'italic', 'underline', 'color', 'size', 'link', 'font', 'code']
const XML_NAMES = ['paragraph', 'heading', 'p', 'li', 'ul', 'blockquote', 'img', 'ünïcode', 'x-y']
const XML_ATTRS = ['align', 'level', 'class', 'id', 'data-x', 'src']
const PM_NAMES = ['paragraph', 'heading', 'bullet_list', 'ordered_list', 'list_item', 'blockquote', 'image', 'table_cell', 'Heading']
const PM_ATTRS = ['level', 'align', 'src', 'alt', 'order', 'colspan', 'data', '0', 'id']
const EDGE_NUMBERS = [0, -0, 1, -1, 63, 64, -64, 127, 128, 2 ** 31 - 1, -(2 ** 31 - 1), 2 ** 31, -(2 ** 31), 2 ** 32,
  2 ** 53 - 1, -(2 ** 53 - 1), 1e21, 1e300, -1e300]
const FLOATS = [1.5, -2.75, 0.1, 3.141592653589793, 1e-7, 5e-324, 0.5, 65504, 3.4028234663852886e38,
  1.401298464324817e-45, 1 / 3, -0.0625, 123456.789]

// ---------------------------------------------------------------------------------------------
// Random values

const randomString = (rng, maxPieces = 6) => {
  let s = ''
  const n = rng.int(1, maxPieces)
  for (let i = 0; i < n; i++) {
    s += rng.weighted([
      [30, () => rng.pick(WORDS)], [8, () => ' '], [3, () => '\n'], [12, () => rng.pick(EMOJI)],
      [6, () => rng.pick(BMP)], [0.5, () => '\u0000'], [0.5, () => '\uFEFF'], [1, () => '\t'], [1, () => '"\\<>&\'']
    ])()
  }
  return s
}

const anyScalar = (rng, allowUndefined) => rng.weighted([
  [8, () => rng.int(-100, 100)],
  [5, () => rng.pick(EDGE_NUMBERS)],
  [3, () => rng.int(-(2 ** 53 - 1), 2 ** 53 - 1)],
  [4, () => rng.pick(FLOATS)],
  [2, () => (rng.float() - 0.5) * 10 ** rng.int(-10, 30)],
  [0.6, () => rng.pick([NaN, Infinity, -Infinity])],
  [8, () => randomString(rng, 4)],
  [1, () => ''],
  [3, () => rng.bool()],
  [2, () => null],
  [allowUndefined ? 0.7 : 0, () => undefined]
])()

/** A lib0 Any value (what Y.Map.set / Y.Array.insert pack into ContentAny). */
const anyValue = (rng, depth = 0, allowUndefined = false) => {
  if (depth < 3 && rng.bool(depth === 0 ? 0.25 : 0.15)) {
    if (rng.bool()) {
      const o = {}
      const n = rng.int(0, 4)
      for (let i = 0; i < n; i++) o[rng.pick(OBJ_KEYS)] = anyValue(rng, depth + 1, true)
      return o
    }
    const n = rng.int(0, 4)
    const a = []
    for (let i = 0; i < n; i++) a.push(anyValue(rng, depth + 1, false))
    return a
  }
  if (depth > 0 && rng.bool(0.05)) return randomBytes(rng)
  return anyScalar(rng, allowUndefined)
}

const randomBytes = (rng) => {
  const n = rng.weighted([[1, 0], [6, rng.int(1, 8)], [1, rng.int(100, 300)]])
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255)
  return b
}

const textAttrs = (rng, xml) => {
  const attrs = {}
  const n = rng.int(1, 2)
  for (let i = 0; i < n; i++) {
    const key = rng.pick(ATTR_KEYS)
    attrs[key] = xml
      ? rng.weighted([[5, true], [3, null], [2, { href: 'https://example.org/' + rng.pick(WORDS) }],
        [xmlFocus ? 2 : 0, () => ({ href: 'https://nap.example/' + rng.pick(WORDS), target: rng.pick(['_blank', null]), title: randomString(rng, 2) })],
        [1, rng.int(1, 6)]])
      : rng.weighted([[5, true], [3, null], [2, rng.pick(['#ff0000', 'serif', 'Zoë 😀'])], [1, rng.pick([12, 1.5, -0, 2 ** 40])],
        [1, { href: 'https://example.org/' + rng.pick(WORDS), '1': rng.int(0, 9) }], [0.5, false], [0.3, 0]])
    if (typeof attrs[key] === 'function') attrs[key] = attrs[key]()
  }
  return attrs
}

const randomEmbed = (rng) => structuredClone(rng.pick([
  { image: 'https://example.com/a.png' }, { formula: 'e=mc²' }, { video: { src: 'v.mp4', width: 640, ratio: 1.7777 } },
  { mention: { id: 42, label: 'Zoë 😀' } }, { 2: 'int key first', a: 1.5, 1: -0 }, { hr: true }, { list: [1, 'two', null] }
]))

// ---------------------------------------------------------------------------------------------
// Shared types of a peer

const kindOf = (t) =>
  t instanceof Y.XmlText ? 'xmltext'
    : t instanceof Y.Text ? 'text'
      : t instanceof Y.XmlElement ? 'xmlelement'
        : t instanceof Y.XmlFragment ? 'xmlfragment'
          : t instanceof Y.Map ? 'map'
            : t instanceof Y.Array ? 'array' : null

const collectTypes = (peer) => {
  const out = []
  const visit = (t, depth) => {
    const kind = kindOf(t)
    if (!kind) return
    out.push({ t, kind, depth })
    if (depth >= 5) return
    if (kind === 'map') t.forEach((v) => visit(v, depth + 1))
    else if (kind === 'array' || kind === 'xmlfragment' || kind === 'xmlelement') for (const v of t.toArray()) visit(v, depth + 1)
  }
  for (const r of peer.roots) if (r.kind !== 'opaque') visit(r.type, 0)
  return out
}

const prelimType = (rng, depth) => {
  const kind = rng.weighted([[4, 'map'], [4, 'array'], [4, 'text'], [1, 'xmltext'], [0.5, 'xmlelement']])
  switch (kind) {
    case 'map': {
      const entries = []
      if (rng.bool(0.5)) for (let i = rng.int(1, 3); i > 0; i--) entries.push([rng.pick(MAP_KEYS), anyValue(rng)])
      if (depth < 2 && rng.bool(0.2)) entries.push([rng.pick(MAP_KEYS), prelimType(rng, depth + 1)])
      return new Y.Map(entries)
    }
    case 'array': {
      const items = []
      if (rng.bool(0.5)) for (let i = rng.int(1, 3); i > 0; i--) items.push(anyValue(rng))
      if (depth < 2 && rng.bool(0.2)) items.push(prelimType(rng, depth + 1))
      return Y.Array.from(items)
    }
    case 'text': return rng.bool(0.5) ? new Y.Text(randomString(rng)) : new Y.Text()
    case 'xmltext': return rng.bool(0.5) ? new Y.XmlText(randomString(rng)) : new Y.XmlText()
    default: {
      const el = new Y.XmlElement(rng.pick(XML_NAMES))
      if (rng.bool()) el.setAttribute(rng.pick(XML_ATTRS), randomString(rng, 2))
      return el
    }
  }
}

/** The text in index space: one UTF-16 unit per index, embeds as U+0001. */
const indexString = (t) => Y.Text.prototype.toDelta.call(t).map((op) => typeof op.insert === 'string' ? op.insert : '\u0001').join('')

/** Index into a text that lands inside a surrogate pair with some probability. */
const textIndex = (rng, t, allowEnd = true) => {
  const len = t.length
  if (rng.bool(0.2)) {
    const s = indexString(t)
    const inside = []
    for (let i = 1; i < s.length; i++) {
      const c = s.charCodeAt(i - 1)
      if (c >= 0xd800 && c <= 0xdbff) inside.push(i)
    }
    if (inside.length) return rng.pick(inside)
  }
  return rng.int(0, allowEnd ? len : Math.max(0, len - 1))
}

/** Moves an index out of the middle of a surrogate pair (to the pair's start). */
const snap = (t, i) => {
  const s = indexString(t)
  const c = s.charCodeAt(i - 1)
  return i > 0 && i < s.length && c >= 0xd800 && c <= 0xdbff ? i - 1 : i
}

/**
 * A formatting range whose ends are not inside a surrogate pair. Yjs splits the items at both ends
 * of a format range even where it inserts no format item; a split inside a pair rewrites both halves
 * to U+FFFD (ContentString.splice) in the local replica only, so peers would diverge (a Yjs quirk,
 * not something a receiving replica can meet). Inserts and deletes inside pairs are fine: every peer
 * splits at the same clock, and they are generated freely.
 */
const formatRange = (rng, t) => {
  const len = t.length
  const i = snap(t, rng.int(0, len - 1))
  const end = snap(t, Math.min(len, i + rangeLen(rng, len - i)))
  return end > i ? [i, end - i] : [i, Math.min(len - i, 2)]
}

const rangeLen = (rng, available) => Math.max(1, Math.min(available, rng.bool(0.85) ? rng.int(1, 4) : rng.int(1, 40)))

// ---------------------------------------------------------------------------------------------
// Operations

const textOp = (rng, t, xml, stats) => {
  const len = t.length
  const op = len === 0 ? 'insert' : rng.weighted([[45, 'insert'], [25, 'delete'], [18, 'format'], [xml && !xmlFocus ? 0 : 7, 'embed'], [5, 'delta']])
  switch (op) {
    case 'insert': {
      const i = textIndex(rng, t)
      if (rng.bool(0.3)) t.insert(i, randomString(rng), textAttrs(rng, xml)); else t.insert(i, randomString(rng))
      break
    }
    case 'delete': { const i = textIndex(rng, t, false); t.delete(i, rangeLen(rng, len - i)); break }
    case 'format': { const [i, n] = formatRange(rng, t); t.format(i, n, textAttrs(rng, xml)); stats.formats++; break }
    case 'embed': {
      const i = textIndex(rng, t)
      if (xml && rng.bool(0.1)) { t.insertEmbed(i, xmlNode(rng), rng.bool() ? textAttrs(rng, true) : {}); break } // a nested XML type inside the text
      if (rng.bool(0.3)) t.insertEmbed(i, randomEmbed(rng), textAttrs(rng, xml)); else t.insertEmbed(i, randomEmbed(rng))
      break
    }
    default: {
      const kind = rng.pick(['insert', 'delete', 'retain'])
      if (kind === 'retain') { const [i, n] = formatRange(rng, t); t.applyDelta([...(i ? [{ retain: i }] : []), { retain: n, attributes: textAttrs(rng, xml) }]); break }
      const i = textIndex(rng, t, kind === 'insert')
      const delta = i > 0 ? [{ retain: i }] : []
      if (kind === 'insert') delta.push(rng.bool() ? { insert: randomString(rng), attributes: textAttrs(rng, xml) } : { insert: randomString(rng) })
      else delta.push({ delete: rangeLen(rng, len - i) })
      t.applyDelta(delta)
    }
  }
}

const mapOp = (rng, m, depth, stats) => {
  const key = rng.pick(MAP_KEYS)
  const op = rng.weighted([[10, 'any'], [1.5, 'bytes'], [depth < 3 ? 3 : 0, 'type'], [m.size ? 4 : 0, 'delete']])
  switch (op) {
    case 'any': m.set(key, anyValue(rng, 0, true)); break
    case 'bytes': m.set(key, randomBytes(rng)); break
    case 'type': m.set(key, prelimType(rng, depth)); break
    default: {
      const k = rng.pick([...m.keys()])
      if (m.get(k) instanceof Y.AbstractType) stats.containerDeletes++
      m.delete(k)
    }
  }
}

const arrayItems = (rng, depth) => {
  const items = []
  for (let n = rng.int(1, 5); n > 0; n--) {
    items.push(rng.weighted([[10, () => anyValue(rng)], [1, () => randomBytes(rng)], [depth < 3 ? 1.5 : 0, () => prelimType(rng, depth)]])())
  }
  return items
}

const arrayOp = (rng, a, depth, stats) => {
  const len = a.length
  const op = len === 0 ? rng.pick(['insert', 'push']) : rng.weighted([[5, 'insert'], [2, 'push'], [1, 'unshift'], [3.5, 'delete']])
  switch (op) {
    case 'insert': a.insert(rng.int(0, len), arrayItems(rng, depth)); break
    case 'push': a.push(arrayItems(rng, depth)); break
    case 'unshift': a.unshift(arrayItems(rng, depth)); break
    default: {
      const i = rng.int(0, len - 1)
      const n = rangeLen(rng, len - i)
      if (a.slice(i, i + n).some((v) => v instanceof Y.AbstractType)) stats.containerDeletes++
      a.delete(i, n)
    }
  }
}

/** An attribute value of a y-prosemirror node: strings, numbers, objects, booleans, null. */
const pmAttrValue = (rng) => rng.weighted([
  [4, () => randomString(rng, 2)], [3, () => rng.pick([1, 2, 3, 0, -0, 1.5, 2 ** 40, -7])],
  [2, () => rng.pick([{ src: 'a.png', width: 640 }, { '2': 'b', a: [1, 'x', null], 1: true }, {}, { nested: { deep: { x: 'ü' } } }])],
  [1, () => rng.bool()], [1, () => null], [0.5, () => anyValue(rng)]
])()

/** A y-prosemirror-like subtree: blocks holding formatted XmlText, lists of list items. */
const pmNode = (rng, depth) => {
  if (depth > 0 && rng.bool(0.4)) {
    const t = new Y.XmlText() // not in a document yet: its length must not be read
    let len = 0
    for (let n = rng.int(0, 3); n > 0; n--) {
      const s = randomString(rng, 3)
      t.insert(len, s, rng.bool(0.6) ? textAttrs(rng, true) : {})
      len += s.length
    }
    return t
  }
  if (rng.bool(0.04)) { const h = new Y.XmlHook(rng.pick(['mention', 'widget'])); h.set('id', rng.int(0, 99)); return h }
  const el = new Y.XmlElement(rng.pick(PM_NAMES))
  for (let n = rng.int(0, 3); n > 0; n--) el.setAttribute(rng.pick(PM_ATTRS), pmAttrValue(rng))
  if (depth < 3) {
    const kids = []
    for (let n = rng.int(0, 2); n > 0; n--) kids.push(pmNode(rng, depth + 1))
    if (kids.length) el.insert(0, kids)
  }
  return el
}

const xmlNode = (rng) => {
  if (xmlFocus) return pmNode(rng, rng.int(0, 2))
  if (rng.bool(0.4)) return rng.bool(0.7) ? new Y.XmlText(randomString(rng)) : new Y.XmlText()
  const el = new Y.XmlElement(rng.pick(XML_NAMES))
  for (let n = rng.int(0, 2); n > 0; n--) el.setAttribute(rng.pick(XML_ATTRS), rng.bool(0.8) ? randomString(rng, 2) : rng.int(0, 6))
  if (rng.bool(0.3)) el.insert(0, [new Y.XmlText(randomString(rng))])
  return el
}

const xmlOp = (rng, x, isElement, stats) => {
  const len = x.length
  const op = rng.weighted([[len ? 3 : 5, 'insert'], [len ? 2 : 0, 'delete'], [isElement ? 2 : 0, 'attr'], [isElement && x.getAttributes && Object.keys(x.getAttributes()).length ? 1 : 0, 'rmattr']])
  switch (op) {
    case 'insert': { const nodes = []; for (let n = rng.int(1, 2); n > 0; n--) nodes.push(xmlNode(rng)); x.insert(rng.int(0, len), nodes); break }
    case 'delete': {
      const i = rng.int(0, len - 1); const n = rangeLen(rng, len - i)
      if (x.slice(i, i + n).some((v) => v instanceof Y.XmlElement || v instanceof Y.XmlText)) stats.containerDeletes++
      x.delete(i, n); break
    }
    case 'attr':
      if (xmlFocus) x.setAttribute(rng.pick(PM_ATTRS), pmAttrValue(rng))
      else x.setAttribute(rng.pick(XML_ATTRS), rng.bool(0.8) ? randomString(rng, 2) : rng.int(0, 6))
      break
    default: x.removeAttribute(rng.pick(Object.keys(x.getAttributes())))
  }
}

const opaqueOp = (rng, m, seed, stats) => {
  const key = rng.pick(MAP_KEYS)
  const op = rng.weighted([[3, 'bigint'], [2, 'subdoc'], [2, 'any'], [m.size ? 1 : 0, 'delete']])
  switch (op) {
    case 'bigint': m.set(key, rng.pick([0n, 1n, -2n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(rng.int(-(2 ** 53 - 1), 2 ** 53 - 1))])); break
    case 'subdoc': {
      const opts = { guid: `sub-${seed}-${stats.subdocs++}` }
      if (rng.bool(0.3)) opts.gc = false
      if (rng.bool(0.3)) opts.autoLoad = true
      if (rng.bool(0.3)) opts.meta = rng.pick(['m', 42, { x: [1, 2] }])
      m.set(key, new Y.Doc(opts))
      break
    }
    case 'any': m.set(key, anyValue(rng, 0, true)); break
    default: m.delete(rng.pick([...m.keys()]))
  }
}

const randomEdit = (rng, peer, seed, stats) => {
  const opaque = peer.roots.find((r) => r.kind === 'opaque')
  if (opaque && rng.bool(0.06)) { opaqueOp(rng, opaque.type, seed, stats); return }
  const types = collectTypes(peer)
  // Roots and nested types alike; a light bias towards roots keeps the documents growing.
  const { t, kind, depth } = rng.weighted(types.map((e) => [e.depth === 0 ? 2 : 1, e]))
  switch (kind) {
    case 'text': textOp(rng, t, false, stats); break
    case 'xmltext': textOp(rng, t, true, stats); break
    case 'map': mapOp(rng, t, depth, stats); break
    case 'array': arrayOp(rng, t, depth, stats); break
    case 'xmlfragment': xmlOp(rng, t, false, stats); break
    case 'xmlelement': xmlOp(rng, t, true, stats); break
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario

const pickClientIds = (rng, n) => {
  const ids = new Set()
  const wantHuge = rng.bool(0.85)
  while (ids.size < n) {
    const cls = ids.size === 0 && wantHuge ? 'huge' : rng.weighted([[3, 'small'], [2, 'u32'], [3, 'huge'], [2, 'edge']])
    const id = cls === 'small' ? rng.int(0, 200)
      : cls === 'u32' ? rng.int(201, 2 ** 32 - 1)
        : cls === 'huge' ? rng.int(2 ** 32, 2 ** 53 - 1)
          : rng.pick(EDGE_IDS)
    if (id !== ORACLE_CLIENT_ID) ids.add(id)
  }
  return rng.shuffle([...ids])
}

const pickRoots = (rng) => {
  const names = rng.shuffle([...ROOT_NAMES])
  const roots = []
  const add = (kind, mode) => roots.push({ name: names.pop(), kind, mode })
  if (xmlFocus) { // XML trees (a prosemirror fragment or two), one plain text beside them
    for (let i = rng.int(1, 2); i > 0; i--) add('xml', 'xmltree')
    if (rng.bool(0.3)) add('text', 'delta')
    if (rng.bool(0.1)) roots.push({ name: names.pop(), kind: 'xml', mode: 'xmltree', untouched: true })
    return roots
  }
  for (let i = rng.int(1, 2); i > 0; i--) add('text', rng.bool(0.6) ? 'delta' : 'text')
  for (let i = rng.int(rng.bool(0.8) ? 1 : 0, 2); i > 0; i--) add('map', 'map')
  for (let i = rng.int(0, 2); i > 0; i--) add('array', 'array')
  if (rng.bool(0.7)) add('xml', 'xml')
  if (rng.bool(0.4)) add('opaque', null)
  // A root nobody edits but json still asks for: must read as "", [], {} or "".
  if (rng.bool(0.15)) { const k = rng.pick(['text', 'map', 'array', 'xml']); roots.push({ name: names.pop(), kind: k, mode: k === 'text' ? rng.pick(['text', 'delta']) : k, untouched: true }) }
  return roots
}

const getRoot = (doc, kind, name) =>
  kind === 'text' ? doc.getText(name) : kind === 'array' ? doc.getArray(name) : kind === 'xml' ? doc.getXmlFragment(name) : doc.getMap(name)

/** Comparable content of a peer (for the convergence sanity check). */
const peerContent = (peer) => JSON.stringify(peer.roots.map((r) => {
  if (r.kind === 'text') return [r.type.toString(), r.type.toDelta()]
  if (r.kind === 'xml') return r.type.toString()
  return r.type.toJSON()
}), (_k, v) => {
  if (typeof v === 'bigint') return `${v}n`
  if (v instanceof Uint8Array) return Array.from(v)
  if (v instanceof Y.Doc) return `doc:${v.guid}`
  if (v && typeof v === 'object' && !Array.isArray(v)) { // Y.Map key order follows integration order: sort
    const o = {}
    for (const k of Object.keys(v).sort()) o[' ' + k] = v[k]
    return o
  }
  return v
})

/**
 * @param {number} seed
 * @param {{gc?: boolean, maxSteps?: number, xml?: boolean}} [options] force the server replica's gc
 *   setting (default: random); cap the number of editing steps (small scenarios for hunting minimal
 *   repros); xml: XML-focused documents (y-prosemirror-like trees, attributes with object values,
 *   formatted XmlText with links and embeds, hooks) whose roots are read as XML trees
 */
export const generateScenario = (seed, options = {}) => {
  xmlFocus = !!options.xml
  try { return generate(seed, options) } finally { xmlFocus = false }
}

const generate = (seed, options) => {
  const rng = new Rng(seed)
  const stats = { formats: 0, containerDeletes: 0, subdocs: 0, merged: 0, syncs: 0, mergedDiffs: 0, duplicates: 0, dropped: 0, pendingStructsEver: false, pendingDsEver: false }
  const nPeers = rng.int(2, 5)
  const ids = pickClientIds(rng, nPeers)
  const serverGc = options.gc ?? rng.bool()
  const roots = pickRoots(rng)
  const uniformPeerGc = rng.bool(0.7)
  const peers = ids.map((id, i) => {
    const doc = new Y.Doc({ gc: uniformPeerGc ? true : rng.bool(0.6) })
    doc.clientID = id
    return { i, doc, queue: [], roots: roots.filter((r) => !r.untouched).map((r) => ({ ...r, type: getRoot(doc, r.kind, r.name) })) }
  })
  const server = makeReplica(serverGc, ORACLE_CLIENT_ID)
  const inbox = [] // updates on their way to the server
  const received = [] // what the server applied, in order
  const serverSvs = [] // server state vector after each received update
  const peerSvs = [] // some peer state vectors taken mid-scenario

  for (const p of peers) {
    p.doc.on('update', (u, origin) => {
      if (origin === REMOTE) return // clients forward only their own (incl. formatting-cleanup) changes
      for (const q of peers) if (q !== p) q.queue.push(u)
      inbox.push(u)
    })
  }

  const serverApply = (u) => {
    received.push(u)
    Y.applyUpdate(server, u)
    serverSvs.push(Y.encodeStateVector(server))
    if (server.store.pendingStructs) stats.pendingStructsEver = true
    if (server.store.pendingDs) stats.pendingDsEver = true
  }
  const takeFrom = (q) => q.splice(rng.bool(0.6) ? 0 : rng.int(0, q.length - 1), 1)[0]

  const deliverToPeer = (p) => {
    if (rng.bool(0.07)) { // SyncStep2 from another peer, answering p's state vector
      const other = rng.pick(peers.filter((q) => q !== p))
      Y.applyUpdate(p.doc, Y.encodeStateAsUpdate(other.doc, Y.encodeStateVector(p.doc)), REMOTE)
      return
    }
    if (!p.queue.length) return
    if (p.queue.length >= 2 && rng.bool(0.1)) {
      const bundle = []
      for (let k = rng.int(2, Math.min(6, p.queue.length)); k > 0; k--) bundle.push(takeFrom(p.queue))
      Y.applyUpdate(p.doc, Y.mergeUpdates(bundle), REMOTE)
      return
    }
    for (let k = rng.int(1, 4); k > 0 && p.queue.length; k--) {
      const idx = rng.bool(0.6) ? 0 : rng.int(0, p.queue.length - 1)
      const u = p.queue[idx]
      if (rng.bool(0.9)) p.queue.splice(idx, 1) // else it stays queued and arrives again later
      Y.applyUpdate(p.doc, u, REMOTE)
    }
  }

  const serverFinal = rng.weighted([[5, 'all'], [2.5, 'sync'], [2.5, 'partial']])
  const deliverToServer = () => {
    const mode = rng.weighted([[70, 'single'], [8, 'merged'], [5, 'mergedDiff'], [5, 'sync'], [5, 'duplicate'], [serverFinal === 'all' ? 0 : 3, 'drop']])
    if (mode === 'sync') { // a client (re)connects: SyncStep2 answering the server's state vector
      stats.syncs++
      serverApply(Y.encodeStateAsUpdate(rng.pick(peers).doc, Y.encodeStateVector(server)))
      return
    }
    if (mode === 'duplicate' && received.length) { stats.duplicates++; serverApply(rng.pick(received)); return }
    if (!inbox.length) return
    if (mode === 'drop') { stats.dropped++; takeFrom(inbox); return }
    if ((mode === 'merged' || mode === 'mergedDiff') && inbox.length >= 2) {
      const bundle = []
      for (let k = rng.int(2, Math.min(8, inbox.length)); k > 0; k--) bundle.push(takeFrom(inbox))
      let merged = Y.mergeUpdates(bundle)
      if (mode === 'mergedDiff') {
        // diffUpdate against a state vector the server already had (a persistence layer compacting)
        stats.mergedDiffs++
        const sv = serverSvs.length ? rng.pick(serverSvs) : Y.encodeStateVector(server)
        merged = Y.diffUpdate(merged, sv)
      } else stats.merged++
      serverApply(merged)
      return
    }
    for (let k = rng.int(1, 3); k > 0 && inbox.length; k--) serverApply(takeFrom(inbox))
  }

  // --- editing phase
  const steps = Math.min(options.maxSteps ?? Infinity, rng.bool(0.05) ? rng.int(100, 160) : rng.int(4, 60))
  for (let s = 0; s < steps; s++) {
    const p = rng.pick(peers)
    if (rng.bool(0.25)) p.doc.transact(() => { for (let k = rng.int(2, 4); k > 0; k--) randomEdit(rng, p, seed, stats) })
    else randomEdit(rng, p, seed, stats)
    if (rng.bool(0.4)) deliverToPeer(rng.pick(peers))
    if (rng.bool(0.45)) deliverToServer()
    if (rng.bool(0.05)) peerSvs.push(Y.encodeStateVector(rng.pick(peers).doc))
  }

  // --- full delivery between peers (formatting cleanup may emit more updates: loop until quiet)
  for (let round = 0; peers.some((p) => p.queue.length); round++) {
    if (round > 50) throw new Error(`generator: peers keep producing updates (seed ${seed})`)
    for (const p of rng.shuffle([...peers])) while (p.queue.length) Y.applyUpdate(p.doc, takeFrom(p.queue), REMOTE)
  }
  const contents = peers.map(peerContent)
  const svs = peers.map((p) => Buffer.from(Y.encodeStateVector(p.doc)).toString('hex'))
  for (const p of peers) {
    if (p.doc.store.pendingStructs || p.doc.store.pendingDs) throw new Error(`generator: peer ${p.doc.clientID} still has pending data after full delivery (seed ${seed})`)
    if (contents[p.i] !== contents[0]) { const a = contents[0], b = contents[p.i]; let k = 0; while (a[k] === b[k]) k++; const err = new Error(`generator: peers did not converge (seed ${seed}) at char ${k}: …${a.slice(Math.max(0, k - 150), k + 150)}… vs …${b.slice(Math.max(0, k - 150), k + 150)}…`); err.peers = peers; err.divergent = p.i; throw err }
    if (svs[p.i] !== svs[0]) throw new Error(`generator: peer state vectors differ after full delivery (seed ${seed})`)
  }
  const peerStates = peers.filter((p) => p.doc.gc).map((p) => Buffer.from(Y.encodeStateAsUpdate(p.doc)).toString('hex'))
  stats.peersByteIdentical = new Set(peerStates).size <= 1
  stats.uniformPeerGc = uniformPeerGc

  // --- the server's last deliveries
  if (serverFinal === 'all') {
    while (inbox.length) serverApply(takeFrom(inbox))
  } else if (serverFinal === 'sync') {
    for (const p of rng.shuffle([...peers])) { stats.syncs++; serverApply(Y.encodeStateAsUpdate(p.doc, Y.encodeStateVector(server))) }
  }
  if (!received.length) serverApply(Y.encodeStateAsUpdate(peers[0].doc))

  // --- the half-way state vector for the diff output
  const half = serverSvs[received.length >> 1]
  const diffKind = rng.weighted([[4, 'half'], [2, 'peer'], [3, 'mutated'], [0.5, 'empty'], [0.5, 'own']])
  let diffSv
  if (diffKind === 'half') diffSv = half
  else if (diffKind === 'peer' && peerSvs.length) diffSv = rng.pick(peerSvs)
  else if (diffKind === 'empty') diffSv = Y.encodeStateVector(new Map())
  else if (diffKind === 'own') diffSv = Y.encodeStateVector(server)
  else {
    // perturb: land inside items (and surrogate pairs), go past the state, add unknown clients, drop clients
    const sv = Y.decodeStateVector(half)
    const full = Y.decodeStateVector(Y.encodeStateVector(server))
    for (const [client, clock] of full) {
      const r = rng.float()
      if (r < 0.35) sv.set(client, rng.int(0, clock))
      else if (r < 0.45) sv.set(client, clock + rng.int(1, 5))
      else if (r < 0.55) sv.delete(client)
    }
    if (rng.bool(0.3)) sv.set(rng.pick([3, 2 ** 32 + 5, 2 ** 53 - 1]), rng.int(0, 10))
    diffSv = Y.encodeStateVector(sv)
  }

  return {
    seed,
    gc: serverGc,
    clientIDs: ids,
    roots: roots.map(({ name, kind, mode, untouched }) => ({ name, kind, mode, untouched: !!untouched })),
    jsonRoots: roots.filter((r) => r.mode).map(({ name, mode }) => ({ name, mode })),
    updates: received,
    diffSv,
    server, // the live server replica (for the generator's own sanity checks)
    peerDocs: peers.map((p) => p.doc),
    stats: {
      ...stats, peers: nPeers, steps, serverFinal, diffKind, hugeIds: ids.some((id) => id >= 2 ** 32),
      pendingStructsAtEnd: server.store.pendingStructs !== null, pendingDsAtEnd: server.store.pendingDs !== null
    }
  }
}

export { readRoot }
