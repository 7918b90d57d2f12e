/**
 * What a training run is, as every layer reads it: its summary and the metrics it records per
 * step. Plain types, no validation (requests are validated in `src-shared/ipc`).
 */
import type { Algorithm, RunStatus } from './names'
import type { SurrogateRunResult } from './surrogate'

export interface RunSummary {
  id: number
  algorithm: Algorithm
  task: string
  modelId: string
  status: RunStatus
  seed: number
  startedAt: string
  endedAt: string | null
  /** Steps run so far: generations (GA), epochs (GD), labelings decided (capacity sweep)... */
  steps: number
  /** What one step is, from the algorithm's descriptor: 'generation', 'epoch', 'labeling'. */
  stepName: string
  /** The plural, as a count reads: 'generations', 'epochs', 'labelings'. */
  stepUnit: string
  /** Deprecated alias of `steps` (its name from before every algorithm had its own step name). */
  generations: number
  bestFitness: number | null
  bestCorrelation: number | null
  /** GD runs that ended: perceptron accuracy (%) on the test set, else validation, else training. */
  accuracyPercent: number | null
  computeBackend: string
  /** The DNPU Lab version that ran it; null for runs stored before versions were recorded. */
  appVersion: string | null
  /** The name a user gave it (null: none; lists show the algorithm and task). */
  name: string | null
  starred: boolean
  /** Free tags, sorted. */
  tags: string[]
  /** Plain-text notes ('' when none) and when they were last saved (ISO 8601 UTC). */
  notes: string
  notesUpdatedAt: string | null
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

/**
 * One recorded step's metrics, by the names its algorithm's descriptor declares
 * ({@link StepMetric.key}). A value that was not a number is NaN or null as the metric says.
 */
export type StepValues = Record<string, number | null>

/** A step as stored: its 1-based number and its metrics. */
export interface RecordedStep {
  step: number
  values: StepValues
}

/**
 * The result fields a run stores (on its row, not per step). An update names only the fields a
 * step or the run's end changed; the others keep their value.
 */
export interface RunResultUpdate {
  bestFitness?: number
  bestCorrelation?: number
  /** Volts, one per control electrode. */
  bestControlVoltages?: number[]
  bestOutputsNanoamps?: number[]
  targets?: number[]
  accuracy?: RunAccuracy | null
  capacity?: CapacityAtN[]
  surrogate?: SurrogateRunResult
}
export type RunResultField = keyof RunResultUpdate

/** What a trainer reports after each step; the store writes it in one transaction with the checkpoint. */
export interface StepReport<Progress = unknown> {
  /** 1-based: the steps run so far, resumed ones included (runs.steps becomes this). */
  step: number
  /** The step's metrics; null when the algorithm keeps no row per step (a capacity sweep). */
  values: StepValues | null
  /** Stored with the step's row besides its metrics (GA: the generation's best genome). */
  payload?: unknown
  /** Result fields this step changed (a new best so far, the capacity per N), else null. */
  result: RunResultUpdate | null
  /** The algorithm's progress event, without its run id: what the UI and the CLI follow. */
  progress: Progress
}

/**
 * A stored run as the descriptors read it (RunDetail without the parts typed by the contract:
 * config, device, validations).
 */
export interface RunRecord extends RunSummary {
  error: string | null
  /** Best control voltages found (GA: best genome; GD: best-on-validation), per control electrode (volts). */
  bestControlVoltages: number[] | null
  controlElectrodes: number[]
  /**
   * Outputs (nA) of the best controls and the matching targets: GA, one per task input; GD, one
   * per point of the evaluation set (test, else validation, else training), filled when the run ends.
   */
  bestOutputsNanoamps: number[] | null
  targets: number[]
  /** Every recorded step, in order (empty for algorithms that keep no row per step). */
  recordedSteps: RecordedStep[]
  /** GA: one entry per generation (empty for other algorithms). */
  metrics: GenerationMetrics[]
  /** GD: one entry per epoch (empty for other algorithms). */
  epochs: EpochMetrics[]
  /** GD on a classification task, once the run has ended; else null. */
  accuracy: RunAccuracy | null
  /** Capacity sweeps: the result per N so far; else null. */
  capacity: CapacityAtN[] | null
  /** Surrogate training: the trained model and its test figures, once the run has ended; else null. */
  surrogate: SurrogateRunResult | null
  /** A stopped or interrupted run with a checkpoint can be resumed. */
  resumable: boolean
}
