/**
 * The simulated DNPU-DAQ box, independent of any transport: bytes from the host go in through
 * `push()`, answers come out through the attached connection. It implements every command, rule
 * and ordering of docs/instrument-protocol.md; its device is a `SimulatedDevice` (a surrogate model).
 *
 * The jobs are split: `HostLink` frames and queues the host's lines and sends the answers,
 * `InstrumentRegisters` holds the settings and DC outputs, `UploadSlot` checks, holds and logs the
 * uploaded stream, `Acquisitions` plays streams and records readings; this class dispatches each
 * command to them and handles the waits, ABOR and the faults.
 *
 * Lines are executed one at a time, in arrival order, so answers come out in order even when a
 * command has to wait (`*OPC?`, `MEAS?`, `READ?`). The one exception is `ABOR`: a line holding
 * it acts at once while a wait is in progress (and then runs again, harmlessly, in its turn).
 */
import { Acquisitions } from './acquisition'
import { readingsFromCurrents, type AdcSettings } from './adc'
import type { SimulatorCapabilities } from './capabilities'
import { lookupCommand, type CommandName } from './command-table'
import type { SimulatedDevice } from './device'
import { ErrorQueue, formatErrorAnswer } from './error-queue'
import type { FaultKind, FaultSpec } from './faults'
import { HostLink, type Answer, type InstrumentConnection } from './host-link'
import { resolveOptions, type ScpiInstrumentOptions } from './instrument-options'
import { InstrumentRegisters } from './instrument-registers'
import { formatPlainDecimal, formatReading, parseHeader, splitParameters, type CommandUnit } from './scpi-syntax'
import { ChangeSignal, messageOf, nowMs } from './timing'
import type { OutputsEvent, OutputsLogRecord } from './upload-log'
import { UploadSlot } from './upload-slot'

export type { InstrumentConnection } from './host-link'
export type { ScpiInstrumentOptions } from './instrument-options'
export { adcPointsPerSample } from './instrument-registers'

export class ScpiInstrument {
  readonly activationChannelCount: number
  readonly readoutChannelCount: number
  readonly capabilities: SimulatorCapabilities
  /** The `*IDN?` answer. */
  readonly identification: string

  private readonly device: SimulatedDevice
  private readonly adc: AdcSettings
  private readonly faults: readonly FaultSpec[]
  private readonly onOutputs: ((record: OutputsLogRecord) => void) | undefined
  private readonly blockStallTimeoutMs: number

  private readonly errors = new ErrorQueue()
  private readonly changes = new ChangeSignal()
  private readonly link: HostLink
  private readonly registers: InstrumentRegisters
  private readonly acquisitions: Acquisitions
  private readonly uploads: UploadSlot
  /** True while `*OPC?` or `MEAS?` waits: an arriving `ABOR` then acts at once. */
  private waiting = false
  /** The line being executed had its ABOR acted on at arrival: its repeat in turn is not logged again. */
  private repeatOfEarlyAbort = false
  private closed = false
  private disconnectFired = false

  constructor(options: ScpiInstrumentOptions) {
    const setup = resolveOptions(options)
    const { capabilities, speed, latencyMs, seed } = setup
    this.capabilities = capabilities
    this.device = options.device
    this.activationChannelCount = options.device.activationChannelCount
    this.readoutChannelCount = options.device.readoutChannelCount
    this.identification = setup.identification
    this.adc = setup.adc
    this.faults = setup.faults
    this.onOutputs = options.onOutputs
    this.blockStallTimeoutMs = setup.blockStallTimeoutMs

    const changed = () => this.changes.notify()
    this.link = new HostLink(
      {
        // Blocks bigger than the largest acceptable upload are skipped, not stored (-223 either way).
        maxBlockBytes: 4 * this.activationChannelCount * capabilities.maxPointsPerChannel,
        blockStallTimeoutMs: this.blockStallTimeoutMs,
        latencyMs,
        garbageSeed: (seed ^ 0x5bd1e995) >>> 0
      },
      {
        arrived: (units) => this.lineArrived(units),
        starting: (actedOnArrival) => (this.repeatOfEarlyAbort = actedOnArrival),
        execute: (unit, epoch) => this.execute(unit, epoch),
        overrun: (lineBytes) =>
          this.errors.push(-363, `a line grew past 64 KiB (${lineBytes} bytes) and was discarded`),
        stalled: () =>
          this.uploads.reject(
            -160,
            `the block stopped arriving for ${this.blockStallTimeoutMs / 1000} s and was dropped`,
            null,
            null
          ),
        epochChanged: changed
      }
    )
    this.registers = new InstrumentRegisters(this.activationChannelCount, capabilities, speed, {
      errors: this.errors,
      busy: () => this.acquisitions.current !== null,
      presentOutputs: (now) => this.acquisitions.presentOutputs(now),
      logOutputs: (event, fromVolts, playbackStopped, now) => this.logOutputs(event, fromVolts, playbackStopped, now),
      changed
    })
    this.acquisitions = new Acquisitions({
      device: this.device,
      adc: this.adc,
      errors: this.errors,
      registers: this.registers,
      activationChannelCount: this.activationChannelCount,
      readoutChannelCount: this.readoutChannelCount,
      speed,
      rejectStream: (code, detail, stream) => this.uploads.reject(code, detail, stream, stream.length * 4, 'init'),
      changed
    })
    this.uploads = new UploadSlot({
      errors: this.errors,
      registers: this.registers,
      capabilities,
      activationChannelCount: this.activationChannelCount,
      busy: () => this.acquisitions.current !== null,
      onUpload: options.onUpload
    })
  }

  /**
   * Connects a host. A previous host is forgotten (its unread input and unsent answers are
   * dropped); the instrument's state survives, as a real box's does when the port is reopened.
   * Returns the detach function.
   */
  attach(connection: InstrumentConnection): () => void {
    return this.link.attach(connection)
  }

  /** Bytes from the host. */
  push(bytes: Uint8Array): void {
    if (this.closed) return
    this.link.push(bytes)
  }

  /** Stops everything: timers, waits, the device. Further input is ignored. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.link.close()
    if (this.acquisitions.current) this.acquisitions.end(this.acquisitions.current, 'aborted')
    this.changes.notify()
    this.device.dispose()
  }

  /** Resolves once every line received so far has been executed (tests, orderly shutdown). */
  async settled(): Promise<void> {
    await this.link.settled()
  }

  // ---- dispatch ----------------------------------------------------------------------------

  private lineArrived(units: readonly CommandUnit[]): boolean {
    const abortedEarly = this.waiting && units.some((unit) => commandOf(unit) === 'abort')
    if (abortedEarly) this.abortNow('abort')
    return abortedEarly
  }

  /** Runs one command; a query answers exactly once whatever happens. */
  private execute(unit: CommandUnit, epoch: number): Promise<void> | void {
    const parsed = parseHeader(unit.textBefore)
    const command = parsed.syntaxOk ? lookupCommand(parsed.header) : null
    const answersBlock = command === 'fetch' || command === 'measure'
    const finish = (answer: Answer | undefined): void => {
      if (!parsed.isQuery) return
      this.link.emitAnswer(answer ?? (answersBlock ? new Float32Array(0) : ''), epoch)
    }
    if (!parsed.syntaxOk) {
      this.errors.push(-102, `"${parsed.header}" is not a valid header`)
      return finish(undefined)
    }
    if (!command) {
      this.errors.push(-113, `"${parsed.header}" is not a command of this instrument`)
      return finish(undefined)
    }
    if (command === 'upload') return this.uploads.receive(unit, parsed.parameterText)
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

  private run(
    command: CommandName,
    header: string,
    parameters: string[],
    epoch: number
  ): Answer | undefined | Promise<Answer | undefined> {
    const caps = this.capabilities
    const registers = this.registers
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
        if (expect(1)) registers.setDacRate(parameters[0]!)
        return undefined
      case 'dacRate':
        return expect(0) ? formatPlainDecimal(registers.dacRateHz) : undefined
      case 'setAdcRate':
        if (expect(1)) registers.setAdcRate(parameters[0]!)
        return undefined
      case 'adcRate':
        return expect(0) ? formatPlainDecimal(registers.adcRateHz) : undefined
      case 'setAveraging':
        if (expect(1)) registers.setAveraging(parameters[0]!)
        return undefined
      case 'averaging':
        return expect(0) ? (registers.averaging ? '1' : '0') : undefined
      case 'setLimit':
        if (expect(3)) registers.setLimit(parameters as [string, string, string])
        return undefined
      case 'limit': {
        const channel = expect(1) ? registers.parseChannel(parameters[0]!) : null
        return channel === null ? undefined : formatPair(registers.limitsVolts[channel]!)
      }
      case 'setVoltage':
        if (expect(2)) registers.setVoltage(parameters[0]!, parameters[1]!)
        return undefined
      case 'voltage': {
        const channel = expect(1) ? registers.parseChannel(parameters[0]!) : null
        return channel === null ? undefined : formatPlainDecimal(registers.setpointsVolts[channel]!)
      }
      case 'read':
        return expect(0) ? this.readDc() : undefined
      case 'initiate':
        if (expect(0) && this.faultGate()) this.acquisitions.start(this.uploads.stream)
        return undefined
      case 'fetch':
        return expect(0) ? this.acquisitions.fetch() : undefined
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

  private reset(): void {
    this.abortNow('reset')
    this.registers.powerOn()
    this.uploads.clear()
  }

  // ---- outputs, waits and faults -----------------------------------------------------------

  private logOutputs(event: OutputsEvent, fromVolts: number[], playbackStopped: boolean, now: number): void {
    if (!this.onOutputs) return
    try {
      this.onOutputs({
        kind: 'outputs',
        time: new Date().toISOString(),
        event,
        playbackStopped,
        fromVolts,
        toVolts: [...this.registers.setpointsVolts],
        settleMs: Math.max(0, this.registers.ramps.settledAtMs() - now)
      })
    } catch (error) {
      this.errors.push(-200, `the log could not be written: ${messageOf(error)}`)
    }
  }

  /**
   * Faults start when acquisition K+1 begins. Returns false when the command must not run
   * (the host has just been disconnected).
   */
  private faultGate(): boolean {
    const due = (kind: FaultKind) =>
      this.faults.some((fault) => fault.kind === kind && this.acquisitions.completedCount >= fault.afterAcquisitions)
    if (due('stall')) this.link.muted = true
    if (due('garbage')) this.link.garbled = true
    if (!this.disconnectFired && due('disconnect')) {
      this.disconnectFired = true
      this.link.dropHost()
      return false
    }
    return true
  }

  /** ABOR (and *RST): stop playback, ramp every output to 0 V from where it is, forget the last result. */
  private abortNow(event: 'abort' | 'reset', log = true): void {
    const now = nowMs()
    const fromVolts = this.acquisitions.presentOutputs(now)
    const playbackStopped = this.acquisitions.stop(fromVolts, now)
    this.registers.allOutputsToZero(now)
    this.acquisitions.lastResult = null
    if (log) this.logOutputs(event, fromVolts, playbackStopped, now)
  }

  private async measure(epoch: number): Promise<Answer | undefined> {
    if (!this.faultGate()) return undefined
    const acquisition = this.acquisitions.start(this.uploads.stream)
    if (!acquisition) return undefined
    this.waiting = true
    try {
      // The acquisition goes on if the host goes away; only this answer is abandoned.
      while (acquisition.state === 'running' && epoch === this.link.epoch && !this.closed)
        await Promise.race([acquisition.ended, this.changes.next()])
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
        if (this.closed || epoch !== this.link.epoch) return
        const acquisition = this.acquisitions.current
        if (acquisition) {
          await Promise.race([acquisition.ended, this.changes.next()])
          continue
        }
        const remainingMs = this.registers.ramps.settledAtMs() - nowMs()
        if (remainingMs <= 0) return
        await this.changes.sleepOrChange(remainingMs)
      }
    } finally {
      this.waiting = false
    }
  }

  private async readDc(): Promise<Answer> {
    const currents = await this.device.currentsNanoamps(Float32Array.from(this.registers.setpointsVolts), 1)
    const { volts, saturated } = readingsFromCurrents(currents, this.readoutChannelCount, 1, true, this.adc)
    if (saturated) this.errors.push(101)
    return Array.from(volts, formatReading).join(',')
  }
}

function formatPair([min, max]: readonly [number, number]): string {
  return `${formatPlainDecimal(min)},${formatPlainDecimal(max)}`
}

function commandOf(unit: CommandUnit): CommandName | null {
  const parsed = parseHeader(unit.textBefore)
  return parsed.syntaxOk ? lookupCommand(parsed.header) : null
}
