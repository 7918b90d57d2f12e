/**
 * The upload slot: WAV:DATA's checks in the protocol's order (framing -160, size -223, busy -221,
 * content -222), the one accepted stream INIT plays, and the upload log. A rejected upload, a
 * stalled block and a stream INIT refuses on its re-check all discard the stream held before.
 */
import type { SimulatorCapabilities } from './capabilities'
import { errorMessage, type ErrorCode, type ErrorQueue } from './error-queue'
import type { InstrumentRegisters } from './instrument-registers'
import type { CommandUnit } from './scpi-syntax'
import { findContentViolation, summariseStream } from './stream-check'
import { messageOf } from './timing'
import { readUploadFrame } from './upload-frame'
import { summaryFields, type UploadLogRecord } from './upload-log'

export interface UploadContext {
  errors: ErrorQueue
  registers: InstrumentRegisters
  capabilities: SimulatorCapabilities
  activationChannelCount: number
  /** True while an acquisition runs: an upload is refused then (-221). */
  busy(): boolean
  /** Called once per upload accepted or rejected (also for streams INIT rejects on its re-check). */
  onUpload: ((record: UploadLogRecord) => void) | undefined
}

export class UploadSlot {
  private accepted: Float32Array | null = null

  constructor(private readonly context: UploadContext) {}

  /** The stream INIT plays: the last upload accepted, or null. */
  get stream(): Float32Array | null {
    return this.accepted
  }

  /** *RST: the upload is forgotten (not logged: nothing was rejected). */
  clear(): void {
    this.accepted = null
  }

  /** WAV:DATA: framing (-160), size (-223), busy (-221), content (-222), in that order. */
  receive(unit: CommandUnit, parameterText: string): void {
    const { activationChannelCount, capabilities, registers } = this.context
    const frame = readUploadFrame(unit, parameterText, activationChannelCount, capabilities.maxPointsPerChannel)
    if (!frame.ok) return this.reject(frame.code, frame.detail, frame.values, frame.byteCount)
    const { values, byteCount } = frame
    if (this.context.busy())
      return this.reject(-221, 'WAV:DATA during an acquisition: wait for *OPC? or send ABOR', values, byteCount)
    const violation = findContentViolation(values, registers.contentRules())
    if (violation) return this.reject(-222, violation, values, byteCount)
    this.accepted = values
    this.log('upload', null, values, byteCount)
  }

  /** A rejected upload also discards the previous one. */
  reject(
    code: ErrorCode,
    detail: string,
    values: Float32Array | null,
    byteCount: number | null,
    stage: 'upload' | 'init' = 'upload'
  ): void {
    this.accepted = null
    this.context.errors.push(code, detail)
    this.log(stage, { code, message: errorMessage(code, detail) }, values, byteCount)
  }

  private log(
    stage: 'upload' | 'init',
    error: { code: number; message: string } | null,
    values: Float32Array | null,
    byteCount: number | null
  ): void {
    const { onUpload, registers, capabilities, activationChannelCount } = this.context
    if (!onUpload) return
    const record: UploadLogRecord = {
      time: new Date().toISOString(),
      outcome: error ? 'rejected' : 'accepted',
      stage,
      error,
      channelCount: activationChannelCount,
      byteCount,
      ...summaryFields(values ? summariseStream(values, activationChannelCount) : null),
      limitsVolts: registers.limitsVolts.map(([min, max]): [number, number] => [min, max]),
      dacRateHz: registers.dacRateHz,
      adcRateHz: registers.adcRateHz,
      slewVoltsPerSecond: capabilities.slewVoltsPerSecond,
      allowedStepVolts: capabilities.slewVoltsPerSecond / registers.dacRateHz
    }
    try {
      onUpload(record)
    } catch (error) {
      this.context.errors.push(-200, `the upload log could not be written: ${messageOf(error)}`)
    }
  }
}
