import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js'
import { Rng } from '../rng.js'
import { parseSurrogateJson, SurrogateModel } from '../surrogate.js'
import { DifferentiableSurrogate } from './differentiable-surrogate.js'

const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)
const model = new SurrogateModel(definition)
let surrogate: DifferentiableSurrogate

beforeAll(async () => {
  surrogate = await DifferentiableSurrogate.create(definition)
})
afterAll(() => surrogate.dispose())

function randomRows(seed: number, count: number): number[][] {
  const rng = new Rng(seed)
  return Array.from({ length: count }, () => definition.voltageRangesVolts.map(([lo, hi]) => rng.uniform(lo, hi)))
}

describe('DifferentiableSurrogate', () => {
  it('equals SurrogateModel.forwardNanoamps on random rows', async () => {
    const rows = randomRows(1, 200)
    const expected = await model.forwardNanoamps(Float32Array.from(rows.flat()), rows.length)
    const out = surrogate.forward(tf.tensor2d(rows))
    const actual = await out.data()
    out.dispose()
    const scale = Math.max(...Array.from(expected, Math.abs))
    expected.forEach((v, i) => expect(Math.abs(actual[i]! - v)).toBeLessThanOrEqual(1e-5 * Math.max(1, scale)))
  })

  it.each([2, 3, 4, 5])('has input gradients that match central finite differences (seed %i)', (seed) => {
    const [row] = randomRows(seed, 1)
    const x = tf.tensor2d([row!])
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(surrogate.forward(input as tf.Tensor2D)))(x)
    const g = Array.from(gradient.dataSync())
    gradient.dispose()
    x.dispose()
    // Differences of the float64 reference forward with a small step (a float32 forward would
    // drown a small step in rounding, and a large one crosses relu kinks); the tolerance is for
    // the float32 backward pass.
    const h = 1e-6
    const f = (r: number[]): number => model.forwardNanoampsReference([r])[0]![0]!
    const numeric = row!.map((_, i) => {
      const plus = [...row!]
      const minus = [...row!]
      plus[i]! += h
      minus[i]! -= h
      return (f(plus) - f(minus)) / (2 * h)
    })
    const scale = Math.max(...numeric.map(Math.abs))
    numeric.forEach((n, i) => expect(Math.abs(g[i]! - n)).toBeLessThanOrEqual(1e-4 * scale + 1e-6))
  })

  // The hand-written backward against tfjs autograd through forward(), for every activation and
  // with part of the outputs clipped (a clipping window between the 20th and 80th percentile).
  it.each(['relu', 'elu', 'tanh', 'hard-tanh', 'sigmoid'] as const)(
    'forwardWithGradient equals autograd (%s, some outputs clipped)',
    async (activation) => {
      const unclipped = await DifferentiableSurrogate.create(
        { ...definition, activation },
        { clippingValueNanoamps: [-1e9, 1e9] }
      )
      const probe = unclipped.forward(tf.tensor2d(randomRows(7, 300)))
      const sorted = Array.from(await probe.data()).sort((a, b) => a - b)
      tf.dispose([probe])
      unclipped.dispose()
      const variant = await DifferentiableSurrogate.create(
        { ...definition, activation },
        {
          // Midway between neighbours: no output sits on a bound, where fused and unfused float32
          // forwards (the latter is what autograd differentiates) may fall on different sides.
          clippingValueNanoamps: [(sorted[60]! + sorted[61]!) / 2, (sorted[240]! + sorted[241]!) / 2]
        }
      )
      try {
        const rows = randomRows(7, 300)
        const flat = Float32Array.from(rows.flat())
        const rng = new Rng(8)
        const outputGradient = Float32Array.from(rows, () => rng.uniform(-1, 1))
        const pass = await variant.forwardWithGradient(flat, rows.length)
        const manual = await pass.inputGradient(outputGradient)
        pass.dispose()
        const x = tf.tensor2d(flat, [rows.length, 7])
        const weights = tf.tensor2d(outputGradient, [rows.length, 1])
        const out = variant.forward(x)
        const outputs = await out.data()
        out.dispose()
        const auto = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(variant.forward(input as tf.Tensor2D), weights)))(x)
        const expected = await auto.data()
        tf.dispose([x, weights, auto])
        const [lo, hi] = variant.clippingValueNanoamps.map(Math.fround) as [number, number]
        const clipped = Array.from(outputs).filter((v) => v === lo || v === hi).length
        expect(clipped).toBeGreaterThan(50)
        expect(clipped).toBeLessThan(250)
        expect(Array.from(pass.outputsNanoamps)).toEqual(Array.from(outputs))
        const scale = Math.max(...Array.from(expected, Math.abs))
        expect(scale).toBeGreaterThan(0)
        expected.forEach((v, i) => expect(Math.abs(manual[i]! - v)).toBeLessThanOrEqual(1e-5 * scale))
      } finally {
        variant.dispose()
      }
    }
  )

  it('refuses mismatched sizes and use after dispose', async () => {
    await expect(surrogate.forwardWithGradient(new Float32Array(13), 2)).rejects.toThrow(
      /13 values, expected 2 rows x 7/
    )
    const pass = await surrogate.forwardWithGradient(new Float32Array(14), 2)
    await expect(pass.inputGradient(new Float32Array(3))).rejects.toThrow(/outputGradient has 3 values/)
    pass.dispose()
    await expect(pass.inputGradient(new Float32Array(2))).rejects.toThrow(/after dispose/)
  })
})
