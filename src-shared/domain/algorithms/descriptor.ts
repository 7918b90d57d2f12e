/**
 * What an algorithm is, declared once: the plain half of its descriptor (ids, names, units, what
 * it records per step, how its run reads back). Every consumer (store, run export, CLI, History)
 * iterates these instead of switching on the id. The main-process half (how its trainer starts,
 * how a run is checked and validated on the device) is in `src-main/services/algorithms/` and
 * `src-main/workers/runners/`; its request schema in `src-shared/ipc/algorithms/`.
 *
 * Plain data and pure functions only: this folder imports nothing outside `src-shared/domain`.
 */
import type { RecordedStep, RunRecord, RunResultField } from '../runs'

/** A CSV cell: a number (written with String, so it reads back exactly) or null (empty cell). */
export type Cell = number | null

/** One metric an algorithm records per step. */
export interface StepMetric {
  /** Its name in a stored step's values and in the contract's step objects ('bestFitness'). */
  key: string
  /** Its column in `runs export --format csv` ('best_fitness'). */
  csvHeader: string
  /** For people ('best fitness'). */
  label: string
  /** Unit of the value; '' when it has none. */
  unit: string
  /**
   * How a missing value (SQLite NULL, JSON null) reads back: 'nan' for a value the contract
   * always has (a flat output's correlation is NaN), 'null' for one that may be absent (the
   * validation loss of a run without a validation set).
   */
  missing: 'nan' | 'null'
  /** Its key in the run's JSON `history` (per-step arrays), when it is part of it. */
  historyKey?: string
}

/** What `runs export` writes and `runs show --json` adds as `history`. */
export interface ExportTable {
  headers: string[]
  rows(run: RunRecord): Cell[][]
  /** Per-step arrays ({fitness, correlation}, {trainLoss, valLoss}...). */
  history(run: RunRecord): Record<string, number[]>
}

export interface AlgorithmDescriptor<Id extends string = string, Config = never> {
  id: Id
  /** In forms and titles: 'Genetic algorithm'. */
  label: string
  /** In tables and badges: 'GA'. */
  shortLabel: string
  step: {
    /** What one step is: 'generation'. */
    name: string
    /** After a count: 'generations'. */
    plural: string
    /** The field holding the step number in the contract's step objects ('generation', 'epoch'). */
    key: string
  }
  /** Metrics recorded per step, in CSV column order (after the step number). */
  stepMetrics: readonly StepMetric[]
  /** The run's result fields it fills. */
  resultFields: readonly RunResultField[]
  /**
   * Where RunDetail lists its steps as typed objects, for the algorithms that had their own list
   * before steps were generic ('metrics' for GA, 'epochs' for GD); new algorithms read
   * `recordedSteps`.
   */
  legacyStepList?: 'metrics' | 'epochs'
  /** Whether it can train on the instrument (`processor: 'device'`). */
  trainsOnDevice: boolean
  /** Steps a run of this config takes at most (progress bars). */
  totalSteps(config: Config): number
  /** `runs export` and `runs show --json`'s `history`. */
  exportTable: ExportTable
  /** The headline figures `runs show` prints after the step count, one line each. */
  summaryLines(run: RunRecord): string[]
}

/** Any descriptor, its config type erased (consumers pass the run's own config). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAlgorithmDescriptor = AlgorithmDescriptor<string, any>

/** A recorded step as the contract's step object: `{generation: 3, bestFitness: ...}`. */
export function stepObject(
  descriptor: Pick<AnyAlgorithmDescriptor, 'step'>,
  recorded: RecordedStep
): Record<string, number | null> {
  return { [descriptor.step.key]: recorded.step, ...recorded.values }
}

/**
 * The export table of an algorithm that records a row per step: the step number, then each
 * metric; history holds the metrics that name a `historyKey` (a missing value as NaN, so the
 * arrays stay aligned with the steps).
 */
export function stepExportTable(
  descriptor: Pick<AnyAlgorithmDescriptor, 'step' | 'stepMetrics' | 'legacyStepList'>
): ExportTable {
  const steps = (run: RunRecord): RecordedStep[] => recordedStepsOf(descriptor, run)
  return {
    headers: [descriptor.step.key, ...descriptor.stepMetrics.map((metric) => metric.csvHeader)],
    rows: (run) =>
      steps(run).map((recorded) => [
        recorded.step,
        ...descriptor.stepMetrics.map((metric) => recorded.values[metric.key] ?? null)
      ]),
    history: (run) =>
      Object.fromEntries(
        descriptor.stepMetrics
          .filter((metric) => metric.historyKey !== undefined)
          .map((metric) => [
            metric.historyKey!,
            steps(run).map((recorded) => recorded.values[metric.key] ?? Number.NaN)
          ])
      )
  }
}

/**
 * The run's recorded steps. A RunDetail written by an older build (a JSON export read back) has
 * only its algorithm's typed list (`metrics`, `epochs`): its steps are read from there.
 */
export function recordedStepsOf(
  descriptor: Pick<AnyAlgorithmDescriptor, 'step' | 'stepMetrics' | 'legacyStepList'>,
  run: Partial<RunRecord>
): RecordedStep[] {
  if (Array.isArray(run.recordedSteps)) return run.recordedSteps
  const legacy: unknown = descriptor.legacyStepList ? run[descriptor.legacyStepList] : undefined
  if (!Array.isArray(legacy)) return []
  return (legacy as Record<string, number | null>[]).map((entry) => ({
    step: entry[descriptor.step.key] ?? 0,
    values: Object.fromEntries(descriptor.stepMetrics.map((metric) => [metric.key, entry[metric.key] ?? null]))
  }))
}

/** Reads stored values back as the descriptor says: a missing value NaN or null per metric. */
export function decodeStepValues(
  descriptor: Pick<AnyAlgorithmDescriptor, 'stepMetrics'>,
  stored: Record<string, unknown>
): Record<string, number | null> {
  const values: Record<string, number | null> = {}
  for (const metric of descriptor.stepMetrics) {
    const value = stored[metric.key]
    values[metric.key] = typeof value === 'number' ? value : metric.missing === 'nan' ? Number.NaN : null
  }
  return values
}

export function fixedOrDash(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits)
}

export function percentOrDash(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(1)} %`
}
