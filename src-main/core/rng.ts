// Seeded random numbers for everything stochastic in training.
//
// Generator: xoshiro128** 1.0 (Blackman & Vigna), 128-bit state in four uint32 words,
// seeded by four successive outputs of splitmix32. Chosen because it is tiny, fast with
// 32-bit integer ops (Math.imul), well tested, and its whole state is four numbers, so a
// checkpoint can store it as plain JSON and a resumed run replays the exact same stream.

const UINT32_RANGE = 0x1_0000_0000
const TWO_POW_26 = 67108864
const TWO_POW_53 = 9007199254740992

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/** splitmix32 (Weyl increment 0x9e3779b9 plus a murmur3-style mix); only used for seeding. */
function splitmix32Step(state: number): { state: number; value: number } {
  const next = (state + 0x9e3779b9) | 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  z = z ^ (z >>> 15)
  return { state: next, value: z >>> 0 }
}

function assertUint32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= UINT32_RANGE) {
    throw new RangeError(`${what} must be an integer in [0, 2^32), got ${String(value)}`)
  }
}

export class Rng {
  private s0 = 0
  private s1 = 0
  private s2 = 0
  private s3 = 0

  constructor(seed: number) {
    assertUint32(seed, 'Rng seed')
    let mixState = seed | 0
    const words: number[] = []
    for (let i = 0; i < 4; i += 1) {
      const step = splitmix32Step(mixState)
      mixState = step.state
      words.push(step.value)
    }
    this.setWords(words)
  }

  /** Next raw uint32 output of xoshiro128**. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** Uniform double in [0, 1) with 53 random bits (two draws: 27 high bits + 26 low bits). */
  random(): number {
    const high = this.nextUint32() >>> 5
    const low = this.nextUint32() >>> 6
    return (high * TWO_POW_26 + low) / TWO_POW_53
  }

  /**
   * Normal(mean, std) by Box-Muller: exactly two random() draws per sample (no cached second
   * value), so the generator's state alone determines the rest of the stream.
   */
  gaussian(mean = 0, std = 1): number {
    const u1 = 1 - this.random() // (0, 1]: log(0) never happens
    const u2 = this.random()
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }

  /** Uniform in [lo, hi). One random() draw. */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random()
  }

  /**
   * Triangular distribution, numpy's inverse-CDF algorithm (one random() draw).
   * lo == hi returns lo WITHOUT drawing, so fixed genes do not shift the stream.
   */
  triangular(lo: number, mode: number, hi: number): number {
    if (!(lo <= mode && mode <= hi)) {
      throw new RangeError(`triangular needs lo <= mode <= hi, got ${lo}, ${mode}, ${hi}`)
    }
    if (lo === hi) return lo
    const base = hi - lo
    const leftBase = mode - lo
    const ratio = leftBase / base
    const leftProduct = leftBase * base
    const rightProduct = (hi - mode) * base
    const u = this.random()
    if (u <= ratio) return lo + Math.sqrt(u * leftProduct)
    return hi - Math.sqrt((1 - u) * rightProduct)
  }

  /**
   * Random permutation of 0..n-1 by Fisher-Yates, walking i from n-1 down to 1 and swapping
   * with j = floor(random() * (i + 1)): exactly n-1 random() draws (none for n <= 1).
   */
  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation size must be a non-negative integer, got ${n}`)
    const order = Array.from({ length: n }, (_, i) => i)
    for (let i = n - 1; i >= 1; i -= 1) {
      const j = Math.floor(this.random() * (i + 1))
      const tmp = order[i]!
      order[i] = order[j]!
      order[j] = tmp
    }
    return order
  }

  /** The four uint32 state words; feed to Rng.fromState to continue the identical stream. */
  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0]
  }

  static fromState(state: number[]): Rng {
    if (!Array.isArray(state) || state.length !== 4) {
      throw new RangeError('Rng state must be an array of 4 uint32 numbers')
    }
    state.forEach((word, i) => assertUint32(word, `Rng state[${i}]`))
    const rng = new Rng(0)
    rng.setWords(state)
    return rng
  }

  private setWords(words: number[]): void {
    // An all-zero state is the one fixed point of xoshiro: it would output zeros forever.
    if (words.every((w) => w === 0)) throw new RangeError('Rng state must not be all zero')
    this.s0 = words[0]! | 0
    this.s1 = words[1]! | 0
    this.s2 = words[2]! | 0
    this.s3 = words[3]! | 0
  }
}

/** A fresh uint32 seed for runs where the user gave none; callers store it so the run can be replayed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * UINT32_RANGE) >>> 0
}
