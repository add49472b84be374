// Seeded PRNG for the conformance generators: sfc32 seeded through splitmix32.
// Deterministic across node versions (only 32-bit integer arithmetic), so a seed printed by a
// failing run regenerates exactly the same scenario.

const splitmix32 = (state) => () => {
  state = (state + 0x9e3779b9) | 0
  let z = state
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

export class Rng {
  /** @param {number} seed any integer (taken modulo 2^32; the high part is mixed in too) */
  constructor (seed) {
    const hi = Math.floor(seed / 0x100000000) >>> 0
    const sm = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d))
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** @returns {number} uniform uint32 */
  u32 () {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** @returns {number} uniform in [0, 1) with 53 random bits */
  float () { return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992 }

  /** @returns {number} uniform integer in [lo, hi] (inclusive; safe for ranges up to 2^53) */
  int (lo, hi) { return lo + Math.floor(this.float() * (hi - lo + 1)) }

  /** @returns {boolean} true with probability p */
  bool (p = 0.5) { return this.float() < p }

  /** @template T @param {T[]} arr @returns {T} */
  pick (arr) { return arr[this.int(0, arr.length - 1)] }

  /** Weighted choice. @param {Array<[number, any]>} table [weight, value] pairs */
  weighted (table) {
    let total = 0
    for (const [w] of table) total += w
    let r = this.float() * total
    for (const [w, v] of table) { if ((r -= w) < 0) return v }
    return table[table.length - 1][1]
  }

  /** In-place Fisher–Yates. @template T @param {T[]} arr @returns {T[]} */
  shuffle (arr) {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      const t = arr[i]; arr[i] = arr[j]; arr[j] = t
    }
    return arr
  }
}
