// The oracle: what real Yjs 13.6.33 produces for a sequence of V1 updates applied to a fresh
// document, for each output of the ycrdt contract.
//
// The replica is a plain Y.Doc that only receives updates and never touches its roots with typed
// accessors (as the y-websocket server's replica). Note that such a doc is not entirely passive:
// nested Y.Text / Y.XmlText are typed even there, and after a remote transaction that touched a
// formatted one Yjs runs the YText formatting cleanup, deleting redundant format items in a second,
// local transaction (deletions only, so no struct of the replica's own client). That is real Yjs
// behaviour, so it is part of the expected bytes (about 0.3 % of the random scenarios depend on
// it). Content is read on a SEPARATE replica fed the same sequence: typed access to the roots
// (getText etc.) would otherwise change what the next transaction does to the compared bytes.

import * as Y from 'yjs'
import { toHex } from './hex.mjs'
import { toContractJson } from './json.mjs'

/** Client id used by oracle replicas; generators never give it to a peer. */
export const ORACLE_CLIENT_ID = 2 ** 53 - 3

/** A Y.Doc that only receives updates; roots stay untyped until readRoot is called. */
export const makeReplica = (gc = true, clientID = ORACLE_CLIENT_ID) => {
  const doc = new Y.Doc({ gc })
  doc.clientID = clientID
  return doc
}

/** Root reader per json mode; mode names are the ycrdt json flags without the dashes. */
export const readRoot = (doc, name, mode) => {
  switch (mode) {
    case 'text': return doc.getText(name).toString()
    case 'delta': return doc.getText(name).toDelta()
    case 'map': return doc.getMap(name).toJSON()
    case 'array': return doc.getArray(name).toJSON()
    case 'xml': return doc.getXmlFragment(name).toString()
    case 'xmltree': return xmlTree(doc.getXmlFragment(name))
    default: throw new Error(`unknown json mode ${mode}`)
  }
}

/**
 * The XML tree `ycrdt json --xmltree` prints (crdt/xml.hpp), read through Yjs's public API only:
 * toArray(), nodeName, getAttributes(), toDelta(), hookName; non-XML values as toJSON().
 */
export const xmlTree = (type) => type.toArray().map(xmlNode)

const xmlNode = (v) => {
  if (v instanceof Y.XmlElement) return { type: 'element', name: v.nodeName, attributes: v.getAttributes(), children: xmlTree(v) }
  if (v instanceof Y.XmlText) {
    return {
      type: 'text',
      delta: v.toDelta().map((op) => {
        const out = { insert: op.insert instanceof Y.AbstractType ? xmlNode(op.insert) : op.insert }
        if (op.attributes) out.attributes = op.attributes
        return out
      })
    }
  }
  if (v instanceof Y.XmlHook) return { type: 'hook', name: v.hookName, attributes: v.toJSON() }
  if (v instanceof Y.XmlFragment) return { type: 'fragment', children: xmlTree(v) }
  return { type: 'value', value: v instanceof Y.AbstractType ? v.toJSON() : v }
}

/** @param {Array<{name:string, mode:string}>} roots */
export const jsonArgsOf = (roots) => roots.flatMap(({ name, mode }) => [`--${mode}`, name])

/** Content after applying `updates` to a fresh replica, read with typed accessors at the end. */
export const readContent = (updates, roots, gc = true) => {
  const reader = makeReplica(gc)
  for (const u of updates) Y.applyUpdate(reader, u)
  const out = {}
  for (const { name, mode } of roots) out[name] = toContractJson(readRoot(reader, name, mode))
  return out
}

/**
 * Everything ycrdt must reproduce for `updates` (Uint8Array[]) applied in order to a fresh doc.
 * @param {{gc?: boolean, diffSv?: Uint8Array|null, roots?: Array<{name:string, mode:string}>, clientID?: number}} opts
 */
export const expectedOutputs = (updates, { gc = true, diffSv = null, roots = [], clientID = ORACLE_CLIENT_ID } = {}) => {
  const doc = makeReplica(gc, clientID)
  for (const u of updates) Y.applyUpdate(doc, u)
  const state = Y.encodeStateAsUpdate(doc)
  let merge
  try { merge = toHex(Y.mergeUpdates(updates)) } catch (e) { merge = { error: String(e && e.message) } }
  return {
    state: toHex(state),
    sv: toHex(Y.encodeStateVector(doc)),
    diff: diffSv ? toHex(Y.encodeStateAsUpdate(doc, diffSv)) : null,
    merge,
    json: roots.length ? readContent(updates, roots, gc) : {},
    pendingStructs: doc.store.pendingStructs !== null,
    pendingDs: doc.store.pendingDs !== null
  }
}
