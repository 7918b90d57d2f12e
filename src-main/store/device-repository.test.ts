import BetterSqlite3 from 'better-sqlite3'
import { beforeEach, describe, expect, it } from 'vitest'
import type { DeviceSettings } from '../../src-shared/ipc'
import { DeviceRepository } from './device-repository'
import { applyMigrations } from './migrations'

const identity = { maker: 'DNPU-SIM', model: 'DAQ-7x1', serial: 'SIM0001', firmware: '1.0.0' }
const settings: DeviceSettings = {
  port: { path: '/dev/ttyACM0', baudRate: 115200 },
  activationChannels: [0, 1, 2, 3, 4, 5, 6],
  readoutChannel: 0,
  amplificationNanoampsPerVolt: 28.5,
  invertedOutput: false,
  dacRateHz: 1000,
  adcRateHz: 1000,
  averaging: true,
  plateauLength: 10,
  slopeLength: 5
}
const electrode = (n: number, range: [number, number]) => ({
  electrode: n,
  rangeVolts: range,
  trialRangeVolts: null,
  suggestedRangeVolts: null,
  saturated: false
})

describe('DeviceRepository', () => {
  let repository: DeviceRepository
  beforeEach(() => {
    const db = new BetterSqlite3(':memory:')
    applyMigrations(db)
    repository = new DeviceRepository(db)
  })

  it('finds the profile of a known instrument again, creating it only the first time', () => {
    let created = 0
    const defaults = () => {
      created++
      return { name: 'Sim', settings }
    }
    const first = repository.profileForIdentity(identity, defaults)
    const again = repository.profileForIdentity({ ...identity, firmware: '1.1.0' }, defaults)
    expect(created).toBe(1)
    expect(again.id).toBe(first.id)
    expect(again.identity.firmware).toBe('1.1.0')
    const other = repository.profileForIdentity({ ...identity, serial: 'SIM0002' }, defaults)
    expect(other.id).not.toBe(first.id)
    expect(repository.listProfiles().map((p) => p.id)).toEqual([first.id, other.id])
  })

  it('saves profile settings and refuses an unknown profile or an empty name', () => {
    const profile = repository.profileForIdentity(identity, () => ({ name: 'Sim', settings }))
    const saved = repository.saveProfile(profile.id, ' Bench 2 ', { ...settings, plateauLength: 40 })
    expect(saved.name).toBe('Bench 2')
    expect(repository.getProfile(profile.id)?.settings.plateauLength).toBe(40)
    expect(() => repository.saveProfile(99, 'x', settings)).toThrow('no device profile 99')
    expect(() => repository.saveProfile(profile.id, '  ', settings)).toThrow('needs a name')
  })

  it('versions calibrations per profile, activates the newest, and can go back to an older one', () => {
    const profile = repository.profileForIdentity(identity, () => ({ name: 'Sim', settings }))
    expect(repository.activeCalibration(profile.id)).toBeNull()
    const v1 = repository.addCalibration({
      profileId: profile.id,
      notes: 'first',
      electrodes: [electrode(0, [-0.5, 0.3])],
      rangeOverride: null,
      measurementId: null
    })
    const v2 = repository.addCalibration({
      profileId: profile.id,
      notes: 'second',
      electrodes: [electrode(0, [-0.6, 0.4])],
      rangeOverride: null,
      measurementId: null
    })
    expect([v1.version, v2.version]).toEqual([1, 2])
    expect(repository.activeCalibration(profile.id)?.id).toBe(v2.id)
    expect(repository.listCalibrations(profile.id).map((c) => c.version)).toEqual([2, 1])
    repository.activateCalibration(v1.id)
    expect(repository.activeCalibration(profile.id)?.electrodes[0]?.rangeVolts).toEqual([-0.5, 0.3])
    expect(() => repository.activateCalibration(404)).toThrow('no calibration 404')
    expect(() =>
      repository.addCalibration({ profileId: 404, notes: '', electrodes: [], rangeOverride: null, measurementId: null })
    ).toThrow('no device profile 404')
  })
})
