/**
 * "Save as SVG" / "Save as PNG" on the app's charts: what a uPlot chart shows turned into the
 * shared SVG renderer's spec (src-shared/charts), and the file name. Pure, so it is unit tested;
 * the components only hand over their plot's data and options.
 */
import type uPlot from 'uplot'
import type { SvgChartSpec, SvgSeries } from '../../../src-shared/charts/svg-line-chart'

export const SAVED_CHART_WIDTH_PIXELS = 900
export const SAVED_CHART_HEIGHT_PIXELS = 420

/** The chart's label as a file name: letters, digits, `-` and `_` only, at most 80 characters. */
export function chartFileName(label: string, extension: 'png' | 'svg'): string {
  const base = String(label ?? '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '')
  return `${base || 'chart'}.${extension}`
}

/** A series' stroke when it is a plain colour (uPlot also takes functions and gradients). */
export function strokeColor(series: uPlot.Series): string | undefined {
  return typeof series.stroke === 'string' ? series.stroke : undefined
}

function labelText(label: unknown): string {
  return typeof label === 'string' ? label : ''
}

/** Whether the scale is drawn as a log (uPlot: distr 3). */
function isLog(scales: uPlot.Scales | undefined, key: string): boolean {
  return scales?.[key]?.distr === 3
}

/**
 * The spec of what the chart shows: every visible series but the x one (uPlot's series 0) with
 * its label, plain stroke colour and dash; points-only series (no line path) as a scatter.
 */
export function uplotToSvgSpec(
  chart: {
    label: string
    data: uPlot.AlignedData
    series: readonly uPlot.Series[]
    axes?: readonly uPlot.Axis[]
    scales?: uPlot.Scales
  },
  size: { width: number; height: number } = { width: SAVED_CHART_WIDTH_PIXELS, height: SAVED_CHART_HEIGHT_PIXELS }
): SvgChartSpec {
  const x = Array.from((chart.data[0] ?? []) as ArrayLike<number>)
  const yScaleKey = chart.series.find((series, index) => index > 0 && series.scale)?.scale ?? 'y'
  const series: SvgSeries[] = []
  chart.series.forEach((one, index) => {
    if (index === 0 || one.show === false) return
    const values = chart.data[index]
    if (!values) return
    const pointsShown = typeof one.points === 'object' && one.points?.show === true
    series.push({
      label: labelText(one.label) || `series ${index}`,
      color: strokeColor(one),
      x,
      y: Array.from(values as ArrayLike<number | null | undefined>, (value) => (value === undefined ? null : value)),
      dashed: Array.isArray(one.dash) && one.dash.length > 0,
      points: pointsShown,
      // uPlot draws no line when a series' paths return nothing (the app's scatter series).
      line: !(typeof one.paths === 'function' && one.paths.length === 0 && isNoPath(one))
    })
  })
  return {
    title: chart.label,
    xLabel: labelText(chart.axes?.[0]?.label) || labelText(chart.series[0]?.label) || 'x',
    yLabel: labelText(chart.axes?.[1]?.label) || '',
    series,
    width: size.width,
    height: size.height,
    xLog: isLog(chart.scales, 'x'),
    yLog: isLog(chart.scales, yScaleKey)
  }
}

/** A series whose `paths` returns null draws no line (points only). */
function isNoPath(series: uPlot.Series): boolean {
  try {
    return (series.paths as () => unknown)() === null
  } catch {
    return false
  }
}
