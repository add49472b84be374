// `ycrdt batch` answers exactly as the ordinary per-process commands do.
//
// What it proves: for a few inputs (every contract command, --no-gc, root names that need quoting,
// empty and duplicate arguments, malformed updates, usage errors) the RunResult of a request to a
// `ycrdt batch` process (lib/ycrdt.mjs BatchPool) equals that of spawning `ycrdt` for the same
// invocation: status 0 and the same stdout, or failure in both; an error request does not end the
// batch (the good request after it is answered); a request that exceeds its timeout fails alone and
// the requests queued behind it are still answered; and the raw protocol (request line, hex
// lines, empty line -> one `ok`/`err` line) works as documented in crdt/tools/ycrdt.cpp.
//
// Rerun:   cd tests && node --test conformance/batch.test.mjs

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import * as Y from 'yjs'
import { toHex } from './lib/hex.mjs'
import { assertBinary, run, BatchPool, commandArgs, ycrdtPath } from './lib/ycrdt.mjs'

const updatesOf = () => {
  const a = new Y.Doc(); a.clientID = 7
  const b = new Y.Doc(); b.clientID = 2 ** 53 - 1
  const out = []
  a.on('update', (u) => out.push(u)); b.on('update', (u) => out.push(u))
  a.getText('a b').insert(0, 'héllo 😀\nworld')
  a.getText('a b').format(0, 3, { bold: true })
  a.getMap("it's").set('k', [1, 'x', { y: null }])
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  b.getArray('').insert(0, [new Uint8Array([1, 2]), 3n > 2n])
  b.getXmlFragment('x').insert(0, [new Y.XmlElement('p')])
  a.getText('a b').delete(1, 4)
  return out.map(toHex)
}

test('batch answers equal the ordinary commands, errors included', async () => {
  assertBinary()
  const u = updatesOf()
  const half = toHex(Y.encodeStateVector(new Map([[7, 3]])))
  const cases = [
    [commandArgs.state(true), u],
    [commandArgs.state(false), u],
    [commandArgs.sv(true), u],
    [commandArgs.diff(false, half), u],
    [commandArgs.merge(), u],
    [commandArgs.json(true, ['--text', 'a b', '--delta', 'a b', '--map', "it's", '--array', '', '--xml', 'x', '--text', 'missing']), u],
    [['state', '--no-gc', '-'], [...u.slice(0, 2), '', '  ', ...u.slice(2)]], // blank lines ignored
    [['state', '-'], ['00zz']], // malformed hex: error
    [commandArgs.state(true), u.slice(0, 1)], // good request after an error
    [['state', '-'], ['0102']], // truncated update: error
    [commandArgs.merge(), []],
    [['diff', '-'], u], // usage error: diff needs --sv
    [['json', '--text'], u], // usage error: missing value
    [['nosuch', '-'], u], // unknown command
    [commandArgs.svfromupdate(), [u[0]]],
    [commandArgs.diffupdate(half), [u[0]]],
    [commandArgs.svfromupdate(), u], // needs exactly one update
    [commandArgs.sv(false), u]
  ]
  const pool = new BatchPool({ jobs: 1 }) // one process: every request after an error hits the same process
  try {
    const batch = await Promise.all(cases.map(([args, hexes]) => pool.run(args, hexes)))
    for (const [i, [args, hexes]] of cases.entries()) {
      const single = await run(args, hexes)
      const b = batch[i]
      const label = `ycrdt ${args.join(' ')} (case ${i})`
      assert.equal(b.status === 0, single.status === 0, `${label}: batch status ${b.status} (${b.stderr.trim()}), ordinary ${single.status} (${single.stderr.trim()})`)
      if (single.status === 0) assert.equal(b.stdout, single.stdout, label)
      else {
        assert.equal(b.stdout, '', label)
        // same message; the ordinary command appends the usage text to usage errors
        assert.ok(single.stderr.startsWith(b.stderr), `${label}: batch ${JSON.stringify(b.stderr)} vs ordinary ${JSON.stringify(single.stderr.slice(0, 200))}`)
      }
    }
    assert.ok(batch.filter((r) => r.status === 0).length >= 10 && batch.filter((r) => r.status !== 0).length >= 6)
    assert.equal(pool.spawned, 1, 'errors did not end the batch process')
  } finally {
    assert.deepEqual(await pool.close(), [])
  }
})

test('a request over its timeout fails alone; queued requests are answered by a fresh process', async () => {
  assertBinary()
  const d = new Y.Doc(); d.clientID = 1
  const big = []
  d.on('update', (u) => big.push(toHex(u)))
  for (let i = 0; i < 20000; i++) d.getText('t').insert(i, 'x')
  const pool = new BatchPool({ jobs: 1 })
  try {
    const slow = pool.run(commandArgs.state(true), big, { timeoutMs: 1 })
    const after = pool.run(commandArgs.sv(true), big.slice(0, 2))
    const [rs, ra] = await Promise.all([slow, after])
    assert.equal(rs.status, null)
    assert.match(rs.error, /timeout/)
    assert.equal(ra.status, 0, ra.error ?? ra.stderr)
    assert.equal(ra.stdout, toHex(Y.encodeStateVector(new Map([[1, 2]]))) + '\n')
    assert.equal(pool.spawned, 2)
  } finally {
    assert.deepEqual(await pool.close(), [])
  }
})

test('raw protocol: quoting, empty line framing, one answer line per request, exit 0 at EOF', () => {
  assertBinary()
  const u = updatesOf()
  const input = `json --text 'a b' --map "it's" --array '' -\n${u.join('\n')}\n\n\n` +
    'state --bogus -\n00\n\n' +
    `sv -\n${u[0]}\n  \n` +
    "state 'unterminated\n\n" +
    `state -\n${u[0]}\n`
  const r = spawnSync(ycrdtPath, ['batch'], { input, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stderr, '')
  const lines = r.stdout.split('\n')
  assert.equal(lines.pop(), '')
  assert.equal(lines.length, 5)
  const single = spawnSync(ycrdtPath, ['json', '--text', 'a b', '--map', "it's", '--array', '', '-'], { input: u.join('\n'), encoding: 'utf8' })
  assert.equal(lines[0], 'ok ' + single.stdout.replace(/\n$/, ''))
  assert.equal(lines[1], 'err unknown option --bogus')
  assert.equal(lines[2], 'ok ' + toHex(Y.encodeStateVector(new Map([[7, 14]]))))
  assert.match(lines[3], /^err unterminated/)
  assert.match(lines[4], /^ok [0-9a-f]+$/) // last request ended by EOF instead of an empty line
  const help = spawnSync(ycrdtPath, ['--help'], { encoding: 'utf8' })
  assert.match(help.stdout, /\n {2}batch /)
})
