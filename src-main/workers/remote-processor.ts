/**
 * The instrument as a Processor inside the trainer worker: main owns the serial port, so each
 * batch of activation voltages goes to main as a `measure` message and comes back as currents.
 * The GA cannot tell it from a surrogate.
 */
import type { Processor } from '../core'
import type { DeviceProcessorSpec } from './trainer-protocol'

export interface MeasureReply {
  requestId: number
  outputsNanoamps?: Float32Array
  message?: string
}

export class RemoteProcessor implements Processor {
  readonly activationElectrodeCount: number
  readonly voltageRangesVolts: readonly (readonly [number, number])[]
  readonly clippingValueNanoamps: readonly [number, number]
  private nextRequestId = 1
  private readonly pending = new Map<
    number,
    { resolve: (outputs: Float32Array) => void; reject: (error: Error) => void; rowCount: number }
  >()

  constructor(
    spec: DeviceProcessorSpec,
    private readonly requestMeasurement: (requestId: number, inputsVolts: Float32Array, rowCount: number) => void
  ) {
    this.activationElectrodeCount = spec.activationElectrodeCount
    this.voltageRangesVolts = spec.voltageRangesVolts
    this.clippingValueNanoamps = spec.clippingValueNanoamps
  }

  forwardNanoamps(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    const requestId = this.nextRequestId++
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject, rowCount })
      this.requestMeasurement(requestId, inputsVolts, rowCount)
    })
  }

  /** Settles the request a `measured` / `measure-failed` message answers. */
  settle(reply: MeasureReply): void {
    const request = this.pending.get(reply.requestId)
    if (!request) return
    this.pending.delete(reply.requestId)
    if (reply.outputsNanoamps === undefined) {
      request.reject(new Error(reply.message ?? 'the measurement failed'))
    } else if (reply.outputsNanoamps.length !== request.rowCount) {
      request.reject(
        new Error(`the instrument answered ${reply.outputsNanoamps.length} outputs for ${request.rowCount} rows`)
      )
    } else {
      request.resolve(reply.outputsNanoamps)
    }
  }
}
