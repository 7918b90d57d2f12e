import { describe, expect, it } from 'vitest'
import type { MeasurementDetail } from '../../src-shared/ipc'
import { measurementCsv } from './measurement-csv'
import { MeasurementService } from './measurement-service'

const stored: MeasurementDetail = {
  id: 5,
  kind: 'acquisition',
  createdAt: '2025-01-01T00:00:00.000Z',
  profileId: 1,
  runId: null,
  label: 'electrode 2 at 0.3 V',
  samplesPerChannel: 2,
  saturated: false,
  dacRateHz: 1000,
  plateauLength: 1,
  slopeLength: 1,
  inputsVolts: [
    [0, 0.3],
    [0, 0]
  ],
  readoutNanoamps: [0.1, 4.2],
  plateauMask: [false, true],
  plateauMeansNanoamps: [4.2]
}

const service = new MeasurementService({ get: (id) => (id === stored.id ? stored : null), list: () => [] })

describe('measurement service', () => {
  it('refuses an unknown measurement, for reading and for export alike', () => {
    expect(() => service.get(6)).toThrow(new Error('measurementId: no measurement 6'))
    expect(() => service.exportCsv(6)).toThrow(new Error('measurementId: no measurement 6'))
  })

  it('exports a measurement as CSV under a name with its id', () => {
    expect(service.get(5)).toBe(stored)
    expect(service.exportCsv(5)).toEqual({ fileName: 'measurement-5.csv', csv: measurementCsv(stored) })
  })
})
