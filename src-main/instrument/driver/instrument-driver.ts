/**
 * The instrument as the services see it: connect and configure, set limits and DC outputs,
 * read DC, run acquisitions, abort, close. Built on `Connection` (framing, timeouts, failed
 * state) and the pure protocol module. It does not judge whether a stream is safe: the caller
 * passes its safety check as `validate`, which runs before any byte of the upload is written.
 */

import {
  deinterleave,
  parseFloat32Block,
  parseIdentity,
  parsePositive,
  type InstrumentIdentity
} from '../protocol/answers'
import * as commands from '../protocol/commands'
import { InstrumentError, ProtocolError, type ErrorQueueEntry } from '../protocol/errors'
import { parseBoolean, parseNumberList } from '../protocol/numbers'
import { Connection, ConnectionUnusableError, type LinkState } from './connection'
import { Io, parseOpc, readCapabilities } from './driver-io'
import {
  checkLimit,
  checkRates,
  checkRateShape,
  checkSettingsShape,
  DriverInputError,
  pickRates,
  resolveConfiguration,
  type InstrumentCapabilities,
  type InstrumentConfiguration,
  type InstrumentSettings,
  type RateSettings
} from './driver-settings'
import type { Transport } from './transport'

export {
  DriverInputError,
  type ChannelLimit,
  type InstrumentCapabilities,
  type InstrumentConfiguration,
  type InstrumentSettings,
  type RateSettings
} from './driver-settings'

export interface AcquisitionResult {
  /** One array of readings per readout channel. */
  readoutVolts: Float32Array[]
  /** Readings per channel: the samples per channel, times ADC/DAC rate when averaging is off. */
  readingsPerChannel: number
  /** The instrument queued 101 "ADC saturated": some readings sit at the ADC range edge. */
  saturated: boolean
}

export interface DcReading {
  /** One reading per readout channel. */
  readoutVolts: number[]
  saturated: boolean
}

/** The host's own check of a stream (the safety validator), run before anything is sent. */
export type StreamValidator = (streamVolts: Float32Array, samplesPerChannel: number) => void | Promise<void>

export interface AcquireOptions {
  validate?: StreamValidator
}

/** The acquisition was stopped by `abort()`; the instrument ramped its outputs to 0 V. */
export class AcquisitionAbortedError extends Error {
  override name = 'AcquisitionAbortedError'
}

export const DEFAULT_ACQUISITION_MARGIN_MS = 2000

export class InstrumentDriver {
  readonly identity: InstrumentIdentity
  readonly capabilities: InstrumentCapabilities
  private readonly connection: Connection
  private readonly acquisitionMarginMs: number
  private config: InstrumentConfiguration
  /** Operations run one after another; `abort()` overtakes them with its `ABOR`. */
  private exclusiveChain: Promise<unknown> = Promise.resolve()
  private abortCount = 0
  private closing: Promise<void> | null = null

  private constructor(
    connection: Connection,
    identity: InstrumentIdentity,
    capabilities: InstrumentCapabilities,
    config: InstrumentConfiguration,
    marginMs: number
  ) {
    this.connection = connection
    this.identity = identity
    this.capabilities = capabilities
    this.config = config
    this.acquisitionMarginMs = marginMs
  }

  /**
   * `*IDN?`, `*CLS`, the capability queries, then rates (DAC first), averaging and every channel's
   * limit, then the error queue until empty. Takes ownership of `transport`: a failed connect
   * closes it. Any queued error fails the connect with its code and text.
   */
  static async connect(transport: Transport, settings: InstrumentSettings): Promise<InstrumentDriver> {
    let connection: Connection | null = null
    try {
      checkSettingsShape(settings)
      connection = new Connection(transport, { commandTimeoutMs: settings.commandTimeoutMs })
      const io = new Io(connection)
      const identity = await io.ask(commands.identify(), parseIdentity)
      await connection.send(commands.clearStatus())
      const capabilities = await readCapabilities(io)
      const config = resolveConfiguration(settings, capabilities)
      await connection.send(commands.setDacRate(config.dacRateHz))
      await connection.send(commands.setAdcRate(config.adcRateHz))
      await connection.send(commands.setAveraging(config.averaging))
      for (const [channel, limit] of config.channelLimits.entries()) {
        await connection.send(commands.setVoltageLimit(channel, limit.minVolts, limit.maxVolts))
      }
      await io.checkErrors('while configuring the instrument on connect')
      return new InstrumentDriver(
        connection,
        identity,
        capabilities,
        config,
        settings.acquisitionMarginMs ?? DEFAULT_ACQUISITION_MARGIN_MS
      )
    } catch (error) {
      if (connection) await connection.close()
      else await transport.close().catch(() => undefined)
      throw error
    }
  }

  get state(): LinkState {
    return this.connection.state
  }

  /** Why the connection failed or closed, or null while it is usable. */
  get failureReason(): Error | null {
    return this.connection.failureReason
  }

  get configuration(): InstrumentConfiguration {
    return { ...this.config, channelLimits: this.config.channelLimits.map((limit) => ({ ...limit })) }
  }

  get transportDescription(): string {
    return this.connection.transport.description
  }

  /**
   * Changes rates and averaging after connect: `SOUR:FREQ` first, then `SENS:FREQ` and
   * `SENS:AVER`, then the error queue. If the instrument refuses any of it, the rates in force are
   * read back (so `configuration` stays true) and the error is thrown.
   */
  configure(rates: RateSettings): Promise<void> {
    return this.exclusive('the configuration', async () => {
      checkRateShape(rates)
      checkRates(rates, this.capabilities)
      await this.connection.send(commands.setDacRate(rates.dacRateHz))
      await this.connection.send(commands.setAdcRate(rates.adcRateHz))
      await this.connection.send(commands.setAveraging(rates.averaging))
      try {
        await this.io.checkErrors('while configuring rates and averaging')
        this.config = { ...this.config, ...pickRates(rates) }
      } catch (error) {
        if (error instanceof InstrumentError) await this.readBackRates()
        throw error
      }
    })
  }

  /** Sets one channel's interlock (`SOUR:VOLT:LIM`), then checks the error queue. */
  setLimits(channel: number, minVolts: number, maxVolts: number): Promise<void> {
    return this.exclusive(`SOUR:VOLT:LIM ${channel}`, async () => {
      this.checkChannel(channel)
      const limit = checkLimit(channel, { minVolts, maxVolts }, this.capabilities.absoluteLimit)
      await this.connection.send(commands.setVoltageLimit(channel, limit.minVolts, limit.maxVolts))
      await this.io.checkErrors(`after setting the limit of channel ${channel}`)
      this.config.channelLimits[channel] = limit
    })
  }

  /** Sets a DC output (manual mode) and waits for the ramp to finish (`*OPC?`). */
  setDcVoltage(channel: number, volts: number): Promise<void> {
    return this.exclusive(`SOUR:VOLT ${channel}`, async () => {
      this.checkChannel(channel)
      const limit = this.config.channelLimits[channel]!
      if (!Number.isFinite(volts))
        throw new DriverInputError(`DC voltage of channel ${channel} must be a finite number, got ${volts}`)
      if (volts < limit.minVolts || volts > limit.maxVolts) {
        throw new DriverInputError(
          `DC voltage ${volts} V on channel ${channel} is outside its limit ${limit.minVolts}..${limit.maxVolts} V`
        )
      }
      await this.connection.send(commands.setVoltage(channel, volts))
      await this.io.ask(commands.operationComplete(), parseOpc, {
        timeoutMs: this.connection.commandTimeoutMs + this.rampMs()
      })
      await this.io.checkErrors(`after setting channel ${channel} to ${volts} V`)
    })
  }

  /** One DC reading per readout channel (`READ?`). */
  readDc(): Promise<DcReading> {
    return this.exclusive('READ?', async () => {
      const readoutVolts = await this.io.ask(commands.readDc(), (text) =>
        parseNumberList(text, 'READ? answer', this.capabilities.readoutChannels)
      )
      const { saturated } = await this.io.checkErrors('after READ?')
      return { readoutVolts, saturated }
    })
  }

  /**
   * Plays `streamVolts` (interleaved by activation channel, `samplesPerChannel` samples each)
   * and returns the readout: `validate`, upload, error check, `INIT`, `*OPC?` (timeout: playback
   * plus ramps plus margin), `FETC?`, error check. 101 marks the result saturated; any other
   * queued code throws `InstrumentError`.
   */
  acquire(
    streamVolts: ArrayLike<number>,
    samplesPerChannel: number,
    options: AcquireOptions = {}
  ): Promise<AcquisitionResult> {
    // Counted at call time: an abort() also cancels acquisitions queued before it.
    const abortsAtCall = this.abortCount
    const checkNotAborted = (stage: string) => {
      if (this.abortCount !== abortsAtCall) throw new AcquisitionAbortedError(`acquisition aborted ${stage}`)
    }
    return this.exclusive('the acquisition', async () => {
      const caps = this.capabilities
      if (
        !Number.isInteger(samplesPerChannel) ||
        samplesPerChannel < 1 ||
        samplesPerChannel > caps.maxPointsPerChannel
      ) {
        throw new DriverInputError(
          `samples per channel must be an integer 1..${caps.maxPointsPerChannel} (WAV:POIN:MAX?), got ${samplesPerChannel}`
        )
      }
      const expectedLength = samplesPerChannel * caps.activationChannels
      if (streamVolts.length !== expectedLength) {
        throw new DriverInputError(
          `stream holds ${streamVolts.length} samples; ${samplesPerChannel} samples x ${caps.activationChannels} activation channels needs ${expectedLength}`
        )
      }
      // A private float32 copy: what is validated is exactly what is sent, even if the caller's array changes meanwhile.
      const stream = Float32Array.from(streamVolts)
      await options.validate?.(stream, samplesPerChannel)
      checkNotAborted('before the upload')
      const upload = commands.uploadWaveform(stream)
      await this.connection.send(upload, {
        timeoutMs: this.connection.commandTimeoutMs + this.transferMs(upload.bytes.length)
      })
      await this.io.checkErrors('after the WAV:DATA upload')
      checkNotAborted('before INIT')
      await this.connection.send(commands.initiate())
      const playbackMs = (samplesPerChannel / this.config.dacRateHz) * 1000
      await this.io.ask(commands.operationComplete(), parseOpc, {
        timeoutMs: playbackMs + this.rampMs() + this.acquisitionMarginMs
      })
      checkNotAborted('during playback')
      const ratio = this.config.averaging ? 1 : this.config.adcRateHz / this.config.dacRateHz
      const readingsPerChannel = samplesPerChannel * ratio
      const expectedReadings = readingsPerChannel * caps.readoutChannels
      const payload = await this.connection.queryBlock(commands.fetch(), {
        timeoutMs: this.connection.commandTimeoutMs + this.transferMs(expectedReadings * 4)
      })
      const values = this.connection.parseOrFail(() => parseFloat32Block(payload, 'FETC? answer'))
      const { saturated } = await this.io.checkErrors('after the acquisition')
      if (values.length !== expectedReadings) {
        // Framing is intact (the block was read by its length), so the connection stays usable.
        throw new ProtocolError(
          `FETC? returned ${values.length} readings; expected ${readingsPerChannel} per channel x ${caps.readoutChannels} readout channels = ${expectedReadings}`
        )
      }
      return { readoutVolts: deinterleave(values, caps.readoutChannels), readingsPerChannel, saturated }
    })
  }

  /**
   * `ABOR` at once (ahead of anything waiting, so a running acquisition stops and its `*OPC?`
   * answers), then, in turn, `*OPC?` for the ramps to 0 V and an error-queue drain. Returns the
   * drained entries (the aborted work's errors, for the log) rather than throwing on them.
   */
  async abort(): Promise<ErrorQueueEntry[]> {
    this.abortCount++
    if (this.connection.state !== 'open') {
      await this.connection.writeBestEffort(commands.abort())
      throw this.unusableError('ABOR')
    }
    await this.connection.sendNow(commands.abort())
    return this.exclusive('*OPC? after ABOR', async () => {
      await this.io.ask(commands.operationComplete(), parseOpc, {
        timeoutMs: this.connection.commandTimeoutMs + this.rampMs()
      })
      return this.io.drainErrors()
    })
  }

  /**
   * Last resort when the process is about to exit on a fatal error: fails the connection first,
   * so nothing queued or in flight sends another command after it, then writes `ABOR` behind
   * whatever the transport already holds (a half-written upload is completed first, so the
   * instrument reads ABOR as a command, not as block data). Resolves once the bytes are handed
   * to the OS, rejects saying why they could not be; no `*OPC?` (the instrument ramps to 0 V on
   * its own) and no timer (the caller bounds the wait). The transport stays open: closing it
   * could drop the pending write.
   */
  emergencyAbort(reason: Error): Promise<void> {
    this.abortCount++
    this.connection.fail(reason)
    return this.connection.writeDespiteFailure(commands.abort())
  }

  /**
   * Tries `ABOR` (outputs to 0 V), waiting at most about two command timeouts for it, then closes
   * the transport. Never throws; anything still waiting rejects.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.connection.state === 'open') {
        const deadlineMs = 2 * this.connection.commandTimeoutMs + this.rampMs()
        await Promise.race([
          this.abort().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, deadlineMs).unref())
        ])
      } else {
        await this.connection.writeBestEffort(commands.abort())
      }
      await this.connection.close().catch(() => undefined)
    })()
    return this.closing
  }

  private async readBackRates(): Promise<void> {
    const dacRateHz = await this.io.ask(commands.dacRate(), (t) => parsePositive(t, 'SOUR:FREQ? answer', false))
    const adcRateHz = await this.io.ask(commands.adcRate(), (t) => parsePositive(t, 'SENS:FREQ? answer', false))
    const averaging = await this.io.ask(commands.averaging(), (t) => parseBoolean(t, 'SENS:AVER? answer'))
    this.config = { ...this.config, dacRateHz, adcRateHz, averaging }
  }

  private get io(): Io {
    return new Io(this.connection)
  }

  /** Runs `run` after every operation before it; `what` names it if the connection is unusable by then. */
  private exclusive<T>(what: string, run: () => Promise<T>): Promise<T> {
    const result = this.exclusiveChain.then(() => {
      if (this.connection.state !== 'open') throw this.unusableError(what)
      return run()
    })
    this.exclusiveChain = result.catch(() => undefined)
    return result
  }

  private unusableError(what: string): Error {
    const reason = this.connection.failureReason
    const error = new ConnectionUnusableError(
      `${what} not sent: ${reason && this.connection.state === 'failed' ? `the connection failed earlier: ${reason.message}` : 'the connection is closed'}`
    )
    if (reason) error.cause = reason
    return error
  }

  private checkChannel(channel: number): void {
    const count = this.capabilities.activationChannels
    if (!Number.isInteger(channel) || channel < 0 || channel >= count) {
      throw new DriverInputError(
        `channel must be an integer 0..${count - 1} (the instrument has ${count} activation channels), got ${channel}`
      )
    }
  }

  /** Longest ramp the instrument may make before or after playback: full absolute span at the slew limit. */
  private rampMs(): number {
    const { absoluteLimit, slewVoltsPerSecond } = this.capabilities
    return ((absoluteLimit.maxVolts - absoluteLimit.minVolts) / slewVoltsPerSecond) * 1000
  }

  /** Time to move `bytes` over the link, with half again for slack (0 for an unlimited link). */
  private transferMs(bytes: number): number {
    const rate = this.connection.transport.bytesPerSecond
    return Number.isFinite(rate) && rate > 0 ? (bytes / rate) * 1000 * 1.5 : 0
  }
}
