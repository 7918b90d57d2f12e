import { describe, expect, it } from 'vitest'
import { pairedColumns, sigmoid, toColumns, toRows, unbiasedVariance } from './columns.js'

describe('column helpers', () => {
  it('transposes rows to columns and back; a flat array is one column', () => {
    expect(
      toColumns([
        [1, 2],
        [3, 4],
        [5, 6]
      ])
    ).toEqual([
      [1, 3, 5],
      [2, 4, 6]
    ])
    expect(
      toRows([
        [1, 3, 5],
        [2, 4, 6]
      ])
    ).toEqual([
      [1, 2],
      [3, 4],
      [5, 6]
    ])
    expect(toColumns([1, 2, 3])).toEqual([[1, 2, 3]])
  })

  it('refuses ragged rows and different shapes', () => {
    expect(() => toColumns([[1, 2], [3]])).toThrow(/row 1 has 1 columns, expected 2/)
    expect(() => pairedColumns([[1, 2]], [1, 2])).toThrow(/1 x 2 but target is 2 x 1/)
  })

  it('unbiased variance and a stable sigmoid', () => {
    // [1, 2, 3, 6]: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, / 3.
    expect(unbiasedVariance([1, 2, 3, 6])).toBeCloseTo(14 / 3, 15)
    expect(unbiasedVariance([5])).toBeNaN()
    expect(sigmoid(0)).toBe(0.5)
    expect(sigmoid(2)).toBeCloseTo(0.8807970779778823, 15)
    expect(sigmoid(-2)).toBeCloseTo(1 - 0.8807970779778823, 15)
    expect(sigmoid(-1000)).toBe(0)
    expect(sigmoid(1000)).toBe(1)
  })
})
