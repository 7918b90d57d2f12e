// Speed benchmarks of the training engine on a surrogate model (issue 4, item 8). Each figure is
// its own function so tests can run it on tiny sizes; runBenchmarks() runs all five at the
// issue's sizes and benchmarkReport() puts them next to the reference library's figures.
//
// Method: warm-up repetitions first (backend start, weight upload, the wasm/JIT first-call
// costs), then measured repetitions until a minimum count AND a time budget are reached (or a
// maximum count). The median is reported: on a shared 2-core machine the odd repetition is slowed
// down by someone else's work, and the median ignores it where a mean would not.
import { mlpKernelVariant, usesMlpKernel, type MlpKernelVariant } from '../kernels/mlp-kernel.js'
import { getComputeBackend, initComputeBackend } from '../compute-backend.js'
import { Dnpu } from '../dnpu.js'
import { GaTrainer } from '../ga/ga-trainer.js'
import type { Partition } from '../ga/genetic-optimizer.js'
import { DifferentiableSurrogate, type DifferentiableProcessorFactory } from '../gd/differentiable-surrogate.js'
import { GdTrainer } from '../gd/gd-trainer.js'
import { Rng } from '../rng.js'
import { SurrogateModel } from '../surrogate.js'
import type { Processor } from '../processor.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { parseGateTask } from '../tasks/boolean-gates.js'
import { generateRingData, splitDataset } from '../tasks/ring.js'

/** How often a figure is measured. */
export interface RepetitionOptions {
  /** Unmeasured runs first. */
  warmups: number
  minRepetitions: number
  maxRepetitions: number
  /** Stop once the measured repetitions took this long in total (and minRepetitions are done). */
  budgetSeconds: number
}

/** One figure: the median over the repetitions, in the figure's unit. */
export interface Measurement {
  value: number
  repetitions: number
  /** Every measured repetition, in the same unit as `value`. */
  samples: number[]
}

export const FIGURE_KEYS = [
  'gaXorMsPerGeneration',
  'ga100x1000SecondsPerGeneration',
  'gdRingSecondsPerEpoch',
  'forwardSamplesPerSecond',
  'forwardBackwardSamplesPerSecond'
] as const
export type FigureKey = (typeof FIGURE_KEYS)[number]

export interface FigureSpec {
  label: string
  unit: 'ms' | 's' | 'samples/s'
  /** The reference library (brains-py) on a 2-core machine like ours, as the issue gives it. */
  reference: number
  /** The target: at most (times) or at least (throughputs). */
  target: { atMost: number } | { atLeast: number }
}

export const FIGURE_SPECS: Readonly<Record<FigureKey, FigureSpec>> = {
  gaXorMsPerGeneration: {
    label: 'GA XOR [4,22], per generation',
    unit: 'ms',
    reference: 15.6,
    target: { atMost: 1.5 }
  },
  ga100x1000SecondsPerGeneration: {
    label: 'GA [10,90] x 1000 points, per generation',
    unit: 's',
    reference: 0.154,
    target: { atMost: 0.1 }
  },
  gdRingSecondsPerEpoch: {
    label: 'GD ring 5000/1000, batch 512, per epoch',
    unit: 's',
    reference: 0.043,
    target: { atMost: 0.043 }
  },
  forwardSamplesPerSecond: {
    label: 'surrogate forward, 100000 x 7',
    unit: 'samples/s',
    reference: 4.6e5,
    target: { atLeast: 7e5 }
  },
  forwardBackwardSamplesPerSecond: {
    label: 'forward + input gradient, 512 x 7',
    unit: 'samples/s',
    reference: 4.9e5,
    target: { atLeast: 4.9e5 }
  }
}

/** The sizes; tests pass tiny ones. */
export interface BenchmarkSizes {
  gaXorPartition: Partition
  gaLargePartition: Partition
  gaLargePointCount: number
  gdTrainCount: number
  gdValidationCount: number
  gdBatchSize: number
  forwardRowCount: number
  forwardBackwardRowCount: number
}

export const BENCHMARK_SIZES: Readonly<BenchmarkSizes> = {
  gaXorPartition: [4, 22],
  gaLargePartition: [10, 90],
  gaLargePointCount: 1000,
  gdTrainCount: 5000,
  gdValidationCount: 1000,
  gdBatchSize: 512,
  forwardRowCount: 100_000,
  forwardBackwardRowCount: 512
}

// Sized so a full run stays near 40 s on a 2-core machine (about 35 s of budgets plus warm-ups
// and set-up); a fast figure gets many repetitions, a slow one at least five.
const FULL_REPETITIONS: Readonly<Record<FigureKey, RepetitionOptions>> = {
  gaXorMsPerGeneration: { warmups: 20, minRepetitions: 20, maxRepetitions: 2000, budgetSeconds: 5 },
  ga100x1000SecondsPerGeneration: { warmups: 2, minRepetitions: 5, maxRepetitions: 100, budgetSeconds: 8 },
  gdRingSecondsPerEpoch: { warmups: 2, minRepetitions: 5, maxRepetitions: 100, budgetSeconds: 9 },
  forwardSamplesPerSecond: { warmups: 2, minRepetitions: 5, maxRepetitions: 100, budgetSeconds: 8 },
  forwardBackwardSamplesPerSecond: { warmups: 20, minRepetitions: 20, maxRepetitions: 5000, budgetSeconds: 5 }
}

/**
 * The repetition settings runBenchmarks uses for a figure. --quick: a few seconds in all, for a
 * smoke check, with noisier figures; it keeps up to five warm-ups, as the first runs of a fast
 * figure are several times slower than the rest.
 */
export function repetitionsFor(key: FigureKey, quick: boolean): RepetitionOptions {
  const full = FULL_REPETITIONS[key]
  return quick
    ? { warmups: Math.min(full.warmups, 5), minRepetitions: 3, maxRepetitions: full.maxRepetitions, budgetSeconds: 0.5 }
    : { ...full }
}

// Data electrodes and input range of the lab's XOR recipe (the app's default), used by all the
// task benchmarks so the control electrodes are the same five.
const DATA_ELECTRODES = [1, 2]
const INPUT_RANGE: [number, number] = [-1, 1]
const SEED = 1
const RING_GAP = 0.4

function checkRepetitions(options: RepetitionOptions): void {
  const { warmups, minRepetitions, maxRepetitions, budgetSeconds } = options
  if (!Number.isInteger(warmups) || warmups < 0)
    throw new RangeError(`warmups must be a whole number >= 0, got ${warmups}`)
  if (!Number.isInteger(minRepetitions) || minRepetitions < 1)
    throw new RangeError(`minRepetitions must be a whole number >= 1, got ${minRepetitions}`)
  if (!Number.isInteger(maxRepetitions) || maxRepetitions < minRepetitions) {
    throw new RangeError(
      `maxRepetitions must be a whole number >= minRepetitions (${minRepetitions}), got ${maxRepetitions}`
    )
  }
  if (!(budgetSeconds >= 0 && Number.isFinite(budgetSeconds)))
    throw new RangeError(`budgetSeconds must be a finite number >= 0, got ${budgetSeconds}`)
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be a whole number >= ${min}, got ${value}`)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Seconds per call of `run`, one entry per measured repetition. */
export async function timeRepetitions(run: () => Promise<unknown>, options: RepetitionOptions): Promise<number[]> {
  checkRepetitions(options)
  for (let i = 0; i < options.warmups; i += 1) await run()
  const seconds: number[] = []
  let total = 0
  while (
    seconds.length < options.maxRepetitions &&
    (seconds.length < options.minRepetitions || total < options.budgetSeconds)
  ) {
    const started = performance.now()
    await run()
    const elapsed = (performance.now() - started) / 1000
    seconds.push(elapsed)
    total += elapsed
  }
  return seconds
}

/** `perSecond(s)` turns one repetition's seconds into the figure's unit. */
function measurement(seconds: readonly number[], perRepetition: (s: number) => number): Measurement {
  const samples = seconds.map(perRepetition)
  return { value: median(samples), repetitions: samples.length, samples }
}

// A never-reached threshold, so a GA benchmark never stops early on a good genome.
const NEVER_STOP = 2

/**
 * Makes the processor the GA and forward figures evaluate on. The default is one SurrogateModel in
 * this thread; the CLI passes a multi-thread evaluation pool (which core cannot start itself).
 */
export type ProcessorFactory = (definition: SurrogateDefinition) => Processor & { dispose(): unknown }

const inThisThread: ProcessorFactory = (definition) => new SurrogateModel(definition)

/**
 * What the GD and forward+backward figures differentiate through: by default one
 * DifferentiableSurrogate in this thread; the CLI passes the multi-thread evaluation pool.
 */
const differentiableInThisThread: DifferentiableProcessorFactory = (definition, simulation) =>
  DifferentiableSurrogate.create(definition, simulation)

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

/** All five figures, one after the other (never in parallel: they would slow each other down). */
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
      measureForwardBackwardSamplesPerSecond(definition, r, sizes.forwardBackwardRowCount, createDifferentiable)
  }
  const figures = {} as Record<FigureKey, Measurement>
  for (const key of FIGURE_KEYS) {
    options.onFigureStart?.(key)
    figures[key] = await measures[key](options.repetition ?? repetitionsFor(key, quick))
  }
  const mlpKernel = usesMlpKernel(definition.activation) ? mlpKernelVariant() : null
  return { figures, computeBackend: getComputeBackend() ?? computeBackend, mlpKernel, workers, quick, sizes }
}

/** Where the benchmark ran; filled in by the caller (core reads no system information). */
export interface MachineInfo {
  cpuModel: string
  cores: number
  nodeVersion: string
  os: string
  /**
   * The system's 1-minute load average when the benchmark started (null where the system has
   * none, e.g. Windows): on a shared machine, a load above the core count means slowed figures.
   */
  loadAverage1Minute: number | null
}

/** Four significant digits: more would be noise, and `met` is judged on what is shown. */
function rounded(value: number): number {
  return Number(value.toPrecision(4))
}

export function targetMet(key: FigureKey, value: number): boolean {
  const { target } = FIGURE_SPECS[key]
  return 'atMost' in target ? value <= target.atMost : value >= target.atLeast
}

export interface BenchmarkReport extends Record<FigureKey, number> {
  computeBackend: string
  mlpKernel: MlpKernelVariant | null
  workers: number
  machine: MachineInfo
  quick: boolean
  reference: Record<FigureKey, number>
  targets: Record<FigureKey, FigureSpec['target']>
  targetsMet: Record<FigureKey, boolean>
  allTargetsMet: boolean
  repetitions: Record<FigureKey, number>
  sizes: BenchmarkSizes
}

/** The one JSON object `dnpu bench --json` prints. */
export function benchmarkReport(run: BenchmarkRun, machine: MachineInfo): BenchmarkReport {
  const values = {} as Record<FigureKey, number>
  const reference = {} as Record<FigureKey, number>
  const targets = {} as Record<FigureKey, FigureSpec['target']>
  const targetsMet = {} as Record<FigureKey, boolean>
  const repetitions = {} as Record<FigureKey, number>
  for (const key of FIGURE_KEYS) {
    const figure = run.figures[key]
    if (!(Number.isFinite(figure.value) && figure.value > 0))
      throw new RangeError(`${key}: measured value must be a positive finite number, got ${figure.value}`)
    values[key] = rounded(figure.value)
    reference[key] = FIGURE_SPECS[key].reference
    targets[key] = { ...FIGURE_SPECS[key].target }
    targetsMet[key] = targetMet(key, values[key])
    repetitions[key] = figure.repetitions
  }
  return {
    ...values,
    computeBackend: run.computeBackend,
    mlpKernel: run.mlpKernel,
    workers: run.workers,
    machine: { ...machine },
    quick: run.quick,
    reference,
    targets,
    targetsMet,
    allTargetsMet: FIGURE_KEYS.every((key) => targetsMet[key]),
    repetitions,
    sizes: {
      ...run.sizes,
      gaXorPartition: [run.sizes.gaXorPartition[0], run.sizes.gaXorPartition[1]],
      gaLargePartition: [run.sizes.gaLargePartition[0], run.sizes.gaLargePartition[1]]
    }
  }
}
