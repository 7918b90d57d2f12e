import { describe, expect, it } from 'vitest'
import type { Calibration, CalibrationSweepResult } from '../../../src-shared/ipc'
import {
  beyondSafeRange,
  calibrationSaveRequest,
  checkCalibrationRows,
  defaultTrialRangeVolts,
  mergeSweep,
  rowsFromCalibration,
  roundedInwardVolts,
  splitSweepLegs,
  trialRangeProblem,
  type CalibrationRow
} from './calibration-plan'

const saved: Calibration = {
  id: 4,
  profileId: 1,
  version: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  notes: 'first',
  electrodes: [
    {
      electrode: 1,
      rangeVolts: [-0.7, 0.6],
      trialRangeVolts: [-1, 1],
      suggestedRangeVolts: [-0.7, 0.6],
      saturated: false
    },
    { electrode: 0, rangeVolts: [-0.5, 0.5], trialRangeVolts: null, suggestedRangeVolts: null, saturated: false }
  ],
  rangeOverride: null,
  measurementId: null
}

const sweep: CalibrationSweepResult = {
  profileId: 1,
  measurementId: 12,
  electrodes: [
    { electrode: 1, trialRangeVolts: [-1.2, 1], curve: [], suggestedRangeVolts: [-0.9, 0.8], saturated: true },
    { electrode: 2, trialRangeVolts: [-1.2, 1], curve: [], suggestedRangeVolts: [-1.1, 0.9], saturated: false }
  ]
}

function row(electrode: number, minVolts: number | null, maxVolts: number | null): CalibrationRow {
  return {
    electrode,
    minVolts,
    maxVolts,
    trialRangeVolts: null,
    suggestedRangeVolts: null,
    saturated: false,
    source: 'saved'
  }
}

describe('rows', () => {
  it('start from the saved calibration, in electrode order', () => {
    expect(rowsFromCalibration(saved).map((r) => [r.electrode, r.minVolts, r.maxVolts, r.source])).toEqual([
      [0, -0.5, 0.5, 'saved'],
      [1, -0.7, 0.6, 'saved']
    ])
    expect(rowsFromCalibration(null)).toEqual([])
  })

  it('a sweep replaces its electrodes with the suggested range and keeps the others', () => {
    const merged = mergeSweep(rowsFromCalibration(saved), sweep)
    expect(merged.map((r) => [r.electrode, r.minVolts, r.maxVolts, r.source, r.saturated])).toEqual([
      [0, -0.5, 0.5, 'saved', false],
      [1, -0.9, 0.8, 'sweep', true],
      [2, -1.1, 0.9, 'sweep', false]
    ])
  })
})

describe('checkCalibrationRows', () => {
  it('accepts ranges inside the safe range, and lists the electrodes not covered', () => {
    expect(checkCalibrationRows([row(0, -1.2, 1), row(2, -0.5, 0.5)], 3, [-1.6, 1.6])).toEqual({
      errors: {},
      beyondSafe: [],
      missing: [1]
    })
  })

  it('says what is wrong with each bad range', () => {
    const { errors } = checkCalibrationRows(
      [row(0, null, 1), row(1, 0.1, 0.5), row(2, 0, 0), row(3, -2, 1)],
      4,
      [-1.6, 1.6]
    )
    expect(errors[0]).toMatch(/both ends/)
    expect(errors[1]).toMatch(/hold 0 V/)
    expect(errors[2]).toMatch(/empty/)
    expect(errors[3]).toMatch(/absolute limit -1.6 to 1.6 V/)
  })

  it('flags ranges beyond [-1.2, 1.0] V for the override', () => {
    expect(checkCalibrationRows([row(0, -1.3, 0.5), row(1, -0.5, 1.05), row(2, -1.2, 1)], 3, null).beyondSafe).toEqual([
      0, 1
    ])
    expect(beyondSafeRange(-1.2, 1.0)).toBe(false)
    expect(beyondSafeRange(-1.21, 1.0)).toBe(true)
  })
})

describe('calibrationSaveRequest', () => {
  it('carries the ranges, the sweep and a confirmed override with its reason', () => {
    const rows = mergeSweep([], sweep)
    const request = calibrationSaveRequest({
      profileId: 1,
      rows,
      notes: 'after cooling',
      overrideReason: 'wide device',
      measurementId: 12
    })
    expect(request).toEqual({
      profileId: 1,
      notes: 'after cooling',
      measurementId: 12,
      electrodes: [
        {
          electrode: 1,
          rangeVolts: [-0.9, 0.8],
          trialRangeVolts: [-1.2, 1],
          suggestedRangeVolts: [-0.9, 0.8],
          saturated: true
        },
        {
          electrode: 2,
          rangeVolts: [-1.1, 0.9],
          trialRangeVolts: [-1.2, 1],
          suggestedRangeVolts: [-1.1, 0.9],
          saturated: false
        }
      ],
      rangeOverride: { confirmed: true, reason: 'wide device' }
    })
  })

  it('sends no override without a reason, and refuses an incomplete range', () => {
    expect(
      calibrationSaveRequest({
        profileId: 1,
        rows: [row(0, -1, 1)],
        notes: '',
        overrideReason: null,
        measurementId: null
      })
    ).not.toHaveProperty('rangeOverride')
    expect(() =>
      calibrationSaveRequest({
        profileId: 1,
        rows: [row(3, null, 1)],
        notes: '',
        overrideReason: null,
        measurementId: null
      })
    ).toThrow(/electrode 3/)
  })
})

describe('defaultTrialRangeVolts', () => {
  it('is the safe range, narrowed to the absolute limit', () => {
    expect(defaultTrialRangeVolts([-1.6, 1.6])).toEqual([-1.2, 1])
    expect(defaultTrialRangeVolts([-0.8, 0.9])).toEqual([-0.8, 0.9])
  })
})

describe('splitSweepLegs', () => {
  it('separates the rising leg from the falling ones, each ordered by voltage', () => {
    const volts = [0, -0.5, -1, -0.5, 0, 0.5, 1, 0.5, 0]
    const nanoamps = [0, -5, -10, -6, 1, 6, 10, 5, 0]
    const { rising, falling } = splitSweepLegs(volts.map((v, i) => ({ volts: v, nanoamps: nanoamps[i] })))
    expect(rising).toEqual([
      { volts: -1, nanoamps: -10 },
      { volts: -0.5, nanoamps: -6 },
      { volts: 0, nanoamps: 1 },
      { volts: 0.5, nanoamps: 6 },
      { volts: 1, nanoamps: 10 }
    ])
    // 0 V is met at both ends of the falling legs: the mean of the two readings.
    expect(falling).toEqual([
      { volts: -0.5, nanoamps: -5 },
      { volts: 0, nanoamps: 0 },
      { volts: 0.5, nanoamps: 5 }
    ])
  })
})

describe('trialRangeProblem', () => {
  it('accepts a sweep across 0 V inside the safe range', () => {
    expect(trialRangeProblem(-1.2, 1, [-1.6, 1.6])).toBeNull()
  })

  it('refuses empty ends, a range not crossing 0 V and one past the safe range', () => {
    expect(trialRangeProblem(null, 1, null)).toMatch(/both ends/)
    expect(trialRangeProblem(0, 1, null)).toMatch(/below and above 0 V/)
    expect(trialRangeProblem(-1.3, 1, [-1.6, 1.6])).toBe('sweeps stay within -1.2 to 1 V')
    expect(trialRangeProblem(-0.9, 0.5, [-0.8, 0.8])).toBe('sweeps stay within -0.8 to 0.8 V')
  })
})

describe('roundedInwardVolts', () => {
  it('rounds to the mV toward 0 V, never widening the range', () => {
    expect(roundedInwardVolts([-0.81234, 0.67891])).toEqual([-0.812, 0.678])
    expect(roundedInwardVolts([-0.8200000000000001, 0.6000000000000001])).toEqual([-0.82, 0.6])
    expect(roundedInwardVolts([-0.0004, 0.0004])).toEqual([0, 0])
  })

  it('is what a sweep puts in the range to save', () => {
    const merged = mergeSweep([], {
      ...sweep,
      electrodes: [{ ...sweep.electrodes[0], suggestedRangeVolts: [-0.91234, 0.80009] }]
    })
    expect([merged[0].minVolts, merged[0].maxVolts]).toEqual([-0.912, 0.8])
    expect(merged[0].suggestedRangeVolts).toEqual([-0.91234, 0.80009])
  })
})
