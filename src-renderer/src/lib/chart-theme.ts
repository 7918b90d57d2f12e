import type uPlot from 'uplot'

/** Canvas colours (uPlot draws on a canvas, so CSS variables cannot reach it). */
export const ACCENT = '#2364aa'
export const ACCENT_FILL = 'rgba(35, 100, 170, 0.55)'
export const INK = '#3b4350'
export const AXIS_TEXT = '#5b6472'
export const GRID = '#e3e6eb'

export const axisStyle = {
  stroke: AXIS_TEXT,
  grid: { stroke: GRID, width: 1 },
  ticks: { stroke: GRID, width: 1 }
}

/** One colour per electrode (Tableau 10: distinct, and still apart for most colour-blind eyes). */
export const SERIES_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac'
]

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length]
}

/**
 * A series drawn as markers only, no line: hollow rings (targets, the best epoch, an N still in
 * progress) or, with `filled`, dots (scatter plots).
 */
export function markerSeries(options: {
  label: string
  scale: string
  color: string
  sizePx: number
  filled?: boolean
  value: uPlot.Series['value']
}): uPlot.Series {
  const { label, scale, color, sizePx, filled = false, value } = options
  return {
    label,
    scale,
    stroke: color,
    paths: () => null,
    points: { show: true, size: sizePx, width: filled ? 1 : 2, stroke: color, fill: filled ? color : '#ffffff' },
    value
  }
}
