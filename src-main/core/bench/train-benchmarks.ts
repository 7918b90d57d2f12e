// Training a surrogate from measured samples (issue 13): one mini-batch step of the reference
// architecture (7 -> 6 x 90 -> 1, ReLU), forward + backward to the weights + Adam update, on
// the trainer the surrogate-training core uses (tfjs on the app's compute backend).
import { Rng } from '../rng.js'
import { initLayers } from '../surrogate-training/mlp-reference.js'
import { MlpTrainer } from '../surrogate-training/mlp-trainer.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { BENCHMARK_SIZES } from './figures.js'
import { randomVoltageRows } from './forward-benchmarks.js'
import {
  checkCount,
  checkRepetitions,
  measurement,
  SEED,
  timeRepetitions,
  type Measurement,
  type RepetitionOptions
} from './method.js'

/** The reference code's default network: hidden [90] x 6. */
export const TRAIN_BENCHMARK_HIDDEN_SIZES = [90, 90, 90, 90, 90, 90]

/**
 * MlpTrainer.step on batchSize rows of random voltages inside the definition's electrode ranges
 * (targets: random values of the size of the scaled outputs), from PyTorch-style initial
 * weights: training samples per second.
 */
export async function measureSurrogateTrainSamplesPerSecond(
  definition: SurrogateDefinition,
  repetition: RepetitionOptions,
  batchSize: number = BENCHMARK_SIZES.surrogateTrainBatchSize
): Promise<Measurement> {
  checkRepetitions(repetition)
  checkCount('batchSize', batchSize, 1)
  const rng = new Rng(SEED)
  const inputs = randomVoltageRows(definition, batchSize, SEED)
  const targets = new Float32Array(batchSize).map(() => rng.uniform(-1, 1))
  const layers = initLayers([definition.inputCount, ...TRAIN_BENCHMARK_HIDDEN_SIZES, 1], rng)
  const trainer = await MlpTrainer.create({ layers, activation: 'relu' })
  try {
    const seconds = await timeRepetitions(async () => trainer.step(inputs, targets, batchSize), repetition)
    return measurement(seconds, (s) => batchSize / s)
  } finally {
    trainer.dispose()
  }
}
