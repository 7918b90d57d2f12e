/**
 * Acquisitions: INIT plays the uploaded stream on the outputs while the ADC records the readout
 * channels. Playback lasts as long as the stream takes at the DAC rate (scaled by the simulation
 * speed); the device computes every sample's currents in one batched call meanwhile, and the
 * acquisition completes when both are done. At most one runs at a time.
 */
import { readingsFromCurrents, type AdcSettings } from './adc'
import type { SimulatedDevice } from './device'
import type { ErrorCode, ErrorQueue } from './error-queue'
import { adcPointsPerSample, type InstrumentRegisters } from './instrument-registers'
import { formatPlainDecimal } from './scpi-syntax'
import { findContentViolation } from './stream-check'
import { messageOf, nowMs, setLongTimeout } from './timing'

export type AcquisitionState = 'running' | 'completed' | 'aborted' | 'failed'

export interface Acquisition {
  stream: Float32Array
  sampleCount: number
  adcPointsPerSample: number
  averaging: boolean
  playbackStartMs: number
  timer: { clear(): void } | null
  timeUp: boolean
  readings: { volts: Float32Array; saturated: boolean } | null
  state: AcquisitionState
  ended: Promise<void>
  end: () => void
}

export interface AcquisitionContext {
  device: SimulatedDevice
  adc: AdcSettings
  errors: ErrorQueue
  registers: InstrumentRegisters
  activationChannelCount: number
  readoutChannelCount: number
  /** Real time divided by this: 1 = real time, Infinity = never wait. */
  speed: number
  /** INIT's re-check refused the stream: it is discarded and logged as an upload rejected at INIT. */
  rejectStream(code: ErrorCode, detail: string, stream: Float32Array): void
  changed(): void
}

export class Acquisitions {
  /** The acquisition running, if any. */
  current: Acquisition | null = null
  /** The readings of the last completed acquisition, until the next INIT, ABOR or *RST. */
  lastResult: Float32Array | null = null
  completedCount = 0

  constructor(private readonly context: AcquisitionContext) {}

  start(stream: Float32Array | null): Acquisition | null {
    const { errors, registers, activationChannelCount } = this.context
    // Any INIT makes the last result unavailable, even one that fails: a host must never fetch
    // an older acquisition's data believing it is the new one.
    this.lastResult = null
    if (this.current) {
      errors.push(-213, 'an acquisition is already running')
      return null
    }
    if (!stream) {
      errors.push(-200, 'INIT without an upload: send WAV:DATA first')
      return null
    }
    const pointsPerSample = adcPointsPerSample(registers.adcRateHz, registers.dacRateHz)
    if (pointsPerSample === null) {
      const detail = `the ADC rate ${formatPlainDecimal(registers.adcRateHz)} Hz is not an integer multiple of the DAC rate ${formatPlainDecimal(registers.dacRateHz)} Hz; stream discarded`
      this.context.rejectStream(-221, detail, stream)
      return null
    }
    const violation = findContentViolation(stream, registers.contentRules())
    if (violation) {
      this.context.rejectStream(-222, `${violation} (re-checked at INIT); stream discarded`, stream)
      return null
    }
    const now = nowMs()
    // Non-zero DC outputs are ramped to 0 V before playback starts.
    registers.allOutputsToZero(now)
    const playbackStartMs = Math.max(now, registers.ramps.settledAtMs())
    const sampleCount = stream.length / activationChannelCount
    let end!: () => void
    const ended = new Promise<void>((resolve) => (end = resolve))
    const acquisition: Acquisition = {
      stream,
      sampleCount,
      adcPointsPerSample: pointsPerSample,
      averaging: registers.averaging,
      playbackStartMs,
      timer: null,
      timeUp: false,
      readings: null,
      state: 'running',
      ended,
      end
    }
    this.current = acquisition
    const playbackMs = this.scaledMs(sampleCount / registers.dacRateHz)
    acquisition.timer = setLongTimeout(
      () => {
        acquisition.timer = null
        acquisition.timeUp = true
        this.tryComplete(acquisition)
      },
      playbackStartMs - now + playbackMs
    )
    // All samples in one batched device call.
    this.context.device.currentsNanoamps(stream, sampleCount).then(
      (currents) => {
        if (acquisition.state !== 'running') return
        acquisition.readings = readingsFromCurrents(
          currents,
          this.context.readoutChannelCount,
          pointsPerSample,
          acquisition.averaging,
          this.context.adc
        )
        this.tryComplete(acquisition)
      },
      (error: unknown) => {
        if (acquisition.state !== 'running') return
        errors.push(-200, `the simulated device failed: ${messageOf(error)}`)
        this.end(acquisition, 'failed')
      }
    )
    this.context.changed()
    return acquisition
  }

  end(acquisition: Acquisition, state: Exclude<AcquisitionState, 'running'>): void {
    acquisition.state = state
    acquisition.timer?.clear()
    acquisition.timer = null
    if (this.current === acquisition) this.current = null
    acquisition.end()
    this.context.changed()
  }

  /** ABOR: the running acquisition (if any) stops; each output ramps to 0 V from the sample it was playing. */
  stop(fromVolts: readonly number[], now: number): boolean {
    const acquisition = this.current
    if (!acquisition) return false
    for (let channel = 0; channel < this.context.activationChannelCount; channel++)
      this.context.registers.ramps.rampBetween(channel, fromVolts[channel]!, 0, now)
    this.end(acquisition, 'aborted')
    return true
  }

  /** Each output at `now`: the sample playing, else where its DC ramp is. */
  presentOutputs(now: number): number[] {
    const acquisition = this.current
    return Array.from(
      { length: this.context.activationChannelCount },
      (_, channel) =>
        (acquisition ? this.playbackOutput(acquisition, channel, now) : null) ??
        this.context.registers.ramps.valueAt(channel, now)
    )
  }

  /** FETC?: the last completed acquisition's readings; undefined (an error queued) when there are none. */
  fetch(): Float32Array | undefined {
    if (this.current || !this.lastResult) {
      this.context.errors.push(
        -230,
        this.current ? 'the acquisition has not finished: wait for *OPC?' : 'no finished acquisition to fetch'
      )
      return undefined
    }
    return this.lastResult
  }

  private tryComplete(acquisition: Acquisition): void {
    if (acquisition.state !== 'running' || !acquisition.timeUp || !acquisition.readings) return
    this.lastResult = acquisition.readings.volts
    // 101 once per acquisition, at its end.
    if (acquisition.readings.saturated) this.context.errors.push(101)
    this.completedCount++
    this.end(acquisition, 'completed')
  }

  /** The sample a channel is playing at `now`; null before playback starts. */
  private playbackOutput(acquisition: Acquisition, channel: number, now: number): number | null {
    if (now < acquisition.playbackStartMs) return null
    const { speed, registers, activationChannelCount } = this.context
    const elapsedSamples =
      speed === Infinity ? Infinity : ((now - acquisition.playbackStartMs) / 1000) * registers.dacRateHz * speed
    const sample = Math.floor(elapsedSamples)
    if (sample >= acquisition.sampleCount) return 0
    return acquisition.stream[sample * activationChannelCount + channel]!
  }

  private scaledMs(seconds: number): number {
    return this.context.speed === Infinity ? 0 : (seconds * 1000) / this.context.speed
  }
}
