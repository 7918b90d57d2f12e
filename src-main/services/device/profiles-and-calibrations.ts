/**
 * The profiles-and-calibrations job: device profiles, calibration sweeps (IV curves and a
 * suggested range per electrode) and calibration versions. A change that reaches the connected
 * instrument goes through the DeviceGate, so it is refused while a run measures on the device;
 * one that does not (another instrument's profile) is a plain database write.
 *
 * The safe-range rule is core's (`requireRangeOverride`, `checkRangeOverride` in
 * core/streams/stream-safety.ts, with SAFE_RANGE_VOLTS from src-shared/domain/limits.ts).
 */
import type {
  Calibration,
  CalibrationProgressEvent,
  CalibrationSweepElectrode,
  CalibrationSweepResult,
  DeviceProfile,
  DeviceSettings
} from '../../../src-shared/ipc'
import { SAFE_RANGE_VOLTS, deviceSettingsSchema } from '../../../src-shared/ipc'
import {
  buildCalibrationSweep,
  checkRangeOverride,
  detectSaturation,
  ivCurveFromReadouts,
  requireRangeOverride,
  suggestRange
} from '../../core'
import type { DeviceRepository } from '../../store'
import { checkInsideAbsoluteLimit, checkSettingsAgainstInstrument, electrodeRangesVolts } from './layout'
import type { Connected, InstrumentConnection } from './connection'
import type { DeviceGate } from './device-gate'
import { newRecorded, readingsPerSample, type DeviceMeasurement } from './measurement'

export interface CalibrationSweepRequest {
  electrodes?: number[]
  pointsPerLeg: number
  trialRangesVolts?: [number, number][]
}

export interface SaveCalibrationRequest {
  profileId: number
  notes: string
  electrodes: Calibration['electrodes']
  rangeOverride?: { confirmed: true; reason: string }
  measurementId: number | null
}

export interface ProfilesAndCalibrationsOptions {
  gate: DeviceGate
  devices: DeviceRepository
  measuring: DeviceMeasurement
  onCalibrationProgress: (event: CalibrationProgressEvent) => void
  onStatusChange: () => void
}

export class ProfilesAndCalibrations {
  constructor(private readonly options: ProfilesAndCalibrationsOptions) {}

  profiles(): DeviceProfile[] {
    return this.options.devices.listProfiles()
  }

  calibrations(profileId: number): Calibration[] {
    return this.options.devices.listCalibrations(profileId)
  }

  /** A calibration's range per electrode (index = electrode), or null if it is unknown or incomplete. */
  calibrationRanges(calibrationId: number): [number, number][] | null {
    const { devices } = this.options
    const calibration = devices.getCalibration(calibrationId)
    const profile = calibration && devices.getProfile(calibration.profileId)
    if (!calibration || !profile) return null
    try {
      return electrodeRangesVolts(profile.settings, calibration)
    } catch {
      return null
    }
  }

  /** Saves the profile; applied at once when it is the connected instrument's. */
  async saveProfile(profileId: number, name: string, settings: DeviceSettings): Promise<DeviceProfile> {
    const parsed = deviceSettingsSchema.parse(settings)
    const { gate, devices } = this.options
    if (gate.connectedDevice()?.profile.id !== profileId) return devices.saveProfile(profileId, name, parsed)
    return gate.withExclusiveDevice('change the device profile', async (connection) => {
      const c = connection.requireConnection('change the device profile')
      checkSettingsAgainstInstrument(parsed, c.capabilities)
      const profile = devices.saveProfile(profileId, name, parsed)
      c.profile = profile
      await connection.exclusive(() => connection.applyProfile(c))
      this.options.onStatusChange()
      return profile
    })
  }

  /**
   * IV sweep of each electrode (0 -> min -> max -> 0, the others at 0 V) within its trial
   * range; stores the sweep as a measurement and suggests a usable range per electrode. The
   * calibration itself changes only when the technician saves.
   */
  async runCalibration(request: CalibrationSweepRequest): Promise<CalibrationSweepResult> {
    return this.options.gate.withExclusiveDevice('run a calibration sweep', (connection) =>
      connection.exclusive(() => this.sweep(connection, connection.requireConnection('calibrate'), request))
    )
  }

  /** Saves a new calibration version (active at once) after checking it against the instrument and the safe range. */
  async saveCalibration(request: SaveCalibrationRequest): Promise<Calibration> {
    const { gate, devices } = this.options
    const profile = devices.getProfile(request.profileId)
    if (!profile) throw new Error(`profileId: no device profile ${request.profileId}`)
    const electrodeCount = profile.settings.activationChannels.length
    const seen = new Set<number>()
    for (const { electrode } of request.electrodes) {
      checkElectrodeExists(electrode, electrodeCount)
      if (seen.has(electrode)) throw new Error(`electrodes: electrode ${electrode} is listed twice`)
      seen.add(electrode)
    }
    // Another instrument's calibration: nothing on the connected device changes.
    if (gate.connectedDevice()?.profile.id !== profile.id) return this.addCalibration(request)
    return gate.withExclusiveDevice('change the calibration in force', async (connection) => {
      checkInsideAbsoluteLimit(
        request.electrodes,
        connection.requireConnection('change the calibration in force').capabilities.absoluteLimitVolts
      )
      const calibration = this.addCalibration(request)
      await connection.refreshCalibration(profile.id)
      return calibration
    })
  }

  async activateCalibration(calibrationId: number): Promise<Calibration> {
    const activate = async (connection: InstrumentConnection | null): Promise<Calibration> => {
      const calibration = this.options.devices.activateCalibration(calibrationId)
      await connection?.refreshCalibration(calibration.profileId)
      return calibration
    }
    const { gate } = this.options
    return gate.connectedDevice()
      ? gate.withExclusiveDevice('change the calibration in force', activate)
      : activate(null)
  }

  private addCalibration(request: SaveCalibrationRequest): Calibration {
    const beyond = requireRangeOverride(request.electrodes, request.rangeOverride)
    return this.options.devices.addCalibration({
      profileId: request.profileId,
      notes: request.notes,
      electrodes: request.electrodes,
      rangeOverride:
        beyond.length > 0
          ? { electrodes: beyond, reason: request.rangeOverride!.reason, confirmedAt: new Date().toISOString() }
          : null,
      measurementId: request.measurementId
    })
  }

  private async sweep(
    connection: InstrumentConnection,
    c: Connected,
    request: CalibrationSweepRequest
  ): Promise<CalibrationSweepResult> {
    const { measuring } = this.options
    const settings = c.profile.settings
    const electrodeCount = settings.activationChannels.length
    const electrodes = request.electrodes ?? settings.activationChannels.map((_, electrode) => electrode)
    for (const electrode of electrodes) checkElectrodeExists(electrode, electrodeCount)
    const abs = c.capabilities.absoluteLimitVolts
    const defaultTrial: [number, number] = [
      Math.max(abs[0], SAFE_RANGE_VOLTS[0]),
      Math.min(abs[1], SAFE_RANGE_VOLTS[1])
    ]
    const results: CalibrationSweepElectrode[] = []
    const recorded = newRecorded()
    try {
      for (const [index, electrode] of electrodes.entries()) {
        const trial = request.trialRangesVolts?.[electrode] ?? defaultTrial
        if (checkRangeOverride([{ electrode, rangeVolts: trial }]).length > 0) {
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
        const readouts = await measuring.playPlan(c, sweep.plan, ranges, recorded)
        const curve = ivCurveFromReadouts(sweep, readouts, {
          readoutChannelCount: c.capabilities.readoutChannelCount,
          readoutChannel: settings.readoutChannel,
          amplification: settings.amplificationNanoampsPerVolt,
          inverted: settings.invertedOutput,
          readingsPerSample: readingsPerSample(c)
        })
        const saturation = detectSaturation(
          curve,
          c.capabilities.adcRangeVolts,
          settings.amplificationNanoampsPerVolt,
          { inverted: settings.invertedOutput }
        )
        const suggestion = suggestRange(curve, trial, saturation)
        results.push({
          electrode,
          trialRangeVolts: trial,
          curve: curve.points.map((p) => ({ volts: p.volts, nanoamps: p.nanoamps })),
          suggestedRangeVolts: suggestion.rangeVolts,
          saturated: suggestion.saturated
        })
        this.options.onCalibrationProgress({ electrode, electrodesDone: index + 1, electrodesTotal: electrodes.length })
      }
    } finally {
      // Back to the active calibration's interlock, whatever happened.
      if (c.driver.state === 'open') await connection.applyLimits(c).catch(() => undefined)
    }
    const label = `IV sweep of electrode${electrodes.length > 1 ? 's' : ''} ${electrodes.join(', ')}`
    const measurement = measuring.storeRecorded(c, 'calibration', label, recorded, null, {
      shape: { plateauLength: 1, slopeLength: 0 }
    })
    return { profileId: c.profile.id, measurementId: measurement, electrodes: results }
  }
}

function checkElectrodeExists(electrode: number, electrodeCount: number): void {
  if (electrode >= electrodeCount)
    throw new Error(
      `electrodes: electrode ${electrode} does not exist (the profile has electrodes 0-${electrodeCount - 1})`
    )
}
