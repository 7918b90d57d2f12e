/**
 * What History's compare panel draws, worked out from a `runs:compare` answer without touching
 * the page: each run's colour, the runs grouped by algorithm (one chart per kind of history),
 * their step curves aligned on the step number for uPlot, the differences as rows, and each
 * control voltage's place in its range. Nothing here switches on an algorithm id: the series
 * keys, labels and the x axis come from the answer (see src-shared/ipc/run-comparison.ts).
 */
import type { RunCompareControl, RunCompareHistory, RunComparison, RunSummary } from '../../../src-shared/ipc'

/**
 * One colour per run, at most six runs (the service's limit). Okabe–Ito's palette: the six
 * stay apart for the common kinds of colour blindness and on white.
 */
export const RUN_PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00'] as const

export function runColor(index: number): string {
  return RUN_PALETTE[index % RUN_PALETTE.length]
}

/** "#12 my name", else "#12 xor" (the task) when the run has no name. */
export function runLabel(run: Pick<RunSummary, 'id' | 'name' | 'task'>): string {
  const name = run.name?.trim()
  return `#${run.id} ${name ? name : run.task}`
}

/** One curve of the overlay: a run's metric. */
export interface CompareCurve {
  runId: number
  /** The run's index in the comparison: its colour. */
  runIndex: number
  metricKey: string
  /** E.g. "#3 xor · best fitness". */
  label: string
  /** The main metric is drawn solid, the second dashed. */
  dashed: boolean
  /** The y scale it is drawn on (metrics that measure the same quantity share one). */
  scale: string
}

/** An axis of the overlay: one per quantity (e.g. fitness left, correlation right). */
export interface CompareScale {
  key: string
  /** The metrics' labels on it, e.g. "train loss, validation loss". */
  label: string
  side: 'left' | 'right'
}

/** One chart: the runs of one algorithm, their curves aligned on the step (or N). */
export interface CompareGroup {
  algorithm: string
  runIds: number[]
  /** The x axis's label: "generation", "epoch", or the first series' label for a per-N history. */
  xLabel: string
  /** Each metric key with its label and whether it is drawn dashed, in order (main first). */
  metrics: { key: string; label: string; dashed: boolean }[]
  scales: CompareScale[]
  curves: CompareCurve[]
  /** [x, ...one array per curve], null where a run has no value at that x. */
  data: [number[], ...(number | null)[][]]
}

/** How many of a history's metrics are overlaid: the main one solid, the second dashed. */
const METRICS_SHOWN = 2

/** A history's x values and its metric keys: the step numbers, else (a per-N history) its first series. */
export function historyAxes(history: RunCompareHistory): { x: number[]; xLabel: string; metricKeys: string[] } {
  const keys = Object.keys(history.series)
  if (history.steps.length > 0) return { x: history.steps, xLabel: history.stepName, metricKeys: keys }
  const [xKey, ...metricKeys] = keys
  if (xKey === undefined) return { x: [], xLabel: history.stepName, metricKeys: [] }
  return { x: history.series[xKey] ?? [], xLabel: history.labels[xKey]?.label ?? xKey, metricKeys }
}

/**
 * The quantity a metric measures, from its label's last word ("train loss" and "validation loss"
 * share "loss"; "best fitness" and "best correlation" do not): metrics with the same quantity
 * share a y axis, so a train/validation gap reads true; others get their own.
 */
export function quantityOf(label: string): string {
  const words = label.trim().toLowerCase().split(/\s+/)
  return words[words.length - 1] || label
}

/** A finite number, else null (the answer's NaN arrives as null through JSON; either means "no value"). */
function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/**
 * The runs grouped by algorithm (in the order of their first run), each group's curves aligned
 * on the union of their x values: a run with fewer steps has nulls where it has no value.
 */
export function compareGroups(comparison: RunComparison): CompareGroup[] {
  const byAlgorithm = new Map<string, number[]>()
  comparison.runs.forEach((run, index) => {
    const indexes = byAlgorithm.get(run.algorithm) ?? []
    indexes.push(index)
    byAlgorithm.set(run.algorithm, indexes)
  })
  return [...byAlgorithm.entries()].map(([algorithm, indexes]) => groupOf(comparison, algorithm, indexes))
}

function groupOf(comparison: RunComparison, algorithm: string, runIndexes: number[]): CompareGroup {
  const runs = runIndexes.map((index) => comparison.runs[index])
  const histories = runs.map((run) => comparison.history[run.id])
  const axes = histories.map((history) =>
    history ? historyAxes(history) : { x: [] as number[], xLabel: '', metricKeys: [] as string[] }
  )

  // The metrics: the first run's order, then any key another run adds; the first two are drawn.
  const metricKeys = [...new Set(axes.flatMap((axis) => axis.metricKeys))].slice(0, METRICS_SHOWN)
  const labelOf = (key: string): string => histories.find((history) => history?.labels[key])?.labels[key].label ?? key
  const metrics = metricKeys.map((key, index) => ({ key, label: labelOf(key), dashed: index > 0 }))

  const scales: CompareScale[] = []
  for (const metric of metrics) {
    const key = quantityOf(metric.label)
    const existing = scales.find((scale) => scale.key === key)
    if (existing) existing.label = `${existing.label}, ${metric.label}`
    else scales.push({ key, label: metric.label, side: scales.length === 0 ? 'left' : 'right' })
  }

  const x = [...new Set(axes.flatMap((axis) => axis.x.filter(Number.isFinite)))].sort((a, b) => a - b)
  const column = new Map(x.map((value, index) => [value, index]))
  const curves: CompareCurve[] = []
  const columns: (number | null)[][] = []
  runs.forEach((run, position) => {
    const history = histories[position]
    for (const metric of metrics) {
      const values: (number | null)[] = new Array<number | null>(x.length).fill(null)
      const series = history?.series[metric.key] ?? []
      axes[position].x.forEach((step, at) => {
        const index = column.get(step)
        if (index !== undefined) values[index] = finiteOrNull(series[at])
      })
      columns.push(values)
      curves.push({
        runId: run.id,
        runIndex: runIndexes[position],
        metricKey: metric.key,
        label: `${runLabel(run)} · ${metric.label}`,
        dashed: metric.dashed,
        scale: quantityOf(metric.label)
      })
    }
  })

  const xLabel = axes.find((axis) => axis.xLabel)?.xLabel ?? 'step'
  return { algorithm, runIds: runs.map((run) => run.id), xLabel, metrics, scales, curves, data: [x, ...columns] }
}

/** A setting's value in a table cell: "—" for none, arrays and objects as JSON, long hashes cut. */
export function settingText(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'string') return value.length > 20 ? `${value.slice(0, 12)}…` : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

export interface DifferenceRow {
  key: string
  /** One per run, in the comparison's order. */
  cells: { text: string; full: string }[]
}

export function differenceRows(comparison: RunComparison): DifferenceRow[] {
  return comparison.differences.map((difference) => ({
    key: difference.key,
    cells: comparison.runs.map((_, index) => {
      const value = difference.values[index]
      return { text: settingText(value), full: value === undefined ? '' : JSON.stringify(value) }
    })
  }))
}

/** One control voltage placed in its range: where its marker goes (0 to 1), and whether it lies outside. */
export interface ControlCell {
  volts: number
  rangeVolts: [number, number] | null
  /** 0 at the range's low end, 1 at its high end, clamped; null without a range. */
  position: number | null
  outside: boolean
}

export interface ControlRow {
  electrode: number
  /** One per run; null where the run has no control on this electrode. */
  cells: (ControlCell | null)[]
}

export function controlCell(control: RunCompareControl): ControlCell {
  const range = control.rangeVolts
  if (!range || !(range[1] > range[0])) {
    return { volts: control.volts, rangeVolts: range, position: null, outside: false }
  }
  const [low, high] = range
  const raw = (control.volts - low) / (high - low)
  return {
    volts: control.volts,
    rangeVolts: range,
    position: Math.min(1, Math.max(0, raw)),
    outside: control.volts < low || control.volts > high
  }
}

/** Rows are the electrodes any run drives (ascending), columns the runs. */
export function controlRows(comparison: RunComparison): ControlRow[] {
  const perRun = comparison.runs.map((run) => comparison.controls[run.id] ?? [])
  const electrodes = [...new Set(perRun.flatMap((controls) => controls.map((c) => c.electrode)))].sort((a, b) => a - b)
  return electrodes.map((electrode) => ({
    electrode,
    cells: perRun.map((controls) => {
      const control = controls.find((c) => c.electrode === electrode)
      return control ? controlCell(control) : null
    })
  }))
}

/** Up to this many outputs, a run's outputs show as a table (a gate's four cases); more as a scatter. */
export const OUTPUT_TABLE_MAX = 8

/**
 * The outputs against their targets as scatter data for uPlot: x the target, y the output (nA),
 * sorted by target (uPlot wants x ascending). Pairs without a finite value are left out.
 */
export function outputScatter(outputs: { outputsNanoamps: number[]; targets: number[] }): [number[], number[]] {
  const pairs: [number, number][] = []
  const count = Math.min(outputs.outputsNanoamps.length, outputs.targets.length)
  for (let index = 0; index < count; index += 1) {
    const target = outputs.targets[index]
    const output = outputs.outputsNanoamps[index]
    if (Number.isFinite(target) && Number.isFinite(output)) pairs.push([target, output])
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  return [pairs.map((pair) => pair[0]), pairs.map((pair) => pair[1])]
}
