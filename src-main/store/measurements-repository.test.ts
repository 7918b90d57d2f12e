import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { applyMigrations } from './migrations'
import { KEPT_ACQUISITIONS, MeasurementsRepository, plateauMeans, type NewMeasurement } from './measurements-repository'

function repository(): MeasurementsRepository {
  const db = new BetterSqlite3(':memory:')
  applyMigrations(db)
  return new MeasurementsRepository(db)
}

const twoElectrodes: NewMeasurement = {
  kind: 'acquisition',
  profileId: null,
  runId: null,
  label: 'manual test',
  dacRateHz: 1000,
  plateauLength: 2,
  slopeLength: 1,
  // electrode 0: 0, 0.5, 0.5, 0 ; electrode 1: 0, -0.25, -0.25, 0
  inputsVolts: Float32Array.of(0, 0, 0.5, -0.25, 0.5, -0.25, 0, 0),
  electrodeCount: 2,
  readoutNanoamps: Float32Array.of(0, 10, 12, 0),
  plateauMask: [false, true, true, false],
  saturated: false
}

describe('MeasurementsRepository', () => {
  it('stores the exact samples and gives them back per electrode with plateau means', () => {
    const measurements = repository()
    const { id } = measurements.add(twoElectrodes)
    const detail = measurements.get(id)!
    expect(detail.inputsVolts).toEqual([
      [0, 0.5, 0.5, 0],
      [0, -0.25, -0.25, 0]
    ])
    expect(detail.readoutNanoamps).toEqual([0, 10, 12, 0])
    expect(detail.plateauMask).toEqual([false, true, true, false])
    expect(detail.plateauMeansNanoamps).toEqual([11])
    expect(detail).toMatchObject({ kind: 'acquisition', label: 'manual test', samplesPerChannel: 4, saturated: false })
    expect(measurements.get(id + 1)).toBeNull()
  })

  it('refuses samples that do not add up', () => {
    expect(() => repository().add({ ...twoElectrodes, inputsVolts: Float32Array.of(0, 0, 0) })).toThrow(
      '3 input samples do not make 2 electrodes x 4 readings'
    )
    expect(() => repository().add({ ...twoElectrodes, plateauMask: [true] })).toThrow(
      'plateau mask has 1 entries for 4 readings'
    )
  })

  it('keeps only the newest plain acquisitions but every calibration sweep', () => {
    const measurements = repository()
    const calibration = measurements.add({ ...twoElectrodes, kind: 'calibration' })
    for (let i = 0; i < KEPT_ACQUISITIONS + 3; i++) measurements.add({ ...twoElectrodes, label: `a${i}` })
    const list = measurements.list()
    expect(list.filter((m) => m.kind === 'acquisition')).toHaveLength(KEPT_ACQUISITIONS)
    expect(list[0]?.label).toBe(`a${KEPT_ACQUISITIONS + 2}`)
    expect(list.some((m) => m.id === calibration.id)).toBe(true)
  })

  it('averages each plateau separately', () => {
    expect(plateauMeans([1, 2, 3, 9, 4, 6], [true, true, false, false, true, true])).toEqual([1.5, 5])
  })
})
