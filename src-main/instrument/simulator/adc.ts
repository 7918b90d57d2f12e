/**
 * From device currents to ADC readings: nA / amplification (negated for an inverting amplifier),
 * Gaussian noise per raw ADC point, saturation at the ADC range edges, then optional averaging
 * of the oversampled points (docs/instrument-protocol.md "Details that implementations must agree on": Surrogate-backed devices, Saturation).
 */
import type { Rng } from '../../core/rng'

export interface AdcSettings {
  /** nA per volt of the current-to-voltage amplifier, one per readout channel. */
  amplificationNanoampsPerVolt: readonly number[]
  inverted: boolean
  noiseStdNanoamps: number
  /** Draws the noise; unused when the std is 0. */
  rng: Rng
  adcRangeVolts: readonly [number, number]
}

export interface Readings {
  /** Interleaved by readout channel. */
  volts: Float32Array
  /** True when any raw point was at or beyond an edge of the ADC range. */
  saturated: boolean
}

/**
 * `currentsNanoamps` is rows x readout channels (one row per DAC sample). Each DAC sample is seen
 * by `adcPointsPerSample` raw ADC points, each with its own noise; with `averaging` they are
 * averaged into one reading, else every raw point is a reading.
 */
export function readingsFromCurrents(
  currentsNanoamps: Float32Array,
  readoutCount: number,
  adcPointsPerSample: number,
  averaging: boolean,
  settings: AdcSettings
): Readings {
  const rows = currentsNanoamps.length / readoutCount
  const [edgeLo, edgeHi] = settings.adcRangeVolts
  const readingsPerRow = averaging ? 1 : adcPointsPerSample
  const volts = new Float32Array(rows * readingsPerRow * readoutCount)
  let saturated = false
  const noisy = settings.noiseStdNanoamps > 0
  for (let row = 0; row < rows; row++) {
    const sums = new Array<number>(readoutCount).fill(0)
    for (let point = 0; point < adcPointsPerSample; point++) {
      for (let channel = 0; channel < readoutCount; channel++) {
        let nanoamps = currentsNanoamps[row * readoutCount + channel]!
        if (noisy) nanoamps += settings.rng.gaussian(0, settings.noiseStdNanoamps)
        let reading = nanoamps / settings.amplificationNanoampsPerVolt[channel]!
        if (settings.inverted) reading = -reading
        // NaN (a broken model) reads as the top edge: a real ADC never returns "not a number".
        if (!(reading < edgeHi)) reading = edgeHi
        if (reading <= edgeLo) reading = edgeLo
        if (reading === edgeHi || reading === edgeLo) saturated = true
        if (averaging) sums[channel]! += reading
        else volts[(row * adcPointsPerSample + point) * readoutCount + channel] = reading
      }
    }
    if (averaging)
      for (let channel = 0; channel < readoutCount; channel++)
        volts[row * readoutCount + channel] = sums[channel]! / adcPointsPerSample
  }
  return { volts, saturated }
}
