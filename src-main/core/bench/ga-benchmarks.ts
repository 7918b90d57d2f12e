// The GA figures: one GaTrainer.step() per repetition, on XOR and on a large ring task.
import { Dnpu } from '../dnpu.js'
import { GaTrainer } from '../ga/ga-trainer.js'
import type { Partition } from '../ga/genetic-optimizer.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { parseGateTask } from '../tasks/boolean-gates.js'
import { generateRingData } from '../tasks/ring.js'
import { BENCHMARK_SIZES } from './figures.js'
import {
  checkCount,
  checkRepetitions,
  DATA_ELECTRODES,
  INPUT_RANGE,
  inThisThread,
  measurement,
  RING_GAP,
  SEED,
  timeRepetitions,
  type Measurement,
  type ProcessorFactory,
  type RepetitionOptions
} from './method.js'

// A never-reached threshold, so a GA benchmark never stops early on a good genome.
const NEVER_STOP = 2

async function gaStepSeconds(
  definition: SurrogateDefinition,
  task: { inputs: number[][]; targets: number[] },
  partition: Partition,
  repetition: RepetitionOptions,
  createProcessor: ProcessorFactory
): Promise<number[]> {
  checkRepetitions(repetition)
  const processor = createProcessor(definition)
  try {
    const dnpu = Dnpu.forProcessor(processor, { dataElectrodes: DATA_ELECTRODES, inputRange: INPUT_RANGE })
    const trainer = new GaTrainer({
      processor,
      dnpu,
      taskInputs: task.inputs,
      targets: task.targets,
      partition,
      generations: repetition.warmups + repetition.maxRepetitions,
      fitness: 'corrsig_fit',
      stopThreshold: NEVER_STOP,
      seed: SEED
    })
    return await timeRepetitions(() => trainer.step(), repetition)
  } finally {
    await processor.dispose()
  }
}

/** GA on XOR (4 points), one GaTrainer.step() per repetition: ms per generation. */
export async function measureGaXorMsPerGeneration(
  definition: SurrogateDefinition,
  repetition: RepetitionOptions,
  partition: Partition = BENCHMARK_SIZES.gaXorPartition,
  createProcessor: ProcessorFactory = inThisThread
): Promise<Measurement> {
  const xor = parseGateTask('xor')
  const seconds = await gaStepSeconds(definition, xor, partition, repetition, createProcessor)
  return measurement(seconds, (s) => s * 1000)
}

/**
 * GA with `partition` genomes over `pointCount` ring-task points (both classes, so corrsig_fit
 * applies), one GaTrainer.step() per repetition: seconds per generation.
 */
export async function measureGaSecondsPerGeneration(
  definition: SurrogateDefinition,
  repetition: RepetitionOptions,
  partition: Partition = BENCHMARK_SIZES.gaLargePartition,
  pointCount: number = BENCHMARK_SIZES.gaLargePointCount,
  createProcessor: ProcessorFactory = inThisThread
): Promise<Measurement> {
  checkCount('pointCount', pointCount, 2)
  if (pointCount % 2 !== 0)
    throw new RangeError(`pointCount must be even (half the points per class), got ${pointCount}`)
  const task = generateRingData({ sampleCount: pointCount, gap: RING_GAP, seed: SEED })
  const seconds = await gaStepSeconds(definition, task, partition, repetition, createProcessor)
  return measurement(seconds, (s) => s)
}
