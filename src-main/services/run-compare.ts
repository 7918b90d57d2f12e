/**
 * Runs side by side (History's compare view and `dnpu runs compare`), and a stored run's config
 * made ready to run again (`dnpu runs rerun`, the Training form's "run again").
 *
 * Settings are compared flattened: nested objects become dotted keys (`ring.split.train`,
 * `simulation.noiseStdNanoamps`), arrays stay one value (`partition: [4, 22]`), because a tuple
 * such as a partition or a range means something only as a whole. Besides the config (which holds
 * the model id and the seed) a run is told apart by `modelHash` (the imported file's SHA-256; null
 * for the bundled model), `device.profileId` / `device.calibrationId` (null on the surrogate),
 * `appVersion` and `computeBackend`.
 *
 * Each run's history, outputs and controls come from its algorithm's descriptor and its result
 * fields, so nothing here switches on an algorithm id.
 */
import { findAlgorithm, recordedStepsOf, type RunSummary } from '../../src-shared/domain'
import {
  trainingConfigSchema,
  type RunAccuracy,
  type RunComparison,
  type RunDetail,
  type TrainingConfig
} from '../../src-shared/ipc'
import { runHistory } from './run-export'

/** How many runs a comparison takes: fewer says nothing, more does not fit a screen. */
export const COMPARE_RUN_COUNT = { min: 2, max: 6 } as const

/** What a comparison reads: the app's services have both (AppServices satisfies this). */
export interface RunCompareSources {
  /** Runs as the app shows them (a device run with its calibration's ranges). */
  runReader: { find(runId: number): RunDetail | null }
  models: {
    get(modelId: string): { summary: { voltageRangesVolts: [number, number][] } } | undefined
    sourceSha256(modelId: string): string | null
  }
}

export function compareRuns(sources: RunCompareSources, runIds: readonly number[]): RunComparison {
  checkRunIds(runIds)
  const found = runIds.map((runId) => sources.runReader.find(runId))
  const unknown = runIds.filter((_, index) => found[index] === null)
  if (unknown.length > 0) throw new Error(`runIds: no run ${unknown.join(', ')}`)
  const details = found as RunDetail[]
  return {
    runs: details.map(summaryOf),
    // The config's keys first (all runs'), then what ran them.
    differences: [
      ...differencesOf(details.map(configSettingsOf)),
      ...differencesOf(details.map((detail) => provenanceOf(sources, detail)))
    ],
    history: Object.fromEntries(details.map((detail) => [detail.id, historyOf(detail)])),
    outputs: Object.fromEntries(details.map((detail) => [detail.id, outputsOf(detail)])),
    controls: Object.fromEntries(details.map((detail) => [detail.id, controlsOf(sources, detail)]))
  }
}

/** Refuses fewer than 2 or more than 6 ids, and an id given twice, naming them. */
export function checkRunIds(runIds: readonly number[]): void {
  const { min, max } = COMPARE_RUN_COUNT
  if (runIds.length < min || runIds.length > max) {
    throw new Error(
      `runIds: compare takes ${min} to ${max} runs, got ${runIds.length} (${runIds.join(', ') || 'none'})`
    )
  }
  const twice = runIds.filter((runId, index) => runIds.indexOf(runId) !== index)
  if (twice.length > 0) throw new Error(`runIds: run ${[...new Set(twice)].join(', ')} given more than once`)
}

/** Every field of RunSummary, so a summary here is what `runs:list` answers, nothing more. */
const SUMMARY_FIELDS: Record<keyof RunSummary, true> = {
  id: true,
  algorithm: true,
  task: true,
  modelId: true,
  status: true,
  seed: true,
  startedAt: true,
  endedAt: true,
  steps: true,
  stepName: true,
  stepUnit: true,
  generations: true,
  bestFitness: true,
  bestCorrelation: true,
  accuracyPercent: true,
  computeBackend: true,
  appVersion: true,
  name: true,
  starred: true,
  tags: true,
  notes: true,
  notesUpdatedAt: true
}

export function summaryOf(detail: RunDetail): RunSummary {
  const summary: Record<string, unknown> = {}
  for (const field of Object.keys(SUMMARY_FIELDS)) summary[field] = detail[field as keyof RunDetail] ?? null
  return summary as unknown as RunSummary
}

type Settings = Map<string, unknown>

/** The run's config flattened (see the header). */
export function configSettingsOf(detail: RunDetail): Settings {
  const settings: Settings = new Map()
  flatten(detail.config, '', settings)
  return settings
}

/** What ran the run, besides its config. */
function provenanceOf(sources: RunCompareSources, detail: RunDetail): Settings {
  return new Map<string, unknown>([
    ['modelHash', sources.models.sourceSha256(detail.modelId)],
    ['device.profileId', detail.device?.profileId ?? null],
    ['device.calibrationId', detail.device?.calibrationId ?? null],
    ['appVersion', detail.appVersion],
    ['computeBackend', detail.computeBackend]
  ])
}

function flatten(value: unknown, prefix: string, into: Settings): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into)
  } else if (value !== undefined) {
    into.set(prefix, value)
  }
}

/** The keys whose values differ, in the first run's key order, then each next run's new keys. */
function differencesOf(settings: Settings[]): RunComparison['differences'] {
  const keys = [...new Set(settings.flatMap((run) => [...run.keys()]))]
  return keys
    .filter((key) => {
      // A key one run lacks differs even from a null: the setting did not exist for that run.
      if (!settings.every((run) => run.has(key))) return true
      const first = JSON.stringify(settings[0].get(key))
      return settings.some((run) => JSON.stringify(run.get(key)) !== first)
    })
    .map((key) => ({ key, values: settings.map((run) => (run.has(key) ? run.get(key) : null)) }))
}

export function historyOf(detail: RunDetail): RunComparison['history'][number] {
  const descriptor = findAlgorithm(String(detail.algorithm))
  const series = runHistory(detail)
  const metricOf = (historyKey: string): { label: string; unit: string } => {
    const metric = descriptor?.stepMetrics.find((candidate) => candidate.historyKey === historyKey)
    return { label: metric?.label ?? historyKey, unit: metric?.unit ?? '' }
  }
  return {
    stepName: detail.stepName,
    stepUnit: detail.stepUnit,
    // The x axis of the per-step series; empty for an algorithm that keeps no row per step (a
    // capacity sweep's history is per N: its `n` series is the x axis).
    steps: descriptor ? recordedStepsOf(descriptor, detail).map((recorded) => recorded.step) : [],
    series,
    labels: Object.fromEntries(Object.keys(series).map((key) => [key, metricOf(key)]))
  }
}

export function outputsOf(detail: RunDetail): RunComparison['outputs'][number] {
  if (!detail.bestOutputsNanoamps || detail.bestOutputsNanoamps.length === 0) return null
  const accuracy: RunAccuracy | null = detail.accuracy ?? null
  return { outputsNanoamps: detail.bestOutputsNanoamps, targets: detail.targets, accuracy }
}

/** Each control electrode's voltage with the range it was bounded by: the calibration's on the device, else the model's. */
export function controlsOf(sources: RunCompareSources, detail: RunDetail): RunComparison['controls'][number] {
  const ranges = detail.device?.rangesVolts ?? sources.models.get(detail.modelId)?.summary.voltageRangesVolts ?? []
  return (detail.bestControlVoltages ?? []).map((volts, index) => {
    const electrode = detail.controlElectrodes[index] ?? index
    return { electrode, volts, rangeVolts: ranges[electrode] ?? null }
  })
}

/**
 * A stored run's config, to start it again: the same seed unless `seed` replaces it or `newSeed`
 * drops it (the new run then draws one and stores it). Checked against today's schema, so a
 * config that this version no longer accepts is refused here rather than at the start.
 */
export function rerunConfig(
  sources: Pick<RunCompareSources, 'runReader'>,
  runId: number,
  options: { seed?: number; newSeed?: boolean } = {}
): TrainingConfig {
  if (options.seed !== undefined && options.newSeed) throw new Error('seed: give a seed or newSeed, not both')
  const detail = sources.runReader.find(runId)
  if (!detail) throw new Error(`runId: no run ${runId}`)
  const { seed: storedSeed, ...rest } = detail.config
  const seed = options.newSeed ? undefined : (options.seed ?? storedSeed)
  const parsed = trainingConfigSchema.safeParse(seed === undefined ? rest : { ...rest, seed })
  if (!parsed.success) {
    const problem = parsed.error.issues[0]
    throw new Error(
      `runId: run ${runId}'s stored config is not accepted by this version: ${problem.path.join('.') || 'config'}: ${problem.message}`
    )
  }
  return parsed.data
}
