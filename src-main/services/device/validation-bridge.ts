/**
 * The validation job: re-measures an ended run's result on the device (run-validation.ts plans
 * what to play) and stores it with the run. It measures outside any lease, so it goes through
 * the DeviceGate like every other change: refused while a run trains on the device. While it
 * measures (minutes for a capacity sweep on a real device), no run may start on the device.
 */
import type { DeviceValidation, ValidationProgressEvent } from '../../../src-shared/ipc'
import type { SurrogateDefinition } from '../../core'
import type { RunsRepository } from '../../store'
import { electrodeRangesVolts } from './layout'
import { assertRunEnded, planValidation, ValidationRefusedError, type ValidationInputs } from '../run-validation'
import { serviceAlgorithmOf } from '../algorithms'
import { messageOf } from './connection'
import type { DeviceGate } from './device-gate'
import type { DeviceMeasurement } from './measurement'

export interface ValidationBridgeOptions {
  gate: DeviceGate
  runs: RunsRepository
  measuring: DeviceMeasurement
  /** A surrogate model by id (a GD run's validation compares the device with its model). */
  surrogateFor?: (modelId: string) => SurrogateDefinition | undefined
  /** The ranges of the calibration a device run trained under. */
  calibrationRanges: (calibrationId: number) => [number, number][] | null
  onProgress: (event: ValidationProgressEvent) => void
}

export class ValidationBridge {
  /** The run being validated on the device. */
  private validatingRunId: number | null = null

  constructor(private readonly options: ValidationBridgeOptions) {}

  /** Refuses a run on the device while a validation measures on it. */
  refuseTrainingWhileValidating(): void {
    if (this.validatingRunId !== null) {
      throw new Error(
        `cannot train on the device while run ${this.validatingRunId} is being validated on the device: wait for the validation to end`
      )
    }
  }

  /**
   * Re-measures an ended run's result on the device at the voltages it trained with (see
   * run-validation.ts: GA best genome, GD controls on the ring test set, capacity found
   * labelings) and stores it with the run. Refused (a {@link ValidationRefusedError}, nothing
   * sent) for a running run, during a device run, without a calibration, or when any of those
   * voltages lies outside the active calibration.
   */
  async validateRun(runId: number): Promise<DeviceValidation> {
    const { gate, runs } = this.options
    const run = runs.getRun(runId)
    if (!run) throw new ValidationRefusedError(`runId: no run ${runId}`)
    const inputs: ValidationInputs = {
      run,
      checkpoint: serviceAlgorithmOf(run.config.algorithm).validationReadsCheckpoint ? runs.getCheckpoint(runId) : null,
      model: this.options.surrogateFor?.(run.modelId),
      runCalibrationRangesVolts: run.device ? this.options.calibrationRanges(run.device.calibrationId) : null,
      onProgress: this.options.onProgress
    }
    assertRunEnded(run)
    return refusing(() =>
      gate.withExclusiveDevice('validate on the device', (connection) => {
        if (this.validatingRunId !== null) {
          throw new ValidationRefusedError(
            `cannot validate run ${runId} on the device: run ${this.validatingRunId} is being validated; wait for it to end`
          )
        }
        // Set before anything is awaited, so a device run started meanwhile is refused (refuseTrainingWhileValidating).
        this.validatingRunId = runId
        return connection
          .exclusive(async () => {
            const c = refusing(() => connection.requireCalibrated('validate on the device'))
            const device = {
              rangesVolts: refusing(() => electrodeRangesVolts(c.profile.settings, c.calibration)),
              calibrationName: `calibration v${c.calibration.version} of device profile "${c.profile.name}"`
            }
            const plan = planValidation(inputs, device)
            const validation = await plan.measure({
              ...device,
              measure: (rows, rowCount, label) =>
                this.options.measuring.measureRows(c, rows, rowCount, 'validation', label, runId)
            })
            runs.addValidation(runId, validation)
            return validation
          })
          .catch((error: unknown) => connection.noteFailure(error))
          .finally(() => (this.validatingRunId = null))
      })
    )
  }
}

/** Runs a check whose failure means the validation is refused (nothing was sent). */
function refusing<T>(check: () => T): T {
  try {
    return check()
  } catch (error) {
    throw error instanceof ValidationRefusedError ? error : new ValidationRefusedError(messageOf(error))
  }
}
