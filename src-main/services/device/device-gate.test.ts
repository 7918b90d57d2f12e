/**
 * The DeviceGate on its own: the lease and the one door for changes. The type-level part is
 * checked by `npm run typecheck` (tsc reads this file): each `@ts-expect-error` line is a
 * guard-free way to change the device that must not compile. Should one of them start compiling
 * (say the connection became public), tsc reports the directive as unused and typecheck fails.
 */
import { describe, expect, it } from 'vitest'
import type { DeviceRepository } from '../../store'
import type { DeviceLease } from '../training-service'
import { DeviceGate, type GateLease } from './device-gate'
import type { DeviceService } from './index'

function gate(): DeviceGate {
  return new DeviceGate({
    devices: {} as DeviceRepository,
    openInProcessSimulator: () => Promise.reject(new Error('no simulator in this test')),
    onStatusChange: () => undefined
  })
}

/** Never called: what must fail typecheck. */
export function guardFreeChangesDoNotCompile(
  device: DeviceGate,
  service: DeviceService,
  held: GateLease,
  lease: DeviceLease
): void {
  // @ts-expect-error the connection (and its driver) is private to the gate: changes go through withExclusiveDevice
  void device.connection.disconnect()
  // @ts-expect-error what is connected can be read, but the view has no driver
  void device.connectedDevice()?.driver.setDcVoltage(0, 1)
  // @ts-expect-error nor has the calibrated view
  void device.calibratedDevice('read').driver.abort()
  // @ts-expect-error the service keeps its gate private
  void service.gate.withExclusiveDevice
  // @ts-expect-error the lease a run gets measures; it has no driver either
  void lease.driver
  // @ts-expect-error nor does the gate's lease expose its connection other than through use()
  void held.connection
}

describe('DeviceGate', () => {
  it('hands the connection to a change while no run holds the device', () => {
    const device = gate()
    expect(device.leaseHolder()).toBeNull()
    expect(device.withExclusiveDevice('run a manual test', (connection) => connection.status().state)).toBe(
      'disconnected'
    )
  })

  it('refuses every change while a run holds the lease, naming the run and the change; nothing runs', () => {
    const device = gate()
    device.lease(7)
    let ran = false
    expect(() => device.withExclusiveDevice('run a manual test', () => (ran = true))).toThrow(
      'cannot run a manual test while run 7 is training on the device: stop it first or wait for it to end'
    )
    expect(ran).toBe(false)
    expect(device.leaseHolder()).toBe(7)
  })

  it('lets the holder use the device until it releases it; then changes go through again', async () => {
    const device = gate()
    const held = device.lease(7)
    expect(held.use((connection) => connection.status().state)).toBe('disconnected')
    await held.release()
    expect(device.leaseHolder()).toBeNull()
    expect(() => held.use(() => 'late')).toThrow('run 7 no longer holds the device: its lease was released')
    expect(device.withExclusiveDevice('run a manual test', () => 'free')).toBe('free')
  })

  it('lends the device to one run at a time; a stale release does not free a newer lease', async () => {
    const device = gate()
    const first = device.lease(7)
    expect(() => device.lease(8)).toThrow('cannot lend the device to run 8: run 7 is training on it')
    await first.release()
    device.lease(8)
    await first.release()
    expect(device.leaseHolder()).toBe(8)
  })

  it('ends the lease on a fatal error, so what is tried next is refused for the fatal error', () => {
    const device = gate()
    device.lease(7)
    expect(device.emergencyAbort('boom')).toBeNull()
    expect(device.leaseHolder()).toBeNull()
  })

  it('holds the device for a job, named in every refusal; relabelled; freed by release', async () => {
    const device = gate()
    const held = device.hold('sampling a new dataset')
    held.relabel('sampling dataset 3')
    expect(device.leaseHolder()).toBeNull()
    expect(device.holderLabel()).toBe('the device is sampling dataset 3')
    expect(() => device.withExclusiveDevice('run a calibration sweep', () => 'ran')).toThrow(
      'cannot run a calibration sweep while the device is sampling dataset 3: pause it first or wait for it to end'
    )
    expect(() => device.lease(7)).toThrow('cannot lend the device to run 7: the device is busy sampling dataset 3')
    expect(() => device.hold('sampling dataset 4')).toThrow(
      'cannot start sampling dataset 4: the device is sampling dataset 3'
    )
    expect(held.use((connection) => connection.status().state)).toBe('disconnected')
    await held.release()
    expect(device.holderLabel()).toBeNull()
    expect(() => held.use(() => 'late')).toThrow('sampling dataset 3 no longer holds the device: it was released')
    // A run's lease blocks a hold the same way.
    device.lease(8)
    expect(() => device.hold('sampling dataset 4')).toThrow(
      'cannot start sampling dataset 4: run 8 is training on the device'
    )
  })
})
