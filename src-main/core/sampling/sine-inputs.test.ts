import { describe, expect, it } from 'vitest'
import { checkStream } from '../streams/stream-safety.js'
import {
  buildSamplingChunk,
  checkSineSampling,
  electrodeFrequenciesHz,
  largestFrequencyFactor,
  SAMPLING_PRIMES,
  shortestRampSamples,
  sineVolts,
  type SineSampling
} from './sine-inputs.js'

// A calibration like the demo device's; slew 10 V/s at 1000 Hz: at most 0.01 V per sample.
const ranges: [number, number][] = [
  [-1.2, 0.6],
  [-1.2, 0.6],
  [-0.9, 0.9],
  [-0.7, 0.3],
  [-1.2, 0.6],
  [-0.5, 0.5],
  [-0.35, 0.7]
]
const slew = 10
const rate = 1000
const factor = 0.9 * largestFrequencyFactor(ranges, slew, rate)
const sampling: SineSampling = {
  rangesVolts: ranges,
  sampleRateHz: rate,
  frequencyFactor: factor,
  phasesRadians: [0.1, 1.2, 2.3, 3.4, 4.5, 5.6, 0.7],
  chunkSamples: 300,
  rampSamples: shortestRampSamples(ranges, slew, rate)
}
const limits = {
  rangesVolts: ranges,
  absoluteVolts: [-1.6, 1.6] as [number, number],
  slewVoltsPerSecond: slew,
  dacRateHz: rate,
  maxSamplesPerChannel: 65536
}

describe('sine inputs of a sampling session', () => {
  it('gives electrode i the frequency sqrt(prime_i) x factor x sample rate', () => {
    electrodeFrequenciesHz(7, 0.001, 50).forEach((hz, e) =>
      expect(hz).toBeCloseTo(Math.sqrt(SAMPLING_PRIMES[e]!) * 0.05, 12)
    )
    electrodeFrequenciesHz(3, 0.001, 1000).forEach((hz, e) => expect(hz).toBeCloseTo(Math.sqrt([2, 3, 5][e]!), 12))
    expect(() => electrodeFrequenciesHz(8, 0.001, 1000)).toThrow(/1 to 7 activation electrodes/)
    // The sine of electrode 6 repeats after 1 / (sqrt(19) x factor) samples.
    const period = 1 / (Math.sqrt(19) * factor)
    expect(sineVolts(sampling, 6, 1000 + period)).toBeCloseTo(sineVolts(sampling, 6, 1000), 9)
  })

  it('spans exactly the calibrated range: amplitude (max - min) / 2 around (max + min) / 2', () => {
    const long = { ...sampling, chunkSamples: 20_000 }
    const { inputsVolts } = buildSamplingChunk(long, 0)
    ranges.forEach(([min, max], e) => {
      let lo = Infinity
      let hi = -Infinity
      for (let n = 0; n < long.chunkSamples; n++) {
        lo = Math.min(lo, inputsVolts[n * 7 + e]!)
        hi = Math.max(hi, inputsVolts[n * 7 + e]!)
      }
      expect(lo).toBeGreaterThanOrEqual(Math.fround(min))
      expect(hi).toBeLessThanOrEqual(Math.fround(max))
      // Several periods played: the wave reaches both edges (within a step).
      expect(lo).toBeLessThan(min + 0.01)
      expect(hi).toBeGreaterThan(max - 0.01)
    })
  })

  it('every chunk stream passes the host-side safety check: inside the ranges, ramps included, 0 V at both ends, under the slew limit', () => {
    for (const chunkIndex of [0, 1, 2, 17, 1000]) {
      const chunk = buildSamplingChunk(sampling, chunkIndex)
      expect(chunk.rowCount).toBe(300 + 2 * sampling.rampSamples)
      expect(checkStream(chunk.streamVolts, 7, limits)).toEqual({ ok: true })
      for (let e = 0; e < 7; e++) {
        expect(chunk.streamVolts[e]).toBe(0)
        expect(chunk.streamVolts[(chunk.rowCount - 1) * 7 + e]).toBe(0)
      }
    }
  })

  it('is continuous across chunks: chunk k starts in time where chunk k - 1 ended, and its data rows are its inputs', () => {
    const whole = buildSamplingChunk({ ...sampling, chunkSamples: 900 }, 0).inputsVolts
    const parts = [0, 1, 2].map((k) => buildSamplingChunk(sampling, k))
    const joined = new Float32Array(900 * 7)
    parts.forEach((part, k) => joined.set(part.inputsVolts, k * 300 * 7))
    expect(joined).toEqual(whole)
    for (const part of parts) {
      expect(part.streamVolts.subarray(part.dataStartRow * 7, (part.dataStartRow + 300) * 7)).toEqual(part.inputsVolts)
    }
  })

  it('refuses settings the instrument would refuse, naming what to change', () => {
    const instrument = { slewVoltsPerSecond: slew, maxSamplesPerChannel: 65536 }
    expect(() => checkSineSampling(sampling, instrument)).not.toThrow()
    // The reference factor at 1 kHz is faster than a 10 V/s slew allows on these ranges.
    expect(() => checkSineSampling({ ...sampling, frequencyFactor: 0.001 }, instrument)).toThrow(
      /frequency factor 0.001: must be above 0 and at most 0\.000\d+, or the fastest sine would exceed the slew limit of 10 V\/s/
    )
    expect(() => checkSineSampling({ ...sampling, rampSamples: 10 }, instrument)).toThrow(
      /a ramp of 10 samples is too short: .* at least 120 samples \(0\.120 s\)/
    )
    expect(() => checkSineSampling({ ...sampling, chunkSamples: 65536 }, instrument)).toThrow(
      /above the instrument's 65536 per acquisition: use shorter chunks/
    )
    expect(() => checkSineSampling({ ...sampling, phasesRadians: [0] }, instrument)).toThrow(
      /one finite phase per electrode \(7\)/
    )
    expect(() => checkSineSampling({ ...sampling, rangesVolts: [[0.1, 0.5]], phasesRadians: [0] }, instrument)).toThrow(
      /must be finite and contain 0 V/
    )
  })
})
