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
