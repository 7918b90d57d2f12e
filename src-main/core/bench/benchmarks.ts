// Speed benchmarks of the training engine on a surrogate model (issue 4, item 8). Each figure is
// its own function so tests can run it on tiny sizes; runBenchmarks() runs all five at the
// issue's sizes and benchmarkReport() puts them next to the reference library's figures.
//
// The figures are in figures.ts, how they are measured in method.ts, one module per family
// (ga-, gd-, forward-benchmarks.ts), and the report in report.ts; this module runs them all and
// is the one the rest of the app imports.
import { getComputeBackend, initComputeBackend } from '../compute-backend.js'
import type { DifferentiableProcessorFactory } from '../gd/differentiable-surrogate.js'
import { mlpKernelVariant, usesMlpKernel, type MlpKernelVariant } from '../kernels/mlp-kernel.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { BENCHMARK_SIZES, FIGURE_KEYS, repetitionsFor, type BenchmarkSizes, type FigureKey } from './figures.js'
import { measureForwardBackwardSamplesPerSecond, measureForwardSamplesPerSecond } from './forward-benchmarks.js'
import { measureGaSecondsPerGeneration, measureGaXorMsPerGeneration } from './ga-benchmarks.js'
import { measureGdRingSecondsPerEpoch } from './gd-benchmarks.js'
import { measureSurrogateTrainSamplesPerSecond } from './train-benchmarks.js'
import {
  checkRepetitions,
  differentiableInThisThread,
  inThisThread,
  type Measurement,
  type ProcessorFactory,
  type RepetitionOptions
} from './method.js'

export {
  BENCHMARK_SIZES,
  FIGURE_KEYS,
  FIGURE_SPECS,
  repetitionsFor,
  targetMet,
  type BenchmarkSizes,
  type FigureKey,
  type FigureSpec
} from './figures.js'
export {
  measureForwardBackwardSamplesPerSecond,
  measureForwardSamplesPerSecond,
  randomVoltageRows
} from './forward-benchmarks.js'
export { measureGaSecondsPerGeneration, measureGaXorMsPerGeneration } from './ga-benchmarks.js'
export { measureGdRingSecondsPerEpoch, type GdRingSizes } from './gd-benchmarks.js'
export { measureSurrogateTrainSamplesPerSecond, TRAIN_BENCHMARK_HIDDEN_SIZES } from './train-benchmarks.js'
export { timeRepetitions, type Measurement, type ProcessorFactory, type RepetitionOptions } from './method.js'
export { benchmarkReport, type BenchmarkReport, type MachineInfo } from './report.js'

export interface RunBenchmarksOptions {
  /** The surrogate to measure on (the bundled demo for the published figures). */
  definition: SurrogateDefinition
  /** Fewer repetitions: seconds instead of about a minute, noisier figures. */
  quick?: boolean | undefined
  /** Threads the figures run on, as the processor factories use them (reported). */
  workers?: number | undefined
  /** Processor for the GA and forward figures (default: one SurrogateModel in this thread). */
  createProcessor?: ProcessorFactory | undefined
  /** Differentiable processor for the GD and forward+backward figures (default: one DifferentiableSurrogate in this thread). */
  createDifferentiableProcessor?: DifferentiableProcessorFactory | undefined
  /** Overrides of the sizes (tests). */
  sizes?: Partial<BenchmarkSizes> | undefined
  /** Replaces every figure's repetition settings (tests). */
  repetition?: RepetitionOptions | undefined
  /** Called before each figure is measured (progress output). */
  onFigureStart?: ((key: FigureKey) => void) | undefined
}

export interface BenchmarkRun {
  figures: Record<FigureKey, Measurement>
  computeBackend: string
  /** The hand-written WebAssembly kernel the surrogate ran on, or null where tfjs computed it. */
  mlpKernel: MlpKernelVariant | null
  workers: number
  quick: boolean
  sizes: BenchmarkSizes
}

/** All the figures, one after the other (never in parallel: they would slow each other down). */
export async function runBenchmarks(options: RunBenchmarksOptions): Promise<BenchmarkRun> {
  const workers = options.workers ?? 1
  const createProcessor = options.createProcessor ?? inThisThread
  const createDifferentiable = options.createDifferentiableProcessor ?? differentiableInThisThread
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`workers must be a whole number of at least 1, got ${workers}`)
  const quick = options.quick ?? false
  const sizes: BenchmarkSizes = { ...BENCHMARK_SIZES, ...options.sizes }
  if (options.repetition) checkRepetitions(options.repetition)
  const { definition } = options
  const computeBackend = await initComputeBackend()
  const measures: Record<FigureKey, (repetition: RepetitionOptions) => Promise<Measurement>> = {
    gaXorMsPerGeneration: (r) => measureGaXorMsPerGeneration(definition, r, sizes.gaXorPartition, createProcessor),
    ga100x1000SecondsPerGeneration: (r) =>
      measureGaSecondsPerGeneration(definition, r, sizes.gaLargePartition, sizes.gaLargePointCount, createProcessor),
    gdRingSecondsPerEpoch: (r) =>
      measureGdRingSecondsPerEpoch(
        definition,
        r,
        { trainCount: sizes.gdTrainCount, validationCount: sizes.gdValidationCount, batchSize: sizes.gdBatchSize },
        createDifferentiable
      ),
    forwardSamplesPerSecond: (r) =>
      measureForwardSamplesPerSecond(definition, r, sizes.forwardRowCount, createProcessor),
    forwardBackwardSamplesPerSecond: (r) =>
      measureForwardBackwardSamplesPerSecond(definition, r, sizes.forwardBackwardRowCount, createDifferentiable),
    // In this thread whatever the worker count: one training step is not split over threads.
    surrogateTrainSamplesPerSecond: (r) =>
      measureSurrogateTrainSamplesPerSecond(definition, r, sizes.surrogateTrainBatchSize)
  }
  const figures = {} as Record<FigureKey, Measurement>
  for (const key of FIGURE_KEYS) {
    options.onFigureStart?.(key)
    figures[key] = await measures[key](options.repetition ?? repetitionsFor(key, quick))
  }
  const mlpKernel = usesMlpKernel(definition.activation) ? mlpKernelVariant() : null
  return { figures, computeBackend: getComputeBackend() ?? computeBackend, mlpKernel, workers, quick, sizes }
}
