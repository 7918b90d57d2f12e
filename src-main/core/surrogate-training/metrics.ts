// How well a trained surrogate predicts held-out measurements, in the units a lab reads.

export interface TestMetrics {
  /** Root of the mean squared error of the predictions, nA. */
  rmseNanoamps: number
  /** rmseNanoamps over the measured outputs' range (max - min); 0 range gives null. */
  rmseRelativeToRange: number | null
  /** Pearson correlation of predicted and measured outputs; null when either is constant. */
  correlation: number | null
  /** Measured outputs' range, nA. */
  outputRangeNanoamps: [number, number]
  sampleCount: number
}

/** Pearson's r of two equally long series (null if either has zero variance). */
export function pearsonCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length || a.length === 0)
    throw new RangeError(`correlation needs two non-empty series of the same length, got ${a.length} and ${b.length}`)
  let meanA = 0
  let meanB = 0
  for (let i = 0; i < a.length; i += 1) {
    meanA += a[i]!
    meanB += b[i]!
  }
  meanA /= a.length
  meanB /= b.length
  let covariance = 0
  let varianceA = 0
  let varianceB = 0
  for (let i = 0; i < a.length; i += 1) {
    const da = a[i]! - meanA
    const db = b[i]! - meanB
    covariance += da * db
    varianceA += da * da
    varianceB += db * db
  }
  if (varianceA === 0 || varianceB === 0) return null
  return covariance / Math.sqrt(varianceA * varianceB)
}

/** RMSE, RMSE relative to the measured range, and correlation of predicted vs measured (both nA). */
export function testMetrics(predictedNanoamps: ArrayLike<number>, measuredNanoamps: ArrayLike<number>): TestMetrics {
  const correlation = pearsonCorrelation(predictedNanoamps, measuredNanoamps)
  let squared = 0
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < measuredNanoamps.length; i += 1) {
    const measured = measuredNanoamps[i]!
    squared += (predictedNanoamps[i]! - measured) ** 2
    lo = Math.min(lo, measured)
    hi = Math.max(hi, measured)
  }
  const rmseNanoamps = Math.sqrt(squared / measuredNanoamps.length)
  return {
    rmseNanoamps,
    rmseRelativeToRange: hi > lo ? rmseNanoamps / (hi - lo) : null,
    correlation,
    outputRangeNanoamps: [lo, hi],
    sampleCount: measuredNanoamps.length
  }
}
