import { describe, expect, it } from 'vitest'
import { checkStream } from './stream-safety.js'
import {
  buildCalibrationSweep,
  detectSaturation,
  ivCurveFromReadouts,
  sawtoothVolts,
  suggestRange,
  type CalibrationSweep,
  type CalibrationSweepOptions,
  type IvCurve
} from './calibration-sweep.js'

const ADC_RANGE: [number, number] = [-4, 4]
const AMPLIFICATION = 100 // nA per ADC volt

function options(overrides: Partial<CalibrationSweepOptions> = {}): CalibrationSweepOptions {
  return {
    electrode: 2,
    channelCount: 4,
    trialRangeVolts: [-1.2, 1.0],
    pointCount: 23, // 0.1 V spacing
    dacRateHz: 1000,
    slewVoltsPerSecond: 10, // 0.01 V per sample: the 0.1 V steps need slopes
    maxSamplesPerChannel: 65536,
    ...overrides
  }
}

function column(stream: Float32Array, channels: number, c: number): number[] {
  return Array.from({ length: stream.length / channels }, (_, i) => stream[i * channels + c]!)
}

/**
 * A simulated instrument: the device current (nA) of the swept electrode's voltage, read
 * through the amplifier (nA / amplification, negated if inverted) and clamped to the ADC range.
 */
function measure(
  sweep: CalibrationSweep,
  device: (volts: number) => number,
  inverted = false,
  adc: [number, number] = ADC_RANGE
): Float32Array[] {
  return sweep.plan.acquisitions.map((acq) =>
    Float32Array.from(column(acq.stream, sweep.channelCount, sweep.electrode), (v) => {
      const adcVolts = (device(v) / AMPLIFICATION) * (inverted ? -1 : 1)
      return Math.min(adc[1], Math.max(adc[0], adcVolts))
    })
  )
}

function curveOf(device: (volts: number) => number, overrides: Partial<CalibrationSweepOptions> = {}): IvCurve {
  const sweep = buildCalibrationSweep(options(overrides))
  return ivCurveFromReadouts(sweep, measure(sweep, device), {
    readoutChannelCount: 1,
    amplification: AMPLIFICATION,
    inverted: false
  })
}

describe('sawtoothVolts', () => {
  it('goes 0 -> min (down), min -> max (up), max -> 0 (down) at one spacing, hitting 0, min and max exactly', () => {
    const { volts, legs } = sawtoothVolts([-0.2, 0.3], 6) // spacing 0.1
    const expected = [0, -0.1, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.2, 0.1, 0]
    expect(volts).toHaveLength(expected.length)
    volts.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6))
    expect(Object.is(volts[0], 0) && Object.is(volts.at(-1), 0)).toBe(true)
    expect(legs).toEqual(['down', 'down', 'up', 'up', 'up', 'up', 'up', 'up', 'down', 'down', 'down'])
    expect(Math.min(...volts)).toBe(Math.fround(-0.2))
    expect(Math.max(...volts)).toBe(Math.fround(0.3))
  })

  it('handles a range that ends at 0 V and refuses ranges without 0 V or too few points', () => {
    expect(sawtoothVolts([0, 0.2], 3).volts).toEqual([0, Math.fround(0.1), Math.fround(0.2), Math.fround(0.1), 0])
    expect(sawtoothVolts([-0.2, 0], 3).volts).toEqual([0, Math.fround(-0.1), Math.fround(-0.2), Math.fround(-0.1), 0])
    expect(() => sawtoothVolts([0.1, 0.5], 5)).toThrow(/\[0.1, 0.5\] V must satisfy min <= 0 <= max/)
    expect(() => sawtoothVolts([0, 0], 5)).toThrow(/min < max/)
    expect(() => sawtoothVolts([-1, 1], 1)).toThrow(/pointCount must be an integer >= 2/)
  })
})

describe('buildCalibrationSweep', () => {
  it('sweeps only the chosen electrode, from and to 0 V, reaching min and max within the slew limit', () => {
    const sweep = buildCalibrationSweep(options({ plateauLength: 4 }))
    expect(sweep.plan.acquisitions).toHaveLength(1)
    expect(sweep.plan.slopeLengthened).toBe(true)
    const acq = sweep.plan.acquisitions[0]!
    const swept = column(acq.stream, 4, 2)
    expect(swept[0]).toBe(0)
    expect(swept.at(-1)).toBe(0)
    expect(Math.min(...swept)).toBe(Math.fround(-1.2))
    expect(Math.max(...swept)).toBe(Math.fround(1.0))
    for (const other of [0, 1, 3]) expect(column(acq.stream, 4, other).every((v) => v === 0)).toBe(true)
    let largest = 0
    for (let i = 1; i < swept.length; i += 1) largest = Math.max(largest, Math.abs(swept[i]! - swept[i - 1]!))
    expect(largest).toBeLessThanOrEqual(0.01 + 1e-6)
    // The instrument's own rules agree.
    const check = checkStream(acq.stream, 4, {
      rangesVolts: [
        [0, 0],
        [0, 0],
        [-1.2, 1.0],
        [0, 0]
      ],
      absoluteVolts: [-1.6, 1.6],
      slewVoltsPerSecond: 10,
      dacRateHz: 1000
    })
    expect(check).toEqual({ ok: true })
    // Plateaus hold the sweep points, in order.
    expect(acq.plateaus.map(({ start }) => swept[start])).toEqual(sweep.sweepVolts)
  })

  it('splits a long sweep into acquisitions and still gives one curve point per sweep point', () => {
    const sweep = buildCalibrationSweep(options({ pointCount: 221, plateauLength: 10, maxSamplesPerChannel: 1500 }))
    expect(sweep.plan.acquisitions.length).toBeGreaterThan(1)
    const curve = ivCurveFromReadouts(
      sweep,
      measure(sweep, (v) => 10 * v),
      { readoutChannelCount: 1, amplification: AMPLIFICATION, inverted: false }
    )
    expect(curve.points).toHaveLength(sweep.sweepVolts.length)
    curve.points.forEach((p) => expect(p.nanoamps).toBeCloseTo(10 * p.volts, 4))
  })

  it('refuses an electrode that does not exist', () => {
    expect(() => buildCalibrationSweep(options({ electrode: 4 }))).toThrow(
      /electrode 4 is not an activation electrode index \(0..3\)/
    )
  })
})

describe('ivCurveFromReadouts', () => {
  it('averages each plateau, converts to nA and labels the legs', () => {
    const sweep = buildCalibrationSweep(options({ plateauLength: 3 }))
    const curve = ivCurveFromReadouts(
      sweep,
      measure(sweep, (v) => 50 * v, true),
      { readoutChannelCount: 1, amplification: AMPLIFICATION, inverted: true }
    )
    expect(curve.electrode).toBe(2)
    curve.points.forEach((p, i) => {
      expect(p.volts).toBe(sweep.sweepVolts[i])
      expect(p.nanoamps).toBeCloseTo(50 * p.volts, 4)
      expect(p.leg).toBe(sweep.legs[i])
    })
    expect(curve.points.filter((p) => p.leg === 'up')).toHaveLength(23)
  })

  it('reads the chosen readout channel', () => {
    const sweep = buildCalibrationSweep(options())
    const two = measure(sweep, (v) => 10 * v).map((r) =>
      Float32Array.from({ length: r.length * 2 }, (_, k) => (k % 2 === 1 ? r[(k - 1) / 2]! : 99))
    )
    const curve = ivCurveFromReadouts(sweep, two, {
      readoutChannelCount: 2,
      readoutChannel: 1,
      amplification: AMPLIFICATION,
      inverted: false
    })
    curve.points.forEach((p) => expect(p.nanoamps).toBeCloseTo(10 * p.volts, 4))
    expect(() =>
      ivCurveFromReadouts(sweep, two, { readoutChannelCount: 2, readoutChannel: 2, amplification: 1, inverted: false })
    ).toThrow(/readoutChannel 2/)
  })
})

describe('detectSaturation and suggestRange', () => {
  // 500 nA/V on the positive side reaches the ADC edge (400 nA = 4 V) at 0.8 V.
  const positiveOnly = (v: number): number => (v > 0 ? 500 * v : 100 * v)
  const bothSides = (v: number): number => 500 * v
  const none = (v: number): number => 100 * v

  it('finds no saturation on a curve that stays inside the ADC range and keeps the trial range', () => {
    const curve = curveOf(none)
    const saturation = detectSaturation(curve, ADC_RANGE, AMPLIFICATION)
    expect(saturation.count).toBe(0)
    expect(saturation.thresholdsVolts).toEqual([-3.96, 3.96])
    expect(suggestRange(curve, [-1.2, 1.0], saturation)).toEqual({
      rangeVolts: [-1.2, 1.0],
      saturated: false,
      limitedBy: { min: 'trial', max: 'trial' }
    })
  })

  it('narrows only the positive side of a curve that saturates at +V', () => {
    const curve = curveOf(positiveOnly)
    const saturation = detectSaturation(curve, ADC_RANGE, AMPLIFICATION)
    // Points at 0.8, 0.9, 1.0 V on the up leg, 1.0 is shared, 0.9 and 0.8 on the way down.
    const saturatedVolts = curve.points.filter((_, i) => saturation.saturated[i]).map((p) => p.volts)
    expect(saturatedVolts.every((v) => v >= 0.79)).toBe(true)
    expect(saturation.count).toBe(5)
    const suggestion = suggestRange(curve, [-1.2, 1.0], saturation)
    expect(suggestion.saturated).toBe(true)
    expect(suggestion.limitedBy).toEqual({ min: 'trial', max: 'saturation' })
    expect(suggestion.rangeVolts[0]).toBe(-1.2)
    // Last unsaturated point 0.7 V, shrunk by 5 %.
    expect(suggestion.rangeVolts[1]).toBeCloseTo(0.7 * 0.95, 6)
  })

  it('narrows both sides of a curve that saturates at -V and +V', () => {
    const curve = curveOf(bothSides)
    const suggestion = suggestRange(curve, [-1.2, 1.0], detectSaturation(curve, ADC_RANGE, AMPLIFICATION), {
      marginFraction: 0.1
    })
    expect(suggestion.limitedBy).toEqual({ min: 'saturation', max: 'saturation' })
    expect(suggestion.rangeVolts[0]).toBeCloseTo(-0.7 * 0.9, 6)
    expect(suggestion.rangeVolts[1]).toBeCloseTo(0.7 * 0.9, 6)
    expect(suggestion.rangeVolts[0]).toBeLessThanOrEqual(0)
    expect(suggestion.rangeVolts[1]).toBeGreaterThanOrEqual(0)
  })

  it('counts a reading within 0.5 % of the edge as saturated, and one just inside as not', () => {
    // 3.97 V is within 0.04 V of 4 V; 3.95 V is not.
    const curve: IvCurve = {
      electrode: 0,
      trialRangeVolts: [-1, 1],
      points: [
        { volts: 0, nanoamps: 0, leg: 'down' },
        { volts: 0.5, nanoamps: 395, leg: 'up' },
        { volts: 0.6, nanoamps: 397, leg: 'up' },
        { volts: 0.7, nanoamps: NaN, leg: 'up' }
      ]
    }
    expect(detectSaturation(curve, ADC_RANGE, AMPLIFICATION).saturated).toEqual([false, false, true, true])
    expect(detectSaturation(curve, ADC_RANGE, AMPLIFICATION, { edgeFraction: 0.001 }).saturated).toEqual([
      false,
      false,
      false,
      true
    ])
  })

  it('reads saturation through an inverting amplifier on an asymmetric ADC range', () => {
    // Inverted: +300 nA reads -3 V, the low edge of [-3, 5]; not inverted it would be 3 V (fine).
    const curve: IvCurve = { electrode: 0, trialRangeVolts: [0, 1], points: [{ volts: 1, nanoamps: 300, leg: 'up' }] }
    expect(detectSaturation(curve, [-3, 5], AMPLIFICATION, { inverted: true }).saturated).toEqual([true])
    expect(detectSaturation(curve, [-3, 5], AMPLIFICATION).saturated).toEqual([false])
  })

  it('stops at the first saturated point from 0 V even if points further out look fine, on either leg', () => {
    const points = [0, 0.1, 0.2, 0.3, 0.4, 0.3, 0.2, 0.1, 0].map((volts, i) => ({
      volts,
      nanoamps: 0,
      leg: (i < 5 ? 'up' : 'down') as 'up' | 'down'
    }))
    const curve: IvCurve = { electrode: 0, trialRangeVolts: [0, 0.4], points }
    // Saturated at 0.2 on the down leg only (index 6): 0.3 and 0.4 are beyond it.
    const saturated = points.map((_, i) => i === 6)
    expect(suggestRange(curve, [0, 0.4], { saturated }, { marginFraction: 0 }).rangeVolts).toEqual([0, 0.1])
    // Saturated at 0 V itself: nothing is usable.
    const atZero = points.map((_, i) => i === 0)
    expect(suggestRange(curve, [0, 0.4], { saturated: atZero })).toEqual({
      rangeVolts: [0, 0],
      saturated: true,
      limitedBy: { min: 'saturation', max: 'saturation' }
    })
  })

  it('refuses mismatched inputs', () => {
    const curve = curveOf(none)
    expect(() => suggestRange(curve, [-1.2, 1.0], { saturated: [true] })).toThrow(/1 flags for a curve of/)
    expect(() => detectSaturation(curve, [4, -4], AMPLIFICATION)).toThrow(/adcRangeVolts/)
    expect(() => detectSaturation(curve, ADC_RANGE, 0)).toThrow(/amplification/)
  })
})
