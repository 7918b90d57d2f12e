// What a lab looks at after training a surrogate, computed from the test set: a bounded sample
// of predicted vs measured outputs (the scatter), and per electrode the outputs binned by that
// electrode's voltage (an IV curve of model and measurement over the same samples).
import { IV_CURVE_BINS, MAX_SCATTER_POINTS, type SurrogateIvCurve } from '../../../src-shared/domain'

/** At most `limit` evenly spaced pairs (the test set is already a random permutation of the samples). */
export function scatterSample(
  measuredNanoamps: ArrayLike<number>,
  predictedNanoamps: ArrayLike<number>,
  limit: number = MAX_SCATTER_POINTS
): { measuredNanoamps: number[]; predictedNanoamps: number[] } {
  const count = measuredNanoamps.length
  const stride = Math.max(1, count / limit)
  const measured: number[] = []
  const predicted: number[] = []
  for (let at = 0; Math.floor(at) < count && measured.length < limit; at += stride) {
    const i = Math.floor(at)
    measured.push(measuredNanoamps[i]!)
    predicted.push(predictedNanoamps[i]!)
  }
  return { measuredNanoamps: measured, predictedNanoamps: predicted }
}

/**
 * Each electrode's curve: its [min, max] range cut into `bins` equal bins, and in each bin the
 * mean measured and the mean predicted output of the samples whose voltage on that electrode
 * falls in it (null where none does). Samples outside the range go to the end bins.
 */
export function ivCurves(
  inputsVolts: Float32Array,
  electrodeCount: number,
  measuredNanoamps: ArrayLike<number>,
  predictedNanoamps: ArrayLike<number>,
  rangesVolts: readonly (readonly [number, number])[],
  bins: number = IV_CURVE_BINS
): SurrogateIvCurve[] {
  const count = measuredNanoamps.length
  if (inputsVolts.length !== count * electrodeCount || predictedNanoamps.length !== count)
    throw new RangeError(
      `IV curves need ${count} samples x ${electrodeCount} electrodes and ${count} predictions, got ${inputsVolts.length} inputs and ${predictedNanoamps.length} predictions`
    )
  if (rangesVolts.length !== electrodeCount)
    throw new RangeError(`IV curves need ${electrodeCount} electrode ranges, got ${rangesVolts.length}`)
  return rangesVolts.map(([lo, hi], electrode) => {
    const width = (hi - lo) / bins
    const measuredSum = new Float64Array(bins)
    const predictedSum = new Float64Array(bins)
    const samples = new Uint32Array(bins)
    for (let s = 0; s < count; s++) {
      const volts = inputsVolts[s * electrodeCount + electrode]!
      const bin = width > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((volts - lo) / width))) : 0
      measuredSum[bin] += measuredNanoamps[s]!
      predictedSum[bin] += predictedNanoamps[s]!
      samples[bin] += 1
    }
    const mean = (sums: Float64Array): (number | null)[] =>
      Array.from(sums, (sum, bin) => (samples[bin]! > 0 ? sum / samples[bin]! : null))
    return {
      electrode,
      binCentersVolts: Array.from({ length: bins }, (_, bin) => lo + (bin + 0.5) * width),
      measuredNanoamps: mean(measuredSum),
      predictedNanoamps: mean(predictedSum)
    }
  })
}
