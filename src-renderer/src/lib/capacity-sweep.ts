/**
 * What a capacity sweep's result per N says, for its chart, table and headline figures. Main
 * reports only the Ns reached so far; the sweep's range (from its config) gives every N a row
 * and a place on the chart from the start.
 */
import type { CapacityAtN } from '../../../src-shared/ipc'
import { labelingsAtN } from './algorithm-forms/capacity-form'

export type CapacityRowState = 'decided' | 'in progress' | 'waiting'

export interface CapacityRow extends CapacityAtN {
  state: CapacityRowState
}

/** One row per N of the range (or per N reported, without a range), in order of N. */
export function capacityRows(
  capacity: readonly CapacityAtN[] | null,
  range: readonly [number, number] | null
): CapacityRow[] {
  const byN = new Map((capacity ?? []).map((entry) => [entry.n, entry]))
  const ns = range
    ? Array.from({ length: Math.max(0, range[1] - range[0] + 1) }, (_, i) => range[0] + i)
    : [...byN.keys()]
  for (const n of byN.keys()) if (!ns.includes(n)) ns.push(n)
  ns.sort((a, b) => a - b)
  return ns.map((n) => {
    const entry = byN.get(n) ?? { n, labelings: labelingsAtN(n), evaluated: 0, found: 0, capacity: 0 }
    const state: CapacityRowState =
      entry.evaluated >= entry.labelings ? 'decided' : entry.evaluated > 0 ? 'in progress' : 'waiting'
    return { ...entry, state }
  })
}

/** The N whose labelings are being decided: the first not fully decided (null once all are). */
export function currentRow(rows: readonly CapacityRow[]): CapacityRow | null {
  return rows.find((row) => row.state !== 'decided') ?? null
}

/** Labelings decided and found over the whole sweep. */
export function sweepTotals(rows: readonly CapacityRow[]): { decided: number; found: number; labelings: number } {
  return rows.reduce(
    (sum, row) => ({
      decided: sum.decided + row.evaluated,
      found: sum.found + row.found,
      labelings: sum.labelings + row.labelings
    }),
    { decided: 0, found: 0, labelings: 0 }
  )
}

/**
 * Chart columns: [N, capacity of every N with a decided labeling, capacity of the N still in
 * progress (drawn apart: it can still move)]; null where there is nothing to draw.
 */
export function capacityChartData(rows: readonly CapacityRow[]): [number[], (number | null)[], (number | null)[]] {
  return [
    rows.map((row) => row.n),
    rows.map((row) => (row.evaluated > 0 ? row.capacity : null)),
    rows.map((row) => (row.state === 'in progress' ? row.capacity : null))
  ]
}
