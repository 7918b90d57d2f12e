import { describe, expect, it } from 'vitest'
import {
  assertStreamSafe,
  checkRangeOverride,
  checkStream,
  requireRangeOverride,
  UnsafeStreamError,
  type StreamLimits,
  type StreamViolation
} from './stream-safety.js'

// Two channels, slew 10 V/s at 1000 Hz: at most 0.01 V (+ 1 uV) per sample.
const limits: StreamLimits = {
  rangesVolts: [
    [-0.9, 0.6],
    [-0.5, 0.5]
  ],
  absoluteVolts: [-1.6, 1.6],
  slewVoltsPerSecond: 10,
  dacRateHz: 1000
}

/** Interleaved stream from per-channel columns. */
function interleave(...columns: number[][]): Float32Array {
  const out = new Float32Array(columns[0]!.length * columns.length)
  columns.forEach((column, c) => column.forEach((v, i) => (out[i * columns.length + c] = v)))
  return out
}

/** 0 -> peak -> 0 in steps of `step` volts. */
function ramp(peak: number, step = 0.01): number[] {
  const n = Math.round(Math.abs(peak) / step)
  const up = Array.from({ length: n + 1 }, (_, k) => (peak * k) / n)
  return [...up, ...up.slice(0, -1).reverse()]
}

function violationsOf(stream: Float32Array, channels = 2, lim: StreamLimits = limits): StreamViolation[] {
  const result = checkStream(stream, channels, lim)
  return result.ok ? [] : result.violations
}

describe('checkStream', () => {
  it('accepts a stream inside every limit, starting and ending at 0 V', () => {
    const stream = interleave(ramp(0.6), ramp(-0.5).concat(new Array(20).fill(0)).slice(0, ramp(0.6).length))
    expect(checkStream(stream, 2, limits)).toEqual({ ok: true })
  })

  it('flags a sample outside its calibrated range, naming channel, sample and value', () => {
    const column = ramp(0.7) // channel 0 allows up to 0.6 V
    const stream = interleave(column, new Array(column.length).fill(0))
    const violations = violationsOf(stream)
    expect(violations.length).toBeGreaterThan(0)
    expect(violations.every((v) => v.rule === 'range' && v.channel === 0)).toBe(true)
    const first = violations[0]!
    expect(first.sampleIndex).toBe(61)
    expect(first.valueVolts).toBeCloseTo(0.61, 6)
    expect(first.message).toBe('electrode 0 sample 61 = 0.61 V is outside its calibrated range [-0.9, 0.6] V')
  })

  it('accepts a sample exactly at the float32-rounded limit and refuses the next float32 up', () => {
    // 0.6 is not a float32; the instrument compares against fround(0.6), so must we.
    const atLimit = Math.fround(0.6)
    const above = atLimit + 2 ** -24 // one float32 ulp above (ulp of values in [0.5, 1) is 2^-24)
    expect(Math.fround(above)).toBe(above)
    const rangeOnly = { ...limits, slewVoltsPerSecond: 1e6 }
    expect(checkStream(interleave([0, atLimit, 0], [0, 0, 0]), 2, rangeOnly).ok).toBe(true)
    const rules = violationsOf(interleave([0, above, 0], [0, 0, 0]), 2, rangeOnly).map((v) => v.rule)
    expect(rules).toEqual(['range'])
  })

  it('reports the absolute limit rather than the range when both are exceeded', () => {
    const wide = { ...limits, slewVoltsPerSecond: 1e6 }
    const violations = violationsOf(interleave([0, 1.7, 0], [0, 0, 0]), 2, wide)
    expect(violations.map((v) => v.rule)).toEqual(['absolute'])
    expect(violations[0]!.message).toContain('absolute limit [-1.6, 1.6] V')
  })

  it('flags first and last samples that are not exactly 0 V, and counts -0.0 as 0', () => {
    const stream = interleave([0.005, 0.005, 0.001], [-0, 0, -0])
    const violations = violationsOf(stream)
    expect(violations.map((v) => [v.rule, v.channel, v.sampleIndex])).toEqual([
      ['first-not-zero', 0, 0],
      ['last-not-zero', 0, 2]
    ])
  })

  it('flags a step above slew / dacRate + 1 uV and accepts one just inside the tolerance', () => {
    // Limit 0.01 V + 1 uV per sample.
    const ok = interleave([0, 0.0100009, 0.0200018, 0.0100009, 0], [0, 0, 0, 0, 0])
    expect(checkStream(ok, 2, limits).ok).toBe(true)
    const bad = interleave([0, 0.0100009, 0.0200018, 0.0100009, 0], [0, 0, 0.0100011, 0, 0])
    const violations = violationsOf(bad)
    expect(violations.map((v) => [v.rule, v.channel, v.sampleIndex])).toEqual([
      ['slew', 1, 2],
      ['slew', 1, 3]
    ])
    expect(violations[0]!.message).toContain('slew limit allows (0.01 V per sample = 10 V/s at 1000 Hz)')
  })

  it('flags NaN and infinities without a spurious slew violation next to them', () => {
    const violations = violationsOf(interleave([0, NaN, 0], [0, Infinity, 0]), 2, {
      ...limits,
      slewVoltsPerSecond: 1e6
    })
    expect(violations.map((v) => [v.rule, v.channel, v.sampleIndex])).toEqual([
      ['not-finite', 0, 1],
      ['not-finite', 1, 1]
    ])
  })

  it('flags an empty stream, a length that is not a multiple of the channels, and too many samples', () => {
    expect(violationsOf(new Float32Array(0)).map((v) => v.rule)).toEqual(['length'])
    const ragged = violationsOf(new Float32Array(5))
    expect(ragged.map((v) => [v.rule, v.channel, v.sampleIndex])).toEqual([['length', null, null]])
    expect(ragged[0]!.message).toContain('not a multiple of the 2 channels')
    const long = violationsOf(new Float32Array(8), 2, { ...limits, maxSamplesPerChannel: 3 })
    expect(long[0]!.message).toContain('4 samples per channel, more than the 3')
  })

  it('keeps at most maxViolations but counts them all', () => {
    const stream = interleave(new Array(50).fill(0.7), new Array(50).fill(0))
    const result = checkStream(stream, 2, limits, { maxViolations: 3 })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.violations).toHaveLength(3)
    // 50 range + first + last.
    expect(result.violationCount).toBe(52)
  })

  it('refuses invalid limits with a clear error', () => {
    const stream = new Float32Array(4)
    expect(() => checkStream(stream, 2, { ...limits, rangesVolts: [[-1, 1]] })).toThrow(
      /one \[min, max\] per channel \(2\), got 1/
    )
    expect(() =>
      checkStream(stream, 2, {
        ...limits,
        rangesVolts: [
          [0.1, 0.5],
          [-1, 1]
        ]
      })
    ).toThrow(/electrode 0 \[0.1, 0.5\] V must contain 0 V/)
    expect(() =>
      checkStream(stream, 2, {
        ...limits,
        rangesVolts: [
          [0.5, -0.5],
          [-1, 1]
        ]
      })
    ).toThrow(/min > max/)
    expect(() => checkStream(stream, 2, { ...limits, slewVoltsPerSecond: 0 })).toThrow(
      /slewVoltsPerSecond must be a positive number/
    )
    expect(() => checkStream(stream, 2, { ...limits, dacRateHz: NaN })).toThrow(/dacRateHz/)
    expect(() => checkStream(stream, 0, limits)).toThrow(/channelCount/)
  })
})

describe('assertStreamSafe', () => {
  it('passes a safe stream silently', () => {
    expect(() => assertStreamSafe(interleave(ramp(0.3), ramp(0.3)), 2, limits)).not.toThrow()
  })

  it('throws UnsafeStreamError naming the worst violation and how many more there are', () => {
    const stream = new Float32Array(4 * 121)
    stream[120 * 4 + 3] = 0.734 // electrode 3 sample 120: a jump from 0 (slew) outside [-0.9, 0.6] (range)
    const four: StreamLimits = {
      ...limits,
      rangesVolts: [
        [-1, 1],
        [-1, 1],
        [-1, 1],
        [-0.9, 0.6]
      ]
    }
    let error: unknown
    try {
      assertStreamSafe(stream, 4, four)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(UnsafeStreamError)
    const unsafe = error as UnsafeStreamError
    // range (headline) + slew + last-not-zero
    expect(unsafe.violationCount).toBe(3)
    expect(unsafe.message).toBe(
      'refused to send: electrode 3 sample 120 = 0.734 V is outside its calibrated range [-0.9, 0.6] V (and 2 more violations)'
    )
    expect(unsafe.violations.map((v) => v.rule).sort()).toEqual(['last-not-zero', 'range', 'slew'])
  })

  it('says "violation" for exactly one more', () => {
    const stream = interleave([0, 0.005, 0.005], [0, 0, 0])
    expect(() => assertStreamSafe(stream, 2, limits)).toThrow(
      'refused to send: electrode 0 sample 2 = 0.005 V but every channel must end at exactly 0 V'
    )
    const two = interleave([0.005, 0.005, 0.005], [0, 0, 0])
    expect(() => assertStreamSafe(two, 2, limits)).toThrow(/must start at exactly 0 V \(and 1 more violation\)$/)
  })
})

describe('checkRangeOverride', () => {
  const ranges = (...pairs: [number, number][]) => pairs.map((rangeVolts, electrode) => ({ electrode, rangeVolts }))

  it('lists the electrodes whose range goes beyond [-1.2, 1.0] V, bounds allowed', () => {
    const needs = checkRangeOverride(ranges([-1.2, 1.0], [-1.3, 0.5], [-0.5, 1.05], [-1.25, 1.1], [-0.55, 0.325]))
    expect(needs.map((n) => [n.electrode, n.beyond])).toEqual([
      [1, 'min'],
      [2, 'max'],
      [3, 'both']
    ])
  })

  it('needs nothing for the typical calibrated ranges and refuses malformed ones', () => {
    expect(checkRangeOverride(ranges([-0.55, 0.325], [-0.95, 0.55], [-1.0, 0.6]))).toEqual([])
    expect(() => checkRangeOverride(ranges([-1, NaN]))).toThrow(/range of electrode 0 must be a pair/)
  })

  it('names electrodes by their number, not their place in the list', () => {
    expect(checkRangeOverride([{ electrode: 5, rangeVolts: [-1.3, 0.5] }]).map((n) => n.electrode)).toEqual([5])
  })
})

describe('requireRangeOverride', () => {
  it('refuses ranges beyond [-1.2, 1.0] V without a confirmed override, naming the electrodes', () => {
    expect(() => requireRangeOverride([{ electrode: 1, rangeVolts: [-1.3, 0.5] }], undefined)).toThrow(
      'rangeOverride: electrode 1 go beyond [-1.2, 1] V: confirm the override and give a reason'
    )
    expect(() =>
      requireRangeOverride(
        [
          { electrode: 0, rangeVolts: [-1.3, 0.5] },
          { electrode: 2, rangeVolts: [-0.5, 1.1] }
        ],
        { confirmed: false }
      )
    ).toThrow('rangeOverride: electrodes 0, 2 go beyond [-1.2, 1] V')
  })

  it('returns the electrodes a confirmed override covers, none when the ranges are safe', () => {
    expect(requireRangeOverride([{ electrode: 3, rangeVolts: [-1.3, 0.5] }], { confirmed: true })).toEqual([3])
    expect(requireRangeOverride([{ electrode: 3, rangeVolts: [-1.2, 1.0] }], undefined)).toEqual([])
  })
})
