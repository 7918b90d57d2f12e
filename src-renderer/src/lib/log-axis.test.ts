import { describe, expect, it } from 'vitest'
import { logRange, logTicks } from './log-axis'

describe('logTicks', () => {
  it('labels the powers of ten over many decades, thinned to the space', () => {
    // 30 decades on 150 px: 5 px per decade, so at most one power of ten every 4 decades.
    const ticks = logTicks(1e-3, 1e27, 5)
    expect(ticks.length).toBeGreaterThanOrEqual(5)
    expect(ticks.length).toBeLessThanOrEqual(8)
    for (const t of ticks) expect(Math.log10(t) % 1).toBeCloseTo(0, 9)
  })

  it('fills a span of less than a decade with rounder ticks first', () => {
    // 2.3 .. 16 on 140 px (~165 px per decade): 10 first, then 5 (and 3, 4, ... where they fit).
    const ticks = logTicks(2.3, 16, 165)
    expect(ticks).toContain(10)
    expect(ticks).toContain(5)
    expect(ticks.every((t) => t >= 2.3 && t <= 16)).toBe(true)
    const logs = ticks.map(Math.log10)
    for (let i = 1; i < logs.length; i++) expect((logs[i] - logs[i - 1]) * 165).toBeGreaterThanOrEqual(20)
  })

  it('gives round numbers without float noise', () => {
    expect(logTicks(0.25, 0.35, 2000)).toContain(0.3)
  })

  it('gives nothing for a range a log axis cannot show', () => {
    expect(logTicks(0, 10, 100)).toEqual([])
    expect(logTicks(-5, -1, 100)).toEqual([])
  })
})

describe('logRange', () => {
  it('pads the data range by a fraction of its span in decades', () => {
    const [lo, hi] = logRange(1, 100)
    expect(lo).toBeCloseTo(10 ** -0.1, 9)
    expect(hi).toBeCloseTo(10 ** 2.1, 9)
  })

  it('widens a single value into a visible range', () => {
    const [lo, hi] = logRange(5, 5)
    expect(lo).toBeLessThan(5)
    expect(hi).toBeGreaterThan(5)
  })
})
