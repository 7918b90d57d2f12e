/**
 * The instrument use case: one connection at a time, its device profile and active
 * calibration, manual tests, calibration sweeps, measurements for training and validation.
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
  CalibrationSweepElectrode,
  CalibrationSweepResult,
  DeviceProfile,
  DeviceSettings,
  DeviceStatus,
  HardwareValidation,
  InstrumentCapabilities,
  InstrumentIdentity,
  MeasurementKind,
  PortInfo,
  ValidationProgressEvent
} from '../../src-shared/ipc'
import { IN_PROCESS_SIMULATOR_PATH, SAFE_RANGE_VOLTS, deviceSettingsSchema } from '../../src-shared/ipc'
import {
  assertStreamSafe,
  buildCalibrationSweep,
  buildStreams,
  detectSaturation,
  ivCurveFromReadouts,
  readoutsToPoints,
  suggestRange,
  voltsToNanoamps,
  type StreamPlan,
  type SurrogateDefinition
} from '../core'
import {
  ConnectionUnusableError,
  InstrumentDriver,
  listSerialPorts,
  openTransport,
  type AcquisitionResult,
  type Transport
} from '../instrument/driver'
import type { DeviceRepository, MeasurementsRepository, RunsRepository } from '../store'
import {
  adcRangeNanoamps,
  channelRangesVolts,
  checkInsideAbsoluteLimit,
  checkSettingsAgainstInstrument,
  electrodeRangesVolts,
  electrodeRowsToChannelRows,
  electrodesBeyondSafeRange
} from './device-layout'
import { assertRunEnded, planValidation, ValidationRefusedError, type ValidationInputs } from './run-validation'
import type { DeviceForTraining } from './training-service'

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
  /** The run measuring on the device right now, if any: nothing may change the device under it. */
  activeDeviceRun?: () => number | null
  /** A surrogate model by id (a GD run's validation compares the device with its model). */
  surrogateFor?: (modelId: string) => SurrogateDefinition | undefined
  /** The built-in simulator, whose device model the technician can change. */
  simulator?: { readonly modelId: string; readonly modelName: string; useModel(modelId: string): void }
}

interface Connected {
  driver: InstrumentDriver
  portPath: string
  capabilities: InstrumentCapabilities
  profile: DeviceProfile
  calibration: Calibration | null
}

/** Errors that mean the link is gone or unusable (the run ends `interrupted`, resumable). */
const CONNECTION_ERROR_NAMES = new Set(['InstrumentTimeoutError', 'PortClosedError', 'ConnectionUnusableError', 'ProtocolError'])

export class DeviceService extends EventEmitter<DeviceServiceEvents> implements DeviceForTraining {
  private connected: Connected | null = null
  private state: DeviceStatus['state'] = 'disconnected'
  private portPath: string | null = null
  private error: string | null = null
  /** One instrument operation at a time (a calibration, a test, a training measurement). */
  private busy: Promise<unknown> = Promise.resolve()
  /** Set by `emergencyAbort`: the process is exiting on a fatal error; no instrument may be connected again. */
  private fatalError: string | null = null
  /** The run being validated on hardware (a capacity sweep's takes minutes on a real device). */
  private validatingRunId: number | null = null

  constructor(private readonly options: DeviceServiceOptions) {
    super()
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
    const c = this.connected
    return {
      state: this.state,
      portPath: this.portPath,
      identity: c ? { ...c.driver.identity } : null,
      capabilities: c?.capabilities ?? null,
      profile: c?.profile ?? null,
      calibration: c?.calibration ?? null,
      error: this.error,
      simulatorModelId: this.options.simulator?.modelId ?? 'demo'
    }
  }

  /** The built-in Simulated DNPU plays another surrogate from now on (a different device: its own profile). */
  async useSimulatorModel(modelId: string): Promise<DeviceStatus> {
    const simulator = this.options.simulator
    if (!simulator) throw new Error('this DNPU Lab process has no built-in simulated instrument')
    this.refuseDuringDeviceRun('change the simulated device')
    if (this.portPath === IN_PROCESS_SIMULATOR_PATH && this.connected) await this.disconnect()
    simulator.useModel(modelId)
    this.emitStatus()
    return this.status()
  }

  /**
   * Opens the port, identifies the instrument, finds its profile (created the first time),
   * applies the profile's rates and the active calibration's interlock limits.
   */
  async connect(portPath: string, baudRate = 115200): Promise<DeviceStatus> {
    if (this.fatalError) throw new Error(`cannot connect to ${portPath}: DNPU Lab is stopping after a fatal error (${this.fatalError})`)
    await this.disconnect()
    this.setState('connecting', portPath, null)
    let driver: InstrumentDriver | null = null
    try {
      const transport =
        portPath === IN_PROCESS_SIMULATOR_PATH ? await this.options.openInProcessSimulator() : await openTransport(portPath, { baudRate })
      transport.onClose((error) => this.linkClosed(driver, error))
      driver = await InstrumentDriver.connect(transport, { dacRateHz: 1000, adcRateHz: 1000, averaging: true })
      const capabilities = capabilitiesOf(driver)
      let profile = this.options.devices.profileForIdentity(driver.identity, () => defaultProfile(driver!.identity, capabilities, portPath, baudRate))
      if (profile.settings.port.path !== portPath || profile.settings.port.baudRate !== baudRate) {
        profile = this.options.devices.saveProfile(profile.id, profile.name, { ...profile.settings, port: { path: portPath, baudRate } })
      }
      const connected: Connected = { driver, portPath, capabilities, profile, calibration: null }
      await this.applyProfile(connected)
      this.connected = connected
      this.setState('connected', portPath, null)
      return this.status()
    } catch (error) {
      await driver?.close()
      this.connected = null
      this.setState('failed', portPath, `could not connect to ${portPath}: ${messageOf(error)}`)
      throw new Error(this.error!)
    }
  }

  /** Drives every output to 0 V (ABOR) and closes the port. */
  async disconnect(): Promise<DeviceStatus> {
    const c = this.connected
    this.connected = null
    if (c) await c.driver.close()
    if (c || this.state !== 'disconnected') this.setState('disconnected', null, null)
    return this.status()
  }

  /** Saves the profile; applied at once when it is the connected instrument's. */
  async saveProfile(profileId: number, name: string, settings: DeviceSettings): Promise<DeviceProfile> {
    const parsed = deviceSettingsSchema.parse(settings)
    const c = this.connected
    if (c && c.profile.id === profileId) this.refuseDuringDeviceRun('change the device profile')
    if (c && c.profile.id === profileId) checkSettingsAgainstInstrument(parsed, c.capabilities)
    const profile = this.options.devices.saveProfile(profileId, name, parsed)
    if (c && c.profile.id === profileId) {
      c.profile = profile
      await this.exclusive(() => this.applyProfile(c))
      this.emitStatus()
    }
    return profile
  }

  profiles(): DeviceProfile[] {
    return this.options.devices.listProfiles()
  }

  // ------------------------------------------------------------------------------------------
  // Calibration

  /** A calibration's range per electrode (index = electrode), or null if it is unknown or incomplete. */
  calibrationRanges(calibrationId: number): [number, number][] | null {
    const calibration = this.options.devices.getCalibration(calibrationId)
    const profile = calibration && this.options.devices.getProfile(calibration.profileId)
    if (!calibration || !profile) return null
    try {
      return electrodeRangesVolts(profile.settings, calibration)
    } catch {
      return null
    }
  }

  calibrations(profileId: number): Calibration[] {
    return this.options.devices.listCalibrations(profileId)
  }

  /**
   * IV sweep of each electrode (0 -> min -> max -> 0, the others at 0 V) within its trial
   * range; stores the sweep as a measurement and suggests a usable range per electrode. The
   * calibration itself changes only when the technician saves.
   */
  async runCalibration(request: { electrodes?: number[]; pointsPerLeg: number; trialRangesVolts?: [number, number][] }): Promise<CalibrationSweepResult> {
    this.refuseDuringDeviceRun('run a calibration sweep')
    return this.exclusive(async () => {
      const c = this.requireConnection('calibrate')
      const settings = c.profile.settings
      const electrodeCount = settings.activationChannels.length
      const electrodes = request.electrodes ?? settings.activationChannels.map((_, electrode) => electrode)
      for (const electrode of electrodes) {
        if (electrode >= electrodeCount) throw new Error(`electrodes: electrode ${electrode} does not exist (the profile has electrodes 0-${electrodeCount - 1})`)
      }
      const abs = c.capabilities.absoluteLimitVolts
      const defaultTrial: [number, number] = [Math.max(abs[0], SAFE_RANGE_VOLTS[0]), Math.min(abs[1], SAFE_RANGE_VOLTS[1])]
      const results: CalibrationSweepElectrode[] = []
      const recorded = newRecorded()
      try {
        for (const [index, electrode] of electrodes.entries()) {
          const trial = request.trialRangesVolts?.[electrode] ?? defaultTrial
          if (electrodesBeyondSafeRange([{ electrode, rangeVolts: trial }]).length > 0) {
            throw new Error(
              `trialRangesVolts: electrode ${electrode}'s trial range [${trial[0]}, ${trial[1]}] V goes beyond [${SAFE_RANGE_VOLTS[0]}, ${SAFE_RANGE_VOLTS[1]}] V; sweep within it, then widen the saved range with a confirmed override if the device needs it`
            )
          }
          checkInsideAbsoluteLimit([{ electrode, rangeVolts: trial }], abs)
          const channel = settings.activationChannels[electrode]!
          const sweep = buildCalibrationSweep({
            electrode: channel,
            channelCount: c.capabilities.activationChannelCount,
            trialRangeVolts: trial,
            pointCount: request.pointsPerLeg,
            plateauLength: Math.max(1, Math.min(settings.plateauLength, 10)),
            dacRateHz: c.driver.configuration.dacRateHz,
            slewVoltsPerSecond: c.capabilities.slewVoltsPerSecond,
            maxSamplesPerChannel: c.capabilities.maxPointsPerChannel
          })
          // The interlock of the swept channel opens to the trial range for the sweep only.
          await c.driver.setLimits(channel, trial[0], trial[1])
          const ranges: [number, number][] = Array.from({ length: c.capabilities.activationChannelCount }, () => [0, 0])
          ranges[channel] = trial
          const readouts = await this.playPlan(c, sweep.plan, ranges, recorded)
          const curve = ivCurveFromReadouts(sweep, readouts, {
            readoutChannelCount: c.capabilities.readoutChannelCount,
            readoutChannel: settings.readoutChannel,
            amplification: settings.amplificationNanoampsPerVolt,
            inverted: settings.invertedOutput,
            readingsPerSample: readingsPerSample(c)
          })
          const saturation = detectSaturation(curve, c.capabilities.adcRangeVolts, settings.amplificationNanoampsPerVolt, { inverted: settings.invertedOutput })
          const suggestion = suggestRange(curve, trial, saturation)
          results.push({
            electrode,
            trialRangeVolts: trial,
            curve: curve.points.map((p) => ({ volts: p.volts, nanoamps: p.nanoamps })),
            suggestedRangeVolts: suggestion.rangeVolts,
            saturated: suggestion.saturated
          })
          this.emit('calibrationProgress', { electrode, electrodesDone: index + 1, electrodesTotal: electrodes.length })
        }
      } finally {
        // Back to the active calibration's interlock, whatever happened.
        if (c.driver.state === 'open') await this.applyLimits(c).catch(() => undefined)
      }
      const measurement = this.storeRecorded(c, 'calibration', `IV sweep of electrode${electrodes.length > 1 ? 's' : ''} ${electrodes.join(', ')}`, recorded, null, {
        shape: { plateauLength: 1, slopeLength: 0 }
      })
      return { profileId: c.profile.id, measurementId: measurement, electrodes: results }
    })
  }

  /** Saves a new calibration version (active at once) after checking it against the instrument and the safe range. */
  async saveCalibration(request: {
    profileId: number
    notes: string
    electrodes: Calibration['electrodes']
    rangeOverride?: { confirmed: true; reason: string }
    measurementId: number | null
  }): Promise<Calibration> {
    const profile = this.options.devices.getProfile(request.profileId)
    if (!profile) throw new Error(`profileId: no device profile ${request.profileId}`)
    const electrodeCount = profile.settings.activationChannels.length
    const seen = new Set<number>()
    for (const { electrode } of request.electrodes) {
      if (electrode >= electrodeCount) throw new Error(`electrodes: electrode ${electrode} does not exist (the profile has electrodes 0-${electrodeCount - 1})`)
      if (seen.has(electrode)) throw new Error(`electrodes: electrode ${electrode} is listed twice`)
      seen.add(electrode)
    }
    const c = this.connected
    if (c && c.profile.id === profile.id) {
      this.refuseDuringDeviceRun('change the calibration in force')
      checkInsideAbsoluteLimit(request.electrodes, c.capabilities.absoluteLimitVolts)
    }
    const beyond = electrodesBeyondSafeRange(request.electrodes)
    if (beyond.length > 0 && !request.rangeOverride?.confirmed) {
      throw new Error(
        `rangeOverride: electrode${beyond.length > 1 ? 's' : ''} ${beyond.join(', ')} go beyond [${SAFE_RANGE_VOLTS[0]}, ${SAFE_RANGE_VOLTS[1]}] V: confirm the override and give a reason`
      )
    }
    const calibration = this.options.devices.addCalibration({
      profileId: profile.id,
      notes: request.notes,
      electrodes: request.electrodes,
      rangeOverride: beyond.length > 0 ? { electrodes: beyond, reason: request.rangeOverride!.reason, confirmedAt: new Date().toISOString() } : null,
      measurementId: request.measurementId
    })
    await this.refreshCalibration(profile.id)
    return calibration
  }

  async activateCalibration(calibrationId: number): Promise<Calibration> {
    if (this.connected) this.refuseDuringDeviceRun('change the calibration in force')
    const calibration = this.options.devices.activateCalibration(calibrationId)
    await this.refreshCalibration(calibration.profileId)
    return calibration
  }

  // ------------------------------------------------------------------------------------------
  // Measuring

  /** Manual test: one electrode at `volts` (inside its calibrated range), read the output, back to 0 V. */
  async setDc(electrode: number, volts: number): Promise<{ electrode: number; volts: number; readoutNanoamps: number; saturated: boolean }> {
    this.refuseDuringDeviceRun('run a manual test')
    return this.exclusive(async () => {
      const c = this.requireCalibrated('run a manual test')
      const ranges = electrodeRangesVolts(c.profile.settings, c.calibration)
      const range = ranges[electrode]
      if (!range) throw new Error(`electrode: ${electrode} does not exist (the profile has electrodes 0-${ranges.length - 1})`)
      if (!(volts >= range[0] && volts <= range[1])) {
        throw new Error(`volts: ${volts} V is outside electrode ${electrode}'s calibrated range [${range[0]}, ${range[1]}] V`)
      }
      const channel = c.profile.settings.activationChannels[electrode]!
      const settings = c.profile.settings
      try {
        await c.driver.setDcVoltage(channel, volts)
        const reading = await c.driver.readDc()
        const readoutVolts = reading.readoutVolts[settings.readoutChannel]!
        return {
          electrode,
          volts,
          readoutNanoamps: voltsToNanoamps(readoutVolts, settings.amplificationNanoampsPerVolt, settings.invertedOutput),
          saturated: reading.saturated
        }
      } finally {
        if (c.driver.state === 'open') await c.driver.setDcVoltage(channel, 0).catch(() => undefined)
      }
    }).catch((error: unknown) => this.noteFailure(error))
  }

  /** Rows of activation-electrode voltages -> one current (nA) per row, plateau-averaged. */
  async measurePoints(inputsVolts: Float32Array, rowCount: number, label = 'training acquisition'): Promise<Float32Array> {
    return this.exclusive(async () => {
      const c = this.requireCalibrated('measure')
      const { outputs } = await this.measureRows(c, inputsVolts, rowCount, 'acquisition', label, null)
      return outputs
    }).catch((error: unknown) => this.noteFailure(error))
  }

  /**
   * Re-measures an ended run's result on the device at the voltages it trained with (see
   * run-validation.ts: GA best genome, GD controls on the ring test set, capacity found
   * labelings) and stores it with the run. Refused (a {@link ValidationRefusedError}, nothing
   * sent) for a running run, during a device run, without a calibration, or when any of those
   * voltages lies outside the active calibration.
   */
  async validateRun(runId: number): Promise<HardwareValidation> {
    const run = this.options.runs.getRun(runId)
    if (!run) throw new ValidationRefusedError(`runId: no run ${runId}`)
    const inputs: ValidationInputs = {
      run,
      checkpoint: run.config.algorithm === 'capacity' ? this.options.runs.getCheckpoint(runId) : null,
      model: this.options.surrogateFor?.(run.modelId),
      runCalibrationRangesVolts: run.device ? this.calibrationRanges(run.device.calibrationId) : null,
      onProgress: (event) => this.emit('validationProgress', event)
    }
    assertRunEnded(run)
    refusing(() => this.refuseDuringDeviceRun('validate on hardware'))
    if (this.validatingRunId !== null) throw new ValidationRefusedError(`cannot validate run ${runId} on hardware: run ${this.validatingRunId} is being validated; wait for it to end`)
    // Set before anything is awaited, so a device run started meanwhile is refused (trainingTarget).
    this.validatingRunId = runId
    return this.exclusive(async () => {
      const c = refusing(() => this.requireCalibrated('validate on hardware'))
      const device = {
        rangesVolts: refusing(() => electrodeRangesVolts(c.profile.settings, c.calibration)),
        calibrationName: `calibration v${c.calibration.version} of device profile "${c.profile.name}"`
      }
      const plan = planValidation(inputs, device)
      const validation = await plan.measure({
        ...device,
        measure: (rows, rowCount, label) => this.measureRows(c, rows, rowCount, 'validation', label, runId)
      })
      this.options.runs.addValidation(runId, validation)
      return validation
    })
      .catch((error: unknown) => this.noteFailure(error))
      .finally(() => (this.validatingRunId = null))
  }

  // ------------------------------------------------------------------------------------------
  // DeviceForTraining

  trainingTarget(): ReturnType<DeviceForTraining['trainingTarget']> {
    if (this.validatingRunId !== null) {
      throw new Error(`cannot train on the device while run ${this.validatingRunId} is being validated on hardware: wait for the validation to end`)
    }
    const c = this.requireCalibrated('train')
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

  isConnectionLoss(error: unknown): boolean {
    if (this.connected === null || this.connected.driver.state !== 'open') return true
    return error instanceof Error && CONNECTION_ERROR_NAMES.has(error.name)
  }

  async driveToZero(): Promise<void> {
    const c = this.connected
    if (!c || c.driver.state !== 'open') return
    await c.driver.abort().catch(() => undefined)
  }

  /**
   * Last resort for a fatal error in this process (services/last-resort.ts): from now on no
   * instrument operation runs and no instrument can be connected, and the connected one (if any)
   * is sent `ABOR`. Null when none is connected; else resolves once the ABOR bytes are handed to
   * the OS, or rejects saying why they could not be. The port is left open (closing it could drop
   * the pending write; the exiting process closes it) and nothing is emitted: the process is
   * about to exit.
   */
  emergencyAbort(reason: string): Promise<void> | null {
    this.fatalError ??= reason
    const c = this.connected
    // Forgotten first, so no disconnect, close or failure handler can close the port under the pending ABOR.
    this.connected = null
    if (!c) return null
    return c.driver.emergencyAbort(new ConnectionUnusableError(`DNPU Lab is stopping after a fatal error (${reason})`))
  }

  /** App quit: outputs to 0 V, port closed. */
  async close(): Promise<void> {
    await this.disconnect().catch(() => undefined)
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  private async measureRows(
    c: Connected & { calibration: Calibration },
    inputsVolts: Float32Array,
    rowCount: number,
    kind: MeasurementKind,
    label: string,
    runId: number | null
  ): Promise<{ outputs: Float32Array; measurementId: number }> {
    const settings = c.profile.settings
    const dacChannels = c.capabilities.activationChannelCount
    const channelRows = electrodeRowsToChannelRows(inputsVolts, rowCount, settings.activationChannels, dacChannels)
    const plan = buildStreams(channelRows, rowCount, {
      channelCount: dacChannels,
      shape: { plateauLength: settings.plateauLength, slopeLength: settings.slopeLength },
      dacRateHz: c.driver.configuration.dacRateHz,
      slewVoltsPerSecond: c.capabilities.slewVoltsPerSecond,
      maxSamplesPerChannel: c.capabilities.maxPointsPerChannel
    })
    const recorded = newRecorded()
    const readouts = await this.playPlan(c, plan, channelRangesVolts(settings, c.calibration, dacChannels), recorded)
    const readoutChannels = c.capabilities.readoutChannelCount
    const perPoint = readoutsToPoints(readouts, plan, 'average', { readoutChannelCount: readoutChannels, readingsPerSample: readingsPerSample(c) })
    const outputs = new Float32Array(rowCount)
    for (let r = 0; r < rowCount; r++) {
      outputs[r] = voltsToNanoamps(perPoint[r * readoutChannels + settings.readoutChannel]!, settings.amplificationNanoampsPerVolt, settings.invertedOutput)
    }
    const measurementId = this.storeRecorded(c, kind, label, recorded, runId, { shape: plan.shape })
    return { outputs, measurementId }
  }

  /** Checks and plays every acquisition of a plan; returns the raw readouts (volts, interleaved by readout channel). */
  private async playPlan(
    c: Connected,
    plan: StreamPlan,
    rangesVolts: [number, number][],
    recorded: Recorded
  ): Promise<Float32Array[]> {
    const limits = {
      rangesVolts,
      absoluteVolts: c.capabilities.absoluteLimitVolts,
      slewVoltsPerSecond: c.capabilities.slewVoltsPerSecond,
      dacRateHz: c.driver.configuration.dacRateHz,
      maxSamplesPerChannel: c.capabilities.maxPointsPerChannel
    }
    const readouts: Float32Array[] = []
    for (const acquisition of plan.acquisitions) {
      const result: AcquisitionResult = await c.driver.acquire(acquisition.stream, acquisition.sampleCount, {
        validate: (stream) => assertStreamSafe(stream, c.capabilities.activationChannelCount, limits)
      })
      const interleaved = interleave(result.readoutVolts)
      readouts.push(interleaved)
      recorded.inputs.push(acquisition.stream)
      recorded.readouts.push(readoutChannelNanoamps(c, result))
      recorded.masks.push(acquisition.mask)
      recorded.saturated ||= result.saturated
    }
    return readouts
  }

  /** Stores what went out (the profile's electrodes) and what came back; returns the measurement id. */
  private storeRecorded(
    c: Connected,
    kind: MeasurementKind,
    label: string,
    recorded: Recorded,
    runId: number | null,
    meta: { shape: { plateauLength: number; slopeLength: number } }
  ): number {
    const settings = c.profile.settings
    const dacChannels = c.capabilities.activationChannelCount
    const electrodes = settings.activationChannels.length
    const samples = recorded.masks.reduce((n, mask) => n + mask.length, 0)
    const inputs = new Float32Array(samples * electrodes)
    let at = 0
    for (const stream of recorded.inputs) {
      const count = stream.length / dacChannels
      for (let s = 0; s < count; s++) {
        for (let e = 0; e < electrodes; e++) inputs[(at + s) * electrodes + e] = stream[s * dacChannels + settings.activationChannels[e]!]!
      }
      at += count
    }
    const readout = concatFloat32(recorded.readouts)
    const summary = this.options.measurements.add({
      kind,
      profileId: c.profile.id,
      runId,
      label,
      dacRateHz: c.driver.configuration.dacRateHz,
      plateauLength: meta.shape.plateauLength,
      slopeLength: meta.shape.slopeLength,
      inputsVolts: inputs,
      electrodeCount: electrodes,
      readoutNanoamps: readout,
      plateauMask: recorded.masks.flat(),
      saturated: recorded.saturated,
      meta: { portPath: c.portPath, identity: c.driver.identity }
    })
    return summary.id
  }

  private async applyProfile(c: Connected): Promise<void> {
    const settings = c.profile.settings
    checkSettingsAgainstInstrument(settings, c.capabilities)
    await c.driver.configure({ dacRateHz: settings.dacRateHz, adcRateHz: settings.adcRateHz, averaging: settings.averaging })
    c.calibration = this.options.devices.activeCalibration(c.profile.id)
    await this.applyLimits(c)
  }

  /**
   * The interlock from the active calibration: each electrode's channel gets its range, unused
   * channels [0, 0]. Without a calibration every channel stays at [0, 0]: nothing can be played
   * until the device is calibrated (calibration sweeps open one channel at a time).
   */
  private async applyLimits(c: Connected): Promise<void> {
    const channels = c.capabilities.activationChannelCount
    const ranges = c.calibration ? channelRangesVolts(c.profile.settings, c.calibration, channels) : Array.from({ length: channels }, (): [number, number] => [0, 0])
    for (const [channel, [min, max]] of ranges.entries()) await c.driver.setLimits(channel, min, max)
  }

  private async refreshCalibration(profileId: number): Promise<void> {
    const c = this.connected
    if (!c || c.profile.id !== profileId) return
    c.profile = this.options.devices.getProfile(profileId)!
    c.calibration = this.options.devices.activeCalibration(profileId)
    await this.exclusive(() => this.applyLimits(c)).catch((error: unknown) => this.noteFailure(error))
    this.emitStatus()
  }

  /** Refuses to change the device (profile, calibration, manual test, sweep) while a run measures on it. */
  private refuseDuringDeviceRun(action: string): void {
    const runId = this.options.activeDeviceRun?.()
    if (runId !== null && runId !== undefined) {
      throw new Error(`cannot ${action} while run ${runId} is training on the device: stop it first or wait for it to end`)
    }
  }

  private requireConnection(action: string): Connected {
    const c = this.connected
    if (!c) {
      throw new Error(
        this.state === 'failed' && this.error
          ? `cannot ${action}: the instrument connection failed (${this.error}); reconnect in Device`
          : `cannot ${action}: no instrument is connected; connect one in Device (or with --port)`
      )
    }
    return c
  }

  private requireCalibrated(action: string): Connected & { calibration: Calibration } {
    const c = this.requireConnection(action)
    if (!c.calibration) {
      throw new Error(
        `cannot ${action}: device profile "${c.profile.name}" has no calibration; calibrate it first (Calibration view, or \`dnpu calibrate --port ${c.portPath}\`)`
      )
    }
    return c as Connected & { calibration: Calibration }
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.busy.then(run)
    this.busy = result.catch(() => undefined)
    return result
  }

  /** A failed operation that broke the link marks the connection failed (the UI offers reconnect). */
  private noteFailure(error: unknown): never {
    const c = this.connected
    if (c && c.driver.state !== 'open') {
      this.connected = null
      const reason = c.driver.failureReason?.message ?? messageOf(error)
      void c.driver.close()
      this.setState('failed', c.portPath, reason)
    }
    throw error
  }

  private linkClosed(driver: InstrumentDriver | null, error?: Error): void {
    const c = this.connected
    if (!c || c.driver !== driver) return
    this.connected = null
    this.setState('failed', c.portPath, `the instrument link closed${error ? `: ${error.message}` : ''}`)
  }

  private setState(state: DeviceStatus['state'], portPath: string | null, error: string | null): void {
    this.state = state
    this.portPath = portPath
    this.error = error
    this.emitStatus()
  }

  private emitStatus(): void {
    this.emit('status', this.status())
  }
}

/** What went out and came back during one operation, for the Waveforms view. */
interface Recorded {
  /** DAC-channel streams as sent. */
  inputs: Float32Array[]
  /** The profile's readout channel, nA per DAC sample. */
  readouts: Float32Array[]
  masks: boolean[][]
  saturated: boolean
}

function newRecorded(): Recorded {
  return { inputs: [], readouts: [], masks: [], saturated: false }
}

function capabilitiesOf(driver: InstrumentDriver): InstrumentCapabilities {
  const caps = driver.capabilities
  return {
    activationChannelCount: caps.activationChannels,
    readoutChannelCount: caps.readoutChannels,
    absoluteLimitVolts: [caps.absoluteLimit.minVolts, caps.absoluteLimit.maxVolts],
    adcRangeVolts: [caps.adcRange.minVolts, caps.adcRange.maxVolts],
    maxDacRateHz: caps.maxDacRateHz,
    maxAdcRateHz: caps.maxAdcRateHz,
    maxPointsPerChannel: caps.maxPointsPerChannel,
    slewVoltsPerSecond: caps.slewVoltsPerSecond
  }
}

/** A new instrument's profile: every DAC channel an electrode, readout 0, the instrument's power-on rates. */
function defaultProfile(identity: InstrumentIdentity, capabilities: InstrumentCapabilities, path: string, baudRate: number): { name: string; settings: DeviceSettings } {
  return {
    name: `${identity.model} ${identity.serial}`,
    settings: {
      port: { path, baudRate },
      activationChannels: Array.from({ length: capabilities.activationChannelCount }, (_, channel) => channel),
      readoutChannel: 0,
      // The demo device's amplifier; a real setup enters its own in the profile.
      amplificationNanoampsPerVolt: 28.5,
      invertedOutput: false,
      dacRateHz: Math.min(1000, capabilities.maxDacRateHz),
      adcRateHz: Math.min(1000, capabilities.maxDacRateHz),
      averaging: true,
      plateauLength: 10,
      slopeLength: 5
    }
  }
}

function readingsPerSample(c: Connected): number {
  const config = c.driver.configuration
  return config.averaging ? 1 : config.adcRateHz / config.dacRateHz
}

/** The readout channel of the profile, one value per DAC sample (oversampled readings averaged), in nA. */
function readoutChannelNanoamps(c: Connected, result: AcquisitionResult): Float32Array {
  const settings = c.profile.settings
  const raw = result.readoutVolts[settings.readoutChannel]!
  const ratio = readingsPerSample(c)
  const samples = raw.length / ratio
  const out = new Float32Array(samples)
  for (let s = 0; s < samples; s++) {
    let sum = 0
    for (let k = 0; k < ratio; k++) sum += raw[s * ratio + k]!
    out[s] = voltsToNanoamps(sum / ratio, settings.amplificationNanoampsPerVolt, settings.invertedOutput)
  }
  return out
}

function interleave(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!
  const length = channels[0]?.length ?? 0
  const out = new Float32Array(length * channels.length)
  for (let i = 0; i < length; i++) for (let ch = 0; ch < channels.length; ch++) out[i * channels.length + ch] = channels[ch]![i]!
  return out
}

function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** Runs a check whose failure means the validation is refused (nothing was sent). */
function refusing<T>(check: () => T): T {
  try {
    return check()
  } catch (error) {
    throw error instanceof ValidationRefusedError ? error : new ValidationRefusedError(messageOf(error))
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
