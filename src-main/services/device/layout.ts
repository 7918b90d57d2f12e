/**
 * How a device profile maps the DNPU's activation electrodes onto the instrument's DAC channels,
 * and the limits every stream is checked against (the safe-range rule is core's:
 * `requireRangeOverride` in core/streams/stream-safety.ts). Pure: the device service feeds it the
 * profile, the active calibration and the instrument's capabilities.
 */
import type { Calibration, DeviceSettings, InstrumentCapabilities } from '../../../src-shared/ipc'

/** Ranges per DAC channel: each electrode's calibrated range on its channel, [0, 0] (held at 0 V) on unused channels. */
export function channelRangesVolts(
  settings: DeviceSettings,
  calibration: Calibration,
  dacChannelCount: number
): [number, number][] {
  const ranges: [number, number][] = Array.from({ length: dacChannelCount }, () => [0, 0])
  electrodeRangesVolts(settings, calibration).forEach((range, electrode) => {
    ranges[settings.activationChannels[electrode]!] = range
  })
  return ranges
}

/** The calibrated range of every activation electrode, in electrode order; throws naming a missing one. */
export function electrodeRangesVolts(settings: DeviceSettings, calibration: Calibration): [number, number][] {
  return settings.activationChannels.map((_, electrode) => {
    const entry = calibration.electrodes.find((e) => e.electrode === electrode)
    if (!entry) {
      throw new Error(
        `calibration version ${calibration.version} has no range for electrode ${electrode}: calibrate that electrode and save a new version`
      )
    }
    return [entry.rangeVolts[0], entry.rangeVolts[1]]
  })
}

/** Rows of electrode voltages -> rows of DAC channel voltages (unused channels at 0 V). */
export function electrodeRowsToChannelRows(
  inputsVolts: Float32Array,
  rowCount: number,
  activationChannels: readonly number[],
  dacChannelCount: number
): Float32Array {
  const electrodes = activationChannels.length
  if (inputsVolts.length !== rowCount * electrodes) {
    throw new Error(
      `measurement input holds ${inputsVolts.length} voltages, expected ${rowCount} rows x ${electrodes} electrodes`
    )
  }
  const channelRows = new Float32Array(rowCount * dacChannelCount)
  for (let r = 0; r < rowCount; r++) {
    for (let e = 0; e < electrodes; e++)
      channelRows[r * dacChannelCount + activationChannels[e]!] = inputsVolts[r * electrodes + e]!
  }
  return channelRows
}

/** The currents the ADC can report (its range in nA): readings at these edges are saturated. */
export function adcRangeNanoamps(settings: DeviceSettings, capabilities: InstrumentCapabilities): [number, number] {
  const sign = settings.invertedOutput ? -1 : 1
  const a = capabilities.adcRangeVolts[0] * settings.amplificationNanoampsPerVolt * sign
  const b = capabilities.adcRangeVolts[1] * settings.amplificationNanoampsPerVolt * sign
  return [Math.min(a, b), Math.max(a, b)]
}

/** Checks a profile against the connected instrument: channels exist, rates are possible. */
export function checkSettingsAgainstInstrument(settings: DeviceSettings, capabilities: InstrumentCapabilities): void {
  for (const [electrode, channel] of settings.activationChannels.entries()) {
    if (channel >= capabilities.activationChannelCount) {
      throw new Error(
        `activationChannels: electrode ${electrode} is on DAC channel ${channel}, but the instrument has channels 0-${capabilities.activationChannelCount - 1}`
      )
    }
  }
  if (settings.readoutChannel >= capabilities.readoutChannelCount) {
    throw new Error(
      `readoutChannel: ${settings.readoutChannel} does not exist (the instrument has readout channels 0-${capabilities.readoutChannelCount - 1})`
    )
  }
  if (settings.dacRateHz > capabilities.maxDacRateHz) {
    throw new Error(
      `dacRateHz: ${settings.dacRateHz} Hz is above the instrument's maximum of ${capabilities.maxDacRateHz} Hz`
    )
  }
  if (settings.adcRateHz > capabilities.maxAdcRateHz) {
    throw new Error(
      `adcRateHz: ${settings.adcRateHz} Hz is above the instrument's maximum of ${capabilities.maxAdcRateHz} Hz`
    )
  }
  const ratio = settings.adcRateHz / settings.dacRateHz
  if (!Number.isInteger(ratio) || ratio < 1) {
    throw new Error(
      `adcRateHz: ${settings.adcRateHz} Hz must be a whole multiple of the DAC rate ${settings.dacRateHz} Hz`
    )
  }
}

/** Checks ranges (a calibration's, a sweep's trial) against the instrument's absolute limit, naming the first electrode beyond it. */
export function checkInsideAbsoluteLimit(
  ranges: readonly { electrode: number; rangeVolts: readonly [number, number] }[],
  absoluteLimitVolts: readonly [number, number]
): void {
  for (const { electrode, rangeVolts } of ranges) {
    if (rangeVolts[0] < absoluteLimitVolts[0] || rangeVolts[1] > absoluteLimitVolts[1]) {
      throw new Error(
        `electrode ${electrode}: range [${rangeVolts[0]}, ${rangeVolts[1]}] V goes beyond the instrument's absolute limit [${absoluteLimitVolts[0]}, ${absoluteLimitVolts[1]}] V`
      )
    }
  }
}
