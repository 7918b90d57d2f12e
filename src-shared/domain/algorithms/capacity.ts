/**
 * The capacity sweep (VC dimension): one labeling decided per step. It keeps no row per step:
 * its result per N (on the run) is what it exports.
 */
import type { CapacityAtN, RunRecord } from '../runs'
import type { AlgorithmDescriptor, Cell } from './descriptor'

function perN(run: RunRecord): CapacityAtN[] {
  return Array.isArray(run.capacity) ? run.capacity : []
}

/** 2^N - 2 non-constant labelings for each N of the sweep. */
export function capacitySweepSize(fromN: number, toN: number): number {
  let labelings = 0
  for (let n = fromN; n <= toN; n += 1) labelings += 2 ** n - 2
  return labelings
}

export const capacityAlgorithm = {
  id: 'capacity',
  label: 'Capacity sweep',
  shortLabel: 'Capacity',
  step: { name: 'labeling', plural: 'labelings', key: 'labeling' },
  stepMetrics: [],
  resultFields: ['capacity'],
  trainsOnDevice: false,
  totalSteps: (config: { fromN: number; toN: number }): number => capacitySweepSize(config.fromN, config.toN),
  exportTable: {
    headers: ['n', 'labelings', 'evaluated', 'found', 'capacity'],
    rows: (run: RunRecord): Cell[][] => perN(run).map((c) => [c.n, c.labelings, c.evaluated, c.found, c.capacity]),
    history: (run: RunRecord): Record<string, number[]> => ({
      n: perN(run).map((c) => c.n),
      capacity: perN(run).map((c) => c.capacity)
    })
  },
  summaryLines: (run: RunRecord): string[] =>
    perN(run).map(
      (n) =>
        `N=${n.n}: found ${n.found} of ${n.evaluated} tried (${n.labelings} labelings), capacity ${n.capacity.toFixed(3)}`
    )
} as const satisfies AlgorithmDescriptor<'capacity', { fromN: number; toN: number }>
