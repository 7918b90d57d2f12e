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
import { Dnpu } from '../dnpu.js'
import type { FitnessName } from '../fitness.js'
import { isFitnessName } from '../ga/fitness-registry.js'
import { GaTrainer, type GaGenerationResult } from '../ga/ga-trainer.js'
import type { Partition } from '../ga/genetic-optimizer.js'
import { perceptronAccuracy, TASK_PERCEPTRON_SETTINGS } from '../functions/perceptron.js'
import type { Processor } from '../processor.js'
import { randomSeed } from '../rng.js'

/** The reference's VC-dimension points (task input range [-1, 1]); N uses the first N. */
export const VC_DIMENSION_X: readonly number[] = [-0.5, -0.5, 1, 1, -0.0625, 0.6875, 0.375, 0.375, -1, 0.8125]
export const VC_DIMENSION_Y: readonly number[] = [-0.5, 1, -0.5, 1, 0.375, 0.375, -0.0625, 0.6875, 0.8125, -1]
export const MIN_VC_DIMENSION = 4
export const MAX_VC_DIMENSION = VC_DIMENSION_X.length

export interface CapacityPerceptronSettings {
  learningRate?: number | undefined
  epochs?: number | undefined
  batchSize?: number | undefined
}

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

const DEFAULT_PERCEPTRON: Required<CapacityPerceptronSettings> = { ...TASK_PERCEPTRON_SETTINGS }

/** The first n points as task inputs (points x [x, y]). */
export function vcDimensionInputs(n: number): number[][] {
  checkDimension(n, 'n')
  return VC_DIMENSION_X.slice(0, n).map((x, i) => [x, VC_DIMENSION_Y[i]!])
}

/**
 * The 2^n - 2 non-constant labelings in the reference's order: labeling i is the binary number
 * i + 1 with point 0 as its most significant bit (n = 4: 0001, 0010, ..., 1110).
 */
export function vcDimensionLabelings(n: number): number[][] {
  checkDimension(n, 'n')
  return Array.from({ length: 2 ** n - 2 }, (_, i) => Array.from({ length: n }, (_, p) => ((i + 1) >> (n - 1 - p)) & 1))
}

/** Points that must be classified correctly: ceil(n - thresholdParameter). */
export function requiredCorrectPoints(n: number, thresholdParameter: number): number {
  return Math.ceil(n - thresholdParameter)
}

/**
 * The seed of one GA attempt, from the sweep's seed and the attempt's place (not its position in
 * the sweep), so N = 5's results are the same whether the sweep starts at 4 or at 5.
 */
export function capacityAttemptSeed(seed: number, n: number, labelingIndex: number, attempt: number): number {
  let hash = mix32(seed ^ 0x2545f491)
  for (const part of [n, labelingIndex, attempt]) hash = mix32((hash + Math.imul(part + 1, 0x9e3779b9)) >>> 0)
  return hash
}

/**
 * The seed of the perceptron that judges an attempt's output (its own stream, apart from the
 * GA's). A labeling's verdict on device uses the seed of the attempt that found it, so the same
 * output gets the same verdict.
 */
export function capacityPerceptronSeed(seed: number, n: number, labelingIndex: number, attempt: number): number {
  return mix32(capacityAttemptSeed(seed, n, labelingIndex, attempt) ^ 0x68e31da4)
}

export interface CapacityJudgement {
  accuracyPercent: number
  found: boolean
}

/**
 * The sweep's verdict on one output for one labeling: found when the perceptron classifies at
 * least ceil(N - thresholdParameter) points right; a flat output is accuracy 0, not found.
 */
export function judgeCapacityOutput(
  outputs: readonly number[],
  labeling: readonly number[],
  thresholdParameter: number,
  perceptronSeed: number,
  perceptron: CapacityPerceptronSettings = DEFAULT_PERCEPTRON
): CapacityJudgement {
  const required = requiredCorrectPoints(labeling.length, thresholdParameter)
  return judgeOutput(outputs, labeling, required, { ...DEFAULT_PERCEPTRON, ...definedOnly(perceptron) }, perceptronSeed)
}

/** Most points one threshold on the output (either orientation) classifies correctly. */
export function bestThresholdCorrectPoints(outputs: readonly number[], targets: readonly number[]): number {
  const order = outputs.map((_, i) => i).sort((a, b) => outputs[a]! - outputs[b]!)
  const ones = targets.reduce<number>((sum, t) => sum + t, 0)
  // Cut before position k: everything from k on is called 1. Cuts only between distinct values.
  let onesBelow = 0
  let best = Math.max(ones, targets.length - ones)
  for (let k = 1; k < order.length; k += 1) {
    onesBelow += targets[order[k - 1]!]!
    if (outputs[order[k]!] === outputs[order[k - 1]!]) continue
    const zerosBelow = k - onesBelow
    const onesAbove = ones - onesBelow
    const highIsOne = zerosBelow + onesAbove
    best = Math.max(best, highIsOne, targets.length - highIsOne)
  }
  return best
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

function judgeOutput(
  outputs: readonly number[],
  targets: readonly number[],
  required: number,
  perceptron: Required<CapacityPerceptronSettings>,
  seed: number
): CapacityJudgement {
  if (outputs.every((v) => v === outputs[0])) return { accuracyPercent: 0, found: false }
  const { predictedLabels } = perceptronAccuracy(outputs, targets, { ...perceptron, seed })
  const correct = predictedLabels.reduce<number>((sum, label, i) => sum + (label === targets[i] ? 1 : 0), 0)
  return { accuracyPercent: (100 * correct) / targets.length, found: correct >= required }
}

/** murmur3's 32-bit finaliser: a well-mixed uint32 from a uint32. */
function mix32(value: number): number {
  let x = value >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

function checkDimension(n: number, what: string): void {
  if (!Number.isInteger(n) || n < MIN_VC_DIMENSION || n > MAX_VC_DIMENSION) {
    throw new RangeError(
      `${what} must be a whole number from ${MIN_VC_DIMENSION} to ${MAX_VC_DIMENSION} (the VC-dimension point set has ${MAX_VC_DIMENSION} points), got ${n}`
    )
  }
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

function definedOnly(settings: CapacityPerceptronSettings): CapacityPerceptronSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined))
}
