import { describe, expect, it } from 'vitest'
import { TYPICAL_VOLTAGE_RANGES_VOLTS } from '../__fixtures__/typical-voltage-ranges.js'
import { Rng } from '../rng.js'
import { generateMask, pointsToWaveform } from '../functions/waveform.js'
import { checkStream, type StreamLimits } from './stream-safety.js'
import {
  acquisitionLength,
  buildStreams,
  readoutToPoints,
  readoutsToPoints,
  repeatTargetsPerPlateauSample,
  voltsToNanoamps,
  type BuildStreamsOptions
} from './stream-builder.js'

const RANGES = TYPICAL_VOLTAGE_RANGES_VOLTS

function base(overrides: Partial<BuildStreamsOptions> = {}): BuildStreamsOptions {
  return {
    channelCount: 2,
    shape: { plateauLength: 3, slopeLength: 2 },
    dacRateHz: 1000,
    slewVoltsPerSecond: 1000, // 1 V per sample: no lengthening unless a test lowers it
    maxSamplesPerChannel: 65536,
    ...overrides
  }
}

/** Channel c of an interleaved stream. */
function channel(stream: Float32Array, channels: number, c: number): number[] {
  return Array.from({ length: stream.length / channels }, (_, i) => stream[i * channels + c]!)
}

function largestStep(values: readonly number[]): number {
  let step = 0
  for (let i = 1; i < values.length; i += 1) step = Math.max(step, Math.abs(values[i]! - values[i - 1]!))
  return step
}

describe('buildStreams', () => {
  it('lays out the waveform of functions/waveform.ts, interleaved by channel, with its mask and plateau ranges', () => {
    const points = [
      [0.3, -0.2],
      [-0.1, 0.25]
    ]
    const plan = buildStreams(points, 2, base())
    expect(plan.slopeLengthened).toBe(false)
    expect(plan.acquisitions).toHaveLength(1)
    const [acq] = plan.acquisitions
    const expected = pointsToWaveform(
      points.map((row) => row.map(Math.fround)),
      { plateauLength: 3, slopeLength: 2 }
    )
    expect(acq!.sampleCount).toBe(expected.length)
    expect(acq!.sampleCount).toBe(acquisitionLength(2, plan.shape))
    expect(Array.from(acq!.stream)).toEqual(expected.flat().map(Math.fround))
    expect(acq!.mask).toEqual(generateMask(acq!.sampleCount, plan.shape))
    expect(acq!.plateaus).toEqual([
      { start: 2, end: 5 },
      { start: 7, end: 10 }
    ])
    expect(channel(acq!.stream, 2, 0).slice(2, 5)).toEqual([Math.fround(0.3), Math.fround(0.3), Math.fround(0.3)])
    expect([acq!.stream[0], acq!.stream[1], acq!.stream.at(-2), acq!.stream.at(-1)]).toEqual([0, 0, 0, 0])
    expect(plan.totalSamples).toBe(acq!.sampleCount)
    expect(plan.playbackSeconds).toBeCloseTo(acq!.sampleCount / 1000, 12)
  })

  it('lengthens the slopes to the smallest length that keeps every step within slew / dacRate', () => {
    // 0.01 V per sample. Point 0.3 from 0 V needs 30 samples; 0.3 -> -0.3 needs ceil(60) - 1 = 59.
    const options = base({ channelCount: 1, slewVoltsPerSecond: 10, shape: { plateauLength: 2, slopeLength: 5 } })
    const plan = buildStreams([[0.3], [-0.3]], 2, options)
    expect(plan.slopeLengthened).toBe(true)
    expect(plan.requestedSlopeLength).toBe(5)
    expect(plan.shape.slopeLength).toBeGreaterThanOrEqual(59)
    expect(plan.shape.slopeLength).toBeLessThanOrEqual(60) // float rounding of 0.6 / 0.01 may add one
    const stream = Array.from(plan.acquisitions[0]!.stream)
    expect(largestStep(stream)).toBeLessThanOrEqual(0.01 + 1e-6)
    // One sample shorter would step more than 0.01 V (the float32 points are 0.3000000119):
    // it really is the smallest.
    const float32Points = [[Math.fround(0.3)], [Math.fround(-0.3)]]
    const shorter = pointsToWaveform(float32Points, { plateauLength: 2, slopeLength: plan.shape.slopeLength - 1 })
    expect(largestStep(shorter.flat())).toBeGreaterThan(0.01)
  })

  it('keeps a longer requested slope, and needs no slope when the points start and end at 0 V', () => {
    expect(
      buildStreams([[0.1]], 1, base({ channelCount: 1, shape: { plateauLength: 1, slopeLength: 40 } })).shape
        .slopeLength
    ).toBe(40)
    const plan = buildStreams(
      [[0], [0.005], [0]],
      3,
      base({ channelCount: 1, slewVoltsPerSecond: 10, shape: { plateauLength: 1, slopeLength: 0 } })
    )
    expect(plan.shape.slopeLength).toBe(0)
    expect(Array.from(plan.acquisitions[0]!.stream)).toEqual([0, Math.fround(0.005), 0])
  })

  it('splits long point sets into acquisitions of at most maxSamplesPerChannel, each from and to 0 V', () => {
    const rows = Array.from({ length: 10 }, (_, r) => [0.05 * (r + 1), -0.02 * r])
    const options = base({ maxSamplesPerChannel: 30, shape: { plateauLength: 3, slopeLength: 2 } })
    // One acquisition would need 2 + 10 * 5 = 52 samples; (30 - 2) / 5 -> 5 points each.
    const plan = buildStreams(rows, 10, options)
    expect(plan.acquisitions.map((a) => [a.firstPoint, a.pointCount, a.sampleCount])).toEqual([
      [0, 5, 27],
      [5, 5, 27]
    ])
    for (const acq of plan.acquisitions) {
      expect(acq.sampleCount).toBeLessThanOrEqual(30)
      expect(Array.from(acq.stream.subarray(0, 2))).toEqual([0, 0])
      expect(Array.from(acq.stream.subarray(-2))).toEqual([0, 0])
    }
    // The second acquisition's first plateau is point 5.
    const second = plan.acquisitions[1]!
    expect(second.stream[second.plateaus[0]!.start * 2]).toBe(Math.fround(0.3))
    expect(plan.totalSamples).toBe(54)
  })

  it('uses a slope safe for any point at an acquisition edge when it splits', () => {
    // Slew 0.01 V per sample; the largest point (0.5 V) sits in the middle, so one acquisition
    // would only need ceil(0.49 / 0.01) - 1 = 48, but a split may put 0.5 next to 0 V: 50.
    const rows = [[0.01], [0.5], [0.01]]
    const one = buildStreams(
      rows,
      3,
      base({ channelCount: 1, slewVoltsPerSecond: 10, shape: { plateauLength: 1, slopeLength: 0 } })
    )
    expect(one.acquisitions).toHaveLength(1)
    expect(one.shape.slopeLength).toBeLessThan(50)
    const split = buildStreams(
      rows,
      3,
      base({
        channelCount: 1,
        slewVoltsPerSecond: 10,
        maxSamplesPerChannel: 120,
        shape: { plateauLength: 1, slopeLength: 0 }
      })
    )
    expect(split.acquisitions.length).toBeGreaterThan(1)
    expect(split.shape.slopeLength).toBeGreaterThanOrEqual(50)
    for (const acq of split.acquisitions) expect(largestStep(Array.from(acq.stream))).toBeLessThanOrEqual(0.01 + 1e-6)
  })

  it('refuses a point that cannot fit one acquisition, bad shapes and bad points, saying what is wrong', () => {
    expect(() =>
      buildStreams([[0.5]], 1, base({ channelCount: 1, slewVoltsPerSecond: 10, maxSamplesPerChannel: 60 }))
    ).toThrow(/one point needs 103 samples \(plateau 3, slopes 50\), more than the 60 samples of one acquisition/)
    expect(() => buildStreams([[0.1, 0.2]], 1, base({ shape: { plateauLength: 0, slopeLength: 1 } }))).toThrow(
      /plateauLength must be an integer >= 1/
    )
    expect(() => buildStreams([[0.1, NaN]], 1, base())).toThrow(/point 0 electrode 1 is NaN V/)
    expect(() => buildStreams([[0.1]], 1, base())).toThrow(/point 0 must have 2 voltages/)
    expect(() => buildStreams(new Float32Array(5), 3, base())).toThrow(/5 values, expected 3 rows x 2 electrodes = 6/)
  })

  it('always passes checkStream for seeded random points inside the ranges (property)', () => {
    const rng = new Rng(20240611)
    const limitsFor = (slew: number, rate: number): StreamLimits => ({
      rangesVolts: RANGES,
      absoluteVolts: [-1.6, 1.6],
      slewVoltsPerSecond: slew,
      dacRateHz: rate
    })
    for (let trial = 0; trial < 40; trial += 1) {
      const rowCount = 1 + Math.floor(rng.random() * 30)
      const points = new Float32Array(rowCount * 7)
      for (let r = 0; r < rowCount; r += 1) {
        RANGES.forEach(([lo, hi], c) => {
          // Mostly inside, sometimes exactly on a bound (the hardest case for rounding).
          const u = rng.random()
          points[r * 7 + c] = u < 0.1 ? lo : u < 0.2 ? hi : rng.uniform(lo, hi)
        })
      }
      // Steps of 0.01, 0.005, 0.002 and 0.02 V per sample (slopes up to 800 samples).
      const [slew, rate] = (
        [
          [10, 1000],
          [50, 10000],
          [20, 10000],
          [1, 50]
        ] as const
      )[trial % 4]!
      const options: BuildStreamsOptions = {
        channelCount: 7,
        shape: { plateauLength: 1 + Math.floor(rng.random() * 20), slopeLength: Math.floor(rng.random() * 10) },
        dacRateHz: rate,
        slewVoltsPerSecond: slew,
        maxSamplesPerChannel: trial % 3 === 0 ? 65536 : 2000 + Math.floor(rng.random() * 4000)
      }
      const plan = buildStreams(points, rowCount, options)
      expect(plan.acquisitions.reduce((n, a) => n + a.pointCount, 0)).toBe(rowCount)
      for (const acq of plan.acquisitions) {
        expect(acq.sampleCount).toBeLessThanOrEqual(options.maxSamplesPerChannel)
        const result = checkStream(acq.stream, 7, {
          ...limitsFor(slew, rate),
          maxSamplesPerChannel: options.maxSamplesPerChannel
        })
        expect(result, `trial ${trial}`).toEqual({ ok: true })
      }
    }
  })
})

describe('readoutToPoints', () => {
  // Plateau 3, slope 2, two points, two readout channels; readout = sample index (ch 0), -index (ch 1).
  const plan = buildStreams(
    [
      [0.1, 0.1],
      [0.2, 0.2]
    ],
    2,
    base()
  )
  const acq = plan.acquisitions[0]!
  const readout = new Float32Array(acq.sampleCount * 2)
  for (let i = 0; i < acq.sampleCount; i += 1) {
    readout[i * 2] = i
    readout[i * 2 + 1] = -i
  }

  it('averages each plateau into one row per point', () => {
    // Plateaus are samples 2..4 and 7..9.
    expect(Array.from(readoutToPoints(readout, acq, 'average', { readoutChannelCount: 2 }))).toEqual([3, -3, 8, -8])
  })

  it('returns every plateau sample in raw mode, lined up with the repeated targets', () => {
    const raw = readoutToPoints(readout, acq, 'raw', { readoutChannelCount: 2 })
    expect(Array.from(raw)).toEqual([2, -2, 3, -3, 4, -4, 7, -7, 8, -8, 9, -9])
    const targets = repeatTargetsPerPlateauSample(Float32Array.from([0, 1]), 1, 3)
    expect(Array.from(targets)).toEqual([0, 0, 0, 1, 1, 1])
    expect(targets.length).toBe(raw.length / 2)
  })

  it('handles oversampled readouts (several ADC readings per DAC sample)', () => {
    const oversampled = new Float32Array(acq.sampleCount * 2)
    for (let k = 0; k < oversampled.length; k += 1) oversampled[k] = k // one channel, readings k
    // Point 0: samples 2..4 -> readings 4..9, mean 6.5; point 1: samples 7..9 -> readings 14..19.
    expect(
      Array.from(readoutToPoints(oversampled, acq, 'average', { readoutChannelCount: 1, readingsPerSample: 2 }))
    ).toEqual([6.5, 16.5])
    expect(readoutToPoints(oversampled, acq, 'raw', { readoutChannelCount: 1, readingsPerSample: 2 })).toHaveLength(12)
    expect(Array.from(repeatTargetsPerPlateauSample(Float32Array.from([5, 6, 7, 8]), 2, 1, 2))).toEqual([
      5, 6, 5, 6, 7, 8, 7, 8
    ])
  })

  it('concatenates the points of several acquisitions in order', () => {
    const rows = Array.from({ length: 6 }, (_, r) => [0.01 * r])
    const split = buildStreams(rows, 6, base({ channelCount: 1, maxSamplesPerChannel: 12 }))
    expect(split.acquisitions.length).toBeGreaterThan(1)
    // Feed back the stream itself as the readout: the averages are the points.
    const points = readoutsToPoints(
      split.acquisitions.map((a) => a.stream),
      split,
      'average',
      { readoutChannelCount: 1 }
    )
    expect(Array.from(points)).toEqual(rows.map(([v]) => Math.fround(v!)))
  })

  it('refuses a readout of the wrong length, naming the expected size', () => {
    expect(() => readoutToPoints(new Float32Array(5), acq, 'average', { readoutChannelCount: 2 })).toThrow(
      /5 values, expected 12 samples x 1 readings x 2 readout channels = 24/
    )
    expect(() => readoutsToPoints([], plan, 'raw', { readoutChannelCount: 1 })).toThrow(/0 readouts for 1 acquisitions/)
    expect(() => readoutToPoints(readout, acq, 'median' as never, { readoutChannelCount: 2 })).toThrow(
      /'average' or 'raw'/
    )
  })
})

describe('voltsToNanoamps', () => {
  it('multiplies by the amplification and negates for an inverting amplifier', () => {
    expect(voltsToNanoamps(0.5, 28.5, false)).toBe(14.25)
    expect(voltsToNanoamps(0.5, 28.5, true)).toBe(-14.25)
    expect(Array.from(voltsToNanoamps(Float32Array.from([1, 2, 3, 4]), [10, 100], false))).toEqual([10, 200, 30, 400])
  })

  it('refuses a zero amplification and a channel count mismatch', () => {
    expect(() => voltsToNanoamps(1, 0, false)).toThrow(/finite non-zero/)
    expect(() => voltsToNanoamps(Float32Array.from([1, 2, 3]), [1, 2], false)).toThrow(
      /3 readings are not a multiple of the 2/
    )
  })
})
