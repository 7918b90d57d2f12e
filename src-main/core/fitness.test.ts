import { describe, expect, it } from 'vitest'
import { corrFit, corrsigFit, isDegenerateOutput, pearson } from './fitness.js'
import { accuracyFit } from './functions/fitness-functions.js'
import { FITNESS_FUNCTIONS } from './ga/fitness-registry.js'

const XOR = [0, 1, 1, 0]

describe('pearson', () => {
  it('matches hand-computed values', () => {
    // vx = [-0.5, 1.5, 0.5, -1.5], vy = [-0.5, 0.5, 0.5, -0.5]: sum vx*vy = 2, sum vx^2 = 5, sum vy^2 = 1.
    expect(pearson([1, 3, 2, 0], XOR)).toBeCloseTo(2 / Math.sqrt(5), 12)
    expect(pearson([1, 3, 2, 0], XOR)).toBeCloseTo(0.894427191, 9)
    // vx = [-1.5, -0.5, 0.5, 1.5] is orthogonal to vy.
    expect(pearson([1, 2, 3, 4], XOR)).toBe(0)
    expect(pearson([0, 5, 5, 0], XOR)).toBeCloseTo(1, 12)
    expect(pearson([5, 0, 0, 5], XOR)).toBeCloseTo(-1, 12)
  })

  it('is NaN for a constant input and refuses mismatched lengths', () => {
    expect(pearson([2, 2, 2, 2], XOR)).toBeNaN()
    expect(() => pearson([1, 2, 3], XOR)).toThrow(/points/)
  })
})

describe('corrFit / corrsigFit', () => {
  it('corr_fit is r, or -1 as default value', () => {
    expect(corrFit([1, 3, 2, 0], XOR)).toBeCloseTo(0.894427191, 9)
    expect(corrFit([1, 3, 2, 0], XOR, { defaultValue: true })).toBe(-1)
  })

  it('corrsig_fit is r * sigmoid(scale * (sep - center))', () => {
    // sep = mean(3, 2) - mean(1, 0) = 2; sigmoid(2) = 0.8807970780.
    expect(corrsigFit([1, 3, 2, 0], XOR)).toBeCloseTo(0.894427191 * 0.880797078, 8)
    expect(corrsigFit([1, 3, 2, 0], XOR)).toBeCloseTo(0.7878088563, 9)
    // center 3, scale 0.5: sigmoid(0.5 * (2 - 3)) = sigmoid(-0.5) = 0.3775406688.
    expect(corrsigFit([1, 3, 2, 0], XOR, { sigmoidCenter: 3, sigmoidScale: 0.5 })).toBeCloseTo(
      0.894427191 * 0.3775406688,
      8
    )
    expect(corrsigFit([1, 3, 2, 0], XOR, { defaultValue: true })).toBe(-1)
  })

  it('reproduces a brains-py result from the demo table (XOR seed 2, outputs rounded to 0.1 nA)', () => {
    const outputs = [4.6, 9.9, 10.4, 6.2]
    expect(pearson(outputs, XOR)).toBeCloseTo(0.9692, 2)
    expect(corrsigFit(outputs, XOR)).toBeCloseTo(0.961, 2)
  })

  it('corrsig_fit needs both classes', () => {
    expect(() => corrsigFit([1, 2, 3, 4], [0, 0, 0, 2])).toThrow(/both classes/)
  })

  it('registry maps names to functions', () => {
    expect(FITNESS_FUNCTIONS.corr_fit).toBe(corrFit)
    expect(FITNESS_FUNCTIONS.corrsig_fit([1, 3, 2, 0], XOR)).toBe(corrsigFit([1, 3, 2, 0], XOR))
    // (m1 - m0)^2 / (var0 + var1): classes {1, 0} and {3, 2}: (2.5 - 0.5)^2 / (0.5 + 0.5) = 4.
    expect(FITNESS_FUNCTIONS.fisher_fit([1, 3, 2, 0], XOR)).toBe(4)
    expect(FITNESS_FUNCTIONS.accuracy_fit([1, 3, 2, 0], XOR)).toBe(accuracyFit([1, 3, 2, 0], XOR)[0])
    expect(FITNESS_FUNCTIONS.accuracy_fit([1, 3, 2, 0], XOR, { defaultValue: true })).toBe(0)
    expect(FITNESS_FUNCTIONS.fisher_fit([1, 3, 2, 0], XOR, { defaultValue: true })).toBe(0)
  })
})

describe('isDegenerateOutput', () => {
  const clip: [number, number] = [-109.2, 101.1]
  it('flags outputs at or beyond the clipping value', () => {
    expect(isDegenerateOutput([0, 1, -109.2, 2], clip)).toBe(true)
    expect(isDegenerateOutput([0, 101.1, 1, 2], clip)).toBe(true)
    expect(isDegenerateOutput([0, 150, 1, 2], clip)).toBe(true)
    expect(isDegenerateOutput([0, 101.09, -109.19, 2], clip)).toBe(false)
  })

  it('flags constant and non-finite outputs', () => {
    expect(isDegenerateOutput([3.5, 3.5, 3.5, 3.5], clip)).toBe(true)
    expect(isDegenerateOutput([1, Number.NaN, 2, 3], clip)).toBe(true)
    expect(isDegenerateOutput([3.5, 3.5, 3.5, 3.6], clip)).toBe(false)
  })
})
