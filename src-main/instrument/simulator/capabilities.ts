/** What the simulated box can do, and its power-on state (docs/instrument-protocol.md "Capabilities (queries)"). */

export interface SimulatorCapabilities {
  /** Absolute output limit of the DACs, volts. */
  absoluteLimitVolts: readonly [number, number]
  adcRangeVolts: readonly [number, number]
  dacRateMaxHz: number
  adcRateMaxHz: number
  /** Most DAC samples per channel in one acquisition. */
  maxPointsPerChannel: number
  slewVoltsPerSecond: number
}

export const DEFAULT_CAPABILITIES: SimulatorCapabilities = {
  absoluteLimitVolts: [-1.6, 1.6],
  adcRangeVolts: [-4, 4],
  dacRateMaxHz: 50_000,
  adcRateMaxHz: 100_000,
  maxPointsPerChannel: 65_536,
  slewVoltsPerSecond: 10
}

export interface InstrumentIdentity {
  maker: string
  /** Default: `DAQ-<activation channels>x<readout channels>`. */
  model?: string
  serial: string
  firmware: string
}

export const DEFAULT_IDENTITY: InstrumentIdentity = { maker: 'DNPU-SIM', serial: 'SIM0001', firmware: '1.0.0' }

/** Power-on and *RST settings. */
export const POWER_ON_DAC_RATE_HZ = 1000
export const POWER_ON_ADC_RATE_HZ = 1000
export const POWER_ON_AVERAGING = true

/** A block that stops arriving for this long is dropped with -160. */
export const BLOCK_STALL_TIMEOUT_MS = 2000

/** Throws naming the first capability that makes no sense. */
export function checkCapabilities(capabilities: SimulatorCapabilities): void {
  const [absMin, absMax] = capabilities.absoluteLimitVolts
  if (!(absMin <= 0 && absMax >= 0 && absMin < absMax))
    throw new RangeError(`absoluteLimitVolts must satisfy min <= 0 <= max, min < max, got [${absMin}, ${absMax}]`)
  const [adcMin, adcMax] = capabilities.adcRangeVolts
  if (!(adcMin < adcMax)) throw new RangeError(`adcRangeVolts must satisfy min < max, got [${adcMin}, ${adcMax}]`)
  for (const key of ['dacRateMaxHz', 'adcRateMaxHz', 'slewVoltsPerSecond'] as const) {
    if (!(Number.isFinite(capabilities[key]) && capabilities[key] > 0))
      throw new RangeError(`${key} must be a positive number, got ${capabilities[key]}`)
  }
  if (!(Number.isInteger(capabilities.maxPointsPerChannel) && capabilities.maxPointsPerChannel >= 2)) {
    throw new RangeError(`maxPointsPerChannel must be a whole number >= 2, got ${capabilities.maxPointsPerChannel}`)
  }
  if (capabilities.dacRateMaxHz < POWER_ON_DAC_RATE_HZ || capabilities.adcRateMaxHz < POWER_ON_ADC_RATE_HZ) {
    throw new RangeError(`the maximum rates must allow the power-on rates of ${POWER_ON_DAC_RATE_HZ} Hz`)
  }
}
