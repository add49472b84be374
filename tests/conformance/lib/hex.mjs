// Hex helpers. ycrdt speaks lowercase hex on stdin/stdout; Yjs speaks Uint8Array.

/** @param {Uint8Array} u8 */
export const toHex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('hex')

/** @param {string} hex strict lowercase/uppercase hex, even length */
export const fromHex = (hex) => {
  if (typeof hex !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not a hex string: ${String(hex).slice(0, 80)}`)
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** Spaced hex for humans: "01 01 00 …" */
export const spaced = (hex) => hex.replace(/(..)(?=.)/g, '$1 ')

/** Index of the first differing hex byte, or -1. */
export const firstByteDiff = (a, b) => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i += 2) if (a.slice(i, i + 2) !== b.slice(i, i + 2)) return i / 2
  return a.length === b.length ? -1 : n / 2
}

/** Short description of two hex strings around their first difference. */
export const describeHexDiff = (expected, actual) => {
  const at = firstByteDiff(expected, actual)
  if (at < 0) return 'identical'
  const from = Math.max(0, at - 8) * 2
  const win = (h) => spaced(h.slice(from, at * 2 + 24)) || '(end)'
  return `first difference at byte ${at} (expected ${expected.length / 2} bytes, got ${actual.length / 2}); ` +
    `expected …${win(expected)}… got …${win(actual)}…`
}
