// Host-side check of an activation stream before it is sent to the instrument. The instrument
// rejects an unsafe upload itself (docs/instrument-protocol.md "Details that implementations must agree on": Uploads), but its interlock is the
// second line of defence: the host refuses first and says why.
//
// The comparison copies the instrument's, so a stream that passes here is never rejected there
// for its content:
// - samples are float32 (what goes over the wire), compared with the limits rounded to float32;
// - NaN and infinities are out of range;
// - the first and last sample of every channel must be exactly 0 (-0.0 counts as 0);
// - a step between consecutive samples may be at most slew / dacRate + 1 uV (the 1 uV absorbs
//   float32 rounding of ramps computed in float64).

import { SAFE_RANGE_VOLTS } from '../../../src-shared/domain/limits.js'

/** Extra step allowed on top of slew / dacRate, as on the instrument. */
export const SLEW_TOLERANCE_VOLTS = 1e-6

export interface StreamLimits {
  /** Per channel (electrode) [min, max] volts, from the active calibration; must contain 0 V. */
  rangesVolts: readonly (readonly [number, number])[]
  /** the instrument's absolute output limit [min, max] volts (`SOUR:VOLT:ABS?`). */
  absoluteVolts: readonly [number, number]
  /** Highest allowed ramp rate (`SOUR:VOLT:SLEW?`). */
  slewVoltsPerSecond: number
  /** DAC update rate the stream will be played at. */
  dacRateHz: number
  /** Optional: most samples per channel in one acquisition (`WAV:POIN:MAX?`). */
  maxSamplesPerChannel?: number | undefined
}

export type StreamRule = 'range' | 'absolute' | 'first-not-zero' | 'last-not-zero' | 'slew' | 'not-finite' | 'length'

export interface StreamViolation {
  rule: StreamRule
  /** 0-based channel (electrode); null for a 'length' violation. */
  channel: number | null
  /** 0-based sample index within the channel; null for a 'length' violation. */
  sampleIndex: number | null
  /** The offending sample (volts, as float32); null for a 'length' violation. */
  valueVolts: number | null
  /** One sentence saying what is wrong, e.g. `electrode 3 sample 120 = 0.734 V is outside ...`. */
  message: string
}

export type StreamCheck =
  | { ok: true }
  | {
      ok: false
      /** The first `maxViolations` violations in stream order (sample-major, then channel). */
      violations: StreamViolation[]
      /** All violations found, including those not listed. */
      violationCount: number
    }

export interface CheckStreamOptions {
  /** Keep at most this many violations in the result (default 100); all are still counted. */
  maxViolations?: number | undefined
}

/** Thrown by assertStreamSafe: the stream was not sent. */
export class UnsafeStreamError extends Error {
  readonly violations: readonly StreamViolation[]
  readonly violationCount: number

  constructor(violations: readonly StreamViolation[], violationCount: number) {
    super(refusalMessage(violations, violationCount))
    this.name = 'UnsafeStreamError'
    this.violations = violations
    this.violationCount = violationCount
  }
}

// Most severe first: the headline of a refusal names the worst problem.
const RULE_SEVERITY: readonly StreamRule[] = [
  'length',
  'not-finite',
  'absolute',
  'range',
  'first-not-zero',
  'last-not-zero',
  'slew'
]

function refusalMessage(violations: readonly StreamViolation[], violationCount: number): string {
  if (violations.length === 0) return 'refused to send: the stream is unsafe'
  const headline = [...violations].sort((a, b) => RULE_SEVERITY.indexOf(a.rule) - RULE_SEVERITY.indexOf(b.rule))[0]!
  const more = violationCount - 1
  const tail = more > 0 ? ` (and ${more} more violation${more === 1 ? '' : 's'})` : ''
  return `refused to send: ${headline.message}${tail}`
}

/** Volts for messages: up to 6 significant digits, so float32 noise (0.7340000271) reads 0.734. */
export function formatVolts(volts: number): string {
  return Number.isFinite(volts) ? String(Number(volts.toPrecision(6))) : String(volts)
}

function formatRange([lo, hi]: readonly [number, number]): string {
  return `[${formatVolts(lo)}, ${formatVolts(hi)}]`
}

function checkPair(pair: readonly [number, number] | undefined, what: string): void {
  if (!Array.isArray(pair) || pair.length !== 2 || !Number.isFinite(pair[0]) || !Number.isFinite(pair[1])) {
    throw new RangeError(`${what} must be a pair [min, max] of finite volts, got ${JSON.stringify(pair)}`)
  }
  if (pair[0] > pair[1]) throw new RangeError(`${what} ${formatRange(pair)} has min > max`)
}

function checkPositive(value: number, what: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a positive number, got ${value}`)
}

/** Validates the limits themselves (a programming or calibration error, not a stream violation). */
export function checkStreamLimits(channelCount: number, limits: StreamLimits): void {
  if (!Number.isInteger(channelCount) || channelCount < 1)
    throw new RangeError(`channelCount must be a positive integer, got ${channelCount}`)
  checkPair(limits.absoluteVolts, 'absoluteVolts')
  if (!Array.isArray(limits.rangesVolts) || limits.rangesVolts.length !== channelCount) {
    throw new RangeError(
      `rangesVolts must have one [min, max] per channel (${channelCount}), got ${Array.isArray(limits.rangesVolts) ? limits.rangesVolts.length : typeof limits.rangesVolts}`
    )
  }
  limits.rangesVolts.forEach((range, channel) => {
    checkPair(range, `range of electrode ${channel}`)
    // Streams start and end at 0 V, and the instrument refuses limits without 0 (-224).
    if (!(range[0] <= 0 && range[1] >= 0))
      throw new RangeError(`range of electrode ${channel} ${formatRange(range)} V must contain 0 V`)
  })
  checkPositive(limits.slewVoltsPerSecond, 'slewVoltsPerSecond')
  checkPositive(limits.dacRateHz, 'dacRateHz')
  if (
    limits.maxSamplesPerChannel !== undefined &&
    (!Number.isInteger(limits.maxSamplesPerChannel) || limits.maxSamplesPerChannel < 1)
  ) {
    throw new RangeError(`maxSamplesPerChannel must be a positive integer, got ${limits.maxSamplesPerChannel}`)
  }
}

/** The largest step between consecutive samples the instrument accepts, volts. */
export function maxStepVolts(slewVoltsPerSecond: number, dacRateHz: number): number {
  return slewVoltsPerSecond / dacRateHz
}

/**
 * Checks an activation stream (interleaved by channel: s0ch0, s0ch1, ..., s1ch0, ...) against
 * the limits, the way the instrument does. Throws RangeError for invalid limits; returns every
 * problem of the stream itself as a violation.
 */
export function checkStream(
  stream: Float32Array,
  channelCount: number,
  limits: StreamLimits,
  options: CheckStreamOptions = {}
): StreamCheck {
  if (!(stream instanceof Float32Array))
    throw new TypeError('stream must be a Float32Array (the float32 samples that are sent)')
  checkStreamLimits(channelCount, limits)
  const maxViolations = options.maxViolations ?? 100
  const violations: StreamViolation[] = []
  let violationCount = 0
  // Messages are built only for the violations kept: a stream can hold millions of samples.
  const add = (
    rule: StreamRule,
    channel: number | null,
    sampleIndex: number | null,
    valueVolts: number | null,
    message: () => string
  ): void => {
    violationCount += 1
    if (violations.length < maxViolations)
      violations.push({ rule, channel, sampleIndex, valueVolts, message: message() })
  }
  const length = (message: string): StreamCheck => {
    add('length', null, null, null, () => message)
    return { ok: false, violations, violationCount }
  }

  if (stream.length === 0) return length('the stream is empty')
  if (stream.length % channelCount !== 0) {
    return length(`the stream has ${stream.length} values, not a multiple of the ${channelCount} channels`)
  }
  const sampleCount = stream.length / channelCount
  if (limits.maxSamplesPerChannel !== undefined && sampleCount > limits.maxSamplesPerChannel) {
    return length(
      `the stream has ${sampleCount} samples per channel, more than the ${limits.maxSamplesPerChannel} of one acquisition`
    )
  }

  // float32 limits, as the instrument holds them.
  const absLo = Math.fround(limits.absoluteVolts[0])
  const absHi = Math.fround(limits.absoluteVolts[1])
  const lows = limits.rangesVolts.map(([lo]) => Math.fround(lo))
  const highs = limits.rangesVolts.map(([, hi]) => Math.fround(hi))
  const maxStep = maxStepVolts(limits.slewVoltsPerSecond, limits.dacRateHz)
  const stepLimit = maxStep + SLEW_TOLERANCE_VOLTS
  const last = sampleCount - 1

  for (let i = 0; i < sampleCount; i += 1) {
    for (let channel = 0; channel < channelCount; channel += 1) {
      const v = stream[i * channelCount + channel]!
      const where = (): string => `electrode ${channel} sample ${i} = ${formatVolts(v)} V`
      if (!Number.isFinite(v)) {
        add('not-finite', channel, i, v, () => `electrode ${channel} sample ${i} is ${v}, not a voltage`)
        continue
      }
      if (v < absLo || v > absHi) {
        add(
          'absolute',
          channel,
          i,
          v,
          () => `${where()} is outside the absolute limit ${formatRange(limits.absoluteVolts)} V of the instrument`
        )
      } else if (v < lows[channel]! || v > highs[channel]!) {
        add(
          'range',
          channel,
          i,
          v,
          () => `${where()} is outside its calibrated range ${formatRange(limits.rangesVolts[channel]!)} V`
        )
      }
      // `!== 0` is false for -0.0, which the instrument counts as 0.
      if (i === 0 && v !== 0)
        add('first-not-zero', channel, i, v, () => `${where()} but every channel must start at exactly 0 V`)
      if (i === last && v !== 0)
        add('last-not-zero', channel, i, v, () => `${where()} but every channel must end at exactly 0 V`)
      if (i > 0) {
        const previous = stream[(i - 1) * channelCount + channel]!
        // A non-finite neighbour is already reported; its step means nothing.
        if (Number.isFinite(previous) && Math.abs(v - previous) > stepLimit) {
          add(
            'slew',
            channel,
            i,
            v,
            () =>
              `${where()} steps ${formatVolts(Math.abs(v - previous))} V from ${formatVolts(previous)} V, more than the slew limit allows ` +
              `(${formatVolts(maxStep)} V per sample = ${formatVolts(limits.slewVoltsPerSecond)} V/s at ${formatVolts(limits.dacRateHz)} Hz)`
          )
        }
      }
    }
  }
  return violationCount === 0 ? { ok: true } : { ok: false, violations, violationCount }
}

/** checkStream, throwing UnsafeStreamError (message `refused to send: ...`) if anything is wrong. */
export function assertStreamSafe(
  stream: Float32Array,
  channelCount: number,
  limits: StreamLimits,
  options: CheckStreamOptions = {}
): void {
  const result = checkStream(stream, channelCount, limits, options)
  if (!result.ok) throw new UnsafeStreamError(result.violations, result.violationCount)
}

/** An electrode's [min, max] volts, as a calibration lists it. */
export interface ElectrodeRange {
  electrode: number
  rangeVolts: readonly [number, number]
}

export interface RangeOverrideNeed {
  electrode: number
  rangeVolts: readonly [number, number]
  /** Which end goes beyond SAFE_RANGE_VOLTS. */
  beyond: 'min' | 'max' | 'both'
}

/**
 * The electrodes whose range goes beyond SAFE_RANGE_VOLTS ([-1.2, 1.0] V; the bounds themselves
 * are allowed). An empty list means no override is needed; otherwise a service must demand an
 * explicit, confirmed override and record it before using these ranges (requireRangeOverride).
 */
export function checkRangeOverride(ranges: readonly ElectrodeRange[]): RangeOverrideNeed[] {
  if (!Array.isArray(ranges)) throw new RangeError('ranges must be an array of { electrode, rangeVolts: [min, max] }')
  const [safeLo, safeHi] = SAFE_RANGE_VOLTS
  const needs: RangeOverrideNeed[] = []
  for (const { electrode, rangeVolts } of ranges) {
    checkPair(rangeVolts, `range of electrode ${electrode}`)
    const low = rangeVolts[0] < safeLo
    const high = rangeVolts[1] > safeHi
    if (low || high) needs.push({ electrode, rangeVolts, beyond: low && high ? 'both' : low ? 'min' : 'max' })
  }
  return needs
}

/**
 * The override rule for ranges about to be saved: throws, naming the electrodes, when a range
 * goes beyond SAFE_RANGE_VOLTS and no override is confirmed. Returns the electrodes the override
 * covers (to record with the ranges); empty when none is needed.
 */
export function requireRangeOverride(
  ranges: readonly ElectrodeRange[],
  override: { confirmed: boolean } | undefined
): number[] {
  const beyond = checkRangeOverride(ranges).map((need) => need.electrode)
  if (beyond.length > 0 && override?.confirmed !== true) {
    throw new Error(
      `rangeOverride: electrode${beyond.length > 1 ? 's' : ''} ${beyond.join(', ')} go beyond [${SAFE_RANGE_VOLTS[0]}, ${SAFE_RANGE_VOLTS[1]}] V: confirm the override and give a reason`
    )
  }
  return beyond
}
