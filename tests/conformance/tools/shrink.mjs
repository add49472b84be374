// Shrinks a failing differential case to a minimal list of updates (ddmin over the update list,
// Yjs recomputing the expectation at every step) and prints a repro for the crdt engineer.
//
//   cd tests && NAPC_BIN=… node conformance/tools/shrink.mjs --seed 220 --kind merge
//   cd tests && NAPC_BIN=… node conformance/tools/shrink.mjs --file /tmp/x.updates.hex --kind state [--no-gc] [--sv HEX]
//   cd tests && NAPC_BIN=… node conformance/tools/shrink.mjs --hunt 1:5000 --max-steps 6 --kind state --count 3
//     (small scenarios: finds the failing seeds with the fewest editing steps, then shrinks them)
//
// --kind is one of state, sv, diff, merge, json (json needs --seed, for the root list).

import fs from 'node:fs'
import * as Y from 'yjs'
import { generateScenario } from '../lib/scenario.mjs'
import { expectedOutputs, jsonArgsOf } from '../lib/oracle.mjs'
import { toHex, fromHex, spaced } from '../lib/hex.mjs'
import { jsonDiff } from '../lib/json.mjs'
import { runSync, hexOutput, jsonOutput, commandArgs } from '../lib/ycrdt.mjs'

const argv = process.argv.slice(2)
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const kind = opt('--kind') || 'state'
const maxSteps = opt('--max-steps') ? Number(opt('--max-steps')) : undefined

/** Returns a description of the mismatch, or null if ycrdt agrees with Yjs on `kind`. */
const mismatchOf = (ctx) => (ups) => {
  const { gc, svHex, roots } = ctx
  if (!ups.length) return null
  let exp
  try { exp = expectedOutputs(ups, { gc, diffSv: fromHex(svHex), roots }) } catch (e) { return null } // Yjs itself chokes: not interesting
  const hexes = ups.map(toHex)
  const args = kind === 'diff' ? commandArgs.diff(gc, svHex) : kind === 'json' ? commandArgs.json(gc, jsonArgsOf(roots)) : kind === 'merge' ? commandArgs.merge() : commandArgs[kind](gc)
  const r = runSync(args, hexes)
  if (kind === 'json') {
    const out = jsonOutput(r)
    if (!out.ok) return { why: out.why, exp: exp.json, args }
    const d = jsonDiff(exp.json, out.value)
    return d ? { why: d, exp: exp.json, got: out.value, args } : null
  }
  const want = exp[kind]
  if (typeof want !== 'string') return null
  const out = hexOutput(r)
  if (!out.ok) return { why: out.why, exp: want, args }
  return out.hex !== want ? { why: 'bytes differ', exp: want, got: out.hex, args } : null
}

/** ddmin over the update list. */
const shrink = (updates, mismatch) => {
  let cur = updates
  let n = 2
  while (cur.length >= 2) {
    const size = Math.ceil(cur.length / n)
    let reduced = false
    for (let i = 0; i < n && !reduced; i++) {
      const complement = [...cur.slice(0, i * size), ...cur.slice((i + 1) * size)]
      if (complement.length && mismatch(complement)) { cur = complement; n = Math.max(n - 1, 2); reduced = true }
    }
    if (!reduced) { if (n >= cur.length) break; n = Math.min(cur.length, n * 2) }
  }
  return cur
}

const describe = (u) => JSON.stringify(Y.decodeUpdate(u), (k, v) => {
  if (k === 'left' || k === 'right' || k === 'redone' || k === 'info') return undefined
  if (k === 'parent' && v && typeof v === 'object' && !('client' in v)) return '(type)'
  if (v instanceof Map) return Object.fromEntries(v)
  if (typeof v === 'bigint') return `${v}n`
  return v
})

const report = (label, ctx, updates) => {
  const mismatch = mismatchOf(ctx)
  if (!mismatch(updates)) return false
  const cur = shrink(updates, mismatch)
  const m = mismatch(cur)
  console.log(`=== ${label}: kind ${kind}, GC ${ctx.gc ? 'on' : 'off'}${kind === 'diff' ? `, --sv ${ctx.svHex}` : ''}: ${updates.length} -> ${cur.length} updates`)
  cur.forEach((u, i) => { console.log(`update ${i}: ${toHex(u)}`); console.log(`  decoded: ${describe(u).slice(0, 1500)}`) })
  console.log(`ycrdt ${m.args.join(' ')}`)
  console.log(`mismatch: ${m.why}`)
  console.log(`Yjs expects: ${typeof m.exp === 'string' ? spaced(m.exp) : JSON.stringify(m.exp)}`)
  if (m.got !== undefined) console.log(`ycrdt gave:  ${typeof m.got === 'string' ? spaced(m.got) : JSON.stringify(m.got)}`)
  return true
}

const scenarioCtx = (seed) => {
  const sc = generateScenario(seed, { gc: seed % 2 === 0, maxSteps })
  return [{ gc: sc.gc, svHex: toHex(sc.diffSv), roots: sc.jsonRoots }, sc.updates]
}

if (opt('--hunt')) { // --hunt FROM:TO [--count N]: first N failing seeds, shrunk
  const [from, to] = opt('--hunt').split(':').map(Number)
  let found = 0
  for (let seed = from; seed <= to && found < Number(opt('--count') || 3); seed++) {
    const [ctx, updates] = scenarioCtx(seed)
    if (report(`seed ${seed}${maxSteps ? ` (max-steps ${maxSteps})` : ''}`, ctx, updates)) found++
  }
  console.log(`hunt done: ${found} failing seeds`)
} else if (opt('--seed') != null) {
  const [ctx, updates] = scenarioCtx(Number(opt('--seed')))
  if (!report(`seed ${opt('--seed')}`, ctx, updates)) console.log('no mismatch for', kind)
} else {
  const updates = fs.readFileSync(opt('--file'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => fromHex(l.trim()))
  const ctx = { gc: !argv.includes('--no-gc'), svHex: opt('--sv') || '00', roots: [] }
  if (!report(opt('--file'), ctx, updates)) console.log('no mismatch for', kind)
}
