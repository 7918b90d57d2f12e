/**
 * The simulated DNPU-DAQ box, independent of any transport: bytes from the host go in through
 * `push()`, answers come out through the attached connection. It implements every command, rule
 * and ordering of INSTRUMENT-PROTOCOL.md; its device is a `SimulatedDevice` (a surrogate model).
 *
 * Lines are executed one at a time, in arrival order, so answers come out in order even when a
 * command has to wait (`*OPC?`, `MEAS?`, `READ?`). The one exception is `ABOR`: a line holding
 * it acts at once while a wait is in progress (and then runs again, harmlessly, in its turn).
 */
import { Rng } from '../../core/rng'
import { encodeFloat32Block, float32LeValues } from '../protocol/block'
import { FrameReader } from '../protocol/frame-reader'
import { readingsFromCurrents, type AdcSettings } from './adc'
import {
  BLOCK_STALL_TIMEOUT_MS,
  checkCapabilities,
  DEFAULT_CAPABILITIES,
  DEFAULT_IDENTITY,
  POWER_ON_ADC_RATE_HZ,
  POWER_ON_AVERAGING,
  POWER_ON_DAC_RATE_HZ,
  type InstrumentIdentity,
  type SimulatorCapabilities
} from './capabilities'
import { lookupCommand, type CommandName } from './command-table'
import type { SimulatedDevice } from './device'
import { errorMessage, ErrorQueue, formatErrorAnswer, type ErrorCode } from './error-queue'
import type { FaultKind, FaultSpec } from './faults'
import { OutputRamps } from './output-ramps'
import { formatPlainDecimal, formatReading, parseHeader, parseNrNumber, splitChain, splitParameters, type CommandUnit } from './scpi-syntax'
import { findContentViolation, summariseStream } from './stream-check'
import { summaryFields, type OutputsEvent, type OutputsLogRecord, type UploadLogRecord } from './upload-log'

export interface ScpiInstrumentOptions {
  device: SimulatedDevice
  capabilities?: Partial<SimulatorCapabilities>
  identity?: Partial<InstrumentIdentity>
  /** nA per volt of the readout amplifier (one value for every channel, or one per channel); default: the device's own. */
  amplificationNanoampsPerVolt?: number | readonly number[]
  /** An inverting amplifier: readings are negated. */
  inverted?: boolean
  /** Gaussian noise on every raw ADC point, standard deviation in nA (default 0). */
  noiseStdNanoamps?: number
  /** Seed of the noise and garbage generators (uint32, default 1). */
  seed?: number
  /** Real time divided by this: 1 = real time, Infinity = never wait. */
  speed?: number
  /** Every answer leaves this many ms after it was produced. */
  latencyMs?: number
  faults?: readonly FaultSpec[]
  /** Called once per upload accepted or rejected (also for streams INIT rejects on its re-check). */
  onUpload?: (record: UploadLogRecord) => void
  /** Called once per command that moved the outputs outside playback (ABOR, *RST, an interlock trip, SOUR:VOLT). */
  onOutputs?: (record: OutputsLogRecord) => void
  blockStallTimeoutMs?: number
}

/** How the instrument reaches the host it is attached to. */
export interface InstrumentConnection {
  /** Bytes for the host. */
  write(bytes: Uint8Array): void
  /** The disconnect fault: the transport must drop the host (close the socket, remove the port). */
  disconnect(): void
}

type Answer = string | Float32Array

/** `abortedEarly`: the line's ABOR already acted on arrival (a wait was in progress). */
type QueueItem = { kind: 'line'; units: CommandUnit[]; epoch: number; abortedEarly: boolean } | { kind: 'overrun'; lineBytes: number } | { kind: 'stalled' }

interface Acquisition {
  stream: Float32Array
  sampleCount: number
  adcPointsPerSample: number
  averaging: boolean
  playbackStartMs: number
  timer: { clear(): void } | null
  timeUp: boolean
  readings: { volts: Float32Array; saturated: boolean } | null
  state: 'running' | 'completed' | 'aborted' | 'failed'
  ended: Promise<void>
  end: () => void
}

const encoder = new TextEncoder()

/** setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days): longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1

function setLongTimeout(callback: () => void, ms: number): { clear(): void } {
  let timer: ReturnType<typeof setTimeout>
  const dueMs = nowMs() + ms
  const arm = () => {
    const remaining = dueMs - nowMs()
    timer = remaining > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(callback, Math.max(0, remaining))
  }
  arm()
  return { clear: () => clearTimeout(timer) }
}

function nowMs(): number {
  return performance.now()
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export class ScpiInstrument {
  readonly activationChannelCount: number
  readonly readoutChannelCount: number
  readonly capabilities: SimulatorCapabilities
  /** The `*IDN?` answer. */
  readonly identification: string

  private readonly device: SimulatedDevice
  private readonly adc: AdcSettings
  private readonly speed: number
  private readonly latencyMs: number
  private readonly faults: readonly FaultSpec[]
  private readonly onUpload: ((record: UploadLogRecord) => void) | undefined
  private readonly onOutputs: ((record: OutputsLogRecord) => void) | undefined
  private readonly blockStallTimeoutMs: number
  private readonly garbageRng: Rng

  private readonly reader: FrameReader
  private readonly errors = new ErrorQueue()
  private queue: QueueItem[] = []
  private draining = false
  /** True while `*OPC?` or `MEAS?` waits: an arriving `ABOR` then acts at once. */
  private waiting = false
  /** The line being executed had its ABOR acted on at arrival: its repeat in turn is not logged again. */
  private repeatOfEarlyAbort = false
  private connection: InstrumentConnection | null = null
  /** Bumped by every attach/detach: answers of an older connection are dropped. */
  private epoch = 0
  private stallTimer: ReturnType<typeof setTimeout> | null = null
  private readonly pendingOutput: { dueMs: number; bytes: Uint8Array; epoch: number }[] = []
  private outputTimer: ReturnType<typeof setTimeout> | null = null
  private changeListeners: (() => void)[] = []
  private closed = false

  private dacRateHz = POWER_ON_DAC_RATE_HZ
  private adcRateHz = POWER_ON_ADC_RATE_HZ
  private averaging = POWER_ON_AVERAGING
  private limitsVolts: [number, number][]
  private readonly setpointsVolts: number[]
  private readonly ramps: OutputRamps
  private upload: Float32Array | null = null
  private lastResult: Float32Array | null = null
  private acquisition: Acquisition | null = null
  private completedAcquisitions = 0

  private muted = false
  private garbled = false
  private disconnectFired = false

  constructor(options: ScpiInstrumentOptions) {
    const capabilities: SimulatorCapabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities }
    checkCapabilities(capabilities)
    this.capabilities = capabilities
    this.device = options.device
    this.activationChannelCount = options.device.activationChannelCount
    this.readoutChannelCount = options.device.readoutChannelCount
    const identity = { ...DEFAULT_IDENTITY, ...options.identity }
    const model = identity.model ?? `DAQ-${this.activationChannelCount}x${this.readoutChannelCount}`
    this.identification = [identity.maker, model, identity.serial, identity.firmware].join(',')

    const amplification = options.amplificationNanoampsPerVolt ?? options.device.amplificationNanoampsPerVolt
    const perChannel = typeof amplification === 'number' ? new Array<number>(this.readoutChannelCount).fill(amplification) : [...amplification]
    if (perChannel.length !== this.readoutChannelCount || !perChannel.every((a) => Number.isFinite(a) && a !== 0)) {
      throw new RangeError(`amplification must be one finite non-zero nA/V value per readout channel (${this.readoutChannelCount}), got [${perChannel.join(', ')}]`)
    }
    const noiseStdNanoamps = options.noiseStdNanoamps ?? 0
    if (!(Number.isFinite(noiseStdNanoamps) && noiseStdNanoamps >= 0)) throw new RangeError(`noise std must be a finite number >= 0 nA, got ${noiseStdNanoamps}`)
    const seed = options.seed ?? 1
    this.adc = {
      amplificationNanoampsPerVolt: perChannel,
      inverted: options.inverted ?? false,
      noiseStdNanoamps,
      rng: new Rng(seed),
      adcRangeVolts: capabilities.adcRangeVolts
    }
    this.garbageRng = new Rng((seed ^ 0x5bd1e995) >>> 0)
    this.speed = options.speed ?? 1
    if (!(this.speed > 0)) throw new RangeError(`speed must be > 0 (Infinity: as fast as possible), got ${this.speed}`)
    this.latencyMs = options.latencyMs ?? 0
    if (!(Number.isFinite(this.latencyMs) && this.latencyMs >= 0)) throw new RangeError(`latency must be a finite number of ms >= 0, got ${this.latencyMs}`)
    this.faults = [...(options.faults ?? [])]
    this.onUpload = options.onUpload
    this.onOutputs = options.onOutputs
    this.blockStallTimeoutMs = options.blockStallTimeoutMs ?? BLOCK_STALL_TIMEOUT_MS

    // Blocks bigger than the largest acceptable upload are skipped, not stored (-223 either way).
    this.reader = new FrameReader({ maxBlockBytes: 4 * this.activationChannelCount * capabilities.maxPointsPerChannel })
    this.limitsVolts = this.absoluteLimits()
    this.setpointsVolts = new Array<number>(this.activationChannelCount).fill(0)
    this.ramps = new OutputRamps(this.activationChannelCount, capabilities.slewVoltsPerSecond, this.speed)
  }

  /**
   * Connects a host. A previous host is forgotten (its unread input and unsent answers are
   * dropped); the instrument's state survives, as a real box's does when the port is reopened.
   * Returns the detach function.
   */
  attach(connection: InstrumentConnection): () => void {
    this.startNewEpoch()
    this.connection = connection
    return () => {
      if (this.connection !== connection) return
      this.connection = null
      this.startNewEpoch()
    }
  }

  /** Bytes from the host. */
  push(bytes: Uint8Array): void {
    if (this.closed) return
    const epoch = this.epoch
    for (const event of this.reader.push(bytes)) {
      if (event.kind === 'overrun') {
        this.queue.push({ kind: 'overrun', lineBytes: event.lineBytes })
        continue
      }
      const units = splitChain(event.frame)
      if (units.length === 0) continue
      const abortedEarly = this.waiting && units.some((unit) => commandOf(unit) === 'abort')
      if (abortedEarly) this.abortNow('abort')
      this.queue.push({ kind: 'line', units, epoch, abortedEarly })
    }
    this.armStallTimer()
    void this.drain()
  }

  /** Stops everything: timers, waits, the device. Further input is ignored. */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.acquisition) this.endAcquisition(this.acquisition, 'aborted')
    if (this.stallTimer) clearTimeout(this.stallTimer)
    if (this.outputTimer) clearTimeout(this.outputTimer)
    this.pendingOutput.length = 0
    this.queue = []
    this.connection = null
    this.notifyChange()
    this.device.dispose()
  }

  /** Resolves once every line received so far has been executed (tests, orderly shutdown). */
  async settled(): Promise<void> {
    while (this.draining || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 1))
  }

  // ---- input -------------------------------------------------------------------------------

  private startNewEpoch(): void {
    this.epoch++
    this.reader.reset()
    this.queue = this.queue.filter((item) => item.kind !== 'line')
    this.pendingOutput.length = 0
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.stallTimer = null
    // A wait of the previous host ends now, so a new host is not kept waiting behind it.
    this.notifyChange()
  }

  private armStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer)
    this.stallTimer = null
    if (!this.reader.inBlock) return
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null
      if (!this.reader.inBlock || this.closed) return
      this.reader.reset()
      this.queue.push({ kind: 'stalled' })
      void this.drain()
    }, this.blockStallTimeoutMs)
  }

  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue.shift()!
        if (item.kind === 'overrun') {
          this.errors.push(-363, `a line grew past 64 KiB (${item.lineBytes} bytes) and was discarded`)
          continue
        }
        if (item.kind === 'stalled') {
          this.rejectUpload(-160, `the block stopped arriving for ${this.blockStallTimeoutMs / 1000} s and was dropped`, null, null)
          continue
        }
        this.repeatOfEarlyAbort = item.abortedEarly
        for (const unit of item.units) {
          // A disconnect (fault or new host) drops the rest of the line.
          if (item.epoch !== this.epoch || this.closed) break
          const pending = this.execute(unit, item.epoch)
          if (pending) await pending
        }
      }
    } finally {
      this.draining = false
    }
  }

  // ---- output ------------------------------------------------------------------------------

  private emit(bytes: Uint8Array, epoch: number): void {
    if (this.closed || epoch !== this.epoch || this.muted) return
    const out = this.garbled ? this.garbageBytes() : bytes
    if (this.latencyMs === 0 && this.pendingOutput.length === 0) {
      this.connection?.write(out)
      return
    }
    this.pendingOutput.push({ dueMs: nowMs() + this.latencyMs, bytes: out, epoch })
    this.scheduleOutput()
  }

  private scheduleOutput(): void {
    if (this.outputTimer || this.pendingOutput.length === 0) return
    this.outputTimer = setTimeout(() => {
      this.outputTimer = null
      const now = nowMs()
      while (this.pendingOutput.length > 0 && this.pendingOutput[0]!.dueMs <= now) {
        const { bytes, epoch } = this.pendingOutput.shift()!
        if (epoch === this.epoch && !this.closed) this.connection?.write(bytes)
      }
      this.scheduleOutput()
    }, Math.max(0, this.pendingOutput[0]!.dueMs - nowMs()))
  }

  private emitAnswer(answer: Answer, epoch: number): void {
    if (typeof answer === 'string') {
      this.emit(encoder.encode(`${answer}\n`), epoch)
      return
    }
    const block = encodeFloat32Block(answer)
    const line = new Uint8Array(block.length + 1)
    line.set(block)
    line[block.length] = 0x0a
    this.emit(line, epoch)
  }

  /** Random bytes that are no protocol answer: non-ASCII, then a newline. */
  private garbageBytes(): Uint8Array {
    const length = 8 + Math.floor(this.garbageRng.random() * 32)
    const bytes = new Uint8Array(length + 1)
    for (let i = 0; i < length; i++) bytes[i] = 0x80 + Math.floor(this.garbageRng.random() * 0x80)
    bytes[length] = 0x0a
    return bytes
  }

  // ---- dispatch ----------------------------------------------------------------------------

  /** Runs one command; a query answers exactly once whatever happens. */
  private execute(unit: CommandUnit, epoch: number): Promise<void> | void {
    const parsed = parseHeader(unit.textBefore)
    const command = parsed.syntaxOk ? lookupCommand(parsed.header) : null
    const answersBlock = command === 'fetch' || command === 'measure'
    const finish = (answer: Answer | undefined): void => {
      if (!parsed.isQuery) return
      this.emitAnswer(answer ?? (answersBlock ? new Float32Array(0) : ''), epoch)
    }
    if (!parsed.syntaxOk) {
      this.errors.push(-102, `"${parsed.header}" is not a valid header`)
      return finish(undefined)
    }
    if (!command) {
      this.errors.push(-113, `"${parsed.header}" is not a command of this instrument`)
      return finish(undefined)
    }
    if (command === 'upload') return this.handleUpload(unit, parsed.parameterText)
    if (unit.blocks.length > 0) {
      this.errors.push(-108, `${parsed.header} takes no block data (only WAV:DATA does)`)
      return finish(undefined)
    }
    try {
      const result = this.run(command, parsed.header, splitParameters(parsed.parameterText), epoch)
      if (!(result instanceof Promise)) return finish(result)
      return result.then(finish, (error: unknown) => {
        this.errors.push(-200, messageOf(error))
        finish(undefined)
      })
    } catch (error) {
      this.errors.push(-200, messageOf(error))
      return finish(undefined)
    }
  }

  private run(command: CommandName, header: string, parameters: string[], epoch: number): Answer | undefined | Promise<Answer | undefined> {
    const caps = this.capabilities
    const expect = (count: number): boolean => this.expectParameters(header, parameters, count)
    switch (command) {
      case 'identify':
        return expect(0) ? this.identification : undefined
      case 'reset':
        if (expect(0)) this.reset()
        return undefined
      case 'clearStatus':
        if (expect(0)) this.errors.clear()
        return undefined
      case 'operationComplete':
        return expect(0) ? this.waitIdle(epoch).then(() => '1') : undefined
      case 'nextError':
        return expect(0) ? formatErrorAnswer(this.errors.next()) : undefined
      case 'activationChannelCount':
        return expect(0) ? String(this.activationChannelCount) : undefined
      case 'readoutChannelCount':
        return expect(0) ? String(this.readoutChannelCount) : undefined
      case 'absoluteLimit':
        return expect(0) ? formatPair(caps.absoluteLimitVolts) : undefined
      case 'adcRange':
        return expect(0) ? formatPair(caps.adcRangeVolts) : undefined
      case 'dacRateMax':
        return expect(0) ? formatPlainDecimal(caps.dacRateMaxHz) : undefined
      case 'adcRateMax':
        return expect(0) ? formatPlainDecimal(caps.adcRateMaxHz) : undefined
      case 'pointsMax':
        return expect(0) ? String(caps.maxPointsPerChannel) : undefined
      case 'slewMax':
        return expect(0) ? formatPlainDecimal(caps.slewVoltsPerSecond) : undefined
      case 'setDacRate':
        if (expect(1)) this.setDacRate(parameters[0]!)
        return undefined
      case 'dacRate':
        return expect(0) ? formatPlainDecimal(this.dacRateHz) : undefined
      case 'setAdcRate':
        if (expect(1)) this.setAdcRate(parameters[0]!)
        return undefined
      case 'adcRate':
        return expect(0) ? formatPlainDecimal(this.adcRateHz) : undefined
      case 'setAveraging':
        if (expect(1)) this.setAveraging(parameters[0]!)
        return undefined
      case 'averaging':
        return expect(0) ? (this.averaging ? '1' : '0') : undefined
      case 'setLimit':
        if (expect(3)) this.setLimit(parameters as [string, string, string])
        return undefined
      case 'limit': {
        const channel = expect(1) ? this.parseChannel(parameters[0]!) : null
        return channel === null ? undefined : formatPair(this.limitsVolts[channel]!)
      }
      case 'setVoltage':
        if (expect(2)) this.setVoltage(parameters[0]!, parameters[1]!)
        return undefined
      case 'voltage': {
        const channel = expect(1) ? this.parseChannel(parameters[0]!) : null
        return channel === null ? undefined : formatPlainDecimal(this.setpointsVolts[channel]!)
      }
      case 'read':
        return expect(0) ? this.readDc() : undefined
      case 'initiate':
        if (expect(0) && this.faultGate()) this.startAcquisition()
        return undefined
      case 'fetch':
        return expect(0) ? this.fetch() : undefined
      case 'abort':
        if (expect(0)) this.abortNow('abort', !this.repeatOfEarlyAbort)
        this.repeatOfEarlyAbort = false
        return undefined
      case 'measure':
        return expect(0) ? this.measure(epoch) : undefined
      case 'upload':
        throw new Error('WAV:DATA is handled before dispatch')
    }
  }

  // ---- parameters --------------------------------------------------------------------------

  private expectParameters(header: string, parameters: string[], count: number): boolean {
    if (parameters.length > count) {
      this.errors.push(-108, `${header} takes ${count} parameter${count === 1 ? '' : 's'}, got ${parameters.length}`)
      return false
    }
    if (parameters.length < count || parameters.some((parameter) => parameter === '')) {
      this.errors.push(-109, `${header} takes ${count} parameter${count === 1 ? '' : 's'}`)
      return false
    }
    return true
  }

  private parseNumber(text: string, what: string): number | null {
    const value = parseNrNumber(text)
    if (value === null) this.errors.push(-224, `${what} must be a number (NR1/NR2/NR3, no unit), got "${text}"`)
    return value
  }

  private parseChannel(text: string): number | null {
    const value = parseNrNumber(text)
    if (value === null || !Number.isInteger(value) || value < 0 || value >= this.activationChannelCount) {
      this.errors.push(-224, `channel must be 0..${this.activationChannelCount - 1}, got "${text}"`)
      return null
    }
    return value
  }

  /** Configuration, uploads and SOUR:VOLT are refused while an acquisition runs. */
  private refuseWhileBusy(what: string): boolean {
    if (!this.acquisition) return false
    this.errors.push(-221, `${what} during an acquisition: wait for *OPC? or send ABOR`)
    return true
  }

  // ---- configuration -----------------------------------------------------------------------

  private setDacRate(text: string): void {
    const hz = this.parseNumber(text, 'SOUR:FREQ')
    if (hz === null || this.refuseWhileBusy('SOUR:FREQ')) return
    if (!(hz > 0 && hz <= this.capabilities.dacRateMaxHz)) {
      this.errors.push(-222, `SOUR:FREQ must be in (0, ${this.capabilities.dacRateMaxHz}] Hz, got ${text}`)
      return
    }
    this.dacRateHz = hz
  }

  private setAdcRate(text: string): void {
    const hz = this.parseNumber(text, 'SENS:FREQ')
    if (hz === null || this.refuseWhileBusy('SENS:FREQ')) return
    if (!(hz > 0 && hz <= this.capabilities.adcRateMaxHz)) {
      this.errors.push(-222, `SENS:FREQ must be in (0, ${this.capabilities.adcRateMaxHz}] Hz, got ${text}`)
      return
    }
    if (adcPointsPerSample(hz, this.dacRateHz) === null) {
      this.errors.push(-221, `SENS:FREQ ${text} Hz is not an integer multiple of the DAC rate ${formatPlainDecimal(this.dacRateHz)} Hz (set SOUR:FREQ first)`)
      return
    }
    this.adcRateHz = hz
  }

  private setAveraging(text: string): void {
    const upper = text.toUpperCase()
    const on = upper === 'ON' || upper === '1' ? true : upper === 'OFF' || upper === '0' ? false : null
    if (on === null) {
      this.errors.push(-224, `SENS:AVER takes ON, OFF, 1 or 0, got "${text}"`)
      return
    }
    if (this.refuseWhileBusy('SENS:AVER')) return
    this.averaging = on
  }

  private setLimit([channelText, minText, maxText]: [string, string, string]): void {
    const channel = this.parseChannel(channelText)
    if (channel === null) return
    const min = this.parseNumber(minText, 'SOUR:VOLT:LIM min')
    if (min === null) return
    const max = this.parseNumber(maxText, 'SOUR:VOLT:LIM max')
    if (max === null || this.refuseWhileBusy('SOUR:VOLT:LIM')) return
    if (!(min <= 0 && 0 <= max)) {
      this.errors.push(-224, `SOUR:VOLT:LIM needs min <= 0 <= max, got ${minText},${maxText}`)
      return
    }
    const [absMin, absMax] = this.capabilities.absoluteLimitVolts
    if (min < absMin || max > absMax) {
      this.errors.push(-222, `SOUR:VOLT:LIM ${minText},${maxText} is outside the absolute limit [${absMin}, ${absMax}] V`)
      return
    }
    this.limitsVolts[channel] = [min, max]
    const now = nowMs()
    const present = this.ramps.valueAt(channel, now)
    const setpoint = this.setpointsVolts[channel]!
    const outside = (volts: number) => volts < min || volts > max
    if (outside(present) || outside(setpoint)) {
      this.errors.push(102, `channel ${channel} output ${formatReading(outside(present) ? present : setpoint)} V is outside its new limit [${min}, ${max}] V: every output driven to 0 V`)
      const fromVolts = this.presentOutputs(now)
      this.allOutputsToZero(now)
      this.logOutputs('interlock', fromVolts, false, now)
    }
  }

  private setVoltage(channelText: string, voltsText: string): void {
    const channel = this.parseChannel(channelText)
    if (channel === null) return
    const volts = this.parseNumber(voltsText, 'SOUR:VOLT')
    if (volts === null || this.refuseWhileBusy('SOUR:VOLT')) return
    const [min, max] = this.limitsVolts[channel]!
    if (volts < min || volts > max) {
      this.errors.push(-222, `SOUR:VOLT ${voltsText} V on channel ${channel} is outside its limit [${min}, ${max}] V`)
      return
    }
    const now = nowMs()
    const fromVolts = this.presentOutputs(now)
    this.setpointsVolts[channel] = volts
    this.ramps.rampTo(channel, volts, now)
    this.notifyChange()
    this.logOutputs('set-voltage', fromVolts, false, now)
  }

  private reset(): void {
    this.abortNow('reset')
    this.dacRateHz = POWER_ON_DAC_RATE_HZ
    this.adcRateHz = POWER_ON_ADC_RATE_HZ
    this.averaging = POWER_ON_AVERAGING
    this.limitsVolts = this.absoluteLimits()
    this.upload = null
  }

  private absoluteLimits(): [number, number][] {
    const [absMin, absMax] = this.capabilities.absoluteLimitVolts
    return Array.from({ length: this.activationChannelCount }, (): [number, number] => [absMin, absMax])
  }

  private allOutputsToZero(now: number): void {
    this.setpointsVolts.fill(0)
    for (let channel = 0; channel < this.activationChannelCount; channel++) this.ramps.rampTo(channel, 0, now)
    this.notifyChange()
  }

  // ---- uploads -----------------------------------------------------------------------------

  /** WAV:DATA: framing (-160), size (-223), busy (-221), content (-222), in that order. */
  private handleUpload(unit: CommandUnit, parameterText: string): void {
    const channels = this.activationChannelCount
    const blockForm = 'a definite-length block #<n><L><bytes>'
    if (unit.blocks.length === 0) {
      if (parameterText.trim() === '') return this.rejectUpload(-109, `WAV:DATA needs ${blockForm}`, null, null)
      return this.rejectUpload(-160, `WAV:DATA needs ${blockForm}, got "${parameterText.trim().slice(0, 20)}"`, null, null)
    }
    if (parameterText.trim() !== '') return this.rejectUpload(-160, `unexpected "${parameterText.trim().slice(0, 20)}" before the block`, null, null)
    if (unit.blocks.length > 1) return this.rejectUpload(-160, 'WAV:DATA takes one block, got several', null, null)
    const block = unit.blocks[0]!
    const byteCount = block instanceof Uint8Array ? block.length : block.skippedByteCount
    if (unit.textAfter.trim() !== '') return this.rejectUpload(-160, 'bytes after the block', null, byteCount)
    if (byteCount === 0) return this.rejectUpload(-160, 'the block is empty (L = 0)', null, 0)
    if (byteCount % (4 * channels) !== 0) {
      return this.rejectUpload(-160, `L = ${byteCount} is not a multiple of 4 x ${channels} channels`, null, byteCount)
    }
    const samplesPerChannel = byteCount / (4 * channels)
    const values = block instanceof Uint8Array ? float32LeValues(block) : null
    if (samplesPerChannel > this.capabilities.maxPointsPerChannel || !values) {
      return this.rejectUpload(-223, `${samplesPerChannel} samples per channel, at most ${this.capabilities.maxPointsPerChannel}`, values, byteCount)
    }
    if (this.acquisition) return this.rejectUpload(-221, 'WAV:DATA during an acquisition: wait for *OPC? or send ABOR', values, byteCount)
    const violation = findContentViolation(values, this.contentRules())
    if (violation) return this.rejectUpload(-222, violation, values, byteCount)
    this.upload = values
    this.logUpload('upload', null, values, byteCount)
  }

  /** A rejected upload also discards the previous one. */
  private rejectUpload(code: ErrorCode, detail: string, values: Float32Array | null, byteCount: number | null, stage: 'upload' | 'init' = 'upload'): void {
    this.upload = null
    this.errors.push(code, detail)
    this.logUpload(stage, { code, message: errorMessage(code, detail) }, values, byteCount)
  }

  private contentRules() {
    return {
      channelCount: this.activationChannelCount,
      limitsVolts: this.limitsVolts,
      maxStepVolts: this.capabilities.slewVoltsPerSecond / this.dacRateHz
    }
  }

  private logUpload(stage: 'upload' | 'init', error: { code: number; message: string } | null, values: Float32Array | null, byteCount: number | null): void {
    if (!this.onUpload) return
    const record: UploadLogRecord = {
      time: new Date().toISOString(),
      outcome: error ? 'rejected' : 'accepted',
      stage,
      error,
      channelCount: this.activationChannelCount,
      byteCount,
      ...summaryFields(values ? summariseStream(values, this.activationChannelCount) : null),
      limitsVolts: this.limitsVolts.map(([min, max]): [number, number] => [min, max]),
      dacRateHz: this.dacRateHz,
      adcRateHz: this.adcRateHz,
      slewVoltsPerSecond: this.capabilities.slewVoltsPerSecond,
      allowedStepVolts: this.capabilities.slewVoltsPerSecond / this.dacRateHz
    }
    try {
      this.onUpload(record)
    } catch (error) {
      this.errors.push(-200, `the upload log could not be written: ${messageOf(error)}`)
    }
  }

  // ---- acquisition -------------------------------------------------------------------------

  /**
   * Faults start when acquisition K+1 begins. Returns false when the command must not run
   * (the host has just been disconnected).
   */
  private faultGate(): boolean {
    const due = (kind: FaultKind) => this.faults.some((fault) => fault.kind === kind && this.completedAcquisitions >= fault.afterAcquisitions)
    if (due('stall')) this.muted = true
    if (due('garbage')) this.garbled = true
    if (!this.disconnectFired && due('disconnect')) {
      this.disconnectFired = true
      const connection = this.connection
      this.connection = null
      this.startNewEpoch()
      connection?.disconnect()
      return false
    }
    return true
  }

  private startAcquisition(): Acquisition | null {
    // Any INIT makes the last result unavailable, even one that fails: a host must never fetch
    // an older acquisition's data believing it is the new one.
    this.lastResult = null
    if (this.acquisition) {
      this.errors.push(-213, 'an acquisition is already running')
      return null
    }
    const stream = this.upload
    if (!stream) {
      this.errors.push(-200, 'INIT without an upload: send WAV:DATA first')
      return null
    }
    const pointsPerSample = adcPointsPerSample(this.adcRateHz, this.dacRateHz)
    if (pointsPerSample === null) {
      const detail = `the ADC rate ${formatPlainDecimal(this.adcRateHz)} Hz is not an integer multiple of the DAC rate ${formatPlainDecimal(this.dacRateHz)} Hz; stream discarded`
      this.rejectUpload(-221, detail, stream, stream.length * 4, 'init')
      return null
    }
    const violation = findContentViolation(stream, this.contentRules())
    if (violation) {
      this.rejectUpload(-222, `${violation} (re-checked at INIT); stream discarded`, stream, stream.length * 4, 'init')
      return null
    }
    const now = nowMs()
    // Non-zero DC outputs are ramped to 0 V before playback starts.
    this.allOutputsToZero(now)
    const playbackStartMs = Math.max(now, this.ramps.settledAtMs())
    const sampleCount = stream.length / this.activationChannelCount
    let end!: () => void
    const ended = new Promise<void>((resolve) => (end = resolve))
    const acquisition: Acquisition = {
      stream,
      sampleCount,
      adcPointsPerSample: pointsPerSample,
      averaging: this.averaging,
      playbackStartMs,
      timer: null,
      timeUp: false,
      readings: null,
      state: 'running',
      ended,
      end
    }
    this.acquisition = acquisition
    const playbackMs = this.scaledMs(sampleCount / this.dacRateHz)
    acquisition.timer = setLongTimeout(() => {
      acquisition.timer = null
      acquisition.timeUp = true
      this.tryComplete(acquisition)
    }, playbackStartMs - now + playbackMs)
    // All samples in one batched device call.
    this.device.currentsNanoamps(stream, sampleCount).then(
      (currents) => {
        if (acquisition.state !== 'running') return
        acquisition.readings = readingsFromCurrents(currents, this.readoutChannelCount, pointsPerSample, acquisition.averaging, this.adc)
        this.tryComplete(acquisition)
      },
      (error: unknown) => {
        if (acquisition.state !== 'running') return
        this.errors.push(-200, `the simulated device failed: ${messageOf(error)}`)
        this.endAcquisition(acquisition, 'failed')
      }
    )
    this.notifyChange()
    return acquisition
  }

  private tryComplete(acquisition: Acquisition): void {
    if (acquisition.state !== 'running' || !acquisition.timeUp || !acquisition.readings) return
    this.lastResult = acquisition.readings.volts
    // 101 once per acquisition, at its end.
    if (acquisition.readings.saturated) this.errors.push(101)
    this.completedAcquisitions++
    this.endAcquisition(acquisition, 'completed')
  }

  private endAcquisition(acquisition: Acquisition, state: 'completed' | 'aborted' | 'failed'): void {
    acquisition.state = state
    acquisition.timer?.clear()
    acquisition.timer = null
    if (this.acquisition === acquisition) this.acquisition = null
    acquisition.end()
    this.notifyChange()
  }

  /** ABOR (and *RST): stop playback, ramp every output to 0 V from where it is, forget the last result. */
  private abortNow(event: 'abort' | 'reset', log = true): void {
    const now = nowMs()
    const acquisition = this.acquisition
    const fromVolts = this.presentOutputs(now)
    if (acquisition) {
      for (let channel = 0; channel < this.activationChannelCount; channel++) this.ramps.rampBetween(channel, fromVolts[channel]!, 0, now)
      this.endAcquisition(acquisition, 'aborted')
    }
    this.allOutputsToZero(now)
    this.lastResult = null
    if (log) this.logOutputs(event, fromVolts, acquisition !== null, now)
  }

  /** Each output at `now`: the sample playing, else where its DC ramp is. */
  private presentOutputs(now: number): number[] {
    const acquisition = this.acquisition
    return Array.from(
      { length: this.activationChannelCount },
      (_, channel) => (acquisition ? this.playbackOutput(acquisition, channel, now) : null) ?? this.ramps.valueAt(channel, now)
    )
  }

  private logOutputs(event: OutputsEvent, fromVolts: number[], playbackStopped: boolean, now: number): void {
    if (!this.onOutputs) return
    try {
      this.onOutputs({
        kind: 'outputs',
        time: new Date().toISOString(),
        event,
        playbackStopped,
        fromVolts,
        toVolts: [...this.setpointsVolts],
        settleMs: Math.max(0, this.ramps.settledAtMs() - now)
      })
    } catch (error) {
      this.errors.push(-200, `the log could not be written: ${messageOf(error)}`)
    }
  }

  /** The sample a channel is playing at `now`; null before playback starts. */
  private playbackOutput(acquisition: Acquisition, channel: number, now: number): number | null {
    if (now < acquisition.playbackStartMs) return null
    const elapsedSamples = this.speed === Infinity ? Infinity : ((now - acquisition.playbackStartMs) / 1000) * this.dacRateHz * this.speed
    const sample = Math.floor(elapsedSamples)
    if (sample >= acquisition.sampleCount) return 0
    return acquisition.stream[sample * this.activationChannelCount + channel]!
  }

  private fetch(): Answer | undefined {
    if (this.acquisition || !this.lastResult) {
      this.errors.push(-230, this.acquisition ? 'the acquisition has not finished: wait for *OPC?' : 'no finished acquisition to fetch')
      return undefined
    }
    return this.lastResult
  }

  private async measure(epoch: number): Promise<Answer | undefined> {
    if (!this.faultGate()) return undefined
    const acquisition = this.startAcquisition()
    if (!acquisition) return undefined
    this.waiting = true
    try {
      // The acquisition goes on if the host goes away; only this answer is abandoned.
      while (acquisition.state === 'running' && epoch === this.epoch && !this.closed) await Promise.race([acquisition.ended, this.nextChange()])
    } finally {
      this.waiting = false
    }
    if (acquisition.state === 'completed') return acquisition.readings!.volts
    if (acquisition.state === 'aborted') this.errors.push(-230, 'the acquisition was aborted')
    return undefined
  }

  /** *OPC?: until playback has finished and every output ramp has settled. */
  private async waitIdle(epoch: number): Promise<void> {
    this.waiting = true
    try {
      for (;;) {
        if (this.closed || epoch !== this.epoch) return
        if (this.acquisition) {
          await Promise.race([this.acquisition.ended, this.nextChange()])
          continue
        }
        const remainingMs = this.ramps.settledAtMs() - nowMs()
        if (remainingMs <= 0) return
        await this.sleepOrChange(remainingMs)
      }
    } finally {
      this.waiting = false
    }
  }

  private async readDc(): Promise<Answer> {
    const currents = await this.device.currentsNanoamps(Float32Array.from(this.setpointsVolts), 1)
    const { volts, saturated } = readingsFromCurrents(currents, this.readoutChannelCount, 1, true, this.adc)
    if (saturated) this.errors.push(101)
    return Array.from(volts, formatReading).join(',')
  }

  // ---- time --------------------------------------------------------------------------------

  private scaledMs(seconds: number): number {
    return this.speed === Infinity ? 0 : (seconds * 1000) / this.speed
  }

  private notifyChange(): void {
    const listeners = this.changeListeners
    this.changeListeners = []
    for (const listener of listeners) listener()
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.changeListeners.push(resolve))
  }

  private sleepOrChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS))
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.changeListeners.push(done)
    })
  }
}

/** ADC points per DAC sample: the integer ADC/DAC ratio, or null when the rates do not divide. */
export function adcPointsPerSample(adcRateHz: number, dacRateHz: number): number | null {
  const ratio = adcRateHz / dacRateHz
  const rounded = Math.round(ratio)
  return rounded >= 1 && Math.abs(ratio - rounded) <= 1e-9 * ratio ? rounded : null
}

function formatPair([min, max]: readonly [number, number]): string {
  return `${formatPlainDecimal(min)},${formatPlainDecimal(max)}`
}

function commandOf(unit: CommandUnit): CommandName | null {
  const parsed = parseHeader(unit.textBefore)
  return parsed.syntaxOk ? lookupCommand(parsed.header) : null
}
