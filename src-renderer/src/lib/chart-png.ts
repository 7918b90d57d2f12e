/**
 * "Save as PNG": the plot's own canvas (uPlot draws lines, axes and their labels on it) set on a
 * white page under the chart's label, with a legend line of the series' colours beneath. The
 * canvas is in device pixels, so the title and legend are drawn at the same pixel ratio.
 */
import type uPlot from 'uplot'
import { strokeColor } from './chart-export'

const FONT_FAMILY = 'Helvetica, Arial, sans-serif'

export async function chartPng(plot: uPlot, label: string): Promise<Blob> {
  const source = plot.ctx.canvas
  const ratio = source.width / Math.max(1, plot.width)
  const padding = 12 * ratio
  const titleHeight = 28 * ratio
  const legendRowHeight = 18 * ratio
  const entries = plot.series
    .map((series, index) => ({ series, index }))
    .filter(({ series, index }) => index > 0 && series.show !== false)
    .map(({ series, index }) => ({
      text: typeof series.label === 'string' ? series.label : `series ${index}`,
      color: strokeColor(series) ?? '#444444',
      dashed: Array.isArray(series.dash) && series.dash.length > 0
    }))

  const canvas = document.createElement('canvas')
  canvas.width = source.width + 2 * padding
  const context = canvas.getContext('2d')
  if (!context) throw new Error('this browser cannot draw on a canvas')
  // Lay the legend out first (its rows decide the height).
  context.font = `${12 * ratio}px ${FONT_FAMILY}`
  const placed: { x: number; row: number; entry: (typeof entries)[number] }[] = []
  let cursor = 0
  let row = 0
  for (const entry of entries) {
    const width = 26 * ratio + context.measureText(entry.text).width + 16 * ratio
    if (cursor > 0 && cursor + width > source.width) {
      row++
      cursor = 0
    }
    placed.push({ x: cursor, row, entry })
    cursor += width
  }
  const legendHeight = entries.length > 0 ? (row + 1) * legendRowHeight + padding : 0
  canvas.height = titleHeight + source.height + legendHeight + padding

  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, canvas.width, canvas.height)
  context.fillStyle = '#222222'
  context.font = `bold ${14 * ratio}px ${FONT_FAMILY}`
  context.textBaseline = 'middle'
  context.fillText(label, padding, titleHeight / 2 + 2 * ratio, source.width)
  context.drawImage(source, padding, titleHeight)

  context.font = `${12 * ratio}px ${FONT_FAMILY}`
  const legendTop = titleHeight + source.height + padding
  for (const { x, row: entryRow, entry } of placed) {
    const y = legendTop + entryRow * legendRowHeight + legendRowHeight / 2
    context.strokeStyle = entry.color
    context.lineWidth = 3 * ratio
    context.setLineDash(entry.dashed ? [6 * ratio, 4 * ratio] : [])
    context.beginPath()
    context.moveTo(padding + x, y)
    context.lineTo(padding + x + 20 * ratio, y)
    context.stroke()
    context.fillStyle = '#222222'
    context.fillText(entry.text, padding + x + 26 * ratio, y)
  }
  return await new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('the chart could not be encoded as PNG'))),
      'image/png'
    )
  )
}
