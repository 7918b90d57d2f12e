/**
 * The instrument use case, one facade over its jobs: the connection (connection.ts), profiles
 * and calibrations (profiles-and-calibrations.ts), measuring (measurement.ts) and validation on
 * the device (validation-bridge.ts). All of them reach the instrument through one DeviceGate
 * (device-gate.ts): a run on the device holds its lease, and while it does every other change of
 * the device is refused, by construction rather than by a check each operation must remember.
 *
 * Safety (README.md "Safety and failure modes"): every stream is checked against the active
 * calibration, the absolute limit, 0 V at both ends and the slew limit before the driver sends
 * it (the instrument's interlock, set from the same calibration at connect, is the second
 * line); every ending drives the outputs to 0 V.
 */
import { EventEmitter } from 'node:events'
import type {
  Calibration,
  CalibrationProgressEvent,
  CalibrationSweepResult,
  DeviceProfile,
  DeviceSettings,
  DeviceStatus,
  DeviceValidation,
  PortInfo,
  ValidationProgressEvent
} from '../../../src-shared/ipc'
import { IN_PROCESS_SIMULATOR_PATH } from '../../../src-shared/ipc'
import type { SurrogateDefinition } from '../../core'
import { listSerialPorts, type Transport } from '../../instrument/driver'
import type { DeviceRepository, MeasurementsRepository, RunsRepository } from '../../store'
import { adcRangeNanoamps, electrodeRangesVolts } from './layout'
import type { DeviceForTraining, DeviceLease } from '../training-service'
import type { InstrumentConnection } from './connection'
import { DeviceGate, type GateHold } from './device-gate'
import { DeviceMeasurement, type DcReading } from './measurement'
import {
  ProfilesAndCalibrations,
  type CalibrationSweepRequest,
  type SaveCalibrationRequest
} from './profiles-and-calibrations'
import { ValidationBridge } from './validation-bridge'
import { playElectrodeRows, samplingTargetOf, type RawReadout, type SamplingTarget } from './raw-stream'

export type { RawReadout, SamplingTarget } from './raw-stream'

/**
 * The device held by one sampling session (DeviceService.holdForSampling): what a
 * SamplingService plays on, through the hold rather than the shared door, plus the hold itself.
 */
export interface SamplingHold {
  samplingTarget(): SamplingTarget
  playSamplingChunk(calibrationId: number, electrodeRows: Float32Array, rowCount: number): Promise<RawReadout>
  isConnectionLoss(error: unknown): boolean
  /** What refusals name, e.g. `sampling dataset 3` once the dataset exists. */
  relabel(doing: string): void
  /** Frees the device, outputs to 0 V (ABOR); never throws. */
  release(): Promise<void>
}

/** The connected, calibrated device as a job outside a run sees it (withCalibratedDevice). */
export interface CalibratedDeviceJob {
  profileId: number
  calibrationId: number
  /** Names the calibration in messages, e.g. `calibration v2 of device profile "Bench"`. */
  calibrationName: string
  /** The active calibration's range per activation electrode (index = electrode). */
  rangesVolts: [number, number][]
  /** Rows of activation voltages (electrode order) -> one current (nA) per row, through the checked path. */
  measure(inputsVolts: Float32Array, rowCount: number, label: string): Promise<Float32Array>
}

export interface DeviceServiceEvents {
  status: [DeviceStatus]
  calibrationProgress: [CalibrationProgressEvent]
  validationProgress: [ValidationProgressEvent]
}

export interface DeviceServiceOptions {
  devices: DeviceRepository
  measurements: MeasurementsRepository
  runs: RunsRepository
  /** A fresh link to the built-in simulated instrument (the default device on first launch). */
  openInProcessSimulator: () => Promise<Transport>
  /** A surrogate model by id (a GD run's validation compares the device with its model). */
  surrogateFor?: (modelId: string) => SurrogateDefinition | undefined
  /** The built-in simulator, whose device model the technician can change. */
  simulator?: { readonly modelId: string; readonly modelName: string; useModel(modelId: string): void }
}

export class DeviceService extends EventEmitter<DeviceServiceEvents> implements DeviceForTraining {
  private readonly gate: DeviceGate
  private readonly measuring: DeviceMeasurement
  private readonly setup: ProfilesAndCalibrations
  private readonly validation: ValidationBridge
  /** What a job holding the device (withCalibratedDevice) is doing, or null: no run may start meanwhile. */
  private deviceJob: string | null = null
  /** Calibration sweeps in progress (a sampling session may not start during one). */
  private calibrationSweeps = 0

  constructor(private readonly options: DeviceServiceOptions) {
    super()
    const emitStatus = () => this.emit('status', this.status())
    this.gate = new DeviceGate({
      devices: options.devices,
      openInProcessSimulator: options.openInProcessSimulator,
      onStatusChange: emitStatus
    })
    this.measuring = new DeviceMeasurement(options.measurements)
    this.setup = new ProfilesAndCalibrations({
      gate: this.gate,
      devices: options.devices,
      measuring: this.measuring,
      onCalibrationProgress: (event) => this.emit('calibrationProgress', event),
      onStatusChange: emitStatus
    })
    this.validation = new ValidationBridge({
      gate: this.gate,
      runs: options.runs,
      measuring: this.measuring,
      surrogateFor: options.surrogateFor,
      calibrationRanges: (calibrationId) => this.setup.calibrationRanges(calibrationId),
      onProgress: (event) => this.emit('validationProgress', event)
    })
  }

  // ------------------------------------------------------------------------------------------
  // Connection

  async ports(): Promise<PortInfo[]> {
    const builtIn: PortInfo = {
      path: IN_PROCESS_SIMULATOR_PATH,
      label: `Simulated DNPU (built in)${this.options.simulator ? ` — ${this.options.simulator.modelName}` : ''}`,
      manufacturer: 'DNPU Lab',
      serialNumber: null,
      vendorId: null,
      productId: null
    }
    const serial = await listSerialPorts().catch(() => [])
    return [
      builtIn,
      ...serial.map((port) => ({
        path: port.path,
        label: [port.path, port.manufacturer].filter(Boolean).join(' — '),
        manufacturer: port.manufacturer ?? null,
        serialNumber: port.serialNumber ?? null,
        vendorId: port.vendorId ?? null,
        productId: port.productId ?? null
      }))
    ]
  }

  status(): DeviceStatus {
    return { ...this.gate.status(), simulatorModelId: this.options.simulator?.modelId ?? 'demo' }
  }

  /** The built-in Simulated DNPU plays another surrogate from now on (a different device: its own profile). */
  async useSimulatorModel(modelId: string): Promise<DeviceStatus> {
    const simulator = this.options.simulator
    if (!simulator) throw new Error('this DNPU Lab process has no built-in simulated instrument')
    return this.gate.withExclusiveDevice('change the simulated device', async (connection) => {
      if (connection.status().portPath === IN_PROCESS_SIMULATOR_PATH && connection.current())
        await connection.disconnect()
      simulator.useModel(modelId)
      this.emit('status', this.status())
      return this.status()
    })
  }

  /**
   * Opens the port, identifies the instrument, finds its profile (created the first time),
   * applies the profile's rates and the active calibration's interlock limits.
   */
  async connect(portPath: string, baudRate = 115200): Promise<DeviceStatus> {
    await this.gate.withExclusiveDevice('connect an instrument', (connection) => connection.connect(portPath, baudRate))
    return this.status()
  }

  /** Drives every output to 0 V (ABOR) and closes the port. */
  async disconnect(): Promise<DeviceStatus> {
    await this.gate.withExclusiveDevice('disconnect the instrument', (connection) => connection.disconnect())
    return this.status()
  }

  // ------------------------------------------------------------------------------------------
  // Profiles and calibrations

  profiles(): DeviceProfile[] {
    return this.setup.profiles()
  }

  calibrations(profileId: number): Calibration[] {
    return this.setup.calibrations(profileId)
  }

  /** A calibration's range per electrode (index = electrode), or null if it is unknown or incomplete. */
  calibrationRanges(calibrationId: number): [number, number][] | null {
    return this.setup.calibrationRanges(calibrationId)
  }

  /** Saves the profile; applied at once when it is the connected instrument's. */
  saveProfile(profileId: number, name: string, settings: DeviceSettings): Promise<DeviceProfile> {
    return this.setup.saveProfile(profileId, name, settings)
  }

  /** IV sweeps, stored as a measurement, with a suggested range per electrode (saved only by saveCalibration). */
  async runCalibration(request: CalibrationSweepRequest): Promise<CalibrationSweepResult> {
    this.calibrationSweeps++
    try {
      return await this.setup.runCalibration(request)
    } finally {
      this.calibrationSweeps--
    }
  }

  /** Saves a new calibration version (active at once) after checking it against the instrument and the safe range. */
  saveCalibration(request: SaveCalibrationRequest): Promise<Calibration> {
    return this.setup.saveCalibration(request)
  }

  activateCalibration(calibrationId: number): Promise<Calibration> {
    return this.setup.activateCalibration(calibrationId)
  }

  // ------------------------------------------------------------------------------------------
  // Measuring

  /** Manual test: one electrode at `volts` (inside its calibrated range), read the output, back to 0 V. */
  async setDc(electrode: number, volts: number): Promise<DcReading> {
    return this.gate.withExclusiveDevice('run a manual test', (connection) =>
      connection
        .exclusive(() => this.measuring.setDc(connection.requireCalibrated('run a manual test'), electrode, volts))
        .catch((error: unknown) => connection.noteFailure(error))
    )
  }

  /** Rows of activation-electrode voltages -> one current (nA) per row, plateau-averaged (outside a run; a run measures through its lease). */
  async measurePoints(
    inputsVolts: Float32Array,
    rowCount: number,
    label = 'training acquisition'
  ): Promise<Float32Array> {
    return this.gate.withExclusiveDevice('measure', (connection) =>
      this.measurePointsOn(connection, inputsVolts, rowCount, label)
    )
  }

  /**
   * Holds the connected, calibrated device for one job outside a run (a model check): refused
   * while a run holds the lease; while the job runs no run may start on the device and every
   * other operation waits its turn. The job sees the active calibration and measures through the
   * same checked path as everything else (stored as an acquisition measurement).
   */
  async withCalibratedDevice<T>(action: string, job: (device: CalibratedDeviceJob) => Promise<T>): Promise<T> {
    return this.gate.withExclusiveDevice(action, (connection) => {
      if (this.deviceJob !== null) throw new Error(`cannot ${action}: the device is busy (${this.deviceJob})`)
      // Set before anything is awaited, so a device run started meanwhile is refused.
      this.deviceJob = action
      return connection
        .exclusive(() => {
          const c = connection.requireCalibrated(action)
          return job({
            profileId: c.profile.id,
            calibrationId: c.calibration.id,
            calibrationName: `calibration v${c.calibration.version} of device profile "${c.profile.name}"`,
            rangesVolts: electrodeRangesVolts(c.profile.settings, c.calibration),
            measure: async (inputsVolts, rowCount, label) =>
              (await this.measuring.measureRows(c, inputsVolts, rowCount, 'acquisition', label, null)).outputs
          })
        })
        .catch((error: unknown) => connection.noteFailure(error))
        .finally(() => (this.deviceJob = null))
    })
  }

  /** Re-measures an ended run's result on the device and stores it with the run (validation-bridge.ts). */
  validateRun(runId: number): Promise<DeviceValidation> {
    return this.validation.validateRun(runId)
  }

  // ------------------------------------------------------------------------------------------
  // Sampling (a surrogate's dataset: services/sampling-service.ts)

  /** The connected, calibrated device a sampling session plays on, or the refusal saying what is missing. */
  samplingTarget(): SamplingTarget {
    return samplingTargetOf(this.gate.calibratedDevice('sample the device'))
  }

  /**
   * Plays one stream of electrode rows as it is (checked like every stream) and returns each
   * sample's reading; refused if the active calibration is no longer `calibrationId`.
   */
  async playSamplingChunk(calibrationId: number, electrodeRows: Float32Array, rowCount: number): Promise<RawReadout> {
    return this.gate.withExclusiveDevice('sample the device', (connection) =>
      this.playSamplingChunkOn(connection, calibrationId, electrodeRows, rowCount)
    )
  }

  private playSamplingChunkOn(
    connection: InstrumentConnection,
    calibrationId: number,
    electrodeRows: Float32Array,
    rowCount: number
  ): Promise<RawReadout> {
    return connection
      .exclusive(() => {
        const c = connection.requireCalibrated('sample the device')
        if (c.calibration.id !== calibrationId) {
          throw new Error(
            `cannot sample the device: the active calibration is now ${c.calibration.id}, the session was started with ${calibrationId}`
          )
        }
        return playElectrodeRows(c, electrodeRows, rowCount)
      })
      .catch((error: unknown) => connection.noteFailure(error))
  }

  /**
   * Why a sampling session cannot start now (a run, a calibration sweep, a validation, a model
   * check or another session holds the device), or null when nothing does.
   */
  samplingBusyReason(): string | null {
    const holder = this.gate.holderLabel()
    if (holder !== null) return holder
    if (this.calibrationSweeps > 0) return 'a calibration sweep is running on the device'
    if (this.deviceJob !== null) return `the device is busy (${this.deviceJob})`
    try {
      this.validation.refuseTrainingWhileValidating()
    } catch {
      return 'a run is being validated on the device'
    }
    return null
  }

  /**
   * Holds the device for one sampling session, labelled `doing` (`sampling dataset 3`): until
   * the hold is released no run, calibration, check or other change may use the device, and
   * their refusals name the session. Refused while anything else holds or uses the device.
   */
  holdForSampling(doing: string): SamplingHold {
    const busy = this.samplingBusyReason()
    if (busy !== null) throw new Error(`cannot sample the device: ${busy}; wait for it to end`)
    const held: GateHold = this.gate.hold(doing)
    return {
      samplingTarget: () => this.samplingTarget(),
      playSamplingChunk: (calibrationId, electrodeRows, rowCount) =>
        held.use((connection) => this.playSamplingChunkOn(connection, calibrationId, electrodeRows, rowCount)),
      isConnectionLoss: (error) => this.gate.isConnectionLoss(error),
      relabel: (label) => held.relabel(label),
      release: () => held.release()
    }
  }

  /** The error means the link is gone (a sampling session ends `interrupted`, resumable). */
  isConnectionLoss(error: unknown): boolean {
    return this.gate.isConnectionLoss(error)
  }

  // ------------------------------------------------------------------------------------------
  // DeviceForTraining

  trainingTarget(): ReturnType<DeviceForTraining['trainingTarget']> {
    this.validation.refuseTrainingWhileValidating()
    this.refuseTrainingDuringJob()
    const c = this.gate.calibratedDevice('train')
    return {
      profileId: c.profile.id,
      calibrationId: c.calibration.id,
      spec: {
        activationElectrodeCount: c.profile.settings.activationChannels.length,
        voltageRangesVolts: electrodeRangesVolts(c.profile.settings, c.calibration),
        clippingValueNanoamps: adcRangeNanoamps(c.profile.settings, c.capabilities)
      }
    }
  }

  /**
   * Lends the instrument to run `runId`: until the lease is released, the run measures through
   * it and every other change of the device is refused.
   */
  lease(runId: number): DeviceLease {
    this.validation.refuseTrainingWhileValidating()
    this.refuseTrainingDuringJob()
    const held = this.gate.lease(runId)
    return {
      measurePoints: (inputsVolts, rowCount) =>
        held.use((connection) => this.measurePointsOn(connection, inputsVolts, rowCount, 'training acquisition')),
      isConnectionLoss: (error) => this.gate.isConnectionLoss(error),
      release: () => held.release()
    }
  }

  /** The run the device is leased to, or null. */
  leaseHolder(): number | null {
    return this.gate.leaseHolder()
  }

  /** Last resort for a fatal error in this process: see InstrumentConnection.emergencyAbort. */
  emergencyAbort(reason: string): Promise<void> | null {
    return this.gate.emergencyAbort(reason)
  }

  /** App quit (after the run has ended): outputs to 0 V, port closed. */
  async close(): Promise<void> {
    await this.gate.close()
  }

  private refuseTrainingDuringJob(): void {
    const holder = this.gate.holderLabel()
    // A run's own lease is refused by the gate (one run at a time); a job's hold is named here,
    // before the run is created.
    if (holder !== null && this.gate.leaseHolder() === null)
      throw new Error(`cannot train on the device while ${holder}: pause it first or wait for it to end`)
    if (this.deviceJob !== null)
      throw new Error(`cannot train on the device while it is busy (${this.deviceJob}): wait for it to end`)
  }

  private measurePointsOn(
    connection: InstrumentConnection,
    inputsVolts: Float32Array,
    rowCount: number,
    label: string
  ): Promise<Float32Array> {
    return connection
      .exclusive(async () => {
        const c = connection.requireCalibrated('measure')
        const { outputs } = await this.measuring.measureRows(c, inputsVolts, rowCount, 'acquisition', label, null)
        return outputs
      })
      .catch((error: unknown) => connection.noteFailure(error))
  }
}
