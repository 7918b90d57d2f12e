// The float64 reference: PyTorch-style initialisation, gradients checked by finite differences,
// and Adam steps against values worked out by hand (python, torch.optim.Adam's formula).
import { describe, expect, it } from 'vitest'
import { Rng } from '../rng.js'
import { ACTIVATION_NAMES, type SurrogateLayer } from '../surrogate-definition.js'
import {
  adamStepReference,
  copyLayers,
  forwardReference,
  initLayers,
  lossAndGradientsReference,
  zerosLike
} from './mlp-reference.js'

function lossOf(
  layers: SurrogateLayer[],
  activation: (typeof ACTIVATION_NAMES)[number],
  rows: number[][],
  targets: number[][]
) {
  return lossAndGradientsReference(layers, activation, rows, targets).loss
}

describe('initLayers', () => {
  it("draws nn.Linear's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases, seeded", () => {
    const layers = initLayers([7, 90, 90, 1], new Rng(3))
    expect(layers.map((l) => [l.weight.length, l.weight[0]!.length, l.bias.length])).toEqual([
      [90, 7, 90],
      [90, 90, 90],
      [1, 90, 1]
    ])
    layers.forEach((layer) => {
      const bound = 1 / Math.sqrt(layer.weight[0]!.length)
      const values = [...layer.weight.flat(), ...layer.bias]
      values.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(bound))
      // Spread over the whole interval, not a corner of it.
      expect(Math.max(...values)).toBeGreaterThan(0.8 * bound)
      expect(Math.min(...values)).toBeLessThan(-0.8 * bound)
    })
    expect(initLayers([7, 90, 90, 1], new Rng(3))).toEqual(layers)
    expect(initLayers([7, 90, 90, 1], new Rng(4))).not.toEqual(layers)
  })

  it('refuses sizes it cannot build, naming the size', () => {
    expect(() => initLayers([7], new Rng(1))).toThrow(/at least input and output/)
    expect(() => initLayers([7, 0, 1], new Rng(1))).toThrow(/layer size 1/)
    expect(() => initLayers([7, 2.5, 1], new Rng(1))).toThrow(/layer size 1/)
  })
})

describe('lossAndGradientsReference', () => {
  const rng = new Rng(11)
  const rows = Array.from({ length: 5 }, () => Array.from({ length: 3 }, () => rng.uniform(-1, 1)))
  const targets = rows.map(() => [rng.uniform(-1, 1), rng.uniform(-1, 1)])

  it.each(ACTIVATION_NAMES)('matches central finite differences for every weight (%s)', (activation) => {
    const layers = initLayers([3, 4, 4, 2], new Rng(5))
    const { loss, gradients } = lossAndGradientsReference(layers, activation, rows, targets)
    const outputs = forwardReference(layers, activation, rows)
    const mse = outputs.flat().reduce((sum, y, i) => sum + (y - targets.flat()[i]!) ** 2, 0) / 10
    expect(loss).toBeCloseTo(mse, 12)
    const h = 1e-6
    layers.forEach((layer, index) => {
      const check = (values: number[], i: number, analytic: number): void => {
        const original = values[i]!
        values[i] = original + h
        const up = lossOf(layers, activation, rows, targets)
        values[i] = original - h
        const down = lossOf(layers, activation, rows, targets)
        values[i] = original
        expect(analytic).toBeCloseTo((up - down) / (2 * h), 6)
      }
      layer.weight.forEach((row, o) => row.forEach((_, i) => check(row, i, gradients[index]!.weight[o]![i]!)))
      layer.bias.forEach((_, o) => check(layer.bias, o, gradients[index]!.bias[o]!))
    })
  })

  it('refuses mismatched rows and targets', () => {
    const layers = initLayers([3, 2, 2], new Rng(1))
    expect(() => lossAndGradientsReference(layers, 'relu', rows, targets.slice(1))).toThrow(/target rows/)
  })
})

describe('adamStepReference', () => {
  it("takes torch.optim.Adam's steps (lr 0.1, betas 0.9/0.999, eps 1e-8), worked out by hand", () => {
    const layers: SurrogateLayer[] = [{ weight: [[1, -2]], bias: [0.5] }]
    const moments = { step: 0, firstMoment: zerosLike(layers), secondMoment: zerosLike(layers) }
    const options = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
    adamStepReference(layers, [{ weight: [[0.5, -4]], bias: [0] }], moments, options)
    expect(moments.step).toBe(1)
    expect(layers[0]!.weight[0]![0]).toBeCloseTo(0.900000002, 14)
    expect(layers[0]!.weight[0]![1]).toBeCloseTo(-1.90000000025, 14)
    expect(layers[0]!.bias[0]).toBe(0.5) // zero gradient: 0 / (0 + eps) moves nothing
    expect(moments.firstMoment[0]!.weight[0]).toEqual([expect.closeTo(0.05, 15), expect.closeTo(-0.4, 15)])
    expect(moments.secondMoment[0]!.weight[0]).toEqual([expect.closeTo(0.00025, 15), expect.closeTo(0.016, 15)])
    adamStepReference(layers, [{ weight: [[1, 0]], bias: [0] }], moments, options)
    expect(layers[0]!.weight[0]![0]).toBeCloseTo(0.8034818006385094, 14)
    expect(layers[0]!.weight[0]![1]).toBeCloseTo(-1.8329941750733068, 14)
    expect(moments.secondMoment[0]!.weight[0]![0]).toBeCloseTo(0.00124975, 15)
  })

  it('copyLayers is a deep copy', () => {
    const layers = initLayers([2, 2], new Rng(1))
    const copy = copyLayers(layers)
    copy[0]!.weight[0]![0] = 99
    expect(layers[0]!.weight[0]![0]).not.toBe(99)
  })
})
