// How every benchmark figure is measured, and what the figures share.
//
// Method: warm-up repetitions first (backend start, weight upload, the wasm/JIT first-call
// costs), then measured repetitions until a minimum count AND a time budget are reached (or a
// maximum count). The median is reported: on a shared 2-core machine the odd repetition is slowed
// down by someone else's work, and the median ignores it where a mean would not.
import { DifferentiableSurrogate, type DifferentiableProcessorFactory } from '../gd/differentiable-surrogate.js'
import type { Processor } from '../processor.js'
import { SurrogateModel } from '../surrogate.js'
import type { SurrogateDefinition } from '../surrogate-definition.js'

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

// Data electrodes and input range of the lab's XOR recipe (the app's default), used by all the
// task benchmarks so the control electrodes are the same five.
export const DATA_ELECTRODES = [1, 2]
export const INPUT_RANGE: [number, number] = [-1, 1]
export const SEED = 1
export const RING_GAP = 0.4

export function checkRepetitions(options: RepetitionOptions): void {
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

export function checkCount(name: string, value: number, min: number): void {
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
export function measurement(seconds: readonly number[], perRepetition: (s: number) => number): Measurement {
  const samples = seconds.map(perRepetition)
  return { value: median(samples), repetitions: samples.length, samples }
}

/**
 * Makes the processor the GA and forward figures evaluate on. The default is one SurrogateModel in
 * this thread; the CLI passes a multi-thread evaluation pool (which core cannot start itself).
 */
export type ProcessorFactory = (definition: SurrogateDefinition) => Processor & { dispose(): unknown }

export const inThisThread: ProcessorFactory = (definition) => new SurrogateModel(definition)

/**
 * What the GD and forward+backward figures differentiate through: by default one
 * DifferentiableSurrogate in this thread; the CLI passes the multi-thread evaluation pool.
 */
export const differentiableInThisThread: DifferentiableProcessorFactory = (definition, simulation) =>
  DifferentiableSurrogate.create(definition, simulation)
