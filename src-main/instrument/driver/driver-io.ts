/**
 * The driver's answer rules over a `Connection`: an empty answer means the query failed (the error
 * queue says why), an answer its parser rejects fails the connection, and a drain of the error
 * queue turns 101 into `saturated` and any other code into an `InstrumentError`. Also the
 * capability queries of connect and the `*OPC?` answer.
 */
import { parseErrorEntry, parsePositive, parseVoltageRange } from '../protocol/answers'
import * as commands from '../protocol/commands'
import type { Command } from '../protocol/commands'
import { InstrumentError, ProtocolError, SATURATED_CODE, type ErrorQueueEntry } from '../protocol/errors'
import { quote } from '../protocol/numbers'
import type { Connection } from './connection'
import type { InstrumentCapabilities } from './driver-settings'

/** SYST:ERR? reads before the queue must be empty: 16 entries, one overflow, and slack. */
const MAX_ERROR_READS = 32

/** Queries with the driver's answer rules; shared by connect and the driver's operations. */
export class Io {
  constructor(private readonly connection: Connection) {}

  /**
   * A one-line query parsed by `parse`. An empty answer means the query failed: the error queue
   * says why (InstrumentError). An answer `parse` rejects fails the connection (ProtocolError).
   */
  async ask<T>(command: Command, parse: (text: string) => T, options: { timeoutMs?: number } = {}): Promise<T> {
    const text = await this.connection.queryText(command, options)
    if (text.trim() === '') {
      const failures = (await this.drainErrors()).filter((entry) => entry.code !== SATURATED_CODE)
      if (failures.length > 0) throw new InstrumentError(failures, `in answer to "${command.label}"`)
      const error = new ProtocolError(`empty answer to "${command.label}" with no error queued`)
      this.connection.fail(error)
      throw error
    }
    return this.connection.parseOrFail(() => parse(text))
  }

  /** `SYST:ERR?` until `0`; returns the non-zero entries in order. */
  async drainErrors(): Promise<ErrorQueueEntry[]> {
    const entries: ErrorQueueEntry[] = []
    for (let read = 0; read < MAX_ERROR_READS; read++) {
      const text = await this.connection.queryText(commands.nextError())
      const entry = this.connection.parseOrFail(() => parseErrorEntry(text))
      if (entry.code === 0) return entries
      entries.push(entry)
    }
    const error = new ProtocolError(
      `the error queue did not empty after ${MAX_ERROR_READS} SYST:ERR? reads (its depth is 16)`
    )
    this.connection.fail(error)
    throw error
  }

  /** Drains the queue: 101 sets `saturated`, any other code throws InstrumentError with `context`. */
  async checkErrors(context: string): Promise<{ saturated: boolean }> {
    const entries = await this.drainErrors()
    const failures = entries.filter((entry) => entry.code !== SATURATED_CODE)
    if (failures.length > 0) throw new InstrumentError(failures, context)
    return { saturated: entries.length > failures.length }
  }
}

export function parseOpc(text: string): true {
  if (text.trim() !== '1') throw new ProtocolError(`*OPC? answer: expected 1, got ${quote(text.trim())}`)
  return true
}

export async function readCapabilities(io: Io): Promise<InstrumentCapabilities> {
  const activationChannels = await io.ask(commands.activationChannelCount(), (t) =>
    parsePositive(t, 'SOUR:CHAN:COUN? answer', true)
  )
  const readoutChannels = await io.ask(commands.readoutChannelCount(), (t) =>
    parsePositive(t, 'SENS:CHAN:COUN? answer', true)
  )
  const absoluteLimit = await io.ask(commands.absoluteLimit(), (t) => parseVoltageRange(t, 'SOUR:VOLT:ABS? answer'))
  const adcRange = await io.ask(commands.adcRange(), (t) => parseVoltageRange(t, 'SENS:VOLT:RANG? answer'))
  const maxDacRateHz = await io.ask(commands.maxDacRate(), (t) => parsePositive(t, 'SOUR:FREQ:MAX? answer', false))
  const maxAdcRateHz = await io.ask(commands.maxAdcRate(), (t) => parsePositive(t, 'SENS:FREQ:MAX? answer', false))
  const maxPointsPerChannel = await io.ask(commands.maxPoints(), (t) => parsePositive(t, 'WAV:POIN:MAX? answer', true))
  const slewVoltsPerSecond = await io.ask(commands.slewRate(), (t) => parsePositive(t, 'SOUR:VOLT:SLEW? answer', false))
  if (absoluteLimit.minVolts > 0 || absoluteLimit.maxVolts < 0) {
    throw new ProtocolError(
      `SOUR:VOLT:ABS? answer ${absoluteLimit.minVolts},${absoluteLimit.maxVolts} does not include 0 V`
    )
  }
  return {
    activationChannels,
    readoutChannels,
    absoluteLimit,
    adcRange,
    maxDacRateHz,
    maxAdcRateHz,
    maxPointsPerChannel,
    slewVoltsPerSecond
  }
}
