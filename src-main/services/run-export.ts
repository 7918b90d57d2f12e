/**
 * A stored run as data for other tools: one JSON object (the run plus its `history`) or CSV text
 * with one row per step; and as a short summary for people. Pure: the CLI (`dnpu runs
 * show|export`, `train --json`) does the I/O.
 *
 * What a step is and which columns it has depends on the algorithm, so both outputs are driven by
 * one small table per algorithm ({@link RUN_TABLES}); a new algorithm is a new entry there.
 */
import type { Algorithm, CapacityAtN, EpochMetrics, GenerationMetrics, RunDetail } from '../../src-shared/ipc'
import { describeValidation } from './validation-text'

/** GA: fitness and correlation of each generation's best genome (not the best so far). */
export interface GaHistory {
  fitness: number[]
  correlation: number[]
}

/**
 * GD: mean training loss and validation loss of each epoch. An epoch without a validation set has
 * NaN there, so the arrays stay aligned with the epochs (JSON writes NaN as null).
 */
export interface GdHistory {
  trainLoss: number[]
  valLoss: number[]
}

/** Capacity sweep: the capacity at each N decided so far. */
export interface CapacityHistory {
  n: number[]
  capacity: number[]
}

export type RunHistory = GaHistory | GdHistory | CapacityHistory

/** A CSV cell: a number (written with String, so it reads back exactly) or null (empty cell). */
export type Cell = number | null

interface Column<Step> {
  header: string
  value: (step: Step) => Cell
}

interface RunTable<Step> {
  /** What one row is, in the plural ("generations"): for messages and summaries. */
  stepName: string
  steps: (detail: RunDetail) => Step[]
  columns: Column<Step>[]
  history: (steps: Step[]) => RunHistory
}

/** The table of an algorithm with its step type erased, so the tables fit in one record. */
interface ErasedRunTable {
  stepName: string
  headers: string[]
  rows: (detail: RunDetail) => Cell[][]
  history: (detail: RunDetail) => RunHistory
}

function erase<Step>(table: RunTable<Step>): ErasedRunTable {
  return {
    stepName: table.stepName,
    headers: table.columns.map((column) => column.header),
    rows: (detail) => table.steps(detail).map((step) => table.columns.map((column) => column.value(step))),
    history: (detail) => table.history(table.steps(detail))
  }
}

/**
 * The step lists are read defensively: a RunDetail from an older build (or a hand-written one)
 * may lack the fields of the algorithms added after it.
 */
function listOf<T>(value: T[] | null | undefined): T[] {
  return Array.isArray(value) ? value : []
}

const GA_TABLE = erase<GenerationMetrics>({
  stepName: 'generations',
  steps: (detail) => listOf(detail.metrics),
  columns: [
    { header: 'generation', value: (g) => g.generation },
    { header: 'best_fitness', value: (g) => g.bestFitness },
    { header: 'best_correlation', value: (g) => g.bestCorrelation },
    { header: 'best_so_far_fitness', value: (g) => g.bestSoFarFitness },
    { header: 'best_so_far_correlation', value: (g) => g.bestSoFarCorrelation }
  ],
  history: (generations) => ({
    fitness: generations.map((g) => g.bestFitness),
    correlation: generations.map((g) => g.bestCorrelation)
  })
})

const GD_TABLE = erase<EpochMetrics>({
  stepName: 'epochs',
  steps: (detail) => listOf((detail as Partial<RunDetail>).epochs),
  columns: [
    { header: 'epoch', value: (e) => e.epoch },
    { header: 'train_loss', value: (e) => e.trainLoss },
    // null, not NaN: there was no validation set, so the cell is empty rather than "NaN".
    { header: 'validation_loss', value: (e) => e.validationLoss ?? null }
  ],
  history: (epochs) => ({
    trainLoss: epochs.map((e) => e.trainLoss),
    valLoss: epochs.map((e) => e.validationLoss ?? Number.NaN)
  })
})

const CAPACITY_TABLE = erase<CapacityAtN>({
  stepName: 'labelings',
  steps: (detail) => listOf((detail as Partial<RunDetail>).capacity),
  columns: [
    { header: 'n', value: (c) => c.n },
    { header: 'labelings', value: (c) => c.labelings },
    { header: 'evaluated', value: (c) => c.evaluated },
    { header: 'found', value: (c) => c.found },
    { header: 'capacity', value: (c) => c.capacity }
  ],
  history: (perN) => ({ n: perN.map((c) => c.n), capacity: perN.map((c) => c.capacity) })
})

export const RUN_TABLES: Record<Algorithm, ErasedRunTable> = {
  ga: GA_TABLE,
  gd: GD_TABLE,
  capacity: CAPACITY_TABLE
}

/** The table of the run's algorithm; throws naming it when this build does not know it. */
export function runTable(detail: Pick<RunDetail, 'id' | 'algorithm'>): ErasedRunTable {
  const table = Object.hasOwn(RUN_TABLES, detail.algorithm) ? RUN_TABLES[detail.algorithm] : undefined
  if (!table) {
    throw new Error(`run ${detail.id} has algorithm '${String(detail.algorithm)}', which this version cannot export (known: ${Object.keys(RUN_TABLES).join(', ')})`)
  }
  return table
}

/** The per-step history of a run: `{fitness, correlation}` (GA), `{trainLoss, valLoss}` (GD), `{n, capacity}` (capacity). */
export function runHistory(detail: RunDetail): RunHistory {
  return runTable(detail).history(detail)
}

/** `runs show --json` and `runs export --format json`: the stored run as it is, plus its history. */
export function runToJson(detail: RunDetail): RunDetail & { history: RunHistory } {
  return { ...detail, history: runHistory(detail) }
}

/** One CSV field, quoted as RFC 4180 says: when it holds a comma, a double quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

function cellText(cell: Cell): string {
  // String(x) is the shortest text that reads back as exactly x; toFixed would lose digits.
  return cell === null ? '' : String(cell)
}

/**
 * One header line, then one line per step (generation, epoch or N), each ending in LF. No comment
 * or blank lines, so any CSV reader takes it as it is. NaN is written `NaN` (the value was
 * undefined, e.g. the correlation of a flat output); an empty cell means there was no value.
 */
export function runToCsv(detail: RunDetail): string {
  const table = runTable(detail)
  const lines = [table.headers.map(csvField), ...table.rows(detail).map((row) => row.map((cell) => csvField(cellText(cell))))]
  return lines.map((fields) => `${fields.join(',')}\n`).join('')
}

function utc(timestamp: string | null): string {
  return timestamp === null ? '-' : `${timestamp.replace('T', ' ').slice(0, 19)} UTC`
}

/** `runs show` without --json: the run on one screen. */
export function describeStoredRun(run: RunDetail): string {
  const table = runTable(run)
  const fixed = (value: number | null): string => (value === null ? '-' : value.toFixed(4))
  const lines = [
    `run ${run.id}: ${run.algorithm.toUpperCase()} on ${run.task}, ${run.status}`,
    `model:        ${run.modelId}`,
    `seed:         ${run.seed}`,
    `ran on:       DNPU Lab ${run.appVersion ?? '(version not recorded)'}, ${run.computeBackend} backend`,
    `started:      ${utc(run.startedAt)}`,
    `ended:        ${utc(run.endedAt)}`,
    `${`${table.stepName}:`.padEnd(14)}${run.generations}`
  ]
  if (run.algorithm === 'ga') {
    lines.push(`best fitness: ${fixed(run.bestFitness)}, correlation ${fixed(run.bestCorrelation)}`)
  } else if (run.algorithm === 'gd') {
    // Older builds stored no epochs or accuracy: show dashes rather than fail.
    const last = listOf(run.epochs).at(-1)
    const percent = (value: number | null | undefined): string => (value == null ? '-' : `${value.toFixed(1)} %`)
    lines.push(`last losses:  train ${last ? last.trainLoss.toPrecision(5) : '-'}, validation ${last?.validationLoss?.toPrecision(5) ?? '-'}`)
    lines.push(`accuracy:     train ${percent(run.accuracy?.trainPercent)}, validation ${percent(run.accuracy?.validationPercent)}, test ${percent(run.accuracy?.testPercent)}`)
  } else {
    for (const n of run.capacity ?? []) {
      lines.push(`N=${n.n}: found ${n.found} of ${n.evaluated} tried (${n.labelings} labelings), capacity ${n.capacity.toFixed(3)}`)
    }
  }
  if (run.bestControlVoltages && run.bestControlVoltages.length > 0) {
    lines.push('best control voltages:')
    run.bestControlVoltages.forEach((volts, index) => {
      lines.push(`  electrode ${run.controlElectrodes[index] ?? '?'}: ${volts.toFixed(4)} V`)
    })
  }
  if (listOf(run.validations).length > 0) {
    lines.push('validated on hardware:')
    for (const validation of run.validations) lines.push(...describeValidation(validation).map((line) => `  ${line}`))
  }
  if (run.error) lines.push(`error:        ${run.error}`)
  if (run.resumable) lines.push(`continue it with: dnpu runs resume ${run.id}`)
  return `${lines.join('\n')}\n`
}
