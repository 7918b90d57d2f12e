// What the capacity sweep decides one labeling by, apart from the GA that searches for it: the
// VC-dimension point set and its labelings (brainspy-tasks' order), the seed of every attempt and
// of its perceptron, and the verdict on one output (the perceptron test, with the exact
// single-threshold check that spares it when it could not succeed). See capacity.ts for the sweep
// and for where this departs from the reference.
import { perceptronAccuracy, TASK_PERCEPTRON_SETTINGS } from '../functions/perceptron.js'

/** The reference's VC-dimension points (task input range [-1, 1]); N uses the first N. */
export const VC_DIMENSION_X: readonly number[] = [-0.5, -0.5, 1, 1, -0.0625, 0.6875, 0.375, 0.375, -1, 0.8125]
export const VC_DIMENSION_Y: readonly number[] = [-0.5, 1, -0.5, 1, 0.375, 0.375, -0.0625, 0.6875, 0.8125, -1]
export const MIN_VC_DIMENSION = 4
export const MAX_VC_DIMENSION = VC_DIMENSION_X.length

export interface CapacityPerceptronSettings {
  learningRate?: number | undefined
  epochs?: number | undefined
  batchSize?: number | undefined
}

export const DEFAULT_PERCEPTRON: Required<CapacityPerceptronSettings> = { ...TASK_PERCEPTRON_SETTINGS }

/** The first n points as task inputs (points x [x, y]). */
export function vcDimensionInputs(n: number): number[][] {
  checkDimension(n, 'n')
  return VC_DIMENSION_X.slice(0, n).map((x, i) => [x, VC_DIMENSION_Y[i]!])
}

/**
 * The 2^n - 2 non-constant labelings in the reference's order: labeling i is the binary number
 * i + 1 with point 0 as its most significant bit (n = 4: 0001, 0010, ..., 1110).
 */
export function vcDimensionLabelings(n: number): number[][] {
  checkDimension(n, 'n')
  return Array.from({ length: 2 ** n - 2 }, (_, i) => Array.from({ length: n }, (_, p) => ((i + 1) >> (n - 1 - p)) & 1))
}

/** Points that must be classified correctly: ceil(n - thresholdParameter). */
export function requiredCorrectPoints(n: number, thresholdParameter: number): number {
  return Math.ceil(n - thresholdParameter)
}

/**
 * The seed of one GA attempt, from the sweep's seed and the attempt's place (not its position in
 * the sweep), so N = 5's results are the same whether the sweep starts at 4 or at 5.
 */
export function capacityAttemptSeed(seed: number, n: number, labelingIndex: number, attempt: number): number {
  let hash = mix32(seed ^ 0x2545f491)
  for (const part of [n, labelingIndex, attempt]) hash = mix32((hash + Math.imul(part + 1, 0x9e3779b9)) >>> 0)
  return hash
}

/**
 * The seed of the perceptron that judges an attempt's output (its own stream, apart from the
 * GA's). A labeling's verdict on the device uses the seed of the attempt that found it, so the same
 * output gets the same verdict.
 */
export function capacityPerceptronSeed(seed: number, n: number, labelingIndex: number, attempt: number): number {
  return mix32(capacityAttemptSeed(seed, n, labelingIndex, attempt) ^ 0x68e31da4)
}

export interface CapacityJudgement {
  accuracyPercent: number
  found: boolean
}

/**
 * The sweep's verdict on one output for one labeling: found when the perceptron classifies at
 * least ceil(N - thresholdParameter) points right; a flat output is accuracy 0, not found.
 */
export function judgeCapacityOutput(
  outputs: readonly number[],
  labeling: readonly number[],
  thresholdParameter: number,
  perceptronSeed: number,
  perceptron: CapacityPerceptronSettings = DEFAULT_PERCEPTRON
): CapacityJudgement {
  const required = requiredCorrectPoints(labeling.length, thresholdParameter)
  return judgeOutput(outputs, labeling, required, { ...DEFAULT_PERCEPTRON, ...definedOnly(perceptron) }, perceptronSeed)
}

/** Most points one threshold on the output (either orientation) classifies correctly. */
export function bestThresholdCorrectPoints(outputs: readonly number[], targets: readonly number[]): number {
  const order = outputs.map((_, i) => i).sort((a, b) => outputs[a]! - outputs[b]!)
  const ones = targets.reduce<number>((sum, t) => sum + t, 0)
  // Cut before position k: everything from k on is called 1. Cuts only between distinct values.
  let onesBelow = 0
  let best = Math.max(ones, targets.length - ones)
  for (let k = 1; k < order.length; k += 1) {
    onesBelow += targets[order[k - 1]!]!
    if (outputs[order[k]!] === outputs[order[k - 1]!]) continue
    const zerosBelow = k - onesBelow
    const onesAbove = ones - onesBelow
    const highIsOne = zerosBelow + onesAbove
    best = Math.max(best, highIsOne, targets.length - highIsOne)
  }
  return best
}

function judgeOutput(
  outputs: readonly number[],
  targets: readonly number[],
  required: number,
  perceptron: Required<CapacityPerceptronSettings>,
  seed: number
): CapacityJudgement {
  if (outputs.every((v) => v === outputs[0])) return { accuracyPercent: 0, found: false }
  const { predictedLabels } = perceptronAccuracy(outputs, targets, { ...perceptron, seed })
  const correct = predictedLabels.reduce<number>((sum, label, i) => sum + (label === targets[i] ? 1 : 0), 0)
  return { accuracyPercent: (100 * correct) / targets.length, found: correct >= required }
}

/** murmur3's 32-bit finaliser: a well-mixed uint32 from a uint32. */
function mix32(value: number): number {
  let x = value >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

export function checkDimension(n: number, what: string): void {
  if (!Number.isInteger(n) || n < MIN_VC_DIMENSION || n > MAX_VC_DIMENSION) {
    throw new RangeError(
      `${what} must be a whole number from ${MIN_VC_DIMENSION} to ${MAX_VC_DIMENSION} (the VC-dimension point set has ${MAX_VC_DIMENSION} points), got ${n}`
    )
  }
}

export function definedOnly(settings: CapacityPerceptronSettings): CapacityPerceptronSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined))
}
