// Column-wise fitness (GA, higher is better) and loss (GD, lower is better) functions of
// brains-py's brainspy/utils/signal.py. Inputs are rows x columns (one column per output), a
// flat array (one column), or a tfjs tensor of either shape; every function returns one plain
// number per column.
// The single-column corr / corrsig formulas live in ../fitness.ts and are reused from there.

import {
  corrFit as corrFitColumn,
  corrsigFit as corrsigFitColumn,
  pearson as pearsonColumn,
  FITNESS_DEFAULT_VALUE
} from '../fitness.js'
import { clampedIntervalsOfColumn } from './clamped-intervals.js'
import { mean, pairedColumns, sigmoid, toColumns, unbiasedVariance, type Signal } from './columns.js'
import { perceptronAccuracy, type PerceptronOptions } from './perceptron.js'

export interface DefaultValueOption {
  /** Return the default value for every column (the GA's "unusable output" case). */
  defaultValue?: boolean | undefined
}

export interface SigmoidOptions {
  sigmoidCenter?: number | undefined
  sigmoidScale?: number | undefined
}

export interface CorrsigFitOptions extends DefaultValueOption, SigmoidOptions {}

export interface AccuracyFitOptions extends DefaultValueOption {
  /** Perceptron training settings (brains-py defaults: lr 0.001, batch 256, 100 epochs). */
  perceptron?: PerceptronOptions | undefined
}

export interface CorrsigLossOptions extends SigmoidOptions {
  corrShift?: number | undefined
}

/** accuracy_fit and fisher_fit give 0 for an unusable output (corr and corrsig give -1). */
export const ACCURACY_FIT_DEFAULT_VALUE = 0
export const FISHER_FIT_DEFAULT_VALUE = 0

/** Pearson correlation per column; NaN for a constant column (see ../fitness.ts). */
export function pearson(x: Signal, y: Signal): number[] {
  const [xs, ys] = pairedColumns(x, y)
  return xs.map((column, c) => pearsonColumn(column, ys[c]!))
}

// The reference checks the shapes before returning a default value, so a shape error is never
// hidden behind the default; so do we.
function defaultColumns(output: Signal, target: Signal, value: number): number[] {
  const [outs] = pairedColumns(output, target)
  return new Array<number>(outs.length).fill(value)
}

/** corr_fit = r per column; -1 per column as default value. */
export function corrFit(output: Signal, target: Signal, options: DefaultValueOption = {}): number[] {
  if (options.defaultValue) return defaultColumns(output, target, FITNESS_DEFAULT_VALUE)
  const [outs, targets] = pairedColumns(output, target)
  return outs.map((column, c) => corrFitColumn(column, targets[c]!))
}

/** corrsig_fit = r * sigmoid(scale * (sep - center)) per column; -1 as default value. */
export function corrsigFit(output: Signal, target: Signal, options: CorrsigFitOptions = {}): number[] {
  if (options.defaultValue) return defaultColumns(output, target, FITNESS_DEFAULT_VALUE)
  const [outs, targets] = pairedColumns(output, target)
  const columnOptions = { sigmoidCenter: options.sigmoidCenter, sigmoidScale: options.sigmoidScale }
  return outs.map((column, c) => corrsigFitColumn(column, targets[c]!, columnOptions))
}

/** accuracy_fit = perceptron accuracy in percent per column; 0 as default value. */
export function accuracyFit(output: Signal, target: Signal, options: AccuracyFitOptions = {}): number[] {
  if (options.defaultValue) return defaultColumns(output, target, ACCURACY_FIT_DEFAULT_VALUE)
  const [outs, targets] = pairedColumns(output, target)
  return outs.map((column, c) => perceptronAccuracy(column, targets[c]!, options.perceptron).accuracyPercent)
}

/** (m1 - m0)^2 / (s0 + s1) of one column, unbiased variances, classes target == 1 and == 0. */
function fisherRatio(output: readonly number[], target: readonly number[]): number {
  const high = output.filter((_, i) => target[i] === 1)
  const low = output.filter((_, i) => target[i] === 0)
  const separation = mean(high) - mean(low)
  // As in the reference, no guard: a class of one point has NaN variance, two constant classes
  // divide by 0 (Infinity, or NaN when the means are equal too), an empty class gives NaN.
  return (separation * separation) / (unbiasedVariance(low) + unbiasedVariance(high))
}

/**
 * fisher_fit = +(m1 - m0)^2 / (s0 + s1) per column; 0 as default value. The reference's
 * fisher_fit returns fisher()'s negative value, which a maximising GA would minimise: a bug
 * we do not copy (semantics page, "Fitness and loss functions").
 */
export function fisherFit(output: Signal, target: Signal, options: DefaultValueOption = {}): number[] {
  if (options.defaultValue) return defaultColumns(output, target, FISHER_FIT_DEFAULT_VALUE)
  const [outs, targets] = pairedColumns(output, target)
  return outs.map((column, c) => fisherRatio(column, targets[c]!))
}

/** fisher loss = -(m1 - m0)^2 / (s0 + s1) per column (lower is better). */
export function fisher(output: Signal, target: Signal): number[] {
  const [outs, targets] = pairedColumns(output, target)
  // 0 - x rather than -x so a zero ratio is +0, not -0.
  return outs.map((column, c) => 0 - fisherRatio(column, targets[c]!))
}

/**
 * corrsig loss = (shift - r) / sigmoid((delta - center) / scale) per column, with
 * delta = min(output | target = 1) - max(output | target = 0): the gap between the lowest
 * "high" and the highest "low" output, negative while the classes overlap. Note the division
 * by scale here against the multiplication in corrsig_fit: both as in the reference.
 */
export function corrsig(output: Signal, target: Signal, options: CorrsigLossOptions = {}): number[] {
  const { sigmoidCenter = 0, sigmoidScale = 1, corrShift = 1.1 } = options
  const [outs, targets] = pairedColumns(output, target)
  return outs.map((column, c) => {
    const t = targets[c]!
    const high = column.filter((_, i) => t[i] === 1)
    const low = column.filter((_, i) => t[i] === 0)
    // torch.min / torch.max of an empty class throw in the reference too.
    if (high.length === 0 || low.length === 0) throw new RangeError('corrsig needs targets with both classes 0 and 1')
    // A loop, not Math.min(...high): spreading a long column can overflow the call stack.
    const delta = high.reduce((a, b) => Math.min(a, b)) - low.reduce((a, b) => Math.max(a, b))
    const r = pearsonColumn(column, t)
    return (corrShift - r) / sigmoid((delta - sigmoidCenter) / sigmoidScale)
  })
}

/**
 * sigmoid_nn_distance = -mean(sigmoid(d / scale) - center) per column, d = each sorted output's
 * distance to its nearest neighbour after clamping to [0, 1] (0 and 1 count as neighbours):
 * clampedIntervals 'single_nn'. Lower is better: spread-out outputs give a lower loss.
 */
export function sigmoidNnDistance(output: Signal, options: SigmoidOptions = {}): number[] {
  const { sigmoidCenter = 0.5, sigmoidScale = 2 } = options
  return toColumns(output, 'output').map((column) => {
    const distances = clampedIntervalsOfColumn(column, 'single_nn', [0, 1])
    return -mean(distances.map((d) => sigmoid(d / sigmoidScale) - sigmoidCenter))
  })
}
