import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js'
import { Dnpu } from '../dnpu.js'
import { perceptronAccuracy } from '../functions/perceptron.js'
import { parseSurrogateJson, SurrogateModel } from '../surrogate.js'
import { generateRingData, splitDataset } from '../tasks/ring.js'
import { GdTrainer, type GdTrainerSetup } from './gd-trainer.js'

const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)
const model = new SurrogateModel(definition)
const dnpu = Dnpu.forProcessor(model, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
const ring = splitDataset(
  generateRingData({ sampleCount: 500, gap: 0.4, seed: 1 }),
  { train: 0.8, validation: 0.2, test: 0 },
  1
)

const trainers: GdTrainer[] = []
afterEach(() => {
  trainers.splice(0).forEach((t) => t.dispose())
})

function ringSetup(overrides: Partial<GdTrainerSetup> = {}): GdTrainerSetup {
  return {
    definition,
    dnpu,
    train: ring.train,
    validation: ring.validation,
    epochs: 30,
    batchSize: 64,
    learningRate: 0.01,
    optimizer: 'adam',
    constraint: 'clip',
    loss: 'corrsig',
    seed: 1,
    returnBestModel: true,
    ...overrides
  }
}

async function make(setup: GdTrainerSetup): Promise<GdTrainer> {
  const trainer = await GdTrainer.create(setup)
  trainers.push(trainer)
  return trainer
}

function inRanges(controls: number[]): boolean {
  return controls.every((v, c) => v >= dnpu.controlRangesVolts[c]![0] && v <= dnpu.controlRangesVolts[c]![1])
}

describe('GdTrainer on the ring task', () => {
  it('lowers the corrsig loss and separates the rings (adam, clip)', async () => {
    expect(ring.train.inputs).toHaveLength(400)
    expect(ring.validation.inputs).toHaveLength(100)
    const trainer = await make(ringSetup())
    const started = performance.now()
    const epochs: number[][] = []
    const result = await trainer.run((epoch) => {
      expect(inRanges(epoch.controlVoltages)).toBe(true)
      epochs.push(epoch.controlVoltages)
    })
    const secondsPerEpoch = (performance.now() - started) / 1000 / result.epochs
    expect(result.epochs).toBe(30)
    expect(result.trainLosses).toHaveLength(30)
    expect(result.validationLosses).toHaveLength(30)
    const first = result.trainLosses[0]!
    const last = result.trainLosses.at(-1)!
    expect(last).toBeLessThan(first)
    // returnBestModel: the controls of the lowest validation loss.
    const bestEpoch = result.validationLosses.indexOf(Math.min(...result.validationLosses)) + 1
    expect(result.epoch).toBe(bestEpoch)
    expect(result.controlVoltages).toEqual(epochs[bestEpoch - 1])

    // The trained outputs, through the plain SurrogateModel path the GA uses.
    const [train] = await dnpu.evaluatePool(model, ring.train.inputs, [result.controlVoltages])
    const [validation] = await dnpu.evaluatePool(model, ring.validation.inputs, [result.controlVoltages])
    const ownOutputs = await trainer.outputsNanoamps(ring.train.inputs)
    ownOutputs.forEach((v, i) => expect(v).toBeCloseTo(train![i]!, 3))
    const perceptron = { learningRate: 0.01, epochs: 1000, seed: 0 }
    const trainAccuracy = perceptronAccuracy(train!, ring.train.targets, perceptron).accuracyPercent
    const validationAccuracy = perceptronAccuracy(validation!, ring.validation.targets, perceptron).accuracyPercent
    console.log(
      `ring GD: train loss ${first.toFixed(4)} -> ${last.toFixed(4)}, best validation loss ${result.bestValidationLoss?.toFixed(4)} at epoch ${result.epoch}, ` +
        `accuracy train ${trainAccuracy}% validation ${validationAccuracy}%, ${secondsPerEpoch.toFixed(3)} s/epoch`
    )
    expect(trainAccuracy).toBeGreaterThan(70)
  }, 120_000)

  it('gives identical losses for the same seed and different ones for another', async () => {
    const setup = ringSetup({ epochs: 5 })
    const [a, b, c] = await Promise.all([make(setup), make(setup), make({ ...setup, seed: 2 })])
    const [ra, rb, rc] = [await a.run(), await b.run(), await c.run()]
    expect(rb).toEqual(ra)
    expect(rc.trainLosses).not.toEqual(ra.trainLosses)
  }, 60_000)

  it("keeps controls inside their ranges with 'clip' even at a large learning rate", async () => {
    const trainer = await make(ringSetup({ epochs: 5, learningRate: 0.2, validation: undefined }))
    let touched = false
    const result = await trainer.run((epoch) => {
      expect(inRanges(epoch.controlVoltages)).toBe(true)
      touched ||= epoch.controlVoltages.some((v, c) =>
        dnpu.controlRangesVolts[c]!.some((bound) => Math.abs(v - bound) < 1e-6)
      )
    })
    expect(touched).toBe(true)
    expect(result.validationLosses).toEqual([])
    expect(result.epoch).toBe(5)
  }, 60_000)

  it.each([
    ['adam', 'corrsig', 'clip'],
    ['sgd', 'bce', 'regul']
  ] as const)(
    'resumes from a JSON checkpoint exactly like the uninterrupted run (%s, %s, %s)',
    async (optimizer, loss, constraint) => {
      const setup = ringSetup({
        epochs: 6,
        optimizer,
        loss,
        constraint,
        momentum: optimizer === 'sgd' ? 0.9 : undefined
      })
      const whole = await (await make(setup)).run()
      const first = await make(setup)
      for (let i = 0; i < 3; i += 1) await first.step()
      const checkpoint = JSON.parse(JSON.stringify(first.checkpoint())) as ReturnType<GdTrainer['checkpoint']>
      expect(checkpoint.optimizer.firstMoment.length).toBe(loss === 'bce' ? 7 : 5)
      const resumed = await GdTrainer.fromCheckpoint(setup, checkpoint)
      trainers.push(resumed)
      const continued = await resumed.run()
      expect(continued).toEqual(whole)
      // The optimiser state matters: restarting it from zero changes the continuation.
      const withoutMoments = await GdTrainer.fromCheckpoint(setup, {
        ...checkpoint,
        optimizer: { ...checkpoint.optimizer, iterations: 0, firstMoment: [], secondMoment: [] }
      })
      trainers.push(withoutMoments)
      expect((await withoutMoments.run()).trainLosses).not.toEqual(whole.trainLosses)
    },
    60_000
  )

  it('ends with a clear error, never NaN parameters, when a step would make them NaN', async () => {
    // A clipping window so narrow that the outputs soon all saturate: corrsig's correlation is 0 / 0.
    const trainer = await make(ringSetup({ epochs: 5, simulation: { clippingValueNanoamps: [-1e-3, 1e-3] } }))
    await expect(trainer.step()).rejects.toThrow(
      /epoch 1, batch \d+: the loss gradient is not finite .*lower the learning rate/
    )
    expect(inRanges(trainer.controlVoltages)).toBe(true)
  })

  it("trains with 'regul', bce readout, fisher, mse and sigmoid_nn_distance without errors", async () => {
    for (const loss of ['bce', 'fisher', 'mse', 'sigmoid_nn_distance'] as const) {
      const trainer = await make(ringSetup({ epochs: 3, loss, constraint: 'regul' }))
      const result = await trainer.run()
      expect(result.trainLosses.every(Number.isFinite)).toBe(true)
      expect(result.readout === null).toBe(loss !== 'bce')
    }
  }, 60_000)

  it('refuses batches too small for the loss', async () => {
    await expect(GdTrainer.create(ringSetup({ batchSize: 399, loss: 'corrsig' }))).rejects.toThrow(/last batch has 1/)
  })
})
