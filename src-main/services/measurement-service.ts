/**
 * Stored measurements (calibration sweeps, DC tests, validations) as the app reads them: one
 * refusal for an unknown id, and the CSV export. The CLI has no measurement commands.
 */
import type { MeasurementDetail, MeasurementSummary } from '../../src-shared/ipc'
import type { MeasurementsRepository } from '../store'
import { measurementCsv } from './measurement-csv'

export class MeasurementService {
  constructor(private readonly measurements: Pick<MeasurementsRepository, 'get' | 'list'>) {}

  /** The newest measurements first (the repository's default page). */
  list(): MeasurementSummary[] {
    return this.measurements.list()
  }

  get(measurementId: number): MeasurementDetail {
    const measurement = this.measurements.get(measurementId)
    if (!measurement) throw new Error(`measurementId: no measurement ${measurementId}`)
    return measurement
  }

  exportCsv(measurementId: number): { fileName: string; csv: string } {
    return { fileName: `measurement-${measurementId}.csv`, csv: measurementCsv(this.get(measurementId)) }
  }
}
