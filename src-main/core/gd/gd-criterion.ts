// The loss of a batch and its gradient with respect to the surrogate's outputs, and the two
// ways of keeping control voltages in their ranges: clipping to float32-exact bounds, or the
// reference's relu penalty ('regul').
import * as tf from '@tensorflow/tfjs'
import { bceReadoutLossGradient, corrsigLossGradient, fisherLossGradient, mseLossGradient } from './loss-gradients.js'
import { sigmoidNnDistanceLoss } from './losses.js'
import type { GdLossName, GdReadout } from './gd-setup.js'

/**
 * The batch criterion and its gradient with respect to the outputs (and, for bce, to the
 * readout's weight and bias): by hand in float64 (loss-gradients.ts) for every loss but
 * sigmoid_nn_distance, which goes through tfjs autograd.
 */
export async function criterionWithGradient(
  loss: GdLossName,
  outputs: Float32Array,
  targets: number[],
  readout: GdReadout | null
): Promise<{ loss: number; outputGradient: ArrayLike<number>; readoutGradient: number[] }> {
  switch (loss) {
    case 'corrsig':
      return { ...corrsigLossGradient(outputs, targets), readoutGradient: [] }
    case 'fisher':
      return { ...fisherLossGradient(outputs, targets), readoutGradient: [] }
    case 'mse':
      return { ...mseLossGradient(outputs, targets), readoutGradient: [] }
    case 'bce': {
      const { weight, bias } = readout!
      const result = bceReadoutLossGradient(outputs, targets, weight, bias)
      return { ...result, readoutGradient: [result.weightGradient, result.biasGradient] }
    }
    case 'sigmoid_nn_distance': {
      const output = tf.tensor1d(outputs, 'float32')
      const { value, grads } = tf.valueAndGrads((o: tf.Tensor) => sigmoidNnDistanceLoss(o as tf.Tensor1D))([output])
      const [loss, gradient] = await Promise.all([value.data(), grads[0]!.data()])
      tf.dispose([value, ...grads, output])
      return { loss: loss[0]!, outputGradient: gradient, readoutGradient: [] }
    }
  }
}

/**
 * sum over controls of relu(lo - v) + relu(v - hi) (DNPU.regularizer) over the exact ranges,
 * and its gradient (-1 below, +1 above, 0 inside and on the bounds, as torch's relu).
 */
export function rangeRegularizer(
  controlVoltages: readonly number[],
  ranges: readonly (readonly [number, number])[]
): { value: number; gradient: number[] } {
  let value = 0
  const gradient = controlVoltages.map((v, c) => {
    const [lo, hi] = ranges[c]!
    if (v < lo) {
      value += lo - v
      return -1
    }
    if (v > hi) {
      value += v - hi
      return 1
    }
    return 0
  })
  return { value, gradient }
}

// float32 bounds rounded inward, so a clipped float32 control is inside its float64 range
// (float32(-1.2) is below -1.2, and Dnpu.assembleBatch would refuse it).
const F32 = new Float32Array(1)
const I32 = new Int32Array(F32.buffer)
export function float32Inward(value: number, direction: 1 | -1): number {
  F32[0] = value
  if ((F32[0]! - value) * direction >= 0) return F32[0]!
  // One ulp towards `direction` (integer order of float32 bits flips for negative values).
  I32[0]! += F32[0]! > 0 === direction > 0 ? 1 : -1
  if (F32[0] === 0 && value !== 0) F32[0] = direction * 1e-45
  return F32[0]!
}
