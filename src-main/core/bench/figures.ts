// The five figures: what each measures, the reference library's value and the target,
// the sizes, and how often each is repeated.
import type { Partition } from '../ga/genetic-optimizer.js'
import type { RepetitionOptions } from './method.js'

export const FIGURE_KEYS = [
  'gaXorMsPerGeneration',
  'ga100x1000SecondsPerGeneration',
  'gdRingSecondsPerEpoch',
  'forwardSamplesPerSecond',
  'forwardBackwardSamplesPerSecond',
  'surrogateTrainSamplesPerSecond'
] as const
export type FigureKey = (typeof FIGURE_KEYS)[number]

export interface FigureSpec {
  label: string
  unit: 'ms' | 's' | 'samples/s'
  /**
   * The reference library (brains-py) on a 2-core machine like ours, as the issue gives it; null
   * where no reference figure was measured on such a machine (reported as null, not guessed).
   */
  reference: number | null
  /** The target: at most (times) or at least (throughputs); null where the issue sets none. */
  target: { atMost: number } | { atLeast: number } | null
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
  },
  surrogateTrainSamplesPerSecond: {
    label: 'surrogate training step, 7-6x90-1, batch 512',
    unit: 'samples/s',
    // brainspy-smg trains with PyTorch: the same step under Debian's PyTorch 1.13 on this 2-core
    // machine (scripts/bench-torch-surrogate-train.py) ran 1.32e4 samples/s on 1 thread and
    // 1.89e4 on 2, the better one. Issue 13's goal is at least PyTorch's CPU figure.
    reference: 1.89e4,
    target: { atLeast: 1.89e4 }
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
  surrogateTrainBatchSize: number
}

export const BENCHMARK_SIZES: Readonly<BenchmarkSizes> = {
  gaXorPartition: [4, 22],
  gaLargePartition: [10, 90],
  gaLargePointCount: 1000,
  gdTrainCount: 5000,
  gdValidationCount: 1000,
  gdBatchSize: 512,
  forwardRowCount: 100_000,
  forwardBackwardRowCount: 512,
  surrogateTrainBatchSize: 512
}

// Sized so a full run stays near 40 s on a 2-core machine (about 35 s of budgets plus warm-ups
// and set-up); a fast figure gets many repetitions, a slow one at least five.
const FULL_REPETITIONS: Readonly<Record<FigureKey, RepetitionOptions>> = {
  gaXorMsPerGeneration: { warmups: 20, minRepetitions: 20, maxRepetitions: 2000, budgetSeconds: 5 },
  ga100x1000SecondsPerGeneration: { warmups: 2, minRepetitions: 5, maxRepetitions: 100, budgetSeconds: 8 },
  gdRingSecondsPerEpoch: { warmups: 2, minRepetitions: 5, maxRepetitions: 100, budgetSeconds: 9 },
  forwardSamplesPerSecond: { warmups: 2, minRepetitions: 5, maxRepetitions: 100, budgetSeconds: 8 },
  forwardBackwardSamplesPerSecond: { warmups: 20, minRepetitions: 20, maxRepetitions: 5000, budgetSeconds: 5 },
  surrogateTrainSamplesPerSecond: { warmups: 5, minRepetitions: 20, maxRepetitions: 2000, budgetSeconds: 4 }
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

/** Whether a figure meets its target; a figure without a target counts as met (nothing to miss). */
export function targetMet(key: FigureKey, value: number): boolean {
  const { target } = FIGURE_SPECS[key]
  if (target === null) return true
  return 'atMost' in target ? value <= target.atMost : value >= target.atLeast
}
