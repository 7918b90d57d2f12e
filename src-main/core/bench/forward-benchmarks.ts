// The surrogate's own throughput: forward alone, and forward plus input gradient (GD's pair).
import type { DifferentiableProcessorFactory } from '../gd/differentiable-surrogate.js'
import { Rng } from '../rng.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { BENCHMARK_SIZES } from './figures.js'
import {
  checkCount,
  checkRepetitions,
  differentiableInThisThread,
  inThisThread,
  measurement,
  SEED,
  timeRepetitions,
  type Measurement,
  type ProcessorFactory,
  type RepetitionOptions
} from './method.js'

/** rowCount rows of seeded voltages, each uniform inside its electrode's range. */
export function randomVoltageRows(definition: SurrogateDefinition, rowCount: number, seed: number): Float32Array {
  checkCount('rowCount', rowCount, 1)
  const rng = new Rng(seed)
  const ranges = definition.voltageRangesVolts
  const rows = new Float32Array(rowCount * ranges.length)
  for (let row = 0; row < rowCount; row += 1) {
    // (Stored as float32, a value can sit one ulp past a bound: irrelevant to a forward's speed.)
    ranges.forEach(([lo, hi], electrode) => (rows[row * ranges.length + electrode] = rng.uniform(lo, hi)))
  }
  return rows
}

/** forwardNanoamps on rowCount x inputCount voltages: samples (rows) per second. */
export async function measureForwardSamplesPerSecond(
  definition: SurrogateDefinition,
  repetition: RepetitionOptions,
  rowCount: number = BENCHMARK_SIZES.forwardRowCount,
  createProcessor: ProcessorFactory = inThisThread
): Promise<Measurement> {
  checkRepetitions(repetition)
  const inputs = randomVoltageRows(definition, rowCount, SEED)
  const model = createProcessor(definition)
  try {
    const seconds = await timeRepetitions(() => model.forwardNanoamps(inputs, rowCount), repetition)
    return measurement(seconds, (s) => rowCount / s)
  } finally {
    await model.dispose()
  }
}

/**
 * DifferentiableSurrogate.forwardWithGradient then inputGradient (d outputs / d inputs for an
 * all-ones output gradient), the pair GD needs per batch: samples (rows) per second.
 */
export async function measureForwardBackwardSamplesPerSecond(
  definition: SurrogateDefinition,
  repetition: RepetitionOptions,
  rowCount: number = BENCHMARK_SIZES.forwardBackwardRowCount,
  createProcessor: DifferentiableProcessorFactory = differentiableInThisThread
): Promise<Measurement> {
  checkRepetitions(repetition)
  const inputs = randomVoltageRows(definition, rowCount, SEED)
  const outputGradient = new Float32Array(rowCount * definition.outputCount).fill(1)
  const surrogate = await createProcessor(definition, {})
  try {
    const seconds = await timeRepetitions(async () => {
      const pass = await surrogate.forwardWithGradient(inputs, rowCount)
      try {
        return await pass.inputGradient(outputGradient)
      } finally {
        pass.dispose()
      }
    }, repetition)
    return measurement(seconds, (s) => rowCount / s)
  } finally {
    await surrogate.dispose()
  }
}
