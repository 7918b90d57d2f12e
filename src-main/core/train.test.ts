import * as tf from '@tensorflow/tfjs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEMO_SURROGATE_JSON } from './__fixtures__/demo-surrogate.js'
import { Dnpu } from './dnpu.js'
import { GaTrainer, type GaGenerationResult } from './ga/ga-trainer.js'
import { GdTrainer, type GdTrainerSetup } from './gd/gd-trainer.js'
import { parseSurrogateJson, SurrogateModel } from './surrogate.js'
import { parseGateTask } from './tasks/boolean-gates.js'
import { generateRingData, splitDataset } from './tasks/ring.js'
import { trainGA, trainGD, type TrainGaSetup, type TrainGdSetup } from './train.js'

const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)
const processor = new SurrogateModel(definition)
const dnpu = Dnpu.forProcessor(processor, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
const xor = parseGateTask('xor')

function gaSetup(overrides: Partial<TrainGaSetup> = {}): TrainGaSetup {
  return {
    processor,
    dnpu,
    taskInputs: xor.inputs,
    targets: xor.targets,
    partition: [4, 22],
    generations: 6,
    fitness: 'corrsig_fit',
    stopThreshold: 2,
    seed: 3,
    ...overrides
  }
}

// Ring inputs rounded to float32, so a float32 tensor of them holds exactly the same values.
const ring = splitDataset(
  generateRingData({ sampleCount: 120, gap: 0.4, seed: 2 }),
  { train: 0.8, validation: 0.2, test: 0 },
  2
)
const fround = (rows: number[][]): number[][] => rows.map((row) => row.map(Math.fround))
const train = { inputs: fround(ring.train.inputs), targets: ring.train.targets }
const validation = { inputs: fround(ring.validation.inputs), targets: ring.validation.targets }

function gdSetup(overrides: Partial<TrainGdSetup> = {}): TrainGdSetup {
  return {
    definition,
    dnpu,
    train,
    validation,
    epochs: 3,
    batchSize: 32,
    learningRate: 0.01,
    optimizer: 'adam',
    loss: 'corrsig',
    constraintControlVoltages: 'clip',
    seed: 4,
    ...overrides
  }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('trainGA', () => {
  it('runs a GaTrainer to the end and adds the seed and the genome history', async () => {
    const seen: GaGenerationResult[] = []
    const result = await trainGA(gaSetup({ onGeneration: (g) => seen.push(g) }))
    const { onGeneration: _unused, ...plain } = gaSetup()
    const expected = await new GaTrainer({
      ...plain,
      generations: 6,
      taskInputs: xor.inputs,
      targets: xor.targets
    }).run()
    expect(result.seed).toBe(3)
    expect(result.generations).toBe(6)
    expect(result.bestControlVoltages).toEqual(expected.bestControlVoltages)
    expect(result.history.fitness).toEqual(expected.history.fitness)
    expect(result.history.correlation).toEqual(expected.history.correlation)
    expect(seen.map((g) => g.generation)).toEqual([1, 2, 3, 4, 5, 6])
    expect(result.history.genome).toEqual(seen.map((g) => g.bestGenome))
    expect(result.history.genome).toHaveLength(6)
    expect(result.history.genome[0]).toHaveLength(5)
  })

  it('gives the same result for tensor inputs and targets, and accepts epochs for generations', async () => {
    const fromArrays = await trainGA(gaSetup())
    const inputs = tf.tensor2d(xor.inputs)
    const targets = tf.tensor1d(xor.targets)
    const fromTensors = await trainGA(gaSetup({ taskInputs: inputs, targets, generations: undefined, epochs: 6 }))
    inputs.dispose()
    targets.dispose()
    expect(fromTensors).toEqual(fromArrays)
    // Targets as points x 1 rows (brains-py's [n, 1]).
    expect(await trainGA(gaSetup({ targets: xor.targets.map((t) => [t]) }))).toEqual(fromArrays)
  })

  it('refuses a missing or contradictory generation count', async () => {
    await expect(trainGA(gaSetup({ generations: undefined }))).rejects.toThrow(/needs generations/)
    await expect(trainGA(gaSetup({ generations: 5, epochs: 6 }))).rejects.toThrow(/disagree/)
    await expect(
      trainGA(
        gaSetup({
          targets: [
            [0, 1],
            [1, 0],
            [1, 0],
            [0, 1]
          ]
        })
      )
    ).rejects.toThrow(/targets has 2 columns/)
  })
})

describe('trainGD', () => {
  it('runs a GdTrainer to the end, disposes it and returns its result with the seed', async () => {
    const dispose = vi.spyOn(GdTrainer.prototype, 'dispose')
    const epochs: number[] = []
    const result = await trainGD(gdSetup({ onEpoch: (e) => epochs.push(e.epoch) }))
    expect(dispose).toHaveBeenCalledTimes(1)
    expect(epochs).toEqual([1, 2, 3])

    const { constraintControlVoltages: _constraint, onEpoch: _onEpoch, ...rest } = gdSetup()
    const manualSetup: GdTrainerSetup = { ...rest, constraint: 'clip', train, validation }
    const trainer = await GdTrainer.create(manualSetup)
    const expected = await trainer.run()
    trainer.dispose()
    expect(result).toEqual({ ...expected, seed: 4 })
    expect(result.trainLosses).toHaveLength(3)
    expect(result.validationLosses).toHaveLength(3)
  })

  it('gives the same result for tensor data sets', async () => {
    const fromArrays = await trainGD(gdSetup())
    const tensors = [
      tf.tensor2d(train.inputs),
      tf.tensor1d(train.targets),
      tf.tensor2d(validation.inputs),
      tf.tensor2d(validation.targets.map((t) => [t]))
    ]
    const [trainInputs, trainTargets, validationInputs, validationTargets] = tensors
    const fromTensors = await trainGD(
      gdSetup({
        train: { inputs: trainInputs!, targets: trainTargets! },
        validation: { inputs: validationInputs!, targets: validationTargets! }
      })
    )
    tf.dispose(tensors)
    expect(fromTensors).toEqual(fromArrays)
  })

  it('takes the constraint under either name and disposes the trainer on an error too', async () => {
    const viaAlias = await trainGD(gdSetup({ constraintControlVoltages: undefined, constraint: 'regul', epochs: 1 }))
    const viaName = await trainGD(gdSetup({ constraintControlVoltages: 'regul', epochs: 1 }))
    expect(viaAlias).toEqual(viaName)
    await expect(trainGD(gdSetup({ constraintControlVoltages: undefined }))).rejects.toThrow(
      /must be 'clip' or 'regul', got nothing/
    )
    await expect(trainGD(gdSetup({ constraint: 'regul' }))).rejects.toThrow(/disagree/)

    const dispose = vi.spyOn(GdTrainer.prototype, 'dispose')
    await expect(
      trainGD(
        gdSetup({
          onEpoch: () => {
            throw new Error('stop here')
          }
        })
      )
    ).rejects.toThrow('stop here')
    expect(dispose).toHaveBeenCalledTimes(1)
  })
})
