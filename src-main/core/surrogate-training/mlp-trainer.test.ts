// The tfjs trainer against the float64 reference: the same predictions, the same loss, and after
// Adam steps the same weights and moments (within float32 rounding), for every activation.
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
import { MlpTrainer } from './mlp-trainer.js'

const rng = new Rng(21)
const rowCount = 6
const rows = Array.from({ length: rowCount }, () => Array.from({ length: 3 }, () => rng.uniform(-1, 1)))
const targets = rows.map(() => [rng.uniform(-1, 1), rng.uniform(-1, 1)])
const inputs = Float32Array.from(rows.flat())
const targetValues = Float32Array.from(targets.flat())

function expectLayersClose(actual: SurrogateLayer[], expected: SurrogateLayer[], tolerance: number): void {
  const a = actual.flatMap((l) => [...l.weight.flat(), ...l.bias])
  const e = expected.flatMap((l) => [...l.weight.flat(), ...l.bias])
  expect(a).toHaveLength(e.length)
  a.forEach((value, i) => expect(Math.abs(value - e[i]!)).toBeLessThan(tolerance))
}

describe('MlpTrainer', () => {
  it.each(ACTIVATION_NAMES)('predicts, and takes Adam steps, like the float64 reference (%s)', async (activation) => {
    // Larger than Adam's default step, so three steps move the weights visibly.
    const adam = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
    const layers = initLayers([3, 5, 4, 2], new Rng(8))
    const trainer = await MlpTrainer.create({ layers, activation, adam })
    try {
      const predicted = trainer.predict(inputs, rowCount)
      forwardReference(layers, activation, rows)
        .flat()
        .forEach((y, i) => expect(predicted[i]).toBeCloseTo(y, 5))
      const reference = copyLayers(layers)
      const moments = { step: 0, firstMoment: zerosLike(layers), secondMoment: zerosLike(layers) }
      for (let step = 0; step < 3; step += 1) {
        const expected = lossAndGradientsReference(reference, activation, rows, targets)
        expect(trainer.step(inputs, targetValues, rowCount)).toBeCloseTo(expected.loss, 5)
        adamStepReference(reference, expected.gradients, moments, adam)
      }
      expectLayersClose(await trainer.getLayers(), reference, 1e-5)
      const trainerMoments = await trainer.getMoments()
      expect(trainerMoments.step).toBe(3)
      expectLayersClose(trainerMoments.firstMoment, moments.firstMoment, 1e-6)
      expectLayersClose(trainerMoments.secondMoment, moments.secondMoment, 1e-7)
      expect(trainer.loss(inputs, targetValues, rowCount)).toBeCloseTo(
        lossAndGradientsReference(reference, activation, rows, targets).loss,
        5
      )
    } finally {
      trainer.dispose()
    }
  })

  it('continues from saved moments exactly as without the interruption', async () => {
    const layers = initLayers([3, 5, 2], new Rng(2))
    const straight = await MlpTrainer.create({ layers, activation: 'relu' })
    const first = await MlpTrainer.create({ layers, activation: 'relu' })
    try {
      for (let i = 0; i < 4; i += 1) straight.step(inputs, targetValues, rowCount)
      for (let i = 0; i < 2; i += 1) first.step(inputs, targetValues, rowCount)
      const resumed = await MlpTrainer.create({
        layers: await first.getLayers(),
        activation: 'relu',
        moments: await first.getMoments()
      })
      try {
        for (let i = 0; i < 2; i += 1) resumed.step(inputs, targetValues, rowCount)
        expect(await resumed.getLayers()).toEqual(await straight.getLayers())
        expect(await resumed.getMoments()).toEqual(await straight.getMoments())
      } finally {
        resumed.dispose()
      }
    } finally {
      straight.dispose()
      first.dispose()
    }
  })

  it('setLayers replaces the weights', async () => {
    const trainer = await MlpTrainer.create({ layers: initLayers([3, 5, 2], new Rng(2)), activation: 'relu' })
    try {
      const other = initLayers([3, 5, 2], new Rng(9))
      trainer.setLayers(other)
      expectLayersClose(await trainer.getLayers(), other, 1e-7)
      expect(() => trainer.setLayers(initLayers([3, 4, 2], new Rng(9)))).toThrow(/does not match/)
    } finally {
      trainer.dispose()
    }
  })

  it('refuses bad settings and batches, naming what is wrong', async () => {
    const layers = initLayers([3, 5, 2], new Rng(2))
    await expect(MlpTrainer.create({ layers, activation: 'relu', adam: { learningRate: 0 } })).rejects.toThrow(
      /learning rate/
    )
    await expect(MlpTrainer.create({ layers, activation: 'relu', adam: { beta1: 1 } })).rejects.toThrow(/betas/)
    await expect(
      MlpTrainer.create({ layers, activation: 'relu', moments: { step: 0, firstMoment: [], secondMoment: [] } })
    ).rejects.toThrow(/moments must have the same shapes/)
    await expect(MlpTrainer.create({ layers: [layers[1]!, layers[0]!], activation: 'relu' })).rejects.toThrow(
      /layers\[1\] takes 3 inputs/
    )
    const trainer = await MlpTrainer.create({ layers, activation: 'relu' })
    expect(() => trainer.step(inputs.subarray(1), targetValues, rowCount)).toThrow(/inputs has 17 values/)
    expect(() => trainer.step(inputs, targetValues.subarray(1), rowCount)).toThrow(/targets has 11 values/)
    expect(() => trainer.predict(inputs, 0)).toThrow(/rowCount/)
    trainer.dispose()
    expect(() => trainer.predict(inputs, rowCount)).toThrow(/after dispose/)
  })
})
