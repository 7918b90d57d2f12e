// The VC-dimension capacity sweep (brainspy-tasks' capacity_test / vc_dimension_test /
// boolean_task): for each N, try to find every non-constant labeling of the first N points of a
// fixed 2-D point set with a GA on one DNPU; capacity(N) = labelings found / labelings tried.
//
// Per labeling, as in the reference: up to `attempts` GA runs, each a fresh GA (here with its own
// seed derived from the sweep's seed, N, the labeling and the attempt); the labeling is found when
// the perceptron accuracy of the run's best output reaches 1 - thresholdParameter / N; the first
// success ends the attempts.
// Differences, all deliberate:
// - An attempt also stops as soon as its best-so-far output passes the perceptron test (checked
//   whenever the best-so-far genome changes), not only on the correlation threshold: it saves the
//   remaining generations and can only turn a later "not found" into "found".
// - The perceptron runs only when a single threshold on the output could reach the required
//   accuracy at all (an exact O(N log N) check): the perceptron can never beat the best threshold,
//   so this only saves time, never changes a verdict.
// - Reported per labeling: the attempt with the best accuracy (the reference keeps the last).
// - A constant best output counts as accuracy 0 (the reference's z-scoring divides by zero).
// - "found" compares whole point counts (correct >= N - thresholdParameter), which is the
//   reference's fraction test without its rounding edge.
//
// This module runs the sweep; the point set, the labelings, the seeds and the verdict on one
// output are in capacity-labelings.ts.
import { Dnpu } from '../dnpu.js'
import type { FitnessName } from '../fitness.js'
import { isFitnessName } from '../ga/fitness-registry.js'
import { GaTrainer, type GaGenerationResult } from '../ga/ga-trainer.js'
import type { Partition } from '../ga/genetic-optimizer.js'
import type { Processor } from '../processor.js'
import { randomSeed } from '../rng.js'
import {
  bestThresholdCorrectPoints,
  capacityAttemptSeed,
  capacityPerceptronSeed,
  checkDimension,
  DEFAULT_PERCEPTRON,
  definedOnly,
  judgeCapacityOutput,
  requiredCorrectPoints,
  vcDimensionInputs,
  vcDimensionLabelings,
  type CapacityJudgement,
  type CapacityPerceptronSettings
} from './capacity-labelings.js'

export {
  bestThresholdCorrectPoints,
  capacityAttemptSeed,
  capacityPerceptronSeed,
  judgeCapacityOutput,
  MAX_VC_DIMENSION,
  MIN_VC_DIMENSION,
  requiredCorrectPoints,
  VC_DIMENSION_X,
  VC_DIMENSION_Y,
  vcDimensionInputs,
  vcDimensionLabelings,
  type CapacityJudgement,
  type CapacityPerceptronSettings
} from './capacity-labelings.js'

export interface CapacitySweepOptions {
  processor: Processor
  /** First and last N (number of points), both in 4..10. */
  fromN: number
  toN: number
  /** GA runs per labeling at most (the reference's max_attempts). Default 3. */
  attempts?: number | undefined
  /** Generations per attempt at most. Default 100. */
  generations?: number | undefined
  /** An attempt stops when its best correlation reaches this. Default 1 (the reference's boolean GA preset). */
  stopThreshold?: number | undefined
  partition?: Partition | undefined
  /** The two activation electrodes that get the points' x and y. Default [1, 2]. */
  dataElectrodes?: number[] | undefined
  /** Task input range mapped onto the data electrodes' voltage ranges. Default [-1, 1]. */
  inputRange?: [number, number] | undefined
  fitness?: FitnessName | undefined
  /** A labeling is found when accuracy >= 1 - thresholdParameter / N. Default 0.5. */
  thresholdParameter?: number | undefined
  /** Perceptron training; default the reference's boolean preset (lr 0.01, 10000 epochs, batch 128). */
  perceptron?: CapacityPerceptronSettings | undefined
  /** uint32; drawn with randomSeed() when absent (read it back from the result). */
  seed?: number | undefined
  /** Stop between generations once aborted; the result then holds what was finished. */
  signal?: AbortSignal | undefined
  /** Same as `signal`, for callers without an AbortController. */
  shouldStop?: (() => boolean) | undefined
}

export interface CapacityLabelingResult {
  /** One 0/1 target per point. */
  labeling: number[]
  found: boolean
  /** GA runs made (stops at the first success). */
  attempts: number
  /** Generations evaluated over all attempts. */
  generations: number
  /** Perceptron accuracy (percent) and correlation of the best attempt's best output. */
  accuracyPercent: number
  correlation: number
  /**
   * The best attempt's best genome (volts, one per control electrode), so a found labeling can be
   * re-measured on the device. Absent in sweeps stored before DNPU Lab kept it.
   */
  controlVoltages?: number[] | undefined
}

export interface CapacityPerN {
  n: number
  /** 2^N - 2 non-constant labelings. */
  labelings: number
  /** Labelings finished: all of them unless the sweep was stopped during this N. */
  evaluated: number
  found: number
  /** found / evaluated. */
  capacity: number
  results: CapacityLabelingResult[]
}

export interface CapacityResult {
  seed: number
  perN: CapacityPerN[]
  /** True when the sweep was stopped early: the last entry of perN may be partial. */
  stopped: boolean
}

export interface CapacityProgress {
  n: number
  /** 0-based index of the labeling just finished (order of vcDimensionLabelings(n)). */
  labelingIndex: number
  labelings: number
  /** Labelings found so far at this N (including this one). */
  foundSoFar: number
  result: CapacityLabelingResult
  /** Labelings finished and to do over the whole sweep. */
  sweepDone: number
  sweepTotal: number
}

/** Everything a stopped sweep needs to continue exactly (attempt seeds derive from the sweep's seed). */
export interface CapacityCheckpoint {
  version: 1
  seed: number
  fromN: number
  toN: number
  /** Finished labelings per N, in sweep order. */
  perN: CapacityPerN[]
}

/**
 * The sweep one labeling per step(), so a caller (the trainer worker) can report progress,
 * pause, stop, checkpoint and resume between labelings.
 */
export class CapacitySweep {
  readonly seed: number
  readonly sweepTotal: number
  private readonly settings: Settings
  private readonly processor: Processor
  private readonly dnpu: Dnpu
  private readonly dimensions: number[]
  private readonly perN: CapacityPerN[]

  constructor(options: CapacitySweepOptions, restored?: CapacityCheckpoint) {
    this.settings = validate(options)
    this.processor = options.processor
    this.dnpu = Dnpu.forProcessor(options.processor, {
      dataElectrodes: this.settings.dataElectrodes,
      inputRange: this.settings.inputRange
    })
    this.dimensions = Array.from({ length: options.toN - options.fromN + 1 }, (_, i) => options.fromN + i)
    this.sweepTotal = this.dimensions.reduce((sum, n) => sum + 2 ** n - 2, 0)
    if (restored) {
      if (restored.version !== 1 || restored.fromN !== options.fromN || restored.toN !== options.toN) {
        throw new Error(
          `capacity checkpoint (N ${restored.fromN}-${restored.toN}) does not match this sweep (N ${options.fromN}-${options.toN})`
        )
      }
      if (options.seed !== undefined && options.seed !== restored.seed)
        throw new Error(`capacity checkpoint seed ${restored.seed} differs from ${options.seed}`)
      this.seed = restored.seed
      this.perN = restored.perN.map((entry) => ({
        ...entry,
        results: entry.results.map((r) => ({ ...r, labeling: [...r.labeling] }))
      }))
    } else {
      this.seed = options.seed ?? randomSeed()
      this.perN = []
    }
  }

  get sweepDone(): number {
    return this.perN.reduce((sum, entry) => sum + entry.evaluated, 0)
  }

  get done(): boolean {
    return this.sweepDone >= this.sweepTotal
  }

  /** Decides the next labeling; null when `stopRequested` answered true before it was decided. */
  async step(stopRequested: () => boolean = () => false): Promise<CapacityProgress | null> {
    if (this.done) throw new Error('CapacitySweep: every labeling is already decided')
    let entry = this.perN.at(-1)
    if (entry === undefined || entry.evaluated === entry.labelings) {
      const n = this.dimensions[this.perN.length]!
      entry = { n, labelings: 2 ** n - 2, evaluated: 0, found: 0, capacity: 0, results: [] }
      this.perN.push(entry)
    }
    const { n } = entry
    const labelingIndex = entry.evaluated
    const labeling = vcDimensionLabelings(n)[labelingIndex]!
    const result = await findLabeling({
      processor: this.processor,
      dnpu: this.dnpu,
      inputs: vcDimensionInputs(n),
      labeling,
      settings: this.settings,
      stopRequested,
      sweepSeed: this.seed,
      labelingIndex
    })
    if (result === null) {
      if (entry.evaluated === 0) this.perN.pop()
      return null
    }
    entry.results.push(result)
    entry.evaluated += 1
    if (result.found) entry.found += 1
    entry.capacity = entry.found / entry.evaluated
    return {
      n,
      labelingIndex,
      labelings: entry.labelings,
      foundSoFar: entry.found,
      result,
      sweepDone: this.sweepDone,
      sweepTotal: this.sweepTotal
    }
  }

  result(stopped: boolean): CapacityResult {
    return { seed: this.seed, perN: this.checkpoint().perN, stopped }
  }

  checkpoint(): CapacityCheckpoint {
    const [fromN, toN] = [this.dimensions[0]!, this.dimensions.at(-1)!]
    return {
      version: 1,
      seed: this.seed,
      fromN,
      toN,
      perN: this.perN.map((entry) => ({
        ...entry,
        results: entry.results.map((r) => ({ ...r, labeling: [...r.labeling] }))
      }))
    }
  }
}

export async function runCapacitySweep(
  options: CapacitySweepOptions,
  onProgress?: (progress: CapacityProgress) => void
): Promise<CapacityResult> {
  const sweep = new CapacitySweep(options)
  const stopRequested = (): boolean => Boolean(options.signal?.aborted) || Boolean(options.shouldStop?.())
  while (!sweep.done) {
    const progress = await sweep.step(stopRequested)
    if (progress === null) return sweep.result(true)
    onProgress?.(progress)
  }
  return sweep.result(false)
}

interface Settings {
  attempts: number
  generations: number
  stopThreshold: number
  partition: Partition
  dataElectrodes: number[]
  inputRange: [number, number]
  fitness: FitnessName
  thresholdParameter: number
  perceptron: Required<CapacityPerceptronSettings>
}

interface LabelingJob {
  processor: Processor
  dnpu: Dnpu
  inputs: number[][]
  labeling: number[]
  settings: Settings
  stopRequested: () => boolean
  sweepSeed: number
  labelingIndex: number
}

/** Up to `attempts` GA runs on one labeling; null when stopped before it was decided. */
async function findLabeling(job: LabelingJob): Promise<CapacityLabelingResult | null> {
  const { processor, dnpu, inputs, labeling, settings, stopRequested } = job
  const required = requiredCorrectPoints(labeling.length, settings.thresholdParameter)
  let best: CapacityLabelingResult | null = null
  let generations = 0
  for (let attempt = 1; attempt <= settings.attempts; attempt += 1) {
    // A macrotask turn per attempt, so a Ctrl+C or a worker's stop message gets handled
    // (tfjs resolves its reads as microtasks, which never let those in).
    await new Promise<void>((resolve) => setTimeout(resolve, 0))
    const seed = capacityAttemptSeed(job.sweepSeed, labeling.length, job.labelingIndex, attempt)
    const trainer = new GaTrainer({
      processor,
      dnpu,
      taskInputs: inputs,
      targets: labeling,
      partition: settings.partition,
      generations: settings.generations,
      fitness: settings.fitness,
      stopThreshold: settings.stopThreshold,
      seed
    })
    const judge = (outputs: readonly number[]): CapacityJudgement =>
      judgeCapacityOutput(
        outputs,
        labeling,
        settings.thresholdParameter,
        capacityPerceptronSeed(job.sweepSeed, labeling.length, job.labelingIndex, attempt),
        settings.perceptron
      )
    let judgement: CapacityJudgement | null = null
    let bestSoFarFitness = Number.NEGATIVE_INFINITY
    while (!trainer.done) {
      if (stopRequested()) return null
      const step: GaGenerationResult = await trainer.step()
      if (step.generation === 1 || step.bestSoFarFitness > bestSoFarFitness) {
        bestSoFarFitness = step.bestSoFarFitness
        // The best-so-far genome just changed, so it is this generation's best.
        judgement =
          bestThresholdCorrectPoints(step.bestOutputsNanoamps, labeling) >= required
            ? judge(step.bestOutputsNanoamps)
            : null
        if (judgement?.found) break
      }
    }
    const final = trainer.result()
    generations += final.generations
    judgement ??= judge(final.bestOutputsNanoamps)
    const current: CapacityLabelingResult = {
      labeling: [...labeling],
      found: judgement.found,
      attempts: attempt,
      generations,
      accuracyPercent: judgement.accuracyPercent,
      correlation: final.bestCorrelation,
      controlVoltages: final.bestControlVoltages
    }
    if (best === null || current.accuracyPercent > best.accuracyPercent) best = current
    best = { ...best, attempts: attempt, generations }
    if (judgement.found) return best
  }
  return best
}

function checkPositiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${what} must be a whole number of at least 1, got ${value}`)
}

function validate(options: CapacitySweepOptions): Settings {
  const { fromN, toN } = options
  checkDimension(fromN, 'fromN')
  checkDimension(toN, 'toN')
  if (fromN > toN) throw new RangeError(`fromN (${fromN}) must not be greater than toN (${toN})`)
  const settings: Settings = {
    attempts: options.attempts ?? 3,
    generations: options.generations ?? 100,
    stopThreshold: options.stopThreshold ?? 1,
    partition: options.partition ?? [4, 22],
    dataElectrodes: options.dataElectrodes ?? [1, 2],
    inputRange: options.inputRange ?? [-1, 1],
    fitness: options.fitness ?? 'corrsig_fit',
    thresholdParameter: options.thresholdParameter ?? 0.5,
    perceptron: { ...DEFAULT_PERCEPTRON, ...definedOnly(options.perceptron ?? {}) }
  }
  checkPositiveInteger(settings.attempts, 'attempts')
  const [elite, offspring] = settings.partition
  if (!(
    Number.isInteger(elite) &&
    Number.isInteger(offspring) &&
    elite >= 0 &&
    offspring >= 1 &&
    elite + offspring >= 2
  )) {
    throw new RangeError(
      `partition must be [elite >= 0, offspring >= 1] whole numbers with at least 2 genomes in all, got [${elite}, ${offspring}]`
    )
  }
  const { learningRate, epochs, batchSize } = settings.perceptron
  if (!(Number.isFinite(learningRate) && learningRate > 0))
    throw new RangeError(`perceptron.learningRate must be a positive number, got ${learningRate}`)
  checkPositiveInteger(epochs, 'perceptron.epochs')
  checkPositiveInteger(batchSize, 'perceptron.batchSize')
  checkPositiveInteger(settings.generations, 'generations')
  if (!Number.isFinite(settings.stopThreshold))
    throw new RangeError(`stopThreshold must be a finite number, got ${settings.stopThreshold}`)
  if (!isFitnessName(settings.fitness)) throw new RangeError(`unknown fitness '${String(settings.fitness)}'`)
  const tp = settings.thresholdParameter
  if (!(Number.isFinite(tp) && tp >= 0 && tp < fromN)) {
    throw new RangeError(`thresholdParameter must be a number from 0 up to (not including) fromN = ${fromN}, got ${tp}`)
  }
  if (settings.dataElectrodes.length !== 2) {
    throw new RangeError(
      `dataElectrodes must name 2 electrodes (one for x, one for y), got [${settings.dataElectrodes.join(', ')}]`
    )
  }
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32)) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${options.seed}`)
  }
  return settings
}
