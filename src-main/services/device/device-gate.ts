/**
 * The only door to the instrument. A run that measures on the device holds its lease; while it
 * does, nothing else may change the device (connect, disconnect, profile, calibration, manual
 * test, sweep, simulator model, validation). The guard is structural: the connection, and with
 * it the driver, is a private field, reachable only through `withExclusiveDevice` (which refuses
 * while a run holds the lease) or through the lease itself. So a new operation cannot forget the
 * check; device-gate.test.ts shows that reaching the connection any other way fails typecheck.
 */
import {
  InstrumentConnection,
  type Calibrated,
  type Connected,
  type ConnectionOptions,
  type InstrumentConnectionStatus
} from './connection'

/** What is connected, to read: no driver, so nothing read through it changes the device. */
export type ConnectedDevice = Readonly<Omit<Connected, 'driver'>>
export type CalibratedDevice = Readonly<Omit<Calibrated, 'driver'>>

/** The instrument lent to one run: the run measures through `use`; `release` gives it back. */
export interface GateLease {
  readonly runId: number
  /** Runs `operation` with the connection; throws once the lease is released. */
  use<T>(operation: (connection: InstrumentConnection) => T): T
  /** Frees the device and drives every output to 0 V (ABOR); never throws. Idempotent. */
  release(): Promise<void>
}

/**
 * The instrument held by a job that is not a run (a sampling session) for as long as it lasts:
 * like a run's lease, every other change of the device is refused meanwhile, and the refusal
 * names what the holder is doing (`doing`, e.g. `sampling dataset 3`).
 */
export interface GateHold {
  use<T>(operation: (connection: InstrumentConnection) => T): T
  /** What the refusals say the device is busy with, from now on. */
  relabel(doing: string): void
  /** Frees the device and drives every output to 0 V (ABOR); never throws. Idempotent. */
  release(): Promise<void>
}

export class DeviceGate {
  private readonly connection: InstrumentConnection
  /** The run holding the lease, or the job holding the device (runId null, `doing` says what), if any. */
  private holder: { runId: number | null; doing: string } | null = null

  constructor(options: ConnectionOptions) {
    // Made here, never passed in: no one else has a reference to it.
    this.connection = new InstrumentConnection(options)
  }

  status(): InstrumentConnectionStatus {
    return this.connection.status()
  }

  connectedDevice(): ConnectedDevice | null {
    return viewOf(this.connection.current())
  }

  /** The connected, calibrated device to read, or the refusal saying what is missing for `action`. */
  calibratedDevice(action: string): CalibratedDevice {
    return viewOf(this.connection.requireCalibrated(action)) as CalibratedDevice
  }

  /** The run the device is leased to, or null. */
  leaseHolder(): number | null {
    return this.holder?.runId ?? null
  }

  /** What holds the device, in words (`run 4 is training on the device`, `sampling dataset 3`), or null. */
  holderLabel(): string | null {
    return this.holder ? this.busyWith(this.holder) : null
  }

  /**
   * The one way to change the device outside a run: refused (nothing happens) while a run holds
   * the lease, naming the run and `action`; else `operation` gets the connection.
   */
  withExclusiveDevice<T>(action: string, operation: (connection: InstrumentConnection) => T): T {
    if (this.holder) {
      const stop = this.holder.runId === null ? 'pause it' : 'stop it'
      throw new Error(`cannot ${action} while ${this.busyWith(this.holder)}: ${stop} first or wait for it to end`)
    }
    return operation(this.connection)
  }

  /** Lends the device to run `runId` until the lease is released (one run at a time). */
  lease(runId: number): GateLease {
    if (this.holder) {
      const busy =
        this.holder.runId === null
          ? `the device is busy ${this.holder.doing}`
          : `run ${this.holder.runId} is training on it`
      throw new Error(`cannot lend the device to run ${runId}: ${busy}`)
    }
    const held = { runId, doing: '' }
    this.holder = held
    return {
      runId,
      use: (operation) => {
        if (this.holder !== held) throw new Error(`run ${runId} no longer holds the device: its lease was released`)
        return operation(this.connection)
      },
      release: () => {
        if (this.holder === held) this.holder = null
        return this.connection.driveToZero()
      }
    }
  }

  /** Holds the device for a job outside a run (see GateHold); refused while anything else holds it. */
  hold(doing: string): GateHold {
    if (this.holder) throw new Error(`cannot start ${doing}: ${this.busyWith(this.holder)}`)
    const held = { runId: null, doing }
    this.holder = held
    return {
      use: (operation) => {
        if (this.holder !== held) throw new Error(`${held.doing} no longer holds the device: it was released`)
        return operation(this.connection)
      },
      relabel: (doing) => {
        held.doing = doing
      },
      release: () => {
        if (this.holder === held) this.holder = null
        return this.connection.driveToZero()
      }
    }
  }

  private busyWith(holder: { runId: number | null; doing: string }): string {
    return holder.runId === null ? `the device is ${holder.doing}` : `run ${holder.runId} is training on the device`
  }

  isConnectionLoss(error: unknown): boolean {
    return this.connection.isConnectionLoss(error)
  }

  /** App quit, after the run has ended: outputs to 0 V, port closed. Never throws. */
  async close(): Promise<void> {
    await this.connection.disconnect().catch(() => undefined)
  }

  /**
   * See InstrumentConnection.emergencyAbort: a fatal error ends the process, lease or not. The
   * lease ends with it (the run is marked interrupted), so what is tried afterwards is refused
   * for the fatal error, which is the reason that holds.
   */
  emergencyAbort(reason: string): Promise<void> | null {
    this.holder = null
    return this.connection.emergencyAbort(reason)
  }
}

function viewOf(c: Connected | null): ConnectedDevice | null {
  return c && { portPath: c.portPath, capabilities: c.capabilities, profile: c.profile, calibration: c.calibration }
}
