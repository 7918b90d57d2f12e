import { describe, expect, it } from 'vitest'
import type { RunCompareHistory, RunComparison, RunSummary } from '../../../src-shared/ipc'
import {
  compareGroups,
  controlCell,
  controlRows,
  differenceRows,
  outputScatter,
  quantityOf,
  RUN_PALETTE,
  runColor,
  runLabel,
  settingText
} from './run-compare-view'

function summary(id: number, algorithm: RunSummary['algorithm'], task: string, name: string | null = null): RunSummary {
  return { id, algorithm, task, name } as RunSummary
}

const gaHistory = (steps: number[], fitness: number[], correlation: number[]): RunCompareHistory => ({
  stepName: 'generation',
  stepUnit: 'generations',
  steps,
  series: { fitness, correlation },
  labels: { fitness: { label: 'best fitness', unit: '' }, correlation: { label: 'best correlation', unit: '' } }
})

const gdHistory: RunCompareHistory = {
  stepName: 'epoch',
  stepUnit: 'epochs',
  steps: [1, 2],
  series: { trainLoss: [0.5, 0.25], valLoss: [0.6, 0.3] },
  labels: { trainLoss: { label: 'train loss', unit: '' }, valLoss: { label: 'validation loss', unit: '' } }
}

const capacityHistory: RunCompareHistory = {
  stepName: 'labeling',
  stepUnit: 'labelings',
  steps: [],
  series: { n: [4, 5], capacity: [1, 0.5] },
  labels: { n: { label: 'n', unit: '' }, capacity: { label: 'capacity', unit: '' } }
}

function comparison(parts: Partial<RunComparison> & Pick<RunComparison, 'runs'>): RunComparison {
  return { differences: [], history: {}, outputs: {}, controls: {}, ...parts }
}

describe('palette and labels', () => {
  it('gives six distinct colours, one per run', () => {
    expect(new Set(RUN_PALETTE).size).toBe(6)
    expect([0, 1, 2, 3, 4, 5].map(runColor)).toEqual([...RUN_PALETTE])
  })

  it('names a run by its name, else its task', () => {
    expect(runLabel({ id: 3, name: 'wide', task: 'xor' })).toBe('#3 wide')
    expect(runLabel({ id: 4, name: null, task: 'xor' })).toBe('#4 xor')
    expect(runLabel({ id: 5, name: '  ', task: 'and' })).toBe('#5 and')
  })

  it('takes a metric quantity from its label’s last word', () => {
    expect(quantityOf('train loss')).toBe(quantityOf('validation loss'))
    expect(quantityOf('best fitness')).not.toBe(quantityOf('best correlation'))
  })
})

describe('compareGroups', () => {
  it('aligns runs with different step counts on the step number, nulls where a run has none', () => {
    const [group, ...rest] = compareGroups(
      comparison({
        runs: [summary(1, 'ga', 'xor'), summary(2, 'ga', 'xor', 'long')],
        history: {
          1: gaHistory([1, 2], [10, 20], [0.5, 0.6]),
          2: gaHistory([1, 2, 3], [11, NaN, 31], [0.4, 0.7, 0.9])
        }
      })
    )
    expect(rest).toEqual([])
    expect(group.xLabel).toBe('generation')
    expect(group.data).toEqual([
      [1, 2, 3],
      [10, 20, null],
      [0.5, 0.6, null],
      [11, null, 31],
      [0.4, 0.7, 0.9]
    ])
    expect(group.curves.map((curve) => [curve.label, curve.dashed, curve.runIndex])).toEqual([
      ['#1 xor · best fitness', false, 0],
      ['#1 xor · best correlation', true, 0],
      ['#2 long · best fitness', false, 1],
      ['#2 long · best correlation', true, 1]
    ])
    // Fitness and correlation measure different things: an axis each.
    expect(group.scales.map((scale) => [scale.key, scale.side])).toEqual([
      ['fitness', 'left'],
      ['correlation', 'right']
    ])
  })

  it('makes one group per algorithm, keeping each run’s colour index; train and validation loss share an axis', () => {
    const groups = compareGroups(
      comparison({
        runs: [summary(1, 'gd', 'ring'), summary(2, 'capacity', 'vc-dimension'), summary(3, 'gd', 'ring')],
        history: {
          1: gdHistory,
          2: capacityHistory,
          3: { ...gdHistory, steps: [1, 2, 3], series: { trainLoss: [1, 2, 3], valLoss: [3, 2, 1] } }
        }
      })
    )
    expect(groups.map((group) => [group.algorithm, group.runIds])).toEqual([
      ['gd', [1, 3]],
      ['capacity', [2]]
    ])
    const [gd, capacity] = groups
    expect(gd.scales).toEqual([{ key: 'loss', label: 'train loss, validation loss', side: 'left' }])
    expect(gd.curves.map((curve) => curve.runIndex)).toEqual([0, 0, 2, 2])
    expect(gd.data[0]).toEqual([1, 2, 3])
    expect(gd.data[1]).toEqual([0.5, 0.25, null])
    // A per-N history: N is the x axis, capacity the one metric.
    expect(capacity.xLabel).toBe('n')
    expect(capacity.data).toEqual([
      [4, 5],
      [1, 0.5]
    ])
    expect(capacity.curves).toHaveLength(1)
    expect(capacity.curves[0].dashed).toBe(false)
  })

  it('copes with a run that has no history yet', () => {
    const [group] = compareGroups(
      comparison({ runs: [summary(1, 'ga', 'xor'), summary(2, 'ga', 'xor')], history: { 1: gaHistory([], [], []) } })
    )
    expect(group.data[0]).toEqual([])
    expect(group.data.slice(1).every((column) => column.length === 0)).toBe(true)
  })
})

describe('differences and controls', () => {
  it('shows each differing key with one cell per run', () => {
    const rows = differenceRows(
      comparison({
        runs: [summary(1, 'ga', 'xor'), summary(2, 'ga', 'xor')],
        differences: [
          { key: 'seed', values: [1, 2] },
          { key: 'partition', values: [[4, 22], null] },
          { key: 'modelHash', values: [null, 'ab'.repeat(32)] }
        ]
      })
    )
    expect(rows.map((row) => [row.key, row.cells.map((cell) => cell.text)])).toEqual([
      ['seed', ['1', '2']],
      ['partition', ['[4,22]', '—']],
      ['modelHash', ['—', 'abababababab…']]
    ])
    expect(rows[2].cells[1].full).toBe(JSON.stringify('ab'.repeat(32)))
    expect(settingText(true)).toBe('true')
  })

  it('places a voltage in its range and flags one outside it', () => {
    expect(controlCell({ electrode: 0, volts: 0, rangeVolts: [-1, 1] })).toEqual({
      volts: 0,
      rangeVolts: [-1, 1],
      position: 0.5,
      outside: false
    })
    expect(controlCell({ electrode: 0, volts: 1.5, rangeVolts: [-1, 1] })).toMatchObject({ position: 1, outside: true })
    expect(controlCell({ electrode: 0, volts: 0.2, rangeVolts: null })).toMatchObject({
      position: null,
      outside: false
    })
  })

  it('makes a row per electrode any run drives, a cell per run', () => {
    const rows = controlRows(
      comparison({
        runs: [summary(1, 'ga', 'xor'), summary(2, 'ga', 'xor')],
        controls: {
          1: [
            { electrode: 3, volts: 0.1, rangeVolts: [-1, 1] },
            { electrode: 0, volts: -0.5, rangeVolts: [-1, 1] }
          ],
          2: [{ electrode: 4, volts: 0.2, rangeVolts: [-0.5, 0.5] }]
        }
      })
    )
    expect(rows.map((row) => [row.electrode, row.cells.map((cell) => cell?.volts ?? null)])).toEqual([
      [0, [-0.5, null]],
      [3, [0.1, null]],
      [4, [null, 0.2]]
    ])
  })
})

describe('outputScatter', () => {
  it('pairs each output with its target, sorted by target, leaving out missing values', () => {
    expect(outputScatter({ outputsNanoamps: [5, -2, 7, NaN], targets: [1, 0, 0, 1] })).toEqual([
      [0, 0, 1],
      [-2, 7, 5]
    ])
  })
})
