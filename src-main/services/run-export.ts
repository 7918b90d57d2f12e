/**
 * A stored run as data for other tools: one JSON object (the run plus its `history`) or CSV text
 * with one row per step; and as a short summary for people. Pure: the CLI (`dnpu runs
 * show|export`, `train --json`) does the I/O.
 *
 * What a step is and which columns it has depends on the algorithm, so both outputs are driven by
 * the algorithm's descriptor (src-shared/domain/algorithms): its export table and headline lines.
 */
import { algorithmOf, allAlgorithms, findAlgorithm, type Cell } from '../../src-shared/domain'
import type { RunDetail } from '../../src-shared/ipc'
import { describeValidation } from './validation-text'

/**
 * Per-step arrays of a run: `{fitness, correlation}` (GA: each generation's best, not the best so
 * far), `{trainLoss, valLoss}` (GD: NaN where an epoch had no validation set, so the arrays stay
 * aligned), `{n, capacity}` (capacity sweep); each algorithm's descriptor says which.
 */
export type RunHistory = Record<string, number[]>

export type { Cell } from '../../src-shared/domain'

/** What `runs export` writes for the run's algorithm, and what one step is called (plural). */
export interface RunTable {
  stepName: string
  headers: string[]
  rows: (detail: RunDetail) => Cell[][]
  history: (detail: RunDetail) => RunHistory
}

/** The table of the run's algorithm (from its descriptor); throws naming it when this build does not know it. */
export function runTable(detail: Pick<RunDetail, 'id' | 'algorithm'>): RunTable {
  const descriptor = findAlgorithm(String(detail.algorithm))
  if (!descriptor) {
    throw new Error(
      `run ${detail.id} has algorithm '${String(detail.algorithm)}', which this version cannot export (known: ${allAlgorithms()
        .map((d) => d.id)
        .join(', ')})`
    )
  }
  const { exportTable } = descriptor
  return {
    stepName: descriptor.step.plural,
    headers: exportTable.headers,
    rows: (run) => exportTable.rows(run),
    history: (run) => exportTable.history(run)
  }
}

/** The per-step history of a run (see {@link RunHistory}). */
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
  const lines = [
    table.headers.map(csvField),
    ...table.rows(detail).map((row) => row.map((cell) => csvField(cellText(cell))))
  ]
  return lines.map((fields) => `${fields.join(',')}\n`).join('')
}

function utc(timestamp: string | null): string {
  return timestamp === null ? '-' : `${timestamp.replace('T', ' ').slice(0, 19)} UTC`
}

/** `runs show` without --json: the run on one screen. */
export function describeStoredRun(run: RunDetail): string {
  const table = runTable(run)
  const lines = [
    `run ${run.id}: ${algorithmOf(run.algorithm).shortLabel.toUpperCase()} on ${run.task}, ${run.status}`,
    `model:        ${run.modelId}`,
    `seed:         ${run.seed}`,
    `ran on:       DNPU Lab ${run.appVersion ?? '(version not recorded)'}, ${run.computeBackend} backend`,
    `started:      ${utc(run.startedAt)}`,
    `ended:        ${utc(run.endedAt)}`,
    // A detail written by an older build has only `generations`.
    `${`${table.stepName}:`.padEnd(14)}${run.steps ?? run.generations}`,
    ...algorithmOf(run.algorithm).summaryLines(run)
  ]
  if (run.bestControlVoltages && run.bestControlVoltages.length > 0) {
    lines.push('best control voltages:')
    run.bestControlVoltages.forEach((volts, index) => {
      lines.push(`  electrode ${run.controlElectrodes[index] ?? '?'}: ${volts.toFixed(4)} V`)
    })
  }
  if (Array.isArray(run.validations) && run.validations.length > 0) {
    lines.push('validated on the device:')
    for (const validation of run.validations) lines.push(...describeValidation(validation).map((line) => `  ${line}`))
  }
  if (run.error) lines.push(`error:        ${run.error}`)
  if (run.resumable) lines.push(`continue it with: dnpu runs resume ${run.id}`)
  return `${lines.join('\n')}\n`
}
