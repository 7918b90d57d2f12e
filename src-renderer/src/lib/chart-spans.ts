/**
 * A uPlot plugin that shades spans of the x axis under the series (plateaus in Waveforms, the
 * chosen range in a calibration chart): drawn after the canvas is cleared, so the grid and the
 * curves stay on top, and clipped to the plotting area.
 */
import type uPlot from 'uplot'

export interface XSpan {
  from: number
  to: number
  color: string
}

/** `spans` is called at each redraw, so the shading follows new data without a new plot. */
export function xSpanShading(spans: () => readonly XSpan[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u: uPlot) => {
        const { ctx, bbox } = u
        ctx.save()
        ctx.beginPath()
        ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height)
        ctx.clip()
        for (const span of spans()) {
          const left = u.valToPos(span.from, 'x', true)
          const right = u.valToPos(span.to, 'x', true)
          if (!Number.isFinite(left) || !Number.isFinite(right) || right < bbox.left || left > bbox.left + bbox.width)
            continue
          ctx.fillStyle = span.color
          ctx.fillRect(left, bbox.top, Math.max(right - left, 1), bbox.height)
        }
        ctx.restore()
      }
    }
  }
}
