import { describe, expect, it } from 'vitest'
import { Rng } from '../rng.js'
import { perceptronAccuracy } from './perceptron.js'

// Separable: class 0 in [0.1, 0.5], class 1 in [1.1, 1.5], shuffled together.
const SEP_OUT = [1.3, 0.2, 0.5, 1.1, 0.1, 1.5, 0.4, 1.2, 0.3, 1.4]
const SEP_TGT = SEP_OUT.map((v) => (v > 1 ? 1 : 0))
// Not separable by one threshold.
const MIX_OUT = [0, 1, 2, 3, 4, 5]
const MIX_TGT = [0, 1, 0, 1, 1, 0]

/** Mean BCE-with-logits over all points, the textbook stable form. */
function bceLoss(w: number, b: number, z: readonly number[], t: readonly number[]): number {
  let sum = 0
  z.forEach((zi, i) => {
    const l = w * zi + b
    sum += Math.max(l, 0) - l * t[i]! + Math.log1p(Math.exp(-Math.abs(l)))
  })
  return sum / z.length
}

function zScore(values: readonly number[]): { z: number[]; mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1))
  return { z: values.map((v) => (v - mean) / std), mean, std }
}

describe('perceptronAccuracy', () => {
  it('reaches 100 % on separable data with the threshold between the classes', () => {
    const result = perceptronAccuracy(SEP_OUT, SEP_TGT, { learningRate: 0.01, epochs: 5000, seed: 3 })
    expect(result.accuracyPercent).toBe(100)
    expect(result.predictedLabels).toEqual(SEP_TGT)
    expect(result.threshold).toBeGreaterThan(0.5)
    expect(result.threshold).toBeLessThan(1.1)
    expect(result.weight).toBeGreaterThan(0)
    // Stops early once an epoch is 100 % correct.
    expect(result.epochsRun).toBeLessThan(5000)
  })

  it('finds a negative weight when class 1 is the low side', () => {
    const flipped = SEP_TGT.map((t) => 1 - t)
    const result = perceptronAccuracy(SEP_OUT, flipped, { learningRate: 0.01, epochs: 5000, seed: 3 })
    expect(result.accuracyPercent).toBe(100)
    expect(result.weight).toBeLessThan(0)
    expect(result.threshold).toBeGreaterThan(0.5)
    expect(result.threshold).toBeLessThan(1.1)
  })

  it('is reproducible: same seed same result, another seed another start', () => {
    const options = { learningRate: 0.01, epochs: 50, batchSize: 4 }
    const a = perceptronAccuracy(MIX_OUT, MIX_TGT, { ...options, seed: 11 })
    const b = perceptronAccuracy(MIX_OUT, MIX_TGT, { ...options, seed: 11 })
    const c = perceptronAccuracy(MIX_OUT, MIX_TGT, { ...options, seed: 12 })
    expect(b).toEqual(a)
    expect(c.weight).not.toBe(a.weight)
  })

  it('matches an independent full-batch Adam on finite-difference BCE gradients', () => {
    const seed = 5
    const epochs = 4
    const lr = 0.05
    const result = perceptronAccuracy(MIX_OUT, MIX_TGT, { learningRate: lr, epochs, seed })
    expect(result.epochsRun).toBe(epochs)

    // Replica: init draws as torch.nn.Linear(1, 1) (uniform in [-1, 1], weight then bias); the
    // shuffles only reorder a full batch, so they do not change its mean gradient.
    const { z, mean, std } = zScore(MIX_OUT)
    const rng = new Rng(seed)
    let w = rng.uniform(-1, 1)
    let b = rng.uniform(-1, 1)
    let mw = 0,
      vw = 0,
      mb = 0,
      vb = 0
    const h = 1e-6
    for (let t = 1; t <= epochs; t += 1) {
      const gw = (bceLoss(w + h, b, z, MIX_TGT) - bceLoss(w - h, b, z, MIX_TGT)) / (2 * h)
      const gb = (bceLoss(w, b + h, z, MIX_TGT) - bceLoss(w, b - h, z, MIX_TGT)) / (2 * h)
      mw = 0.9 * mw + 0.1 * gw
      vw = 0.999 * vw + 0.001 * gw * gw
      mb = 0.9 * mb + 0.1 * gb
      vb = 0.999 * vb + 0.001 * gb * gb
      const c1 = 1 - 0.9 ** t
      const c2 = 1 - 0.999 ** t
      w -= (lr * (mw / c1)) / (Math.sqrt(vw / c2) + 1e-8)
      b -= (lr * (mb / c1)) / (Math.sqrt(vb / c2) + 1e-8)
    }
    expect(result.weight).toBeCloseTo(w, 7)
    expect(result.bias).toBeCloseTo(b, 7)

    // Labels, accuracy and threshold from the trained node, recomputed here.
    const labels = z.map((zi) => (result.weight * zi + result.bias > 0 ? 1 : 0))
    expect(result.predictedLabels).toEqual(labels)
    const correct = labels.filter((l, i) => l === MIX_TGT[i]).length
    expect(result.accuracyPercent).toBeCloseTo((100 * correct) / MIX_OUT.length, 12)
    expect(result.threshold).toBeCloseTo((-result.bias / result.weight) * std + mean, 12)
  })

  it('a first Adam step moves each parameter by lr against its gradient sign', () => {
    // Step 1: m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps).
    const result = perceptronAccuracy(MIX_OUT, MIX_TGT, { learningRate: 0.001, epochs: 1, seed: 9 })
    const rng = new Rng(9)
    const w0 = rng.uniform(-1, 1)
    const b0 = rng.uniform(-1, 1)
    const { z } = zScore(MIX_OUT)
    const gw = (bceLoss(w0 + 1e-6, b0, z, MIX_TGT) - bceLoss(w0 - 1e-6, b0, z, MIX_TGT)) / 2e-6
    const gb = (bceLoss(w0, b0 + 1e-6, z, MIX_TGT) - bceLoss(w0, b0 - 1e-6, z, MIX_TGT)) / 2e-6
    expect(result.weight).toBeCloseTo(w0 - (0.001 * gw) / (Math.abs(gw) + 1e-8), 11)
    expect(result.bias).toBeCloseTo(b0 - (0.001 * gb) / (Math.abs(gb) + 1e-8), 11)
    // Essentially lr * sign(g): the step size does not depend on the gradient's size.
    expect(Math.abs(result.weight - w0)).toBeCloseTo(0.001, 8)
  })

  it('refuses constant outputs, non-binary targets and mismatched lengths', () => {
    expect(() => perceptronAccuracy([2, 2, 2], [0, 1, 0])).toThrow(/constant output/)
    expect(() => perceptronAccuracy([1, 2, 3], [0, 0.5, 1])).toThrow(/0 or 1/)
    expect(() => perceptronAccuracy([1, 2, 3], [0, 1])).toThrow(/3 points but target has 2/)
    expect(() => perceptronAccuracy([1, 2], [0, 1], { batchSize: 0 })).toThrow(/batchSize/)
  })
})
