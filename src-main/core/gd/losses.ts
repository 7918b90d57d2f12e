// Differentiable (tfjs) versions of the GD losses for ONE output column. They follow the plain
// float64 functions in ../functions/fitness-functions.ts formula for formula (tested equal), but
// return a scalar tensor inside the gradient tape. Targets are plain arrays: they are data, not
// parameters. Class subsets are selected with masks, not gathers: the wasm backend has no
// UnsortedSegmentSum kernel, which the gather gradient needs.
import * as tf from '@tensorflow/tfjs'
import type { CorrsigLossOptions, SigmoidOptions } from '../functions/fitness-functions.js'

interface ClassMask {
  mask: tf.Tensor1D
  count: number
}

function classMask(targets: readonly number[], label: number): ClassMask {
  const values = targets.map((t) => (t === label ? 1 : 0))
  return { mask: tf.tensor1d(values, 'float32'), count: values.reduce<number>((a, b) => a + b, 0) }
}

function maskedMean(x: tf.Tensor1D, { mask, count }: ClassMask): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), count) as tf.Scalar
}

/** Unbiased variance of the masked points (NaN for one point, as torch.var). */
function maskedVariance(x: tf.Tensor1D, klass: ClassMask): tf.Scalar {
  const deviation = tf.mul(tf.sub(x, maskedMean(x, klass)), klass.mask)
  return tf.div(tf.sum(tf.square(deviation)), klass.count - 1) as tf.Scalar
}

// where() rather than adding a large constant, so the selected values stay exact.
function maskedMin(x: tf.Tensor1D, { mask }: ClassMask): tf.Scalar {
  return tf.min(tf.where(tf.cast(mask, 'bool'), x, tf.fill(x.shape, Number.POSITIVE_INFINITY))) as tf.Scalar
}

function maskedMax(x: tf.Tensor1D, { mask }: ClassMask): tf.Scalar {
  return tf.max(tf.where(tf.cast(mask, 'bool'), x, tf.fill(x.shape, Number.NEGATIVE_INFINITY))) as tf.Scalar
}

function checkLength(output: tf.Tensor1D, targets: readonly number[]): void {
  if (output.rank !== 1) throw new RangeError(`loss output must be one column (rank 1), got rank ${output.rank}`)
  if (output.shape[0] !== targets.length)
    throw new RangeError(`output has ${output.shape[0]} points but targets has ${targets.length}`)
}

/** Pearson r = sum(vx vy) / (sqrt(sum vx^2) sqrt(sum vy^2)); NaN for a constant column, as the JS one. */
export function pearsonTensor(output: tf.Tensor1D, targets: readonly number[]): tf.Scalar {
  return tf.tidy(() => {
    const t = tf.tensor1d([...targets], 'float32')
    const vx = tf.sub(output, tf.mean(output))
    const vy = tf.sub(t, tf.mean(t))
    const denominator = tf.mul(tf.sqrt(tf.sum(tf.square(vx))), tf.sqrt(tf.sum(tf.square(vy))))
    return tf.div(tf.sum(tf.mul(vx, vy)), denominator) as tf.Scalar
  })
}

/** corrsig = (shift - r) / sigmoid((min(out | t=1) - max(out | t=0) - center) / scale). */
export function corrsigLoss(
  output: tf.Tensor1D,
  targets: readonly number[],
  options: CorrsigLossOptions = {}
): tf.Scalar {
  checkLength(output, targets)
  const { sigmoidCenter = 0, sigmoidScale = 1, corrShift = 1.1 } = options
  if (!(targets.includes(0) && targets.includes(1)))
    throw new RangeError('corrsig needs targets with both classes 0 and 1')
  return tf.tidy(() => {
    const delta = tf.sub(maskedMin(output, classMask(targets, 1)), maskedMax(output, classMask(targets, 0)))
    const r = pearsonTensor(output, targets)
    // (shift - r) / sigmoid(z) written as (shift - r) * (1 + exp(-z)): the same value, but its
    // gradient stays finite in float32 for separations down to z = -88 (through sigmoid, the
    // 1/sigmoid^2 factor overflows from z = -44 and turns the gradient into NaN).
    const z = tf.div(tf.sub(delta, sigmoidCenter), sigmoidScale)
    return tf.mul(tf.sub(corrShift, r), tf.add(1, tf.exp(tf.neg(z)))) as tf.Scalar
  })
}

/** fisher = -(m1 - m0)^2 / (var0 + var1), unbiased variances (lower is better). */
export function fisherLoss(output: tf.Tensor1D, targets: readonly number[]): tf.Scalar {
  checkLength(output, targets)
  return tf.tidy(() => {
    const high = classMask(targets, 1)
    const low = classMask(targets, 0)
    const separation = tf.sub(maskedMean(output, high), maskedMean(output, low))
    return tf.neg(
      tf.div(tf.square(separation), tf.add(maskedVariance(output, low), maskedVariance(output, high)))
    ) as tf.Scalar
  })
}

/** Mean squared error against the targets (torch.nn.MSELoss, mean reduction). */
export function mseLoss(output: tf.Tensor1D, targets: readonly number[]): tf.Scalar {
  checkLength(output, targets)
  return tf.tidy(() => tf.mean(tf.squaredDifference(output, tf.tensor1d([...targets], 'float32'))) as tf.Scalar)
}

/**
 * Mean BCE-with-logits (torch.nn.BCEWithLogitsLoss) in its overflow-safe form
 * max(z, 0) - z t + log(1 + exp(-|z|)).
 */
export function bceWithLogitsLoss(logits: tf.Tensor1D, targets: readonly number[]): tf.Scalar {
  checkLength(logits, targets)
  return tf.tidy(() => {
    const t = tf.tensor1d([...targets], 'float32')
    const perPoint = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, t)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))
    return tf.mean(perPoint) as tf.Scalar
  })
}

/**
 * sigmoid_nn_distance = -mean(sigmoid(d / scale) - center), d = nearest-neighbour distance of
 * each sorted output clamped to [0, 1] (0 and 1 count as neighbours). tfjs has no gradient for
 * topk and wasm none for gather, so the sort order is read from the values (dataSync) and
 * applied as a permutation matrix (n x n: fine for batch-sized columns); the gradient then flows
 * through the sorted values, as torch.sort's does.
 */
export function sigmoidNnDistanceLoss(output: tf.Tensor1D, options: SigmoidOptions = {}): tf.Scalar {
  const { sigmoidCenter = 0.5, sigmoidScale = 2 } = options
  if (output.rank !== 1 || output.shape[0] === 0) throw new RangeError('sigmoidNnDistance needs a non-empty column')
  return tf.tidy(() => {
    const clamped = tf.clipByValue(output, 0, 1)
    const values = clamped.dataSync()
    const order = Array.from(values.keys()).sort((a, b) => values[a]! - values[b]!)
    const n = order.length
    const permutation = new Float32Array(n * n)
    order.forEach((from, to) => (permutation[to * n + from] = 1))
    const sorted = tf.reshape(tf.matMul(tf.tensor2d(permutation, [n, n]), tf.reshape(clamped, [n, 1])), [
      n
    ]) as tf.Tensor1D
    const gaps = tf.sub(tf.concat([sorted, tf.ones([1])]), tf.concat([tf.zeros([1]), sorted]))
    const nearest = tf.minimum(tf.slice(gaps, 0, n), tf.slice(gaps, 1, n))
    return tf.neg(tf.mean(tf.sub(tf.sigmoid(tf.div(nearest, sigmoidScale)), sigmoidCenter))) as tf.Scalar
  })
}
