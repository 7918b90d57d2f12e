import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initComputeBackend } from '../compute-backend.js'
import { corrsig, fisher, sigmoidNnDistance } from '../functions/fitness-functions.js'
import { sigmoid } from '../functions/columns.js'
import { Rng } from '../rng.js'
import { bceWithLogitsLoss, corrsigLoss, fisherLoss, mseLoss, sigmoidNnDistanceLoss } from './losses.js'

beforeAll(async () => {
  await initComputeBackend()
})

function randomCase(seed: number, n: number, scale: number): { output: number[]; targets: number[] } {
  const rng = new Rng(seed)
  const targets = Array.from({ length: n }, (_, i) => i % 2)
  // Shifted classes so that delta and the fisher ratio are away from degenerate values.
  const output = targets.map((t) => Math.fround(scale * (rng.gaussian(0, 1) + 0.8 * t)))
  return { output, targets }
}

const value = (f: () => tf.Scalar): number => {
  const s = f()
  const v = s.dataSync()[0]!
  s.dispose()
  return v
}

describe('tfjs losses equal the plain-JS ones', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}`, () => {
      const { output, targets } = randomCase(seed, 40 + seed * 7, 0.5)
      const out = tf.tensor1d(output)
      const tol = (x: number) => 1e-5 * Math.max(1, Math.abs(x))
      const c = corrsig(output, targets)[0]!
      expect(Math.abs(value(() => corrsigLoss(out, targets)) - c)).toBeLessThan(tol(c))
      const opts = { sigmoidCenter: 0.1, sigmoidScale: 0.5, corrShift: 1.5 }
      const c2 = corrsig(output, targets, opts)[0]!
      expect(Math.abs(value(() => corrsigLoss(out, targets, opts)) - c2)).toBeLessThan(tol(c2))
      const f = fisher(output, targets)[0]!
      expect(Math.abs(value(() => fisherLoss(out, targets)) - f)).toBeLessThan(tol(f))
      // Outputs partly outside [0, 1] exercise the clamp.
      const s = sigmoidNnDistance(output)[0]!
      expect(Math.abs(value(() => sigmoidNnDistanceLoss(out)) - s)).toBeLessThan(1e-5)
      out.dispose()
    })
  }

  it('mse and bce-with-logits match direct formulas', () => {
    const { output, targets } = randomCase(9, 30, 3)
    const out = tf.tensor1d(output)
    const mse = output.reduce((sum, o, i) => sum + (o - targets[i]!) ** 2, 0) / output.length
    const bce =
      -output.reduce((sum, z, i) => sum + (targets[i] === 1 ? Math.log(sigmoid(z)) : Math.log(1 - sigmoid(z))), 0) /
      output.length
    expect(value(() => mseLoss(out, targets))).toBeCloseTo(mse, 4)
    expect(value(() => bceWithLogitsLoss(out, targets))).toBeCloseTo(bce, 5)
    out.dispose()
  })

  it('gives gradients (corrsig) that point downhill', () => {
    const { output, targets } = randomCase(11, 20, 0.5)
    const out = tf.tensor1d(output)
    const grad = tf.grad((x: tf.Tensor) => corrsigLoss(x as tf.Tensor1D, targets))(out)
    const g = Array.from(grad.dataSync())
    expect(g.every(Number.isFinite)).toBe(true)
    const stepped = output.map((o, i) => o - 1e-3 * g[i]!)
    expect(corrsig(stepped, targets)[0]!).toBeLessThan(corrsig(output, targets)[0]!)
    out.dispose()
    grad.dispose()
  })
})
