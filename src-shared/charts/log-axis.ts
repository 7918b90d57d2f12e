/**
 * Ticks and range for a log-scale axis that read well whether the values span half a decade or
 * thirty (uPlot's own log axis pads to whole decades and labels only the powers of ten, which
 * leaves a loss curve between 2 and 16 with one label, or crowds 3, 4, ... 10 together).
 */

/** Tick mantissas, roundest first: a tick is kept if it is far enough from every rounder one. */
const MANTISSAS_BY_ROUNDNESS = [[1], [2, 5], [3], [1.5, 4, 6, 8], [1.2, 2.5, 7, 9]]

/**
 * Tick positions within [min, max] (0 < min <= max), at least `minGapPixels` apart on an axis
 * drawn at `pixelsPerDecade`: the powers of ten first, then 2 and 5, then finer ones where there
 * is room. Over many decades only some powers of ten are kept.
 */
export function logTicks(min: number, max: number, pixelsPerDecade: number, minGapPixels = 20): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max) || !(pixelsPerDecade > 0)) return []
  const first = Math.floor(Math.log10(min))
  const last = Math.ceil(Math.log10(max))
  const minGapDecades = minGapPixels / pixelsPerDecade
  const kept: number[] = []
  const logsKept: number[] = []
  for (const mantissas of MANTISSAS_BY_ROUNDNESS) {
    for (let decade = first; decade <= last; decade++) {
      for (const m of mantissas) {
        // toPrecision strips the float noise of m * 10^decade (3 * 0.1 = 0.30000000000000004).
        const tick = Number((m * 10 ** decade).toPrecision(6))
        if (tick < min * (1 - 1e-9) || tick > max * (1 + 1e-9)) continue
        const log = Math.log10(tick)
        if (logsKept.every((other) => Math.abs(other - log) >= minGapDecades)) {
          kept.push(tick)
          logsKept.push(log)
        }
      }
    }
  }
  return kept.sort((a, b) => a - b)
}

/** The data's range widened by 5 % of its span in log terms (or by half a step when flat). */
export function logRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !(min > 0) || !(max > 0)) return [1, 10]
  const span = Math.log10(max) - Math.log10(min)
  const pad = span > 0 ? span * 0.05 : 0.15
  return [min / 10 ** pad, max * 10 ** pad]
}
