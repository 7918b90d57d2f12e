/**
 * What a training run is, as every layer reads it: its summary and the metrics it records per
 * step. Plain types, no validation (requests are validated in `src-shared/ipc`).
 */
import type { Algorithm, RunStatus } from './names'

export interface RunSummary {
  id: number
  algorithm: Algorithm
  task: string
  modelId: string
  status: RunStatus
  seed: number
  startedAt: string
  endedAt: string | null
  /** Steps run so far: generations (GA), epochs (GD) or labelings decided (capacity sweep). */
  generations: number
  bestFitness: number | null
  bestCorrelation: number | null
  /** GD runs that ended: perceptron accuracy (%) on the test set, else validation, else training. */
  accuracyPercent: number | null
  computeBackend: string
  /** The DNPU Lab version that ran it; null for runs stored before versions were recorded. */
  appVersion: string | null
}

export interface GenerationMetrics {
  /** 1-based: the count of generations evaluated when this one was. */
  generation: number
  /** Fitness and Pearson correlation of this generation's best genome. */
  bestFitness: number
  bestCorrelation: number
  /** Best fitness and its correlation over all generations so far. */
  bestSoFarFitness: number
  bestSoFarCorrelation: number
}

/** One gradient-descent epoch. */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number
  /** Mean training loss over the epoch's batches (regularizer included with 'regul'). */
  trainLoss: number
  validationLoss: number | null
}

/** Perceptron accuracy (%) of the trained outputs on each part of the dataset (null: empty part). */
export interface RunAccuracy {
  trainPercent: number | null
  validationPercent: number | null
  testPercent: number | null
}

/** One N of a capacity sweep. */
export interface CapacityAtN {
  n: number
  /** 2^N - 2 non-constant labelings. */
  labelings: number
  /** Labelings decided so far. */
  evaluated: number
  found: number
  /** found / evaluated (0 before the first). */
  capacity: number
}

/** What a GD run leaves when it ends: its returned controls evaluated on the evaluation set. */
export interface GdRunOutcome {
  controlVoltages: number[]
  outputsNanoamps: number[]
  targets: number[]
  accuracy: RunAccuracy | null
}
