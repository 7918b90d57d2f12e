/**
 * A chart as one standalone SVG string: axes with round ticks, gridlines, a legend, lines (gaps
 * where a value is missing) or points. Pure and DOM-free, so the main process draws the HTML
 * report's charts with it and the page its "Save as SVG".
 *
 * Everything given is treated as hostile: every text is escaped, a colour that is not a plain CSS
 * colour is replaced, sizes and counts are bounded, long series are thinned, and NaN, Infinity,
 * null (and values <= 0 on a log axis) are gaps, never an exception. The SVG references nothing
 * outside itself (no fonts, images, links or scripts).
 */
import { logTicks } from './log-axis'

export interface SvgSeries {
  label: string
  /** A CSS colour (`#1f77b4`, `rgb(...)`, a name); anything else is replaced by the palette's. */
  color?: string
  x: readonly number[]
  /** null, NaN and ±Infinity are gaps. */
  y: readonly (number | null)[]
  dashed?: boolean
  /** Dots at the points (with or without the line, see `line`). */
  points?: boolean
  /** False: points only (a scatter). Default true. */
  line?: boolean
}

export interface SvgChartSpec {
  title?: string
  xLabel: string
  yLabel: string
  series: readonly SvgSeries[]
  /** Pixels; bounded to [160, 4000] x [120, 3000]. */
  width: number
  height: number
  xLog?: boolean
  yLog?: boolean
}

/** Points drawn per series at most: longer series are thinned keeping each bucket's min and max. */
export const MAX_SVG_POINTS_PER_SERIES = 2000
/** Series drawn at most (the legend must stay readable). */
export const MAX_SVG_SERIES = 24
/** Points read per series at most: a longer array is cut (bounded work whatever is sent). */
export const MAX_SVG_INPUT_POINTS = 1_000_000
const MAX_LABEL_CHARS = 120

export const SVG_PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf']

/** Text for XML: `&`, `<`, `>`, `"` and `'` as entities; control characters dropped. */
export function escapeXml(text: string): string {
  return (
    String(text)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
  )
}

const SAFE_COLOR = /^(#[0-9a-f]{3,8}|[a-z]{3,20}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]{1,60}\))$/i

/** The colour if it is a plain CSS colour, else the palette's for that index. */
export function safeColor(color: string | undefined, index: number): string {
  const trimmed = (color ?? '').trim()
  return SAFE_COLOR.test(trimmed) ? trimmed : SVG_PALETTE[index % SVG_PALETTE.length]
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min
}

function shorten(text: string): string {
  const plain = String(text ?? '')
  return plain.length > MAX_LABEL_CHARS ? `${plain.slice(0, MAX_LABEL_CHARS - 3)}...` : plain
}

/** A tick's text: 4 significant digits, exponent form for very large or small values. */
export function formatTick(value: number): string {
  if (value === 0) return '0'
  const magnitude = Math.abs(value)
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(1).replace('e+', 'e')
  return String(Number(value.toPrecision(4)))
}

/** Round linear ticks (1, 2, 5 x 10^k steps) covering [min, max], about `count` of them. */
export function linearTicks(min: number, max: number, count = 6, minStep = 0): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return []
  if (max === min) return [min]
  const rough = Math.max((max - min) / Math.max(1, count), minStep)
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? 10 * power
  const ticks: number[] = []
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9 && ticks.length < 50; tick += step) {
    ticks.push(Number(tick.toPrecision(12)))
  }
  return ticks
}

interface Point {
  x: number
  y: number
}

/** The drawable points, as runs between gaps. */
function segmentsOf(series: SvgSeries, xLog: boolean, yLog: boolean): Point[][] {
  const xs = Array.isArray(series.x) ? series.x : []
  const ys = Array.isArray(series.y) ? series.y : []
  const length = Math.min(xs.length, ys.length, MAX_SVG_INPUT_POINTS)
  const segments: Point[][] = []
  let current: Point[] = []
  for (let index = 0; index < length; index++) {
    const x = xs[index]
    const y = ys[index]
    const usable =
      typeof x === 'number' &&
      typeof y === 'number' &&
      Number.isFinite(x) &&
      Number.isFinite(y) &&
      (!xLog || x > 0) &&
      (!yLog || y > 0)
    if (usable) current.push({ x, y })
    else if (current.length > 0) {
      segments.push(current)
      current = []
    }
  }
  if (current.length > 0) segments.push(current)
  return thin(segments)
}

/** At most MAX_SVG_POINTS_PER_SERIES points in all: each bucket keeps its first, min and max. */
function thin(segments: Point[][]): Point[][] {
  const total = segments.reduce((sum, segment) => sum + segment.length, 0)
  if (total <= MAX_SVG_POINTS_PER_SERIES) return segments
  const bucket = Math.ceil(total / (MAX_SVG_POINTS_PER_SERIES / 3))
  return segments.map((segment) => {
    const kept: Point[] = []
    for (let start = 0; start < segment.length; start += bucket) {
      const part = segment.slice(start, start + bucket)
      let low = part[0]
      let high = part[0]
      for (const point of part) {
        if (point.y < low.y) low = point
        if (point.y > high.y) high = point
      }
      for (const point of new Set([part[0], low, high].sort((a, b) => part.indexOf(a) - part.indexOf(b)))) {
        kept.push(point)
      }
    }
    const last = segment[segment.length - 1]
    if (kept[kept.length - 1] !== last) kept.push(last)
    return kept
  })
}

interface Axis {
  min: number
  max: number
  log: boolean
  ticks: number[]
}

function axisOf(values: number[], log: boolean, lengthPixels: number, padded = false): Axis {
  let min = Infinity
  let max = -Infinity
  for (const value of values) {
    if (value < min) min = value
    if (value > max) max = value
  }
  if (!Number.isFinite(min))
    return log ? { min: 1, max: 10, log, ticks: [1, 10] } : { min: 0, max: 1, log, ticks: [0, 0.5, 1] }
  if (log) {
    const lo = min === max ? min / 2 : min
    const hi = min === max ? max * 2 : max
    const decades = Math.max(Math.log10(hi) - Math.log10(lo), 1e-6)
    return { min: lo, max: hi, log, ticks: logTicks(lo, hi, lengthPixels / decades, 24) }
  }
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1
    min -= pad
    max += pad
  }
  if (padded) {
    const pad = (max - min) * 0.04
    min -= pad
    max += pad
  }
  // Whole-number data (steps, N, point numbers) gets whole-number ticks.
  const whole = values.every((value) => Number.isInteger(value))
  const ticks = linearTicks(min, max, Math.max(2, Math.round(lengthPixels / 55)), whole ? 1 : 0)
  if (ticks.length >= 2 && !padded) {
    // The range widened to the round ticks around the data, so both ends are labelled.
    const step = ticks[1] - ticks[0]
    const lo = ticks[0] > min + step * 1e-9 ? ticks[0] - step : ticks[0]
    const hi = ticks[ticks.length - 1] < max - step * 1e-9 ? ticks[ticks.length - 1] + step : ticks[ticks.length - 1]
    const all = [lo, ...ticks.filter((tick) => tick > lo && tick < hi), hi].map((tick) => Number(tick.toPrecision(12)))
    return { min: lo, max: hi, log, ticks: [...new Set(all)] }
  }
  return { min, max, log, ticks: ticks.filter((tick) => tick >= min && tick <= max) }
}

function scale(axis: Axis, from: number, to: number): (value: number) => number {
  const lo = axis.log ? Math.log10(axis.min) : axis.min
  const hi = axis.log ? Math.log10(axis.max) : axis.max
  const span = hi - lo || 1
  return (value) => from + (((axis.log ? Math.log10(value) : value) - lo) / span) * (to - from)
}

const r = (value: number): string => String(Math.round(value * 10) / 10)

/** The chart as an `<svg>` element with its namespace (a file's whole content, or inline in HTML). */
export function renderSvgLineChart(spec: SvgChartSpec): string {
  const width = Math.round(clamp(spec.width, 160, 4000))
  const height = Math.round(clamp(spec.height, 120, 3000))
  const xLog = Boolean(spec.xLog)
  const yLog = Boolean(spec.yLog)
  const title = spec.title ? shorten(spec.title) : ''
  const series = (Array.isArray(spec.series) ? spec.series : []).slice(0, MAX_SVG_SERIES)
  const drawn = series.map((one, index) => ({
    label: shorten(one?.label ?? `series ${index + 1}`),
    color: safeColor(one?.color, index),
    dashed: Boolean(one?.dashed),
    points: Boolean(one?.points),
    line: one?.line !== false,
    segments: one ? segmentsOf(one, xLog, yLog) : []
  }))

  // Legend rows: items flow left to right, wrapping (text width estimated at 6.5 px a character).
  const legendItems: { x: number; row: number; index: number }[] = []
  let cursor = 0
  let row = 0
  const legendWidth = width - 80
  drawn.forEach((one, index) => {
    const itemWidth = 28 + one.label.length * 6.5 + 14
    if (cursor > 0 && cursor + itemWidth > legendWidth) {
      row++
      cursor = 0
    }
    legendItems.push({ x: cursor, row, index })
    cursor += itemWidth
  })
  const legendRows = drawn.length > 0 ? row + 1 : 0

  const top = title ? 34 : 14
  const left = 70
  const right = 18
  const bottom = 46 + legendRows * 18
  const plotWidth = Math.max(40, width - left - right)
  const plotHeight = Math.max(40, height - top - bottom)
  const points = drawn.flatMap((one) => one.segments.flat())
  // Points alone would sit on the frame at both ends: a scatter's x range gets a margin.
  const scatter = drawn.some((one) => !one.line)
  const xAxis = axisOf(
    points.map((point) => point.x),
    xLog,
    plotWidth,
    scatter
  )
  const yAxis = axisOf(
    points.map((point) => point.y),
    yLog,
    plotHeight
  )
  const px = scale(xAxis, left, left + plotWidth)
  const py = scale(yAxis, top + plotHeight, top)

  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`
  )
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`)
  if (title) {
    parts.push(
      `<text x="${r(width / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold" fill="#222">${escapeXml(title)}</text>`
    )
  }
  // Gridlines and ticks.
  for (const tick of xAxis.ticks) {
    const x = r(px(tick))
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotHeight}" stroke="#e4e4e4"/>`)
    parts.push(
      `<text x="${x}" y="${top + plotHeight + 15}" text-anchor="middle" fill="#444">${escapeXml(formatTick(tick))}</text>`
    )
  }
  for (const tick of yAxis.ticks) {
    const y = r(py(tick))
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotWidth}" y2="${y}" stroke="#e4e4e4"/>`)
    parts.push(
      `<text x="${left - 6}" y="${y}" dy="4" text-anchor="end" fill="#444">${escapeXml(formatTick(tick))}</text>`
    )
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
    `<text x="${r(left + plotWidth / 2)}" y="${top + plotHeight + 33}" text-anchor="middle" fill="#222">${escapeXml(shorten(spec.xLabel ?? ''))}</text>`,
    `<text transform="translate(16 ${r(top + plotHeight / 2)}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(shorten(spec.yLabel ?? ''))}</text>`
  )
  if (points.length === 0) {
    parts.push(
      `<text x="${r(left + plotWidth / 2)}" y="${r(top + plotHeight / 2)}" text-anchor="middle" fill="#888">no data</text>`
    )
  }
  for (const one of drawn) {
    const dash = one.dashed ? ' stroke-dasharray="6 4"' : ''
    if (one.line) {
      const path = one.segments
        .filter((segment) => segment.length > 0)
        .map((segment) =>
          segment.map((point, i) => `${i === 0 ? 'M' : 'L'}${r(px(point.x))} ${r(py(point.y))}`).join('')
        )
        .join('')
      if (path) {
        parts.push(
          `<path d="${path}" fill="none" stroke="${escapeXml(one.color)}" stroke-width="1.6"${dash} data-points="${one.segments.reduce((sum, s) => sum + s.length, 0)}"/>`
        )
      }
    }
    if (one.points || !one.line) {
      const circles = one.segments
        .flat()
        .map((point) => `<circle cx="${r(px(point.x))}" cy="${r(py(point.y))}" r="2.6"/>`)
        .join('')
      if (circles) parts.push(`<g fill="${escapeXml(one.color)}">${circles}</g>`)
    }
  }
  // Legend below the x label.
  const legendTop = top + plotHeight + 44
  for (const item of legendItems) {
    const one = drawn[item.index]
    const x = left + item.x
    const y = legendTop + item.row * 18
    const dash = one.dashed ? ' stroke-dasharray="6 4"' : ''
    parts.push(
      one.line
        ? `<line x1="${r(x)}" y1="${y}" x2="${r(x + 22)}" y2="${y}" stroke="${escapeXml(one.color)}" stroke-width="2.5"${dash}/>`
        : `<circle cx="${r(x + 11)}" cy="${y}" r="3.5" fill="${escapeXml(one.color)}"/>`,
      `<text x="${r(x + 28)}" y="${y}" dy="4" fill="#222">${escapeXml(one.label)}</text>`
    )
  }
  parts.push('</svg>')
  return parts.join('')
}
