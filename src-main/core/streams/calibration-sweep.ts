// Calibration IV curves (README.md "The instrument": Calibration): one electrode at a time sweeps a
// sawtooth 0 -> min -> max -> 0 of its trial range while every other electrode stays at 0 V;
// the readout current per point is its IV curve. From the curve, saturation detection marks
// the points whose reading sits at the edge of the ADC range, and suggestRange proposes the
// usable range of the electrode.
//
// The sweep is a point set for stream-builder.ts: `pointCount` points on the up leg (min to max
// inclusive, spacing d = (max - min) / (pointCount - 1)); the down legs 0 -> min and max -> 0
// use the same spacing (rounded up to whole steps) and end exactly on min and on 0. Each point
// is held plateauLength samples (default 1); when d exceeds the slew limit's step the builder
// lengthens the slopes between points, so the sweep never ramps faster than allowed. A sweep
// too long for one acquisition is split by the builder (each part returns to 0 V in between).
//
// Range suggestion rule (suggestRange): walking out from 0 V on each side, the usable side
// ends at the last unsaturated point before the first saturated one (a saturated point on
// either leg counts, so hysteresis can only narrow the range). A side without saturation keeps
// the trial bound; a side that saturates is shrunk toward 0 V by marginFraction (default 5 %)
// of its length, because the real onset lies somewhere between the two points. A saturated
// reading at 0 V itself gives [0, 0].

import { formatVolts } from './stream-safety.js'
import { buildStreams, readoutsToPoints, voltsToNanoamps, type StreamPlan } from './stream-builder.js'

export type SweepLeg = 'down' | 'up'

export interface CalibrationSweepOptions {
  /** 0-based electrode (activation channel) to sweep. */
  electrode: number
  /** Activation channels of the instrument. */
  channelCount: number
  /** [min, max] volts to try, min <= 0 <= max, min < max. Beyond [-1.2, 1.0] V needs an override (checkRangeOverride). */
  trialRangeVolts: readonly [number, number]
  /** Points on the up leg, min to max inclusive (>= 2). */
  pointCount: number
  /** Samples each point is held (default 1). */
  plateauLength?: number | undefined
  dacRateHz: number
  slewVoltsPerSecond: number
  maxSamplesPerChannel: number
}

export interface CalibrationSweep {
  electrode: number
  channelCount: number
  trialRangeVolts: readonly [number, number]
  /** The swept electrode's voltage per point (float32-rounded, as sent), in sweep order. */
  sweepVolts: number[]
  /** Leg of each point: 'down' on 0 -> min and max -> 0, 'up' on min -> max. */
  legs: SweepLeg[]
  /** The acquisitions to run (check each stream with assertStreamSafe, then send). */
  plan: StreamPlan
}

export interface IvPoint {
  volts: number
  nanoamps: number
  leg: SweepLeg
}

export interface IvCurve {
  electrode: number
  trialRangeVolts: readonly [number, number]
  /** In sweep order. */
  points: IvPoint[]
}

function checkTrialRange(range: readonly [number, number], what: string): void {
  if (!Array.isArray(range) || range.length !== 2 || !Number.isFinite(range[0]) || !Number.isFinite(range[1])) {
    throw new RangeError(`${what} must be a pair [min, max] of finite volts, got ${JSON.stringify(range)}`)
  }
  const [lo, hi] = range
  if (!(lo <= 0 && hi >= 0 && lo < hi)) {
    throw new RangeError(
      `${what} [${formatVolts(lo)}, ${formatVolts(hi)}] V must satisfy min <= 0 <= max with min < max (the sweep starts and ends at 0 V)`
    )
  }
}

/** The swept voltages and their legs: 0 -> min (down), min -> max (up), max -> 0 (down). */
export function sawtoothVolts(
  trialRangeVolts: readonly [number, number],
  pointCount: number
): { volts: number[]; legs: SweepLeg[] } {
  checkTrialRange(trialRangeVolts, 'trial range')
  if (!Number.isInteger(pointCount) || pointCount < 2)
    throw new RangeError(`pointCount must be an integer >= 2, got ${pointCount}`)
  const [lo, hi] = trialRangeVolts
  const spacing = (hi - lo) / (pointCount - 1)
  const volts: number[] = []
  const legs: SweepLeg[] = []
  const push = (v: number, leg: SweepLeg): void => {
    volts.push(Math.fround(v))
    legs.push(leg)
  }
  // 0 -> min, excluding min (the up leg starts there). Empty when min is 0.
  const downSteps = lo < 0 ? Math.ceil(-lo / spacing) : 0
  for (let k = 0; k < downSteps; k += 1) push(k === 0 ? 0 : (lo * k) / downSteps, 'down')
  // min -> max inclusive, ending exactly on max.
  for (let k = 0; k < pointCount; k += 1)
    push(k === pointCount - 1 ? hi : lo + ((hi - lo) * k) / (pointCount - 1), 'up')
  // max -> 0, excluding max, ending exactly on 0. Empty when max is 0.
  const returnSteps = hi > 0 ? Math.ceil(hi / spacing) : 0
  for (let k = 1; k <= returnSteps; k += 1) push(k === returnSteps ? 0 : (hi * (returnSteps - k)) / returnSteps, 'down')
  return { volts, legs }
}

/** The sawtooth of one electrode (others at 0 V) as acquisitions ready to check and send. */
export function buildCalibrationSweep(options: CalibrationSweepOptions): CalibrationSweep {
  const { electrode, channelCount, trialRangeVolts, pointCount } = options
  if (!Number.isInteger(channelCount) || channelCount < 1)
    throw new RangeError(`channelCount must be a positive integer, got ${channelCount}`)
  if (!Number.isInteger(electrode) || electrode < 0 || electrode >= channelCount) {
    throw new RangeError(`electrode ${electrode} is not an activation electrode index (0..${channelCount - 1})`)
  }
  const { volts, legs } = sawtoothVolts(trialRangeVolts, pointCount)
  const points = new Float32Array(volts.length * channelCount)
  volts.forEach((v, r) => (points[r * channelCount + electrode] = v))
  const plan = buildStreams(points, volts.length, {
    channelCount,
    shape: { plateauLength: options.plateauLength ?? 1, slopeLength: 0 },
    dacRateHz: options.dacRateHz,
    slewVoltsPerSecond: options.slewVoltsPerSecond,
    maxSamplesPerChannel: options.maxSamplesPerChannel
  })
  return {
    electrode,
    channelCount,
    trialRangeVolts: [trialRangeVolts[0], trialRangeVolts[1]],
    sweepVolts: volts,
    legs,
    plan
  }
}

export interface IvReadoutOptions {
  readoutChannelCount: number
  /** Which readout channel is the device's output (default 0). */
  readoutChannel?: number | undefined
  /** nA per ADC volt. */
  amplification: number
  inverted: boolean
  /** ADC readings per DAC sample (default 1, `SENS:AVER ON`). */
  readingsPerSample?: number | undefined
}

/** The readouts of a sweep's acquisitions (in plan order) -> its IV curve (plateau means, nA). */
export function ivCurveFromReadouts(
  sweep: CalibrationSweep,
  readouts: readonly Float32Array[],
  options: IvReadoutOptions
): IvCurve {
  const channel = options.readoutChannel ?? 0
  const m = options.readoutChannelCount
  if (!Number.isInteger(channel) || channel < 0 || channel >= m) {
    throw new RangeError(`readoutChannel ${channel} is not a readout channel index (0..${m - 1})`)
  }
  const perPoint = readoutsToPoints(readouts, sweep.plan, 'average', {
    readoutChannelCount: m,
    readingsPerSample: options.readingsPerSample
  })
  const nanoamps = voltsToNanoamps(perPoint, options.amplification, options.inverted)
  const points = sweep.sweepVolts.map((volts, r) => ({
    volts,
    nanoamps: nanoamps[r * m + channel]!,
    leg: sweep.legs[r]!
  }))
  return { electrode: sweep.electrode, trialRangeVolts: sweep.trialRangeVolts, points }
}

export interface SaturationOptions {
  inverted?: boolean | undefined
  /** Readings within this fraction of the ADC span from either edge are saturated (default 0.005). */
  edgeFraction?: number | undefined
}

export interface SaturationCheck {
  /** Per curve point, in curve order. */
  saturated: boolean[]
  count: number
  /** ADC volts at or beyond which a reading counts as saturated: [low edge, high edge]. */
  thresholdsVolts: [number, number]
}

/**
 * Marks the points whose reading (nA back to ADC volts: nA / amplification, negated when
 * inverted) lies within edgeFraction of the ADC span from an edge of adcRangeVolts, or is not
 * finite. The instrument clamps at the edge; the fraction also catches a noisy clamp.
 */
export function detectSaturation(
  curve: IvCurve,
  adcRangeVolts: readonly [number, number],
  amplification: number,
  options: SaturationOptions = {}
): SaturationCheck {
  const [lo, hi] = adcRangeVolts
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo >= hi)
    throw new RangeError(`adcRangeVolts must be [min, max] with min < max, got ${JSON.stringify(adcRangeVolts)}`)
  if (!Number.isFinite(amplification) || amplification === 0)
    throw new RangeError(`amplification must be a finite non-zero number, got ${amplification}`)
  const fraction = options.edgeFraction ?? 0.005
  if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 0.5)
    throw new RangeError(`edgeFraction must be in [0, 0.5), got ${fraction}`)
  const margin = fraction * (hi - lo)
  const thresholdsVolts: [number, number] = [lo + margin, hi - margin]
  const gain = amplification * (options.inverted ? -1 : 1)
  const saturated = curve.points.map(({ nanoamps }) => {
    const adcVolts = nanoamps / gain
    return !Number.isFinite(adcVolts) || adcVolts <= thresholdsVolts[0] || adcVolts >= thresholdsVolts[1]
  })
  return { saturated, count: saturated.filter(Boolean).length, thresholdsVolts }
}

export interface RangeSuggestion {
  /** [min, max] with min <= 0 <= max. */
  rangeVolts: [number, number]
  /** True when saturation narrowed the range below the trial range. */
  saturated: boolean
  /** Which side ended at saturation rather than at the trial bound. */
  limitedBy: { min: 'trial' | 'saturation'; max: 'trial' | 'saturation' }
}

export interface SuggestRangeOptions {
  /** A saturated side is shrunk toward 0 V by this fraction of its length (default 0.05). */
  marginFraction?: number | undefined
}

/** The widest unsaturated interval around 0 V (rule in the top comment). */
export function suggestRange(
  curve: IvCurve,
  trialRangeVolts: readonly [number, number],
  saturation: Pick<SaturationCheck, 'saturated'>,
  options: SuggestRangeOptions = {}
): RangeSuggestion {
  checkTrialRange(trialRangeVolts, 'trial range')
  const margin = options.marginFraction ?? 0.05
  if (!Number.isFinite(margin) || margin < 0 || margin >= 1)
    throw new RangeError(`marginFraction must be in [0, 1), got ${margin}`)
  if (saturation.saturated.length !== curve.points.length) {
    throw new RangeError(
      `saturation has ${saturation.saturated.length} flags for a curve of ${curve.points.length} points`
    )
  }
  const points = curve.points.map((point, i) => ({ volts: point.volts, saturated: saturation.saturated[i]! }))
  const side = (sign: -1 | 1, trialBound: number): { bound: number; limited: boolean } => {
    // Distance from 0 V of the first saturated point on this side (0 V belongs to both sides);
    // loops rather than Math.min(...spread), which overflows the stack on long curves.
    let firstSaturated = Infinity
    for (const { volts, saturated } of points)
      if (saturated && sign * volts >= 0) firstSaturated = Math.min(firstSaturated, sign * volts)
    if (firstSaturated === Infinity) return { bound: trialBound, limited: false }
    let reach = 0
    for (const { volts, saturated } of points) {
      const distance = sign * volts
      if (!saturated && distance >= 0 && distance < firstSaturated) reach = Math.max(reach, distance)
    }
    const bound = sign * reach * (1 - margin)
    // Never beyond the trial bound, and 0 V written as +0.
    return {
      bound: bound === 0 ? 0 : sign < 0 ? Math.max(bound, trialBound) : Math.min(bound, trialBound),
      limited: true
    }
  }
  const low = side(-1, trialRangeVolts[0])
  const high = side(1, trialRangeVolts[1])
  return {
    rangeVolts: [low.bound, high.bound],
    saturated: low.limited || high.limited,
    limitedBy: { min: low.limited ? 'saturation' : 'trial', max: high.limited ? 'saturation' : 'trial' }
  }
}
