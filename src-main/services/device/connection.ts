/**
 * The connection job: one instrument link at a time, its device profile and active calibration
 * applied at connect (rates, then the interlock), one instrument operation at a time, and what a
 * lost link leaves behind. The one instance lives inside the DeviceGate (device-gate.ts): whoever
 * holds it can drive the instrument, so nothing outside the gate ever gets it unguarded.
 */
import type {
  Calibration,
  DeviceProfile,
  DeviceSettings,
  DeviceStatus,
  InstrumentCapabilities,
  InstrumentIdentity
} from '../../../src-shared/ipc'
import { IN_PROCESS_SIMULATOR_PATH } from '../../../src-shared/ipc'
import { ConnectionUnusableError, InstrumentDriver, openTransport, type Transport } from '../../instrument/driver'
import type { DeviceRepository } from '../../store'
import { channelRangesVolts, checkSettingsAgainstInstrument } from './layout'

/** The connected instrument: its driver (the only way to change it), profile and active calibration. */
export interface Connected {
  driver: InstrumentDriver
  portPath: string
  capabilities: InstrumentCapabilities
  profile: DeviceProfile
  calibration: Calibration | null
}

export type Calibrated = Connected & { calibration: Calibration }

/** The connection's state as DeviceStatus reports it (the simulator's model is the service's to add). */
export type InstrumentConnectionStatus = Omit<DeviceStatus, 'simulatorModelId'>

export interface ConnectionOptions {
  devices: DeviceRepository
  /** A fresh link to the built-in simulated instrument (the default device on first launch). */
  openInProcessSimulator: () => Promise<Transport>
  /** Called after every change of the state, profile or calibration (the service emits `status`). */
  onStatusChange: () => void
}

/** Errors that mean the link is gone or unusable (the run ends `interrupted`, resumable). */
const CONNECTION_ERROR_NAMES = new Set([
  'InstrumentTimeoutError',
  'PortClosedError',
  'ConnectionUnusableError',
  'ProtocolError'
])

export class InstrumentConnection {
  private connected: Connected | null = null
  private state: DeviceStatus['state'] = 'disconnected'
  private portPath: string | null = null
  private error: string | null = null
  /** One instrument operation at a time (a calibration, a test, a training measurement). */
  private busy: Promise<unknown> = Promise.resolve()
  /** Set by `emergencyAbort`: the process is exiting on a fatal error; no instrument may be connected again. */
  private fatalError: string | null = null

  constructor(private readonly options: ConnectionOptions) {}

  status(): InstrumentConnectionStatus {
    const c = this.connected
    return {
      state: this.state,
      portPath: this.portPath,
      identity: c ? { ...c.driver.identity } : null,
      capabilities: c?.capabilities ?? null,
      profile: c?.profile ?? null,
      calibration: c?.calibration ?? null,
      error: this.error
    }
  }

  /** The connected instrument, or null. */
  current(): Connected | null {
    return this.connected
  }

  /**
   * Opens the port, identifies the instrument, finds its profile (created the first time),
   * applies the profile's rates and the active calibration's interlock limits.
   */
  async connect(portPath: string, baudRate: number): Promise<void> {
    if (this.fatalError)
      throw new Error(`cannot connect to ${portPath}: DNPU Lab is stopping after a fatal error (${this.fatalError})`)
    await this.disconnect()
    this.setState('connecting', portPath, null)
    let driver: InstrumentDriver | null = null
    try {
      const transport =
        portPath === IN_PROCESS_SIMULATOR_PATH
          ? await this.options.openInProcessSimulator()
          : await openTransport(portPath, { baudRate })
      transport.onClose((error) => this.linkClosed(driver, error))
      driver = await InstrumentDriver.connect(transport, { dacRateHz: 1000, adcRateHz: 1000, averaging: true })
      const capabilities = capabilitiesOf(driver)
      const devices = this.options.devices
      let profile = devices.profileForIdentity(driver.identity, () =>
        defaultProfile(driver!.identity, capabilities, portPath, baudRate)
      )
      if (profile.settings.port.path !== portPath || profile.settings.port.baudRate !== baudRate) {
        profile = devices.saveProfile(profile.id, profile.name, {
          ...profile.settings,
          port: { path: portPath, baudRate }
        })
      }
      const connected: Connected = { driver, portPath, capabilities, profile, calibration: null }
      await this.applyProfile(connected)
      this.connected = connected
      this.setState('connected', portPath, null)
    } catch (error) {
      await driver?.close()
      this.connected = null
      this.setState('failed', portPath, `could not connect to ${portPath}: ${messageOf(error)}`)
      throw new Error(this.error!)
    }
  }

  /** Drives every output to 0 V (ABOR) and closes the port. */
  async disconnect(): Promise<void> {
    const c = this.connected
    this.connected = null
    if (c) await c.driver.close()
    if (c || this.state !== 'disconnected') this.setState('disconnected', null, null)
  }

  /** Configures the rates and averaging of `c.profile`, then the interlock from its active calibration. */
  async applyProfile(c: Connected): Promise<void> {
    const settings = c.profile.settings
    checkSettingsAgainstInstrument(settings, c.capabilities)
    await c.driver.configure({
      dacRateHz: settings.dacRateHz,
      adcRateHz: settings.adcRateHz,
      averaging: settings.averaging
    })
    c.calibration = this.options.devices.activeCalibration(c.profile.id)
    await this.applyLimits(c)
  }

  /**
   * The interlock from the active calibration: each electrode's channel gets its range, unused
   * channels [0, 0]. Without a calibration every channel stays at [0, 0]: nothing can be played
   * until the device is calibrated (calibration sweeps open one channel at a time).
   */
  async applyLimits(c: Connected): Promise<void> {
    const channels = c.capabilities.activationChannelCount
    const ranges = c.calibration
      ? channelRangesVolts(c.profile.settings, c.calibration, channels)
      : Array.from({ length: channels }, (): [number, number] => [0, 0])
    for (const [channel, [min, max]] of ranges.entries()) await c.driver.setLimits(channel, min, max)
  }

  /** After a calibration of `profileId` was saved or activated: the connected instrument's interlock follows it. */
  async refreshCalibration(profileId: number): Promise<void> {
    const c = this.connected
    if (!c || c.profile.id !== profileId) return
    c.profile = this.options.devices.getProfile(profileId)!
    c.calibration = this.options.devices.activeCalibration(profileId)
    await this.exclusive(() => this.applyLimits(c)).catch((error: unknown) => this.noteFailure(error))
    this.options.onStatusChange()
  }

  requireConnection(action: string): Connected {
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

  requireCalibrated(action: string): Calibrated {
    const c = this.requireConnection(action)
    if (!c.calibration) {
      throw new Error(
        `cannot ${action}: device profile "${c.profile.name}" has no calibration; calibrate it first (Calibration view, or \`dnpu calibrate --port ${c.portPath}\`)`
      )
    }
    return c as Calibrated
  }

  /** Runs `operation` once every instrument operation queued before it has ended. */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.busy.then(operation)
    this.busy = result.catch(() => undefined)
    return result
  }

  /** A failed operation that broke the link marks the connection failed (the UI offers reconnect). */
  noteFailure(error: unknown): never {
    const c = this.connected
    if (c && c.driver.state !== 'open') {
      this.connected = null
      const reason = c.driver.failureReason?.message ?? messageOf(error)
      void c.driver.close()
      this.setState('failed', c.portPath, reason)
    }
    throw error
  }

  isConnectionLoss(error: unknown): boolean {
    if (this.connected === null || this.connected.driver.state !== 'open') return true
    return error instanceof Error && CONNECTION_ERROR_NAMES.has(error.name)
  }

  /** Every output to 0 V (ABOR); never throws. */
  async driveToZero(): Promise<void> {
    const c = this.connected
    if (!c || c.driver.state !== 'open') return
    await c.driver.abort().catch(() => undefined)
  }

  /**
   * Last resort for a fatal error in this process (services/last-resort.ts): from now on no
   * instrument can be connected, and the connected one (if any) is sent `ABOR`. Null when none
   * is connected; else resolves once the ABOR bytes are handed to the OS, or rejects saying why
   * they could not be. The port is left open (closing it could drop the pending write; the
   * exiting process closes it) and nothing is emitted: the process is about to exit.
   */
  emergencyAbort(reason: string): Promise<void> | null {
    this.fatalError ??= reason
    const c = this.connected
    // Forgotten first, so no disconnect, close or failure handler can close the port under the pending ABOR.
    this.connected = null
    if (!c) return null
    return c.driver.emergencyAbort(new ConnectionUnusableError(`DNPU Lab is stopping after a fatal error (${reason})`))
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
    this.options.onStatusChange()
  }
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
function defaultProfile(
  identity: InstrumentIdentity,
  capabilities: InstrumentCapabilities,
  path: string,
  baudRate: number
): { name: string; settings: DeviceSettings } {
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

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
