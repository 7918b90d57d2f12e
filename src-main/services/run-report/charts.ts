/**
 * The report's charts, drawn as inline SVG by the shared renderer (src-shared/charts) from the
 * same per-run data the compare view uses (run-compare.ts): history per step, outputs per input.
 *
 * Which series share a chart is read from their labels (the descriptors'), not from the
 * algorithm: series whose labels end in the same word share one ('train loss', 'validation
 * loss'), the others get their own ('best fitness', 'best correlation'). A history with no step
 * numbers (a capacity sweep) takes its first series as the x axis (`n`).
 */
import { renderSvgLineChart, SVG_PALETTE, type SvgSeries } from '../../../src-shared/charts/svg-line-chart'
import type { RunCompareHistory, RunCompareOutputs } from '../../../src-shared/ipc'
import { escapeHtml } from './html'

export const CHART_WIDTH_PIXELS = 900
export const CHART_HEIGHT_PIXELS = 320

/** A run's history with a colour and a name, for one or several runs on the same charts. */
export interface ChartedRun {
  runId: number
  name: string
  color: string
  history: RunCompareHistory
}

interface HistoryGroup {
  /** The last word its labels share ('loss'). */
  word: string
  keys: string[]
  labels: string[]
}

function lastWord(label: string): string {
  return label.trim().split(/\s+/).pop() ?? label
}

/** The x axis of a history: its step numbers, else its first series (capacity: N). */
function xOf(history: RunCompareHistory): { key: string | null; values: number[]; label: string } {
  if (history.steps.length > 0) return { key: null, values: history.steps, label: history.stepName }
  const [first] = Object.keys(history.series)
  if (!first) return { key: null, values: [], label: history.stepName }
  return { key: first, values: history.series[first], label: history.labels[first]?.label ?? first }
}

/** Series keys grouped into charts (see the header), across every run given, in first-seen order. */
function groupsOf(runs: readonly ChartedRun[]): HistoryGroup[] {
  const groups: HistoryGroup[] = []
  for (const run of runs) {
    const xKey = xOf(run.history).key
    for (const key of Object.keys(run.history.series)) {
      if (key === xKey || groups.some((group) => group.keys.includes(key))) continue
      const label = run.history.labels[key]?.label ?? key
      const word = lastWord(label)
      const sameWord = groups.find((group) => group.word === word)
      if (sameWord) {
        sameWord.keys.push(key)
        sameWord.labels.push(label)
      } else groups.push({ word, keys: [key], labels: [label] })
    }
  }
  return groups
}

function unitText(history: RunCompareHistory, key: string): string {
  const unit = history.labels[key]?.unit
  return unit ? ` (${unit})` : ''
}

/** A `<figure>` holding one SVG chart; `caption` is text (escaped here). */
export function figure(svg: string, caption: string, testid: string): string {
  return `<figure data-chart="${escapeHtml(testid)}">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`
}

/**
 * One chart per group of series; with several runs each run has its colour and the group's
 * second series is dashed. A loss is drawn on a log axis when every value is positive.
 */
export function historyCharts(runs: readonly ChartedRun[]): string[] {
  const several = runs.length > 1
  return groupsOf(runs).map((group) => {
    const series: SvgSeries[] = []
    let allPositive = true
    let xLabel = ''
    let unit = ''
    runs.forEach((run, runIndex) => {
      const x = xOf(run.history)
      xLabel ||= x.label
      group.keys.forEach((key, keyIndex) => {
        const values = run.history.series[key]
        if (!values) return
        unit ||= unitText(run.history, key)
        if (values.some((value) => Number.isFinite(value) && value <= 0)) allPositive = false
        series.push({
          label: several
            ? `${run.name}${group.keys.length > 1 ? `: ${group.labels[keyIndex]}` : ''}`
            : group.labels[keyIndex],
          color: several ? run.color : SVG_PALETTE[(runIndex + keyIndex) % SVG_PALETTE.length],
          x: x.values,
          y: values,
          dashed: keyIndex > 0,
          points: x.values.length <= 40
        })
      })
    })
    const title = group.keys.length > 1 ? group.word : group.labels[0]
    const svg = renderSvgLineChart({
      title: `${title[0]?.toUpperCase() ?? ''}${title.slice(1)}`,
      xLabel,
      yLabel: `${title}${unit}`,
      series,
      width: CHART_WIDTH_PIXELS,
      height: CHART_HEIGHT_PIXELS,
      yLog: group.word === 'loss' && allPositive && series.some((s) => s.y.length > 0)
    })
    return figure(
      svg,
      `${title} per ${xLabel}${several ? `, runs ${runs.map((r) => r.runId).join(', ')}` : ''}`,
      `history-${group.keys.join('-')}`
    )
  })
}

/** Distinct targets drawn as their own series at most; more (a regression) are one series. */
const MAX_TARGET_CLASSES = 8

/** The best outputs per input/point, one colour per target value (so a separation shows). */
export function outputsChart(outputs: RunCompareOutputs, title: string): string {
  const x = outputs.outputsNanoamps.map((_, index) => index + 1)
  const classes = [...new Set(outputs.targets)]
  const byClass = classes.length > 0 && classes.length <= MAX_TARGET_CLASSES && outputs.targets.length === x.length
  const series: SvgSeries[] = byClass
    ? classes.map((target, index) => ({
        label: `target ${target}`,
        color: SVG_PALETTE[index % SVG_PALETTE.length],
        x: x.filter((_, i) => outputs.targets[i] === target),
        y: outputs.outputsNanoamps.filter((_, i) => outputs.targets[i] === target),
        line: false
      }))
    : [{ label: 'output', color: SVG_PALETTE[0], x, y: outputs.outputsNanoamps, line: false }]
  const svg = renderSvgLineChart({
    title,
    xLabel: 'input / point',
    yLabel: 'output (nA)',
    series,
    width: CHART_WIDTH_PIXELS,
    height: 260
  })
  return figure(svg, `${title}: output current per input, coloured by target`, 'outputs')
}

/** Several runs' outputs on one chart (one colour per run). */
export function outputsOverlayChart(runs: { name: string; color: string; outputs: RunCompareOutputs }[]): string {
  const svg = renderSvgLineChart({
    title: 'Best outputs',
    xLabel: 'input / point',
    yLabel: 'output (nA)',
    series: runs.map((run) => ({
      label: run.name,
      color: run.color,
      x: run.outputs.outputsNanoamps.map((_, index) => index + 1),
      y: run.outputs.outputsNanoamps,
      points: true,
      line: run.outputs.outputsNanoamps.length > 40
    })),
    width: CHART_WIDTH_PIXELS,
    height: 260
  })
  return figure(svg, 'Best outputs of each run, per input', 'outputs-overlay')
}

/** A small bar: the range as a grey box, the value as a mark (inside or beyond it). */
export function rangeBar(volts: number, range: [number, number] | null): string {
  if (!range || !Number.isFinite(volts) || !(range[1] > range[0])) return ''
  const width = 160
  const lo = Math.min(range[0], volts)
  const hi = Math.max(range[1], volts)
  const x = (value: number): number => Math.round(((value - lo) / (hi - lo || 1)) * (width - 8) * 10) / 10 + 4
  const inside = volts >= range[0] && volts <= range[1]
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="14" viewBox="0 0 ${width} 14">` +
    `<rect x="${x(range[0])}" y="4" width="${Math.max(1, x(range[1]) - x(range[0]))}" height="6" fill="#ddd"/>` +
    `<rect x="${x(volts) - 1.5}" y="1" width="3" height="12" fill="${inside ? '#1f77b4' : '#d62728'}"/></svg>`
  )
}
