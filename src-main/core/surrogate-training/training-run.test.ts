// The training loop end to end: it learns the demo surrogate from samples of it, keeps the best
// weights, stops early, resumes from a JSON round-tripped state exactly as if never interrupted,
// and hands back a definition the app's SurrogateModel runs.
import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js'
import { randomVoltageRows } from '../bench/benchmarks.js'
import { parseSurrogateJson, SurrogateModel } from '../surrogate.js'
import { splitDataset, type DatasetSplit, type SampleSet } from './dataset.js'
import { trainedSurrogateDefinition } from './trained-definition.js'
import { resolveTrainingOptions, SurrogateTraining, type SurrogateTrainingState } from './training-run.js'

const demo = parseSurrogateJson(DEMO_SURROGATE_JSON)

/** count samples of the demo surrogate: inputs uniform inside its electrode ranges, outputs its forward in nA. */
async function demoSamples(count: number, seed: number): Promise<SampleSet> {
  const inputsVolts = randomVoltageRows(demo, count, seed)
  const model = new SurrogateModel(demo)
  try {
    const outputsNanoamps = await model.forwardNanoamps(inputsVolts, count)
    return { inputsVolts, outputsNanoamps, count, inputCount: demo.inputCount, outputCount: 1 }
  } finally {
    model.dispose()
  }
}

const small = { hiddenSizes: [16, 16], batchSize: 32, seed: 5 }

async function smallSplit(count = 400): Promise<DatasetSplit> {
  return splitDataset(await demoSamples(count, 2), demo.amplification, 1)
}

describe('SurrogateTraining', () => {
  it('learns the demo surrogate from 3000 of its samples: test correlation > 0.9, and deterministic', async () => {
    const split = splitDataset(await demoSamples(3000, 1), demo.amplification, 1)
    const options = { hiddenSizes: [32, 32], batchSize: 32, maxEpochs: 30, seed: 3, adam: { learningRate: 5e-3 } }
    const training = await SurrogateTraining.start(split, 7, 1, options)
    try {
      expect(await training.runToEnd()).toBe('max-epochs')
      const history = training.history
      expect(history).toHaveLength(30)
      expect(history.at(-1)!.trainLoss).toBeLessThan(history[0]!.trainLoss)
      const metrics = await training.testMetrics(demo.amplification)
      expect(metrics.sampleCount).toBe(300)
      expect(metrics.correlation).toBeGreaterThan(0.9)
      expect(metrics.rmseRelativeToRange).toBeLessThan(0.1)
      const again = await SurrogateTraining.start(split, 7, 1, { ...options, maxEpochs: 2 })
      try {
        await again.runToEnd()
        expect(again.history).toEqual(history.slice(0, 2))
      } finally {
        again.dispose()
      }
    } finally {
      training.dispose()
    }
  })

  it('resumes from a JSON round-tripped state exactly as an uninterrupted run', async () => {
    const split = await smallSplit()
    const straight = await SurrogateTraining.start(split, 7, 1, { ...small, maxEpochs: 3 })
    await straight.runToEnd()
    const first = await SurrogateTraining.start(split, 7, 1, { ...small, maxEpochs: 3 })
    await first.runEpoch()
    const saved = JSON.parse(JSON.stringify(await first.state())) as SurrogateTrainingState
    first.dispose()
    expect(saved.epoch).toBe(1)
    const resumed = await SurrogateTraining.resume(split, saved)
    try {
      expect(await resumed.runToEnd()).toBe('max-epochs')
      const [a, b] = [await resumed.state(), await straight.state()]
      expect(a.history).toEqual(b.history)
      expect(a.layers).toEqual(b.layers)
      expect(a.adam).toEqual(b.adam)
      expect(a.rngState).toEqual(b.rngState)
      expect(a.best).toEqual(b.best)
      await expect(resumed.runEpoch()).rejects.toThrow(/has ended \(max-epochs\)/)
    } finally {
      resumed.dispose()
      straight.dispose()
    }
  })

  it('keeps the weights with the lowest validation loss', async () => {
    const training = await SurrogateTraining.start(await smallSplit(), 7, 1, { ...small, maxEpochs: 4 })
    try {
      const seen: number[] = []
      await training.runToEnd((record) => seen.push(record.epoch))
      expect(seen).toEqual([1, 2, 3, 4])
      const state = await training.state()
      const losses = state.history.map((r) => r.validationLoss)
      expect(state.best!.validationLoss).toBe(Math.min(...losses))
      expect(state.best!.epoch).toBe(losses.indexOf(Math.min(...losses)) + 1)
      expect(await training.bestLayers()).toEqual(state.best!.layers)
    } finally {
      training.dispose()
    }
  })

  it('stops early after `patience` epochs without a lower validation loss', async () => {
    // A step far below float32 resolution: the weights never change, so neither does the loss.
    const options = { ...small, maxEpochs: 50, patience: 2, adam: { learningRate: 1e-15 } }
    const training = await SurrogateTraining.start(await smallSplit(), 7, 1, options)
    try {
      expect(await training.runToEnd()).toBe('early-stop')
      expect(training.epoch).toBe(3)
      expect((await training.state()).best!.epoch).toBe(1)
    } finally {
      training.dispose()
    }
  })

  it('hands back a definition the app runs, with the predictions the training made', async () => {
    const split = await smallSplit()
    const training = await SurrogateTraining.start(split, 7, 1, { ...small, maxEpochs: 1, activation: 'tanh' })
    try {
      await training.runToEnd()
      const definition = trainedSurrogateDefinition(await training.bestLayers(), 'tanh', {
        voltageRangesVolts: demo.voltageRangesVolts,
        amplification: demo.amplification,
        clippingValueNanoamps: [-1e6, 1e6]
      })
      expect(definition.hiddenSizes).toEqual([16, 16])
      expect(definition.info['model_structure']).toEqual({
        D_in: 7,
        D_out: 1,
        activation: 'tanh',
        hidden_sizes: [16, 16]
      })
      const model = new SurrogateModel(definition)
      try {
        const expected = await training.predictNanoamps(split.test, demo.amplification)
        const actual = await model.forwardNanoamps(split.test.inputs, split.test.count)
        actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 3))
      } finally {
        model.dispose()
      }
    } finally {
      training.dispose()
    }
  })

  it('refuses bad options and states, naming what is wrong', async () => {
    expect(() => resolveTrainingOptions({ seed: 1, hiddenSizes: [0] })).toThrow(/hiddenSizes\[0\]/)
    expect(() => resolveTrainingOptions({ seed: 1, batchSize: 0 })).toThrow(/batchSize/)
    expect(() => resolveTrainingOptions({ seed: 1, patience: 0 })).toThrow(/patience/)
    expect(() => resolveTrainingOptions({ seed: -1 })).toThrow(/seed/)
    expect(() => resolveTrainingOptions({ seed: 1, activation: 'swish' as never })).toThrow(/activation/)
    expect(resolveTrainingOptions({ seed: 1 })).toMatchObject({
      hiddenSizes: [90, 90, 90, 90, 90, 90],
      activation: 'relu',
      batchSize: 256,
      maxEpochs: 100,
      patience: null,
      adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
    })
    const split = await smallSplit()
    await expect(SurrogateTraining.start(split, 6, 1, small)).rejects.toThrow(/train set's arrays/)
    const training = await SurrogateTraining.start(split, 7, 1, { ...small, maxEpochs: 2 })
    const state = await training.state()
    training.dispose()
    await expect(SurrogateTraining.resume(split, { ...state, format: 'other' as never })).rejects.toThrow(/format/)
    await expect(SurrogateTraining.resume(split, { ...state, epoch: 1 })).rejects.toThrow(/history entries/)
    await expect(SurrogateTraining.resume(split, { ...state, rngState: [0, 0, 0, 0] })).rejects.toThrow(/all zero/)
  })
})
