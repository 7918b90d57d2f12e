// The GD figure: GdTrainer epochs on the ring task.
import { Dnpu } from '../dnpu.js'
import type { DifferentiableProcessorFactory } from '../gd/differentiable-surrogate.js'
import { GdTrainer } from '../gd/gd-trainer.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { generateRingData, splitDataset } from '../tasks/ring.js'
import { BENCHMARK_SIZES } from './figures.js'
import {
  checkCount,
  checkRepetitions,
  DATA_ELECTRODES,
  differentiableInThisThread,
  INPUT_RANGE,
  measurement,
  RING_GAP,
  SEED,
  timeRepetitions,
  type Measurement,
  type RepetitionOptions
} from './method.js'

export interface GdRingSizes {
  trainCount: number
  validationCount: number
  batchSize: number
}

/**
 * GdTrainer on the ring task (Adam, corrsig, clip), one step() = one epoch over the training set
 * plus the validation loss per repetition: seconds per epoch.
 */
export async function measureGdRingSecondsPerEpoch(
  definition: SurrogateDefinition,
  repetition: RepetitionOptions,
  sizes: GdRingSizes = {
    trainCount: BENCHMARK_SIZES.gdTrainCount,
    validationCount: BENCHMARK_SIZES.gdValidationCount,
    batchSize: BENCHMARK_SIZES.gdBatchSize
  },
  createProcessor: DifferentiableProcessorFactory = differentiableInThisThread
): Promise<Measurement> {
  checkRepetitions(repetition)
  const { trainCount, validationCount, batchSize } = sizes
  checkCount('trainCount', trainCount, 2)
  checkCount('validationCount', validationCount, 2)
  checkCount('batchSize', batchSize, 1)
  const total = trainCount + validationCount
  if (total % 2 !== 0)
    throw new RangeError(`trainCount + validationCount must be even (the ring has two equal classes), got ${total}`)
  const ring = splitDataset(
    generateRingData({ sampleCount: total, gap: RING_GAP, seed: SEED }),
    { train: trainCount / total, validation: validationCount / total, test: 0 },
    SEED
  )
  // floor(fraction * n) could in principle land one short; a figure for other sizes would mislead.
  if (ring.train.inputs.length !== trainCount || ring.validation.inputs.length !== validationCount) {
    throw new Error(
      `ring split gave ${ring.train.inputs.length} / ${ring.validation.inputs.length} points, expected ${trainCount} / ${validationCount}`
    )
  }
  const dnpu = new Dnpu({
    activationElectrodeCount: definition.inputCount,
    voltageRangesVolts: definition.voltageRangesVolts,
    dataElectrodes: DATA_ELECTRODES,
    inputRange: INPUT_RANGE
  })
  const trainer = await GdTrainer.create({
    definition,
    dnpu,
    train: ring.train,
    validation: ring.validation,
    epochs: repetition.warmups + repetition.maxRepetitions,
    batchSize,
    learningRate: 0.01,
    optimizer: 'adam',
    constraint: 'clip',
    loss: 'corrsig',
    seed: SEED,
    createProcessor
  })
  try {
    const seconds = await timeRepetitions(() => trainer.step(), repetition)
    return measurement(seconds, (s) => s)
  } finally {
    trainer.dispose()
  }
}
