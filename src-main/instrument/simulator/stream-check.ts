/**
 * The content rules an activation stream must meet to be played (docs/instrument-protocol.md
 * "Acquisition" and, under "Details that implementations must agree on", Uploads), and the per-channel summary the upload log records.
 */

/** Step tolerance on top of slew/DAC-rate: float32 rounding of the host's ramps. */
export const STEP_TOLERANCE_VOLTS = 1e-6

export interface ContentRules {
  channelCount: number
  /** Per channel [min, max] volts as configured; compared after rounding to float32. */
  limitsVolts: readonly (readonly [number, number])[]
  /** slew / DAC rate, volts per DAC sample (the tolerance is added here). */
  maxStepVolts: number
}

/** The first rule `stream` breaks, as a sentence naming channel and sample; null when it is playable. */
export function findContentViolation(stream: Float32Array, rules: ContentRules): string | null {
  const { channelCount } = rules
  const sampleCount = stream.length / channelCount
  const allowedStep = rules.maxStepVolts + STEP_TOLERANCE_VOLTS
  for (let channel = 0; channel < channelCount; channel++) {
    const [limitMin, limitMax] = rules.limitsVolts[channel]!
    const lo = Math.fround(limitMin)
    const hi = Math.fround(limitMax)
    // `=== 0` is true for -0.0 too, which counts as 0.
    const first = stream[channel]!
    if (first !== 0) return `channel ${channel}: the first sample is ${first} V, not 0`
    const last = stream[(sampleCount - 1) * channelCount + channel]!
    if (last !== 0) return `channel ${channel}: the last sample is ${last} V, not 0`
    let previous = first
    for (let sample = 0; sample < sampleCount; sample++) {
      const volts = stream[sample * channelCount + channel]!
      // Written so that NaN fails: every comparison with NaN is false.
      if (!(volts >= lo && volts <= hi))
        return `channel ${channel} sample ${sample}: ${volts} V is outside the limit [${limitMin}, ${limitMax}] V`
      const step = Math.abs(volts - previous)
      if (step > allowedStep)
        return `channel ${channel} sample ${sample}: a step of ${step} V exceeds slew/DAC-rate = ${rules.maxStepVolts} V`
      previous = volts
    }
  }
  return null
}

export interface StreamSummary {
  samplesPerChannel: number
  minVolts: number[]
  maxVolts: number[]
  firstVolts: number[]
  lastVolts: number[]
  /** Largest |step| between consecutive samples per channel (0 for a single sample). */
  maxStepVolts: number[]
}

/** Per-channel figures of an interleaved stream; NaN anywhere in a channel makes its min, max and max step NaN. */
export function summariseStream(stream: Float32Array, channelCount: number): StreamSummary {
  const samplesPerChannel = stream.length / channelCount
  const summary: StreamSummary = {
    samplesPerChannel,
    minVolts: [],
    maxVolts: [],
    firstVolts: [],
    lastVolts: [],
    maxStepVolts: []
  }
  for (let channel = 0; channel < channelCount; channel++) {
    let min = Infinity
    let max = -Infinity
    let maxStep = 0
    let sawNaN = false
    for (let sample = 0; sample < samplesPerChannel; sample++) {
      const volts = stream[sample * channelCount + channel]!
      if (Number.isNaN(volts)) sawNaN = true
      if (volts < min) min = volts
      if (volts > max) max = volts
      if (sample > 0) {
        const step = Math.abs(volts - stream[(sample - 1) * channelCount + channel]!)
        if (step > maxStep) maxStep = step
      }
    }
    summary.minVolts.push(sawNaN ? NaN : min)
    summary.maxVolts.push(sawNaN ? NaN : max)
    summary.maxStepVolts.push(sawNaN ? NaN : maxStep)
    summary.firstVolts.push(stream[channel]!)
    summary.lastVolts.push(stream[(samplesPerChannel - 1) * channelCount + channel]!)
  }
  return summary
}
