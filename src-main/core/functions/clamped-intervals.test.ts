import { describe, expect, it } from 'vitest'
import { clampedIntervals } from './clamped-intervals.js'

describe('clampedIntervals', () => {
  // The reference docstring example: [3, 1, 8, 9, 5] sorted 1 3 5 8 9, clamped to [1, 9].
  const example = [3, 1, 8, 9, 5]

  it('reproduces the reference docstring example for all three modes', () => {
    expect(clampedIntervals(example, 'single_nn', [1, 9])).toEqual([0, 2, 2, 1, 0])
    expect(clampedIntervals(example, 'double_nn', [1, 9])).toEqual([0, 2, 2, 3, 1, 0])
    expect(clampedIntervals(example, 'intervals', [1, 9])).toEqual([2, 4, 5, 4, 1])
  })

  it('clamps to the default boundaries [0, 1] and counts them as neighbours', () => {
    // Sorted and clamped: 0, 0.2, 0.5, 1 (from -3, 0.2, 0.5, 7). Gaps with 0 and 1: 0, 0.2, 0.3, 0.5, 0.
    const values = [0.5, 7, -3, 0.2]
    const gaps = [0, 0.2, 0.5 - 0.2, 1 - 0.5, 0]
    const double = clampedIntervals(values, 'double_nn')
    double.forEach((g, i) => expect(g).toBeCloseTo(gaps[i]!, 15))
    const single = clampedIntervals(values, 'single_nn')
    const sums = clampedIntervals(values, 'intervals')
    for (let i = 0; i < 4; i += 1) {
      expect(single[i]).toBeCloseTo(Math.min(gaps[i]!, gaps[i + 1]!), 15)
      expect(sums[i]).toBeCloseTo(gaps[i]! + gaps[i + 1]!, 15)
    }
    // Interior values with no clamping: 0.25, 0.5 -> gaps 0.25, 0.25, 0.5.
    expect(clampedIntervals([0.5, 0.25], 'double_nn')).toEqual([0.25, 0.25, 0.5])
    expect(clampedIntervals([0.5, 0.25], 'single_nn')).toEqual([0.25, 0.25])
    expect(clampedIntervals([0.5, 0.25], 'intervals')).toEqual([0.5, 0.75])
  })

  it('works per column on rows x columns and keeps the row shape', () => {
    const rows = [
      [3, 0.5],
      [1, 0.25],
      [8, 0.5],
      [9, 0.25],
      [5, 0.5]
    ]
    const result = clampedIntervals(rows, 'single_nn', [1, 9])
    expect(result.map((r) => r[0])).toEqual([0, 2, 2, 1, 0])
    // Column 2 clamped to [1, 9]: every value becomes 1, all gaps 0 except the last (9 - 1).
    expect(result.map((r) => r[1])).toEqual([0, 0, 0, 0, 0])
    expect(clampedIntervals(rows, 'double_nn', [1, 9]).map((r) => r[1])).toEqual([0, 0, 0, 0, 0, 8])
    expect(clampedIntervals(rows, 'double_nn', [1, 9])).toHaveLength(6)
  })

  it('refuses unknown modes, inverted boundaries and empty data', () => {
    expect(() => clampedIntervals([1], 'nearest' as never)).toThrow(/unknown clamped-interval mode/)
    expect(() => clampedIntervals([1], 'single_nn', [1, 0])).toThrow(/lo <= hi/)
    expect(() => clampedIntervals([], 'single_nn')).toThrow(/empty/)
  })
})
