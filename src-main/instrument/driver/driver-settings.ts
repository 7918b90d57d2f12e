/**
 * What the host asks of the instrument and what the instrument can do: the settings, rates and
 * channel limits, the capabilities read on connect, and the host-side checks of one against the
 * other. A failed check is a `DriverInputError` and nothing is sent.
 */
import type { VoltageRange } from '../protocol/answers'

export interface ChannelLimit {
  minVolts: number
  maxVolts: number
}

export interface RateSettings {
  /** DAC update rate, Hz. */
  dacRateHz: number
  /** ADC sample rate, Hz: an integer multiple of the DAC rate. */
  adcRateHz: number
  /** ON: one reading per DAC sample (the oversampled ADC points are averaged). */
  averaging: boolean
}

export interface InstrumentSettings extends RateSettings {
  /**
   * Per activation channel limits from the active calibration, indexed by channel. A channel
   * without one gets the absolute limit, so no limit of an earlier session is left behind.
   */
  channelLimits?: ReadonlyArray<ChannelLimit | null | undefined>
  /** Timeout of an ordinary command, ms (default 2000). */
  commandTimeoutMs?: number
  /** Added to the playback and ramp time of an acquisition's `*OPC?`, ms (default 2000). */
  acquisitionMarginMs?: number
}

export interface InstrumentCapabilities {
  activationChannels: number
  readoutChannels: number
  absoluteLimit: VoltageRange
  adcRange: VoltageRange
  maxDacRateHz: number
  maxAdcRateHz: number
  maxPointsPerChannel: number
  slewVoltsPerSecond: number
}

export interface InstrumentConfiguration {
  dacRateHz: number
  adcRateHz: number
  averaging: boolean
  /** The limit in force on every activation channel. */
  channelLimits: ChannelLimit[]
}

/** A bad argument from the caller: nothing was sent to the instrument. */
export class DriverInputError extends Error {
  override name = 'DriverInputError'
}

export function checkRateShape(settings: RateSettings): void {
  for (const key of ['dacRateHz', 'adcRateHz'] as const) {
    const value = settings[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new DriverInputError(`instrument settings: ${key} must be a positive number, got ${value}`)
  }
  if (typeof settings.averaging !== 'boolean')
    throw new DriverInputError(
      `instrument settings: averaging must be true or false, got ${String(settings.averaging)}`
    )
}

export function checkSettingsShape(settings: InstrumentSettings): void {
  checkRateShape(settings)
  for (const key of ['commandTimeoutMs', 'acquisitionMarginMs'] as const) {
    const value = settings[key]
    if (value !== undefined && (!Number.isFinite(value) || value <= 0))
      throw new DriverInputError(`instrument settings: ${key} must be a positive number of ms, got ${value}`)
  }
}

/** The settings checked against what the instrument can do, with every channel's limit filled in. */
export function resolveConfiguration(
  settings: InstrumentSettings,
  caps: InstrumentCapabilities
): InstrumentConfiguration {
  checkRates(settings, caps)
  const given = settings.channelLimits ?? []
  if (given.length > caps.activationChannels) {
    throw new DriverInputError(
      `instrument settings: ${given.length} channel limits given, but the instrument has ${caps.activationChannels} activation channels`
    )
  }
  const channelLimits = Array.from({ length: caps.activationChannels }, (_, channel) => {
    const limit = given[channel]
    return limit ? checkLimit(channel, limit, caps.absoluteLimit) : { ...caps.absoluteLimit }
  })
  return { ...pickRates(settings), channelLimits }
}

export function pickRates(settings: RateSettings): RateSettings {
  return { dacRateHz: settings.dacRateHz, adcRateHz: settings.adcRateHz, averaging: settings.averaging }
}

export function checkRates({ dacRateHz, adcRateHz }: RateSettings, caps: InstrumentCapabilities): void {
  if (dacRateHz > caps.maxDacRateHz)
    throw new DriverInputError(
      `instrument settings: DAC rate ${dacRateHz} Hz exceeds the instrument's maximum ${caps.maxDacRateHz} Hz`
    )
  if (adcRateHz > caps.maxAdcRateHz)
    throw new DriverInputError(
      `instrument settings: ADC rate ${adcRateHz} Hz exceeds the instrument's maximum ${caps.maxAdcRateHz} Hz`
    )
  const ratio = adcRateHz / dacRateHz
  if (!Number.isInteger(ratio))
    throw new DriverInputError(
      `instrument settings: ADC rate ${adcRateHz} Hz must be an integer multiple of the DAC rate ${dacRateHz} Hz`
    )
}

export function checkLimit(channel: number, limit: ChannelLimit, absolute: VoltageRange): ChannelLimit {
  const { minVolts, maxVolts } = limit
  if (!Number.isFinite(minVolts) || !Number.isFinite(maxVolts))
    throw new DriverInputError(
      `limit of channel ${channel}: min and max must be finite volts, got ${minVolts}..${maxVolts}`
    )
  if (!(minVolts <= 0 && 0 <= maxVolts))
    throw new DriverInputError(`limit of channel ${channel}: needs min <= 0 <= max, got ${minVolts}..${maxVolts} V`)
  if (minVolts < absolute.minVolts || maxVolts > absolute.maxVolts) {
    throw new DriverInputError(
      `limit of channel ${channel}: ${minVolts}..${maxVolts} V is outside the absolute limit ${absolute.minVolts}..${absolute.maxVolts} V`
    )
  }
  return { minVolts, maxVolts }
}
