/**
 * A stored measurement laid out for one chart: time in seconds (sample / DAC rate), each
 * electrode's input volts, the readout in nA, the plateaus (runs of `plateauMask`) as time
 * spans to shade, and one marker per plateau at its middle holding the plateau's mean.
 */
import type uPlot from 'uplot'
import type { MeasurementDetail } from '../../../src-shared/ipc'

/** Samples [start, end) on one plateau. */
export interface SampleSpan {
  start: number
  end: number
}

/** The runs of `true` in a plateau mask, in order. */
export function plateauSpans(mask: readonly boolean[]): SampleSpan[] {
  const spans: SampleSpan[] = []
  let start = -1
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] && start < 0) start = i
    if (!mask[i] && start >= 0) {
      spans.push({ start, end: i })
      start = -1
    }
  }
  if (start >= 0) spans.push({ start, end: mask.length })
  return spans
}

export function sampleTimesSeconds(sampleCount: number, dacRateHz: number): number[] {
  if (!(dacRateHz > 0) || !Number.isFinite(dacRateHz))
    throw new Error(`dacRateHz: expected a positive rate, got ${dacRateHz}`)
  return Array.from({ length: sampleCount }, (_, i) => i / dacRateHz)
}

/**
 * One value per sample: the plateau's mean at the middle sample of each plateau, null
 * elsewhere (uPlot draws a point only where there is a value).
 */
export function plateauMeanMarkers(
  spans: readonly SampleSpan[],
  meansNanoamps: readonly number[],
  sampleCount: number
): (number | null)[] {
  const markers: (number | null)[] = new Array<number | null>(sampleCount).fill(null)
  spans.forEach((span, i) => {
    if (i < meansNanoamps.length) markers[Math.floor((span.start + span.end - 1) / 2)] = meansNanoamps[i]
  })
  return markers
}

export interface WaveformLayout {
  /** [time s, electrode 0 V, ..., readout nA, plateau means nA]. */
  data: uPlot.AlignedData
  electrodeCount: number
  /** Plateaus as [start, end] seconds: a plateau of n samples lasts n / rate. */
  plateausSeconds: [number, number][]
  durationSeconds: number
  /** Set when the plateau count and the means disagree (shown, not hidden). */
  warning: string | null
}

/** Checks the measurement's arrays agree (naming the one that does not) and lays it out. */
export function waveformLayout(
  m: Pick<MeasurementDetail, 'dacRateHz' | 'inputsVolts' | 'readoutNanoamps' | 'plateauMask' | 'plateauMeansNanoamps'>
): WaveformLayout {
  const n = m.readoutNanoamps.length
  m.inputsVolts.forEach((stream, electrode) => {
    if (stream.length !== n)
      throw new Error(`inputsVolts[${electrode}]: ${stream.length} samples, but the readout has ${n}`)
  })
  if (m.plateauMask.length !== n)
    throw new Error(`plateauMask: ${m.plateauMask.length} samples, but the readout has ${n}`)
  const times = sampleTimesSeconds(n, m.dacRateHz)
  const spans = plateauSpans(m.plateauMask)
  const warning =
    spans.length === m.plateauMeansNanoamps.length
      ? null
      : `the mask has ${spans.length} plateaus but ${m.plateauMeansNanoamps.length} plateau means are stored`
  return {
    data: [times, ...m.inputsVolts, m.readoutNanoamps, plateauMeanMarkers(spans, m.plateauMeansNanoamps, n)],
    electrodeCount: m.inputsVolts.length,
    plateausSeconds: spans.map((span) => [span.start / m.dacRateHz, span.end / m.dacRateHz]),
    durationSeconds: n / m.dacRateHz,
    warning
  }
}

/** A duration in the unit that reads best: 850 ms, 12.4 s. */
export function durationLabel(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—'
  if (seconds < 1) return `${Number((seconds * 1000).toPrecision(3))} ms`
  return `${Number(seconds.toPrecision(3))} s`
}
