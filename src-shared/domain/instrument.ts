/** What an instrument says about itself, as every layer reads it. */

/** The built-in simulated instrument, running inside the app (no port, no real instrument). */
export const IN_PROCESS_SIMULATOR_PATH = 'sim://in-process'

export interface InstrumentIdentity {
  maker: string
  model: string
  serial: string
  firmware: string
}

export interface InstrumentCapabilities {
  activationChannelCount: number
  readoutChannelCount: number
  absoluteLimitVolts: [number, number]
  adcRangeVolts: [number, number]
  maxDacRateHz: number
  maxAdcRateHz: number
  maxPointsPerChannel: number
  slewVoltsPerSecond: number
}
