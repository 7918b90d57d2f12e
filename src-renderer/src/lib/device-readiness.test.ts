import { describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, type Calibration, type DeviceStatus } from '../../../src-shared/ipc'
import { SIMULATED_CAPABILITIES, SIMULATED_IDENTITY } from './__fixtures__/simulated-instrument'
import {
  allowedRangeVolts,
  electrodeCountOf,
  notCalibratedReason,
  notConnectedReason,
  withProcessor
} from './device-readiness'

const calibration: Calibration = {
  id: 3,
  profileId: 1,
  version: 2,
  createdAt: '2025-01-01T00:00:00.000Z',
  notes: '',
  electrodes: [
    { electrode: 1, rangeVolts: [-0.8, 0.6], trialRangeVolts: null, suggestedRangeVolts: null, saturated: false }
  ],
  rangeOverride: null,
  measurementId: null
}

const connected: DeviceStatus = {
  state: 'connected',
  portPath: 'sim://in-process',
  identity: SIMULATED_IDENTITY,
  capabilities: SIMULATED_CAPABILITIES,
  profile: null,
  calibration: null,
  error: null,
  simulatorModelId: 'demo'
}

describe('readiness reasons', () => {
  it('a connected device needs no reason; a calibrated one neither', () => {
    expect(notConnectedReason(connected)).toBeNull()
    expect(notCalibratedReason({ ...connected, calibration })).toBeNull()
  })

  it('says why when the device is missing, failed or uncalibrated', () => {
    expect(notConnectedReason({ ...connected, state: 'disconnected' })).toMatch(/no device is connected/)
    expect(notConnectedReason({ ...connected, state: 'failed', error: 'timeout after 2000 ms' })).toMatch(
      /failed: timeout after 2000 ms/
    )
    expect(notCalibratedReason(connected)).toMatch(/no calibration/)
    expect(notCalibratedReason({ ...connected, state: 'connecting', calibration })).toMatch(/still connecting/)
  })
})

describe('device figures', () => {
  it('uses the calibrated range of an electrode, else the absolute limit', () => {
    expect(allowedRangeVolts({ ...connected, calibration }, 1)).toEqual([-0.8, 0.6])
    expect(allowedRangeVolts({ ...connected, calibration }, 0)).toEqual([-1.6, 1.6])
    expect(allowedRangeVolts(null, 0)).toBeNull()
  })

  it('counts electrodes from the capabilities without a profile', () => {
    expect(electrodeCountOf(connected)).toBe(7)
    expect(electrodeCountOf(null)).toBe(0)
  })
})

describe('withProcessor', () => {
  const config = { ...DEFAULT_GA_CONFIG, modelId: 'demo', simulation: { noiseStdNanoamps: 2 } }

  it('on the device: asks for it and leaves the surrogate simulation out', () => {
    const sent = withProcessor(config, 'device')
    expect(sent.processor).toBe('device')
    expect(sent).not.toHaveProperty('simulation')
  })

  it('on the surrogate: keeps the simulation and sends no processor', () => {
    const sent = withProcessor({ ...config, processor: 'device' }, 'surrogate')
    expect(sent).not.toHaveProperty('processor')
    expect(sent.simulation).toEqual({ noiseStdNanoamps: 2 })
  })
})
