/**
 * What the instrument's state allows, and why not: every control that needs the device says
 * the reason it is disabled, from here, in the same words everywhere.
 */
import type { DeviceStatus, GaTrainingConfig } from '../../../src-shared/ipc'

export type ProcessorKind = NonNullable<GaTrainingConfig['processor']>

/** Null when a device is connected; else why the controls that drive it are off. */
export function notConnectedReason(status: DeviceStatus | null): string | null {
  if (!status) return 'the device status is not known yet'
  switch (status.state) {
    case 'connected':
      return null
    case 'connecting':
      return 'the device is still connecting'
    case 'failed':
      return `the device connection failed${status.error ? `: ${status.error}` : ''}; reconnect under Device`
    default:
      return 'no device is connected: connect one under Device'
  }
}

/** Null when a device is connected and its profile has an active calibration; else why not. */
export function notCalibratedReason(status: DeviceStatus | null): string | null {
  const notConnected = notConnectedReason(status)
  if (notConnected !== null) return notConnected
  if (!status?.calibration) return 'the connected device has no calibration yet: run and save one under Calibration'
  return null
}

/** Activation electrodes of the connected device: its profile's mapping, else the instrument's DAC count. */
export function electrodeCountOf(status: DeviceStatus | null): number {
  return status?.profile?.settings.activationChannels.length ?? status?.capabilities?.activationChannelCount ?? 0
}

/**
 * Where an electrode may be driven: its calibrated range, else the instrument's absolute limit
 * (main and the instrument check again; this only keeps the form honest).
 */
export function allowedRangeVolts(status: DeviceStatus | null, electrode: number): [number, number] | null {
  const calibrated = status?.calibration?.electrodes.find((e) => e.electrode === electrode)
  if (calibrated) return calibrated.rangeVolts
  return status?.capabilities?.absoluteLimitVolts ?? null
}

/**
 * The GA config sent for the chosen processor. On the device the surrogate's simulation
 * options do not apply, so they are left out rather than silently ignored by main.
 */
export function withProcessor(config: GaTrainingConfig, processor: ProcessorKind): GaTrainingConfig {
  if (processor === 'surrogate') {
    const { processor: _dropped, ...rest } = config
    return rest
  }
  const { simulation: _ignored, ...rest } = config
  return { ...rest, processor: 'device' }
}
