/** Small number and time formats, and the parts of `train`'s output, that the algorithms' texts share. */
import type { RunDetail } from '../../../src-shared/ipc'

export function utc(timestamp: string): string {
  return `${timestamp.replace('T', ' ').slice(0, 19)} UTC`
}

/** '-' for null and non-finite values (a flat output's correlation). */
export function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits)
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(1)} %`
}

/** Four decimals, '-' for null (NaN prints as NaN, as the CLI always has). */
export function formatNumber(value: number | null): string {
  return value === null ? '-' : value.toFixed(4)
}

/** The end of `train`'s summary: the best controls per electrode and how to resume. */
export function controlsText(voltages: string, resumeHint: string): string[] {
  return ['control voltages:', voltages, resumeHint, '']
}

/** The first fields of `train --json`, every algorithm's. */
export function runHeadJson(run: RunDetail): Record<string, unknown> {
  return { runId: run.id, algorithm: run.algorithm, status: run.status, seed: run.seed }
}

/** The fields of `train --json` after the algorithm's own: controls, outputs, targets, accuracy, history, error. */
export function controlsJson(run: RunDetail, history: Record<string, number[]>): Record<string, unknown> {
  return {
    controlVoltages: run.bestControlVoltages,
    outputs: run.bestOutputsNanoamps,
    targets: run.targets,
    ...(run.accuracy ? { accuracy: run.accuracy } : {}),
    history,
    error: run.error
  }
}
