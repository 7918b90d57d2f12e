/**
 * The inputs of a sampling session (a surrogate's dataset), as the reference tools make them:
 * each activation electrode plays a sine of its own frequency, sqrt(prime_i) x factor x sample
 * rate, so the frequency ratios are irrational and the 7-D input space is covered without the
 * pattern repeating. The wave spans exactly the electrode's calibrated range (amplitude
 * (max - min) / 2, offset (max + min) / 2), with a phase per electrode.
 *
 * The session is cut into chunks, one acquisition each. Time is continuous across chunks: data
 * sample n of chunk k is time index k x chunkSamples + n, so chunk k starts where k - 1 ended.
 * Each chunk is ramped in from 0 V and out to 0 V (the instrument wants 0 V at both ends of every
 * stream); the ramp samples are not part of the dataset. Pure: no instrument, no store.
 *
 * Why a refusal rather than a silent change: a sine faster than the slew limit, or a ramp too
 * short for it, would be refused by the stream check anyway; `checkSineSampling` says which
 * setting to change before anything is built.
 */
import { maxStepVolts } from '../streams/stream-safety.js'

/** The reference's frequency bases, one per activation electrode in electrode order. */
export const SAMPLING_PRIMES: readonly number[] = [2, 3, 5, 7, 13, 17, 19]

/** The reference's frequency factor: frequency = sqrt(prime) x factor x sample rate. */
export const REFERENCE_FREQUENCY_FACTOR = 0.001

export interface SineSampling {
  /** Per activation electrode [min, max] volts (the active calibration's); each contains 0 V. */
  rangesVolts: readonly (readonly [number, number])[]
  /** The DAC update rate the streams are played at, Hz (one dataset sample per DAC sample). */
  sampleRateHz: number
  /** frequency_i = sqrt(SAMPLING_PRIMES[i]) x frequencyFactor x sampleRateHz. */
  frequencyFactor: number
  /** One phase per electrode, radians. */
  phasesRadians: readonly number[]
  /** Dataset samples per chunk (ramps excluded). */
  chunkSamples: number
  /** Samples of each ramp (in, and out), >= 1. */
  rampSamples: number
}

export interface SamplingChunk {
  /** Interleaved by electrode (s0e0, s0e1, ..., s1e0, ...): ramp in, data, ramp out; 0 V first and last. */
  streamVolts: Float32Array
  /** Rows of `streamVolts` (2 x rampSamples + chunkSamples). */
  rowCount: number
  /** Row of the first data sample (= rampSamples). */
  dataStartRow: number
  /** The dataset's inputs of this chunk: chunkSamples rows x electrodes, the same values as the stream's data rows. */
  inputsVolts: Float32Array
}

export interface SamplingInstrumentLimits {
  slewVoltsPerSecond: number
  /** Most samples per channel in one acquisition (`WAV:POIN:MAX?`). */
  maxSamplesPerChannel: number
}

/** sqrt(prime_i) x factor x sample rate, one per electrode (at most SAMPLING_PRIMES.length). */
export function electrodeFrequenciesHz(
  electrodeCount: number,
  frequencyFactor: number,
  sampleRateHz: number
): number[] {
  if (!Number.isInteger(electrodeCount) || electrodeCount < 1 || electrodeCount > SAMPLING_PRIMES.length) {
    throw new RangeError(
      `sampling needs 1 to ${SAMPLING_PRIMES.length} activation electrodes (one frequency base each: ${SAMPLING_PRIMES.join(', ')}), got ${electrodeCount}`
    )
  }
  return SAMPLING_PRIMES.slice(0, electrodeCount).map((prime) => Math.sqrt(prime) * frequencyFactor * sampleRateHz)
}

/**
 * The largest frequency factor whose sines stay under the slew limit on every electrode: a sine's
 * steepest step is amplitude x 2 pi x f / rate = amplitude x 2 pi x sqrt(prime) x factor, which
 * must not exceed slew / rate.
 */
export function largestFrequencyFactor(
  rangesVolts: readonly (readonly [number, number])[],
  slewVoltsPerSecond: number,
  sampleRateHz: number
): number {
  const maxStep = maxStepVolts(slewVoltsPerSecond, sampleRateHz)
  let largest = Infinity
  rangesVolts.forEach(([min, max], electrode) => {
    const amplitude = (max - min) / 2
    if (amplitude > 0)
      largest = Math.min(largest, maxStep / (amplitude * 2 * Math.PI * Math.sqrt(SAMPLING_PRIMES[electrode]!)))
  })
  return largest
}

/** The fewest ramp samples that bring any in-range voltage to or from 0 V under the slew limit. */
export function shortestRampSamples(
  rangesVolts: readonly (readonly [number, number])[],
  slewVoltsPerSecond: number,
  sampleRateHz: number
): number {
  const farthest = Math.max(0, ...rangesVolts.map(([min, max]) => Math.max(Math.abs(min), Math.abs(max))))
  return Math.max(1, Math.ceil(farthest / maxStepVolts(slewVoltsPerSecond, sampleRateHz)))
}

/** Throws a RangeError naming the setting to change when the session cannot be played as asked. */
export function checkSineSampling(sampling: SineSampling, limits: SamplingInstrumentLimits): void {
  const electrodes = sampling.rangesVolts.length
  electrodeFrequenciesHz(electrodes, 1, 1)
  sampling.rangesVolts.forEach(([min, max], electrode) => {
    if (!(Number.isFinite(min) && Number.isFinite(max) && min <= 0 && max >= 0))
      throw new RangeError(`the range of electrode ${electrode} [${min}, ${max}] V must be finite and contain 0 V`)
  })
  if (sampling.phasesRadians.length !== electrodes || !sampling.phasesRadians.every(Number.isFinite))
    throw new RangeError(
      `sampling needs one finite phase per electrode (${electrodes}), got ${sampling.phasesRadians.length}`
    )
  if (!(Number.isFinite(sampling.sampleRateHz) && sampling.sampleRateHz > 0))
    throw new RangeError(`the sample rate must be a positive number of Hz, got ${sampling.sampleRateHz}`)
  if (!Number.isInteger(sampling.chunkSamples) || sampling.chunkSamples < 1)
    throw new RangeError(`a chunk must hold at least 1 sample, got ${sampling.chunkSamples}`)
  if (!Number.isInteger(sampling.rampSamples) || sampling.rampSamples < 1)
    throw new RangeError(`a ramp must be at least 1 sample long, got ${sampling.rampSamples}`)
  const rows = sampling.chunkSamples + 2 * sampling.rampSamples
  if (rows > limits.maxSamplesPerChannel) {
    throw new RangeError(
      `a chunk of ${sampling.chunkSamples} samples plus two ramps of ${sampling.rampSamples} is ${rows} samples, above the instrument's ${limits.maxSamplesPerChannel} per acquisition: use shorter chunks`
    )
  }
  const largest = largestFrequencyFactor(sampling.rangesVolts, limits.slewVoltsPerSecond, sampling.sampleRateHz)
  if (!(sampling.frequencyFactor > 0) || sampling.frequencyFactor > largest) {
    throw new RangeError(
      `frequency factor ${sampling.frequencyFactor}: must be above 0 and at most ${largest.toPrecision(3)}, or the fastest sine would exceed the slew limit of ${limits.slewVoltsPerSecond} V/s on the calibrated ranges`
    )
  }
  const shortest = shortestRampSamples(sampling.rangesVolts, limits.slewVoltsPerSecond, sampling.sampleRateHz)
  if (sampling.rampSamples < shortest) {
    throw new RangeError(
      `a ramp of ${sampling.rampSamples} samples is too short: reaching the calibrated ranges from 0 V under the slew limit of ${limits.slewVoltsPerSecond} V/s takes at least ${shortest} samples (${(shortest / sampling.sampleRateHz).toFixed(3)} s)`
    )
  }
}

/** Electrode `electrode`'s voltage at time index `timeIndex` (float64, clamped into its range). */
export function sineVolts(sampling: SineSampling, electrode: number, timeIndex: number): number {
  const [min, max] = sampling.rangesVolts[electrode]!
  const amplitude = (max - min) / 2
  const offset = (max + min) / 2
  const frequency = Math.sqrt(SAMPLING_PRIMES[electrode]!) * sampling.frequencyFactor
  // frequency x time: cycles per sample x samples, so the sample rate cancels out.
  const value = offset + amplitude * Math.sin(2 * Math.PI * frequency * timeIndex + sampling.phasesRadians[electrode]!)
  // Clamped: offset + amplitude x sin may overshoot the edge by a rounding error.
  return Math.min(max, Math.max(min, value))
}

/** Chunk `chunkIndex` of the session: its stream (ramped from and to 0 V) and its dataset inputs. */
export function buildSamplingChunk(sampling: SineSampling, chunkIndex: number): SamplingChunk {
  if (!Number.isSafeInteger(chunkIndex) || chunkIndex < 0)
    throw new RangeError(`chunk index must be a whole number >= 0, got ${chunkIndex}`)
  const electrodes = sampling.rangesVolts.length
  const { chunkSamples, rampSamples } = sampling
  const rowCount = chunkSamples + 2 * rampSamples
  const stream = new Float32Array(rowCount * electrodes)
  const inputs = new Float32Array(chunkSamples * electrodes)
  const firstTime = chunkIndex * chunkSamples
  for (let e = 0; e < electrodes; e++) {
    const first = sineVolts(sampling, e, firstTime)
    const last = sineVolts(sampling, e, firstTime + chunkSamples - 1)
    // Ramp in: row 0 stays +0 V (never -0), each step first / rampSamples (under the slew limit, checked above).
    for (let r = 1; r < rampSamples; r++) stream[r * electrodes + e] = (first * r) / rampSamples
    for (let n = 0; n < chunkSamples; n++) {
      const volts = sineVolts(sampling, e, firstTime + n)
      stream[(rampSamples + n) * electrodes + e] = volts
      inputs[n * electrodes + e] = volts
    }
    // Ramp out: the last row stays exactly +0 V.
    for (let r = 1; r < rampSamples; r++)
      stream[(rampSamples + chunkSamples + r - 1) * electrodes + e] = (last * (rampSamples - r)) / rampSamples
  }
  return { streamVolts: stream, rowCount, dataStartRow: rampSamples, inputsVolts: inputs }
}
