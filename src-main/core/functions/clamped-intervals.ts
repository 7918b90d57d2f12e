// brains-py's get_clamped_intervals: sort, clamp, and measure the gaps between outputs.
//
// Our reading of the reference (brainspy/utils/signal.py), per column:
//   sorted  = sort(output) ascending, then clamped into [lo, hi] (clamping after sorting keeps
//             the order, so it equals clamp-then-sort);
//   gaps    = [s0 - lo, s1 - s0, ..., s(n-1) - s(n-2), hi - s(n-1)]: n + 1 values, the
//             boundaries lo and hi act as extra neighbours at both ends;
//   'single_nn' -> min(gaps[i], gaps[i + 1]) for each sorted point i: n values, the distance
//                  to the nearest neighbour (a boundary counts as a neighbour);
//   'double_nn' -> gaps itself: n + 1 values, the widths of the intervals between consecutive
//                  sorted values including the boundaries;
//   'intervals' -> gaps[i] + gaps[i + 1]: n values, the summed distance to the neighbour
//                  below and the neighbour above.
// The reference's own docstring example agrees (sorted 1, 3, 5, 8, 9 clamped to [1, 9]:
// single_nn 0 2 2 1 0, double_nn 0 2 2 3 1 0, intervals 2 4 5 4 1). Note that the mode names
// read the other way round from what one might guess ('double_nn' is the gap list, 'intervals'
// the two-sided sums); we keep the reference's meaning so that brains-py configs port as is.
// Differences: an unknown mode is an error here (the reference warns and falls back to
// 'double_nn'), and lo > hi is refused. NaN sorts last (as torch.sort) and propagates.

import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs'
import { toColumns, toNumberSignal, toRows, type Signal } from './columns.js'

export type ClampedIntervalMode = 'single_nn' | 'double_nn' | 'intervals'

export const CLAMPED_INTERVAL_MODES: readonly ClampedIntervalMode[] = ['single_nn', 'double_nn', 'intervals']

function ascendingNanLast(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1
  if (Number.isNaN(b)) return -1
  return a - b
}

/** The clamped intervals of one column (see the file comment for the three modes). */
export function clampedIntervalsOfColumn(
  values: readonly number[],
  mode: ClampedIntervalMode,
  boundaries: readonly [number, number] = [0, 1]
): number[] {
  const [lo, hi] = boundaries
  if (!(lo <= hi)) throw new RangeError(`clamping boundaries must satisfy lo <= hi, got [${lo}, ${hi}]`)
  const sorted = Array.from(values)
    .sort(ascendingNanLast)
    .map((v) => Math.min(Math.max(v, lo), hi))
  const gaps = new Array<number>(sorted.length + 1)
  for (let i = 0; i <= sorted.length; i += 1) {
    const above = i < sorted.length ? sorted[i]! : hi
    const below = i > 0 ? sorted[i - 1]! : lo
    gaps[i] = above - below
  }
  switch (mode) {
    case 'double_nn':
      return gaps
    case 'single_nn':
      return sorted.map((_, i) => Math.min(gaps[i]!, gaps[i + 1]!))
    case 'intervals':
      return sorted.map((_, i) => gaps[i]! + gaps[i + 1]!)
    default:
      throw new RangeError(`unknown clamped-interval mode ${String(mode)}; use ${CLAMPED_INTERVAL_MODES.join(', ')}`)
  }
}

/**
 * Per column: sort, clamp into `boundaries` and return the nearest-neighbour distances
 * ('single_nn', n rows), the gaps including the boundaries ('double_nn', n + 1 rows) or the
 * two-sided sums ('intervals', n rows). A flat array or a 1-D tensor is one column and gives a
 * flat array; rows x columns (nested arrays or a 2-D tensor) give rows x columns.
 */
export function clampedIntervals(
  output: readonly number[] | Tensor1D,
  mode: ClampedIntervalMode,
  boundaries?: readonly [number, number]
): number[]
export function clampedIntervals(
  output: readonly (readonly number[])[] | Tensor2D,
  mode: ClampedIntervalMode,
  boundaries?: readonly [number, number]
): number[][]
export function clampedIntervals(
  output: Signal,
  mode: ClampedIntervalMode,
  boundaries?: readonly [number, number]
): number[] | number[][]
export function clampedIntervals(
  output: Signal,
  mode: ClampedIntervalMode,
  boundaries: readonly [number, number] = [0, 1]
): number[] | number[][] {
  const data = toNumberSignal(output, 'output')
  const flat = data.length > 0 && !Array.isArray(data[0])
  const columns = toColumns(data, 'output').map((column) => clampedIntervalsOfColumn(column, mode, boundaries))
  return flat ? columns[0]! : toRows(columns)
}
