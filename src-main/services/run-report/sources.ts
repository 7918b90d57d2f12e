/** What a report reads: AppServices satisfies it (the CLI and both transports pass theirs). */
import type { Calibration, DeviceProfile } from '../../../src-shared/ipc'
import type { RunCompareSources } from '../run-compare'

export interface RunReportSources extends RunCompareSources {
  models: {
    get(modelId: string): { summary: { voltageRangesVolts: [number, number][]; name: string } } | undefined
    sourceSha256(modelId: string): string | null
  }
  /** The device a run on the instrument used: its profile's name and calibration's version. */
  device?: { profiles(): DeviceProfile[]; calibrations(profileId: number): Calibration[] }
  /** The version that writes the report (in its footer). */
  info: { version: string }
}
