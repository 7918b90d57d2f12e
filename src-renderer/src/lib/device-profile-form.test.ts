import { describe, expect, it } from 'vitest'
import type { DeviceProfile } from '../../../src-shared/ipc'
import { SIMULATED_CAPABILITIES } from './__fixtures__/simulated-instrument'
import { checkProfileForm, profileFormFrom, samplesToMs } from './device-profile-form'

const profile: Pick<DeviceProfile, 'name' | 'settings'> = {
  name: 'DNPU-SIM SIM0001',
  settings: {
    port: { path: 'sim://in-process', baudRate: 115200 },
    activationChannels: [0, 1, 2, 3, 4, 5, 6],
    readoutChannel: 0,
    amplificationNanoampsPerVolt: 28.5,
    invertedOutput: false,
    dacRateHz: 1000,
    adcRateHz: 1000,
    averaging: true,
    plateauLength: 80,
    slopeLength: 20
  }
}

const capabilities = SIMULATED_CAPABILITIES

describe('checkProfileForm', () => {
  it('gives back the stored settings unchanged', () => {
    const check = checkProfileForm(profileFormFrom(profile), capabilities)
    expect(check.errors).toEqual({})
    expect(check.request).toEqual({ name: profile.name, settings: profile.settings })
  })

  it('names an empty field as required and a shared DAC channel', () => {
    const form = { ...profileFormFrom(profile), plateauLength: null, activationChannels: [0, 1, 1] }
    const check = checkProfileForm(form, capabilities)
    expect(check.request).toBeNull()
    expect(check.errors.plateauLength).toBe('required')
    expect(check.errors['activationChannels.2']).toBe(
      'DAC channel 1 already drives electrode 1: each electrode needs its own'
    )
    expect(
      checkProfileForm({ ...profileFormFrom(profile), activationChannels: [0, 1, 1] }, null).errors.activationChannels
    ).toMatch(/its own DAC channel/)
  })

  it('checks channels and rates against what the instrument has', () => {
    const form = {
      ...profileFormFrom(profile),
      activationChannels: [0, 9],
      readoutChannel: 1,
      dacRateHz: 60000,
      adcRateHz: 60000
    }
    const { errors } = checkProfileForm(form, capabilities)
    expect(errors['activationChannels.1']).toMatch(/DAC channels 0 to 6/)
    expect(errors.readoutChannel).toMatch(/ADC channels 0 to 0/)
    expect(errors.dacRateHz).toMatch(/at most 50000 Hz/)
  })

  it('refuses an ADC rate that is not a whole multiple of the DAC rate', () => {
    const { errors } = checkProfileForm({ ...profileFormFrom(profile), adcRateHz: 1500 }, capabilities)
    expect(errors.adcRateHz).toMatch(/whole multiple of the DAC rate \(1000 Hz\)/)
    expect(checkProfileForm({ ...profileFormFrom(profile), adcRateHz: 3000 }, capabilities).errors).toEqual({})
  })

  it('maps a port path error onto the port field and needs a name', () => {
    const { errors } = checkProfileForm({ ...profileFormFrom(profile), portPath: ' ', name: '' }, null)
    expect(errors.portPath).toMatch(/port path/)
    expect(errors.name).toMatch(/name/)
  })
})

describe('samplesToMs', () => {
  it('converts samples at the DAC rate, or gives null without a rate', () => {
    expect(samplesToMs(80, 1000)).toBe(80)
    expect(samplesToMs(80, null)).toBeNull()
  })
})
