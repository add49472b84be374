// Running the C++ `ycrdt` tool (the system under test) from node.
//
// Contract (fixed): inputs are V1 updates, either file arguments (raw bytes) or `-` = stdin with
// one lowercase-hex update per line; binary outputs are one line of lowercase hex; errors go to
// stderr with a non-zero exit. See tests/conformance/lib/oracle.mjs for the Yjs side.
//
// Two ways to run it: `run` / `runSync` spawn one process per invocation (the ordinary contract,
// covered by vectors.test.mjs); `BatchPool` keeps a few `ycrdt batch` processes and sends each
// invocation as a request (protocol: header of crdt/tools/ycrdt.cpp), which avoids the process
// start-up per invocation. Both resolve to the same RunResult for the same invocation.

import { spawn, spawnSync } from 'node:child_process'
import readline from 'node:readline'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const binDir = process.env.NAPC_BIN || '/work/main/build/bin'
export const ycrdtPath = path.join(binDir, 'ycrdt')
const SPAWN_TIMEOUT_MS = Number(process.env.NAPC_YCRDT_TIMEOUT_MS || 30000)
const MAX_BUFFER = 256 * 1024 * 1024

/** Throws a clear error when the binary is missing (tests must fail, not skip). */
export const assertBinary = () => {
  let st
  try { st = fs.statSync(ycrdtPath) } catch {
    throw new Error(`ycrdt not found at ${ycrdtPath} (NAPC_BIN=${process.env.NAPC_BIN ?? '(unset)'}). ` +
      'Build it: cmake --build <build> --target ycrdt, and point NAPC_BIN at <build>/bin.')
  }
  if (!st.isFile()) throw new Error(`${ycrdtPath} is not a file`)
  try { fs.accessSync(ycrdtPath, fs.constants.X_OK) } catch { throw new Error(`${ycrdtPath} is not executable`) }
}

/**
 * @typedef {{status: number|null, signal: string|null, stdout: string, stderr: string, error?: string, args: string[]}} RunResult
 */

const stdinOf = (updatesHex) => updatesHex == null ? '' : updatesHex.map((h) => h + '\n').join('')

/** Synchronous run. `updatesHex` (array of hex strings) is fed on stdin; pass '-' in args yourself. */
export const runSync = (args, updatesHex = null) => {
  const r = spawnSync(ycrdtPath, args, { input: stdinOf(updatesHex), encoding: 'utf8', timeout: SPAWN_TIMEOUT_MS, maxBuffer: MAX_BUFFER })
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error ? String(r.error) : undefined, args }
}

// A tiny process pool: at most `jobs` ycrdt processes at once (the CI box has 2 shared cores).
const jobs = Math.max(1, Number(process.env.NAPC_JOBS || Math.min(2, os.availableParallelism?.() ?? 2)))
let running = 0
const waiting = []
const acquire = () => running < jobs ? (running++, Promise.resolve()) : new Promise((resolve) => waiting.push(resolve))
const release = () => { const next = waiting.shift(); if (next) next(); else running-- }

/** Asynchronous run through the pool. Resolves (never rejects) with a RunResult. */
export const run = async (args, updatesHex = null, { timeoutMs = SPAWN_TIMEOUT_MS } = {}) => {
  await acquire()
  try {
    return await new Promise((resolve) => {
      const child = spawn(ycrdtPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
      const out = []; const err = []
      let settled = false
      const done = (res) => { if (!settled) { settled = true; clearTimeout(timer); resolve({ args, ...res }) } }
      const timer = setTimeout(() => { child.kill('SIGKILL'); done({ status: null, signal: 'SIGKILL', stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), error: `timeout after ${timeoutMs} ms` }) }, timeoutMs)
      child.stdout.on('data', (d) => out.push(d))
      child.stderr.on('data', (d) => err.push(d))
      child.on('error', (e) => done({ status: null, signal: null, stdout: '', stderr: '', error: String(e) }))
      child.on('close', (status, signal) => done({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }))
      child.stdin.on('error', () => {}) // EPIPE if the tool exits early; reported via status
      child.stdin.end(stdinOf(updatesHex))
    })
  } finally { release() }
}

/** Quotes one argument for a batch request line (POSIX-shell word syntax, as ycrdt splits it). */
export const batchQuote = (a) => /^[A-Za-z0-9_./=:@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`

/** C isspace: what ycrdt treats as a blank line. */
const BLANK = /^[ \t\n\v\f\r]*$/

/**
 * `jobs` long-running `ycrdt batch` processes; `run(args, updatesHex, {timeoutMs})` has exactly the
 * interface and RunResult of the per-process `run` above (status 0 + stdout for an `ok` answer,
 * status 1 + "ycrdt: <message>" on stderr for an `err` answer). Requests are pipelined, each to
 * the process with the fewest outstanding. If a process dies or a request exceeds its timeout,
 * the request it was working on gets that outcome (signal / exit status / its stderr, like a
 * per-process run) and its queued requests are resent to a fresh process. `close()` ends all
 * processes and resolves to a list of problems (non-zero exit, signal, anything on stderr — e.g.
 * a LeakSanitizer report at exit), which callers must assert empty.
 */
export class BatchPool {
  constructor ({ jobs: n = jobs } = {}) {
    this.size = n
    this.workers = []
    this.problems = []
    this.closed = false
    this.requests = 0
    this.spawned = 0
  }

  _spawn () {
    const child = spawn(ycrdtPath, ['batch'], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.spawned++
    const w = { child, queue: [], stderr: [], timer: null, dead: false }
    child.stdin.on('error', () => {}) // EPIPE when it dies: handled by 'close'
    child.stderr.on('data', (d) => w.stderr.push(d))
    readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => this._answer(w, line))
    child.on('error', (e) => this._died(w, null, null, String(e)))
    child.on('close', (status, signal) => this._died(w, status, signal))
    return w
  }

  _arm (w) {
    clearTimeout(w.timer)
    w.timer = null
    const head = w.queue[0]
    if (!head) return
    w.timer = setTimeout(() => {
      w.timedOut = `timeout after ${head.timeoutMs} ms`
      w.child.kill('SIGKILL')
    }, head.timeoutMs)
  }

  _answer (w, line) {
    const req = w.queue.shift()
    if (!req) { this.problems.push(`ycrdt batch: unexpected answer ${JSON.stringify(line.slice(0, 200))}`); return }
    w.stderr = []
    this._arm(w)
    if (line.startsWith('ok ')) req.resolve({ args: req.args, status: 0, signal: null, stdout: line.slice(3) + '\n', stderr: '' })
    else if (line.startsWith('err ')) req.resolve({ args: req.args, status: 1, signal: null, stdout: '', stderr: `ycrdt: ${line.slice(4)}\n` })
    else req.resolve({ args: req.args, status: null, signal: null, stdout: line, stderr: '', error: `ycrdt batch: malformed answer ${JSON.stringify(line.slice(0, 200))}` })
  }

  _died (w, status, signal, error) {
    if (w.dead) return
    w.dead = true
    clearTimeout(w.timer)
    this.workers = this.workers.filter((x) => x !== w)
    const stderr = Buffer.concat(w.stderr).toString('utf8')
    if (w.closing) {
      for (const r of w.queue.splice(0)) r.resolve({ args: r.args, status, signal, stdout: '', stderr, error: 'ycrdt batch closed before answering' })
      if (status !== 0 || signal || error || stderr) this.problems.push(`ycrdt batch exited with ${error ? error + ' ' : ''}status ${status}${signal ? ' signal ' + signal : ''}${stderr ? ': ' + stderr.slice(0, 2000) : ''}`)
      w.closing(); return
    }
    const [head, ...rest] = w.queue
    w.queue = []
    if (head) head.resolve({ args: head.args, status: w.timedOut ? null : status, signal, stdout: '', stderr, error: w.timedOut ?? error ?? `ycrdt batch died while serving this request` })
    else this.problems.push(`ycrdt batch died idle: status ${status}${signal ? ' signal ' + signal : ''} ${error ?? ''} ${stderr.slice(0, 2000)}`)
    for (const r of rest) this._send(r) // innocent bystanders: resent to a live process
  }

  _send (req) {
    while (this.workers.length < this.size) this.workers.push(this._spawn())
    const w = this.workers.reduce((a, b) => b.queue.length < a.queue.length ? b : a)
    w.queue.push(req)
    if (w.queue.length === 1) this._arm(w)
    w.child.stdin.write(req.text)
  }

  /** Like `run`: resolves (never rejects) with a RunResult. */
  run (args, updatesHex = null, { timeoutMs = SPAWN_TIMEOUT_MS } = {}) {
    if (this.closed) throw new Error('BatchPool is closed')
    // an argument a request line cannot carry goes through the ordinary per-process path
    if (args.some((a) => /[\n\r]/.test(a))) return run(args, updatesHex, { timeoutMs })
    this.requests++
    // the hex lines exactly as `-` would read them from stdinOf(updatesHex), blank lines dropped
    const lines = stdinOf(updatesHex).split('\n').filter((l) => !BLANK.test(l))
    const text = args.map(batchQuote).join(' ') + '\n' + lines.map((l) => l + '\n').join('') + '\n'
    return new Promise((resolve) => this._send({ args, text, timeoutMs, resolve }))
  }

  /** Ends the processes; resolves to the list of problems seen (empty when all is well). */
  async close () {
    this.closed = true
    await Promise.all(this.workers.map((w) => new Promise((resolve) => {
      w.closing = resolve
      w.child.stdin.end()
    })))
    this.workers = []
    return this.problems
  }
}

/** Why a run failed, in one line (exit status, signal, first stderr line). */
export const describeFailure = (r) => {
  const first = (r.stderr || '').trim().split('\n')[0]?.slice(0, 300) || ''
  return `ycrdt ${r.args.join(' ')} -> ${r.error ? r.error + ' ' : ''}exit ${r.status}${r.signal ? ' signal ' + r.signal : ''}${first ? ': ' + first : ''}`
}

/**
 * Parses a binary (hex) output. Returns {ok:true, hex} or {ok:false, why}.
 * Strict: exit 0, stdout is exactly one line of lowercase hex (a single trailing newline is allowed).
 */
export const hexOutput = (r) => {
  if (r.status !== 0 || r.error) return { ok: false, why: describeFailure(r) }
  const m = /^([0-9a-f]*)\n?$/.exec(r.stdout)
  if (!m || m[1].length % 2) return { ok: false, why: `ycrdt ${r.args.join(' ')}: stdout is not one line of lowercase hex: ${JSON.stringify(r.stdout.slice(0, 200))}` }
  return { ok: true, hex: m[1] }
}

/** Parses a json output. Returns {ok:true, value} or {ok:false, why}. */
export const jsonOutput = (r) => {
  if (r.status !== 0 || r.error) return { ok: false, why: describeFailure(r) }
  try { return { ok: true, value: JSON.parse(r.stdout) } } catch (e) {
    return { ok: false, why: `ycrdt ${r.args.join(' ')}: stdout is not JSON (${e.message}): ${JSON.stringify(r.stdout.slice(0, 200))}` }
  }
}

/** Argument vectors of the contract commands for one input sequence on stdin. */
export const commandArgs = {
  state: (gc) => ['state', ...(gc ? [] : ['--no-gc']), '-'],
  sv: (gc) => ['sv', ...(gc ? [] : ['--no-gc']), '-'],
  diff: (gc, svHex) => ['diff', ...(gc ? [] : ['--no-gc']), '--sv', svHex, '-'],
  merge: () => ['merge', '-'],
  json: (gc, jsonArgs) => ['json', ...(gc ? [] : ['--no-gc']), ...jsonArgs, '-'],
  // doc-less helpers beyond the five core commands (ycrdt.cpp lists them in its contract)
  diffupdate: (svHex) => ['diffupdate', '--sv', svHex, '-'],
  svfromupdate: () => ['svfromupdate', '-']
}
