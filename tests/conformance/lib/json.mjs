// Content comparison. ycrdt prints JSON; Yjs returns JS values. The expected JSON is what
// JSON.stringify makes of the Yjs value after Uint8Array -> array of numbers (the ycrdt contract):
// undefined object members vanish, undefined/NaN/±Infinity array elements become null.
// Object member order is not compared (Y.Map key order depends on integration order, not content);
// array order is. -0 and 0 compare equal (JSON has no distinct -0 after JSON.stringify).

/** Yjs value -> plain JSON value, as the ycrdt contract prints it. */
export const toContractJson = (v) => JSON.parse(JSON.stringify(v, (_k, x) => {
  if (x instanceof Uint8Array) return Array.from(x)
  if (typeof x === 'bigint') throw new Error('bigint has no JSON form; keep it out of roots read by json')
  return x
}) ?? 'null')

/** Returns null when equal, else a short description of the first difference. */
export const jsonDiff = (expected, actual, path = '$') => {
  if (expected === actual) return null
  const te = kind(expected); const ta = kind(actual)
  if (te !== ta) return `${path}: expected ${te} ${short(expected)}, got ${ta} ${short(actual)}`
  if (te === 'array') {
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
      const d = jsonDiff(expected[i], actual[i], `${path}[${i}]`)
      if (d) return d
    }
    return expected.length === actual.length ? null : `${path}: expected array length ${expected.length}, got ${actual.length}`
  }
  if (te === 'object') {
    const ke = Object.keys(expected); const ka = Object.keys(actual)
    for (const k of ke) {
      if (!Object.prototype.hasOwnProperty.call(actual, k)) return `${path}: missing key ${JSON.stringify(k)} (expected ${short(expected[k])})`
      const d = jsonDiff(expected[k], actual[k], `${path}[${JSON.stringify(k)}]`)
      if (d) return d
    }
    for (const k of ka) if (!Object.prototype.hasOwnProperty.call(expected, k)) return `${path}: unexpected key ${JSON.stringify(k)} = ${short(actual[k])}`
    return null
  }
  return `${path}: expected ${short(expected)}, got ${short(actual)}` // numbers/strings/booleans differ (-0 === 0)
}

const kind = (v) => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
const short = (v) => { const s = JSON.stringify(v); return s && s.length > 120 ? s.slice(0, 117) + '...' : s }
