// Perceptron accuracy (brains-py's get_accuracy): how well ONE threshold separates an output
// column into the target classes. z-score the output, fit a 1-in 1-out linear node with
// BCE-with-logits and Adam on shuffled mini-batches, stop once an epoch is 100 % correct.
//
// Matches the reference: torch.nn.Linear(1, 1)'s default init (weight and bias uniform in
// [-1, 1], the 1/sqrt(fan_in) bound), torch.optim.Adam's defaults (betas 0.9 / 0.999,
// eps 1e-8, torch's bias-correction form), mean BCE-with-logits per batch, the epoch accuracy
// counted on each batch's logits BEFORE its step (the early-stop test), and the final accuracy,
// labels and threshold from the trained node on all points. std is the unbiased one (torch).
// Differences: init and shuffling are drawn from a seeded Rng (reference: unseeded torch), and
// we need only 2 points (the reference's data loader asserts more than 10). Targets must be
// 0 or 1; a constant output (std 0) is refused, as in the reference.

import { Rng } from '../rng.js'
import { mean, sigmoid, singleColumn, type Signal } from './columns.js'

/**
 * The settings brains-py's tasks score a trained output with (learning rate 0.01, up to 10000
 * epochs, batches of 128); perceptronAccuracy's own defaults are get_accuracy's bare ones.
 */
export const TASK_PERCEPTRON_SETTINGS = { learningRate: 0.01, epochs: 10000, batchSize: 128 } as const

/**
 * How a task scores a trained output column: perceptron accuracy (percent) with
 * {@link TASK_PERCEPTRON_SETTINGS}, or null when no threshold can separate anything (fewer than
 * 2 points, or a flat output). GD runs score their sets this way, and so does their validation on
 * the device, so the two figures compare.
 */
export function taskAccuracyPercent(outputs: number[], targets: number[], seed: number): number | null {
  const separable = outputs.length >= 2 && outputs.some((v) => v !== outputs[0])
  return separable ? perceptronAccuracy(outputs, targets, { ...TASK_PERCEPTRON_SETTINGS, seed }).accuracyPercent : null
}

export interface PerceptronOptions {
  learningRate?: number | undefined
  batchSize?: number | undefined
  epochs?: number | undefined
  /** Seed of the init and shuffle draws; 0 when not given, so the accuracy is reproducible. */
  seed?: number | undefined
}

export interface PerceptronResult {
  accuracyPercent: number
  /** Decision threshold in output units: (-bias / weight) * std + mean. */
  threshold: number
  /** 1 where the node says class 1 (weight * z + bias > 0), else 0. */
  predictedLabels: number[]
  /** Trained weight and bias, acting on the z-scored output. */
  weight: number
  bias: number
  /** Epochs actually run (fewer than asked when one reached 100 %). */
  epochsRun: number
}

const ADAM_BETA1 = 0.9
const ADAM_BETA2 = 0.999
const ADAM_EPS = 1e-8

function checkPositiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`)
}

/** Hand-written Adam for a fixed number of scalar parameters (torch.optim.Adam, no weight decay). */
class Adam {
  private readonly m: number[]
  private readonly v: number[]
  private t = 0

  constructor(
    size: number,
    private readonly learningRate: number
  ) {
    this.m = new Array<number>(size).fill(0)
    this.v = new Array<number>(size).fill(0)
  }

  step(params: number[], grads: readonly number[]): void {
    this.t += 1
    const correction1 = 1 - ADAM_BETA1 ** this.t
    const correction2 = 1 - ADAM_BETA2 ** this.t
    for (let i = 0; i < params.length; i += 1) {
      const g = grads[i]!
      this.m[i] = ADAM_BETA1 * this.m[i]! + (1 - ADAM_BETA1) * g
      this.v[i] = ADAM_BETA2 * this.v[i]! + (1 - ADAM_BETA2) * g * g
      const denominator = Math.sqrt(this.v[i]!) / Math.sqrt(correction2) + ADAM_EPS
      params[i] = params[i]! - (this.learningRate / correction1) * (this.m[i]! / denominator)
    }
  }
}

/**
 * Perceptron accuracy of ONE output column against 0/1 targets (brains-py's get_accuracy).
 * `output` and `target` are a flat array, rows x 1 (brains-py's [n, 1]) or a tfjs tensor of
 * either shape. Returns the accuracy in percent, the threshold in output units and the labels.
 */
export function perceptronAccuracy(
  outputSignal: Signal,
  targetSignal: Signal,
  options: PerceptronOptions = {}
): PerceptronResult {
  const output = singleColumn(outputSignal, 'output')
  const target = singleColumn(targetSignal, 'target')
  const { learningRate = 0.001, batchSize = 256, epochs = 100, seed = 0 } = options
  checkPositiveInteger(batchSize, 'batchSize')
  checkPositiveInteger(epochs, 'epochs')
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    throw new RangeError(`learningRate must be positive, got ${learningRate}`)
  const n = output.length
  if (target.length !== n) throw new RangeError(`output has ${n} points but target has ${target.length}`)
  if (n < 2) throw new RangeError(`perceptron accuracy needs at least 2 points, got ${n}`)
  if (output.some((v) => !Number.isFinite(v))) throw new RangeError('perceptron accuracy of a non-finite output')
  if (target.some((t) => t !== 0 && t !== 1)) throw new RangeError('perceptron targets must be 0 or 1')

  const outMean = mean(output)
  let sumSquares = 0
  for (const v of output) sumSquares += (v - outMean) * (v - outMean)
  const std = Math.sqrt(sumSquares / (n - 1))
  if (std === 0) throw new RangeError('perceptron accuracy of a constant output (standard deviation 0)')
  const z = output.map((v) => (v - outMean) / std)

  const rng = new Rng(seed)
  // params = [weight, bias], drawn in that order.
  const params = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
  const adam = new Adam(2, learningRate)

  let epochsRun = 0
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    epochsRun += 1
    const order = rng.permutation(n)
    let correct = 0
    for (let start = 0; start < n; start += batchSize) {
      const batch = order.slice(start, start + batchSize)
      let gradWeight = 0
      let gradBias = 0
      for (const i of batch) {
        const logit = params[0]! * z[i]! + params[1]!
        if (logit > 0 === (target[i] === 1)) correct += 1
        // d(mean BCE-with-logits)/d(logit) = (sigmoid(logit) - t) / batch size.
        const residual = sigmoid(logit) - target[i]!
        gradWeight += residual * z[i]!
        gradBias += residual
      }
      adam.step(params, [gradWeight / batch.length, gradBias / batch.length])
    }
    if (correct === n) break
  }

  const [weight, bias] = params as [number, number]
  const predictedLabels = z.map((zi) => (weight * zi + bias > 0 ? 1 : 0))
  const correct = predictedLabels.reduce<number>((sum, label, i) => sum + (label === target[i] ? 1 : 0), 0)
  return {
    accuracyPercent: (100 * correct) / n,
    threshold: (-bias / weight) * std + outMean,
    predictedLabels,
    weight,
    bias,
    epochsRun
  }
}
