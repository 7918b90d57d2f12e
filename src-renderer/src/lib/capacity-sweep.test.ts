import { describe, expect, it } from 'vitest'
import type { CapacityAtN } from '../../../src-shared/ipc'
import { capacityChartData, capacityRows, currentRow, sweepTotals } from './capacity-sweep'

const four: CapacityAtN = { n: 4, labelings: 14, evaluated: 14, found: 14, capacity: 1 }
const fivePartial: CapacityAtN = { n: 5, labelings: 30, evaluated: 10, found: 9, capacity: 0.9 }

describe('capacityRows', () => {
  it('gives every N of the range a row, the ones not reached yet waiting', () => {
    const rows = capacityRows([four, fivePartial], [4, 6])
    expect(rows.map((r) => [r.n, r.state])).toEqual([
      [4, 'decided'],
      [5, 'in progress'],
      [6, 'waiting']
    ])
    expect(rows[2]).toMatchObject({ labelings: 62, evaluated: 0, found: 0 })
  })

  it('without a range, lists what main reported, in order of N', () => {
    expect(capacityRows([fivePartial, four], null).map((r) => r.n)).toEqual([4, 5])
    expect(capacityRows(null, null)).toEqual([])
  })

  it('names the N in progress, then the next one waiting, then none once all are decided', () => {
    expect(currentRow(capacityRows([four, fivePartial], [4, 6]))?.n).toBe(5)
    expect(currentRow(capacityRows([four], [4, 6]))?.n).toBe(5)
    expect(currentRow(capacityRows([four], [4, 4]))).toBeNull()
  })
})

describe('sweep figures', () => {
  it('adds up the decided and found labelings', () => {
    expect(sweepTotals(capacityRows([four, fivePartial], [4, 6]))).toEqual({ decided: 24, found: 23, labelings: 106 })
  })

  it('draws decided Ns, marks the one in progress, and leaves waiting Ns empty', () => {
    expect(capacityChartData(capacityRows([four, fivePartial], [4, 6]))).toEqual([
      [4, 5, 6],
      [1, 0.9, null],
      [null, 0.9, null]
    ])
  })
})
