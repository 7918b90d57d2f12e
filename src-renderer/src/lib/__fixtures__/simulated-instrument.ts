// Test helper: the built-in Simulated DNPU's identity and capabilities, as a connected status
// reports them.
import type { InstrumentCapabilities, InstrumentIdentity } from '../../../../src-shared/ipc'

export const SIMULATED_IDENTITY: InstrumentIdentity = { maker: 'DNPU-SIM', model: 'DAQ-7x1', serial: 'SIM0001', firmware: '1.0.0' }

export const SIMULATED_CAPABILITIES: InstrumentCapabilities = {
  activationChannelCount: 7,
  readoutChannelCount: 1,
  absoluteLimitVolts: [-1.6, 1.6],
  adcRangeVolts: [-4, 4],
  maxDacRateHz: 50000,
  maxAdcRateHz: 100000,
  maxPointsPerChannel: 65536,
  slewVoltsPerSecond: 10
}
