import { describe, expect, it } from 'vitest'
import {
  accuracyFit,
  corrFit,
  corrsig,
  corrsigFit,
  fisher,
  fisherFit,
  pearson,
  sigmoidNnDistance
} from './fitness-functions.js'

const XOR = [0, 1, 1, 0]
const logistic = (x: number): number => 1 / (1 + Math.exp(-x))
// Two output columns against the same XOR target in both columns.
const OUT = [
  [1, 5],
  [3, 0],
  [2, 0],
  [0, 5]
]
const TGT = XOR.map((t) => [t, t])

describe('pearson / corrFit / corrsigFit per column', () => {
  it('pearson gives one r per column', () => {
    // Column 1: vx = [-0.5, 1.5, 0.5, -1.5], vy = [-0.5, 0.5, 0.5, -0.5] -> 2 / sqrt(5 * 1).
    // Column 2 is an exact negative of the XOR pattern -> -1.
    const r = pearson(OUT, TGT)
    expect(r).toHaveLength(2)
    expect(r[0]).toBeCloseTo(2 / Math.sqrt(5), 12)
    expect(r[1]).toBeCloseTo(-1, 12)
    expect(pearson([1, 3, 2, 0], XOR)).toEqual([r[0]])
  })

  it('corr_fit is r, or -1 per column as default value', () => {
    expect(corrFit(OUT, TGT)).toEqual(pearson(OUT, TGT))
    expect(corrFit(OUT, TGT, { defaultValue: true })).toEqual([-1, -1])
    expect(corrFit([1, 3, 2, 0], XOR, { defaultValue: true })).toEqual([-1])
  })

  it('corrsig_fit = r * sigmoid(scale * (sep - center)), sep from the class means', () => {
    // Column 1: sep = mean(3, 2) - mean(1, 0) = 2. Column 2: sep = mean(0, 0) - mean(5, 5) = -5.
    const fit = corrsigFit(OUT, TGT)
    expect(fit[0]).toBeCloseTo((2 / Math.sqrt(5)) * logistic(2), 12)
    expect(fit[1]).toBeCloseTo(-1 * logistic(-5), 12)
    const scaled = corrsigFit(OUT, TGT, { sigmoidCenter: 1, sigmoidScale: 3 })
    expect(scaled[0]).toBeCloseTo((2 / Math.sqrt(5)) * logistic(3 * (2 - 1)), 12)
    expect(corrsigFit(OUT, TGT, { defaultValue: true })).toEqual([-1, -1])
  })

  it('checks shapes even for the default value', () => {
    expect(() => corrFit(OUT, XOR, { defaultValue: true })).toThrow(/rows x columns/)
  })
})

describe('fisher / fisherFit', () => {
  it('is (m1 - m0)^2 / (s0 + s1) with unbiased variances; the loss is its negative', () => {
    // high = [3, 2]: mean 2.5, var ((0.5)^2 + (0.5)^2) / 1 = 0.5; low = [1, 0]: mean 0.5, var 0.5.
    // (2.5 - 0.5)^2 / (0.5 + 0.5) = 4.
    expect(fisherFit([1, 3, 2, 0], XOR)).toEqual([4])
    expect(fisher([1, 3, 2, 0], XOR)).toEqual([-4])
    // Independent check on uneven classes: high = [4, 6, 11], low = [1, 2].
    const out = [4, 1, 6, 2, 11]
    const tgt = [1, 0, 1, 0, 1]
    const m1 = 7
    const m0 = 1.5
    const s1 = ((4 - 7) ** 2 + (6 - 7) ** 2 + (11 - 7) ** 2) / 2 // 13
    const s0 = ((1 - 1.5) ** 2 + (2 - 1.5) ** 2) / 1 // 0.5
    expect(fisherFit(out, tgt)[0]).toBeCloseTo((m1 - m0) ** 2 / (s0 + s1), 12)
    expect(fisher(out, tgt)[0]).toBeCloseTo(-((m1 - m0) ** 2) / (s0 + s1), 12)
  })

  it('gives 0 per column as default value, and +0 (not -0) for equal means', () => {
    expect(fisherFit(OUT, TGT, { defaultValue: true })).toEqual([0, 0])
    // high = [0, 2] and low = [1, 1] both have mean 1.
    expect(Object.is(fisher([1, 0, 2, 1], XOR)[0], 0)).toBe(true)
    // Two constant classes: 0 / 0 variance, no guard (as the reference).
    expect(fisherFit([1, 0, 0, 1], XOR)).toEqual([Infinity])
  })
})

describe('corrsig loss', () => {
  it('is (shift - r) / sigmoid((delta - center) / scale), delta = min(high) - max(low)', () => {
    // Column 1: delta = min(3, 2) - max(1, 0) = 1, r = 2 / sqrt(5).
    // Column 2: delta = min(0, 0) - max(5, 5) = -5, r = -1.
    const loss = corrsig(OUT, TGT)
    expect(loss[0]).toBeCloseTo((1.1 - 2 / Math.sqrt(5)) / logistic(1), 12)
    expect(loss[1]).toBeCloseTo((1.1 + 1) / logistic(-5), 10)
    const tuned = corrsig(OUT, TGT, { sigmoidCenter: 0.5, sigmoidScale: 2, corrShift: 2 })
    expect(tuned[0]).toBeCloseTo((2 - 2 / Math.sqrt(5)) / logistic((1 - 0.5) / 2), 12)
  })

  it('refuses a target without both classes', () => {
    expect(() => corrsig([1, 2, 3], [1, 1, 1])).toThrow(/both classes/)
  })
})

describe('sigmoidNnDistance', () => {
  it('is -mean(sigmoid(d / scale) - center) over nearest-neighbour distances in [0, 1]', () => {
    // Sorted 0.1, 0.5, 0.9; gaps with the edges 0 and 1: 0.1, 0.4, 0.4, 0.1 -> d = 0.1, 0.4, 0.1.
    const d = [0.1, 0.4, 0.1]
    const expected = -(d.reduce((sum, di) => sum + logistic(di / 2) - 0.5, 0) / 3)
    expect(sigmoidNnDistance([0.9, 0.1, 0.5])[0]).toBeCloseTo(expected, 12)
    const custom = -(d.reduce((sum, di) => sum + logistic(di / 0.5) - 0.2, 0) / 3)
    expect(sigmoidNnDistance([0.9, 0.1, 0.5], { sigmoidScale: 0.5, sigmoidCenter: 0.2 })[0]).toBeCloseTo(custom, 12)
  })

  it('clamps first: outputs beyond [0, 1] sit on the edge with distance 0', () => {
    // Sorted and clamped: 0, 0.5, 1 -> d = 0, 0.5, 0.
    const expected = -((logistic(0) - 0.5 + logistic(0.25) - 0.5 + logistic(0) - 0.5) / 3)
    const rows = [
      [-2, 0.9],
      [0.5, 0.1],
      [3, 0.5]
    ]
    const loss = sigmoidNnDistance(rows)
    expect(loss[0]).toBeCloseTo(expected, 12)
    expect(loss[1]).toBeCloseTo(sigmoidNnDistance([0.9, 0.1, 0.5])[0]!, 15)
  })
})

describe('accuracyFit', () => {
  it('is the perceptron accuracy in percent per column, 0 as default value', () => {
    const out = Array.from({ length: 20 }, (_, i) => [i, 19 - i])
    // Class 1 is i >= 10: column 1 is high there, column 2 low (a negative weight separates it).
    const tgt = out.map((_, i) => [i >= 10 ? 1 : 0, i >= 10 ? 1 : 0])
    const fit = accuracyFit(out, tgt, { perceptron: { learningRate: 0.05, epochs: 2000, seed: 7 } })
    expect(fit).toEqual([100, 100])
    expect(accuracyFit(out, tgt, { defaultValue: true })).toEqual([0, 0])
  })
})
