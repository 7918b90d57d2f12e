import { describe, expect, it } from 'vitest'
import { Rng, randomSeed } from './rng.js'

describe('Rng', () => {
  it('implements xoshiro128** (reference outputs for state [1, 2, 3, 4])', () => {
    const rng = Rng.fromState([1, 2, 3, 4])
    const outputs = Array.from({ length: 6 }, () => rng.nextUint32())
    expect(outputs).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492])
  })

  it('seeds with splitmix32 (state checked against a C implementation)', () => {
    expect(new Rng(42).getState()).toEqual([551831576, 144025891, 322543647, 3034809370])
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Rng(123)
    const b = new Rng(123)
    const c = new Rng(124)
    const seqA = Array.from({ length: 20 }, () => a.random())
    expect(Array.from({ length: 20 }, () => b.random())).toEqual(seqA)
    expect(Array.from({ length: 20 }, () => c.random())).not.toEqual(seqA)
  })

  it('random() is in [0, 1) with a plausible mean', () => {
    const rng = new Rng(7)
    const draws = Array.from({ length: 20000 }, () => rng.random())
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...draws)).toBeLessThan(1)
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(0.5, 1)
  })

  it('round-trips its state so a resumed stream is identical', () => {
    const rng = new Rng(99)
    for (let i = 0; i < 17; i += 1) rng.random()
    const state = JSON.parse(JSON.stringify(rng.getState())) as number[]
    const resumed = Rng.fromState(state)
    const expected = Array.from({ length: 50 }, () => rng.random())
    expect(Array.from({ length: 50 }, () => resumed.random())).toEqual(expected)
  })

  it('rejects bad seeds and states', () => {
    expect(() => new Rng(-1)).toThrow(/seed/)
    expect(() => new Rng(1.5)).toThrow(/seed/)
    expect(() => new Rng(2 ** 32)).toThrow(/seed/)
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/zero/)
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/4/)
  })

  it('uniform stays in [lo, hi)', () => {
    const rng = new Rng(3)
    const draws = Array.from({ length: 5000 }, () => rng.uniform(-0.95, 0.55))
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(-0.95)
    expect(Math.max(...draws)).toBeLessThan(0.55)
  })

  it('triangular stays in range and has mean (lo + mode + hi) / 3', () => {
    const rng = new Rng(11)
    const cases: [number, number, number][] = [
      [-1, 0.3, 0.6],
      [-0.55, -0.55, 0.325],
      [-0.95, 0.55, 0.55]
    ]
    for (const [lo, mode, hi] of cases) {
      const n = 40000
      const draws = Array.from({ length: n }, () => rng.triangular(lo, mode, hi))
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(lo)
      expect(Math.max(...draws)).toBeLessThanOrEqual(hi)
      const sum = draws.reduce((a, b) => a + b, 0)
      const expectedMean = (lo + mode + hi) / 3
      // Standard deviation of the triangular distribution is at most (hi - lo) / sqrt(18) ~ 0.24 (hi - lo);
      // the sample mean's standard error is that / sqrt(n): 0.0012 (hi - lo). Allow 5 of those.
      expect(Math.abs(sum / n - expectedMean)).toBeLessThan(0.006 * (hi - lo))
    }
  })

  it('triangular with lo == hi returns lo without consuming a draw', () => {
    const a = new Rng(5)
    const b = new Rng(5)
    expect(a.triangular(0.2, 0.2, 0.2)).toBe(0.2)
    expect(a.random()).toBe(b.random())
    expect(() => a.triangular(0, 2, 1)).toThrow(/mode/)
  })

  it('permutation is a permutation and is uniform-ish', () => {
    const rng = new Rng(8)
    const firstCounts = [0, 0, 0, 0]
    let allValid = true
    for (let i = 0; i < 8000; i += 1) {
      const p = rng.permutation(4)
      allValid &&= [...p].sort().join() === '0,1,2,3'
      firstCounts[p[0]!]! += 1
    }
    expect(allValid).toBe(true)
    firstCounts.forEach((count) => expect(count).toBeGreaterThan(1800))
    expect(rng.permutation(0)).toEqual([])
    expect(rng.permutation(1)).toEqual([0])
  })

  it('randomSeed gives a uint32', () => {
    const seed = randomSeed()
    expect(Number.isInteger(seed)).toBe(true)
    expect(seed).toBeGreaterThanOrEqual(0)
    expect(seed).toBeLessThan(2 ** 32)
    expect(() => new Rng(seed)).not.toThrow()
  })
})
