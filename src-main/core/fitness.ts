// GA fitness functions for ONE output column (semantics page formulas). Higher is better.

/** The GA's fitness functions, by the reference's names (registry: ga/fitness-registry.ts). */
export type FitnessName = 'corrsig_fit' | 'corr_fit' | 'accuracy_fit' | 'fisher_fit'

export interface FitnessOptions {
  /** Return the function's default value (the genome's output is clipped or constant). */
  defaultValue?: boolean | undefined
}

export interface CorrsigOptions extends FitnessOptions {
  sigmoidCenter?: number | undefined
  sigmoidScale?: number | undefined
}

export type FitnessFunction = (output: readonly number[], target: readonly number[], options?: FitnessOptions) => number

/** Value a genome gets from corr_fit / corrsig_fit when its output is unusable: it must never win. */
export const FITNESS_DEFAULT_VALUE = -1

function mean(values: readonly number[]): number {
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

function checkLengths(x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) throw new RangeError(`output has ${x.length} points but target has ${y.length}`)
  if (x.length === 0) throw new RangeError('fitness of an empty output')
}

/**
 * Pearson correlation r = sum(vx*vy) / (sqrt(sum vx^2) * sqrt(sum vy^2)), v = value - mean.
 * NaN when either input is constant (r is undefined there), as in the reference.
 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  checkLengths(x, y)
  const meanX = mean(x)
  const meanY = mean(y)
  let sumXY = 0
  let sumXX = 0
  let sumYY = 0
  for (let i = 0; i < x.length; i += 1) {
    const vx = x[i]! - meanX
    const vy = y[i]! - meanY
    sumXY += vx * vy
    sumXX += vx * vx
    sumYY += vy * vy
  }
  const denominator = Math.sqrt(sumXX) * Math.sqrt(sumYY)
  return denominator === 0 ? Number.NaN : sumXY / denominator
}

export function corrFit(output: readonly number[], target: readonly number[], options: FitnessOptions = {}): number {
  if (options.defaultValue) return FITNESS_DEFAULT_VALUE
  return pearson(output, target)
}

/**
 * r * sigmoid(scale * (sep - center)), sep = mean(output | target = 1) - mean(output | target = 0).
 * Targets must contain both classes 0 and 1 (other values are ignored by the separation term).
 */
export function corrsigFit(output: readonly number[], target: readonly number[], options: CorrsigOptions = {}): number {
  if (options.defaultValue) return FITNESS_DEFAULT_VALUE
  const { sigmoidCenter = 0, sigmoidScale = 1 } = options
  const r = pearson(output, target)
  const high = output.filter((_, i) => target[i] === 1)
  const low = output.filter((_, i) => target[i] === 0)
  if (high.length === 0 || low.length === 0) throw new RangeError('corrsig_fit needs targets with both classes 0 and 1')
  const separation = mean(high) - mean(low)
  return r / (1 + Math.exp(-sigmoidScale * (separation - sigmoidCenter)))
}

/**
 * True when a genome's output must not be scored: any value at or beyond the clipping value
 * (saturated), a non-finite value, or a constant output (every value - mean == 0, as the
 * reference checks it).
 */
export function isDegenerateOutput(output: readonly number[], clippingValue: readonly [number, number]): boolean {
  const [lo, hi] = clippingValue
  if (output.some((v) => !Number.isFinite(v) || v <= lo || v >= hi)) return true
  const m = mean(output)
  return output.every((v) => v - m === 0)
}
