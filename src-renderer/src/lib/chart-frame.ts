// What the two uPlot components (UPlotChart, WaveformPlot) share: their basic props and keeping
// the plot as wide as its container.
import type uPlot from 'uplot'

/** The props every chart takes. uPlot reads series, axes and scales when the plot is built. */
export interface ChartProps {
  data: uPlot.AlignedData
  series: uPlot.Series[]
  axes?: uPlot.Axis[]
  scales?: uPlot.Scales
  height?: number
  /** Accessible name of the chart. */
  label: string
}

/**
 * Resizes the current plot (`plot()`, null while there is none) whenever `container`'s width
 * changes; returns the function that stops watching.
 */
export function followContainerWidth(container: HTMLElement, plot: () => uPlot | null): () => void {
  const observer = new ResizeObserver(() => {
    const width = Math.floor(container.clientWidth)
    const current = plot()
    if (current && width > 0 && width !== current.width) current.setSize({ width, height: current.height })
  })
  observer.observe(container)
  return () => observer.disconnect()
}
