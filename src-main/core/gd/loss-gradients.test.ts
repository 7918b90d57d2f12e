import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { Rng } from '../rng.js'
import {
  bceReadoutLossGradient,
  corrsigLossGradient,
  fisherLossGradient,
  mseLossGradient,
  type LossAndGradient
} from './loss-gradients.js'
import { bceWithLogitsLoss, corrsigLoss, fisherLoss, mseLoss } from './losses.js'

// Outputs on the nA scale GD sees, with both classes; float32-exact so both paths see the same values.
function batch(seed: number, n: number, spreadNanoamps: number): { output: Float32Array; targets: number[] } {
  const rng = new Rng(seed)
  const targets = Array.from({ length: n }, (_, i) => i % 2)
  const output = Float32Array.from(targets, (t) => rng.gaussian(t * 10, spreadNanoamps))
  return { output, targets }
}

/** The tfjs loss and its autograd gradient with respect to the outputs (and extra scalars). */
function autograd(
  fn: (o: tf.Tensor1D, ...extra: tf.Scalar[]) => tf.Scalar,
  output: Float32Array,
  extra: number[] = []
): { loss: number; grads: number[][] } {
  const inputs = [tf.tensor1d(output), ...extra.map((v) => tf.scalar(v))]
  const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) =>
    fn(args[0] as tf.Tensor1D, ...(args.slice(1) as tf.Scalar[]))
  )(inputs)
  const result = { loss: value.dataSync()[0]!, grads: grads.map((g) => Array.from(g.dataSync())) }
  tf.dispose([value, ...grads, ...inputs])
  return result
}

function expectClose(actual: LossAndGradient, expected: { loss: number; grads: number[][] }): void {
  expect(Math.abs(actual.loss - expected.loss)).toBeLessThanOrEqual(1e-4 * Math.abs(expected.loss) + 1e-6)
  const scale = Math.max(...expected.grads[0]!.map(Math.abs))
  expect(scale).toBeGreaterThan(0)
  expected.grads[0]!.forEach((g, i) =>
    expect(Math.abs(actual.outputGradient[i]! - g)).toBeLessThanOrEqual(1e-3 * scale)
  )
}

describe('hand-written loss gradients equal tfjs autograd', () => {
  it.each([1, 2, 3])('corrsig (seed %i), including a badly separated batch', (seed) => {
    const { output, targets } = batch(seed, 64, seed === 3 ? 9 : 4)
    expectClose(
      corrsigLossGradient(output, targets),
      autograd((o) => corrsigLoss(o, targets), output)
    )
  })

  it('corrsig keeps a finite gradient where float32 autograd overflows to NaN', () => {
    const { output, targets } = batch(3, 64, 30)
    expect(autograd((o) => corrsigLoss(o, targets), output).grads[0]!.some(Number.isNaN)).toBe(true)
    const ours = corrsigLossGradient(output, targets)
    expect(Number.isFinite(ours.loss)).toBe(true)
    expect(ours.outputGradient.every(Number.isFinite)).toBe(true)
  })

  it.each([1, 2])('fisher (seed %i)', (seed) => {
    const { output, targets } = batch(seed, 64, 5)
    expectClose(
      fisherLossGradient(output, targets),
      autograd((o) => fisherLoss(o, targets), output)
    )
  })

  it('mse', () => {
    const { output, targets } = batch(4, 50, 3)
    expectClose(
      mseLossGradient(output, targets),
      autograd((o) => mseLoss(o, targets), output)
    )
  })

  it('bce with the learned readout, and its weight and bias gradients', () => {
    const { output, targets } = batch(5, 40, 6)
    const [w, b] = [0.3, -1.2]
    const ours = bceReadoutLossGradient(output, targets, w, b)
    const theirs = autograd(
      (o, weight, bias) => bceWithLogitsLoss(tf.add(tf.mul(o, weight!), bias!) as tf.Tensor1D, targets),
      output,
      [w, b]
    )
    expectClose(ours, theirs)
    expect(ours.weightGradient).toBeCloseTo(theirs.grads[1]![0]!, 4)
    expect(ours.biasGradient).toBeCloseTo(theirs.grads[2]![0]!, 4)
  })

  it('refuses corrsig without both classes', () => {
    expect(() => corrsigLossGradient([1, 2], [1, 1])).toThrow(/both classes/)
  })
})
