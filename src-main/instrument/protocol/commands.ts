/**
 * Command lines the host sends, as bytes ready for the wire (terminated by `\n`) with a short
 * label for error messages. Short-form keywords only (docs/instrument-protocol.md).
 */

import { blockHeader, float32LeBytes } from './block'
import { formatChannel, formatNumber } from './numbers'

export interface Command {
  /** The whole line, `\n` included. */
  bytes: Uint8Array
  /** How errors name the command: the text line, or `WAV:DATA #<n><L><L bytes>` for an upload. */
  label: string
  /** True when the instrument answers it (one line or one block). */
  isQuery: boolean
}

const NEWLINE = 0x0a

function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7e || code < 0x20)
      throw new RangeError(
        `command ${JSON.stringify(text)} holds a byte the protocol does not allow (0x${code.toString(16)})`
      )
    bytes[i] = code
  }
  return bytes
}

/** `header` then its parameters separated by commas, e.g. `SOUR:VOLT:LIM 0,-1.2,1.2`. */
export function formatCommand(header: string, ...params: string[]): Command {
  const line = params.length === 0 ? header : `${header} ${params.join(',')}`
  const text = asciiBytes(line)
  const bytes = new Uint8Array(text.length + 1)
  bytes.set(text, 0)
  bytes[text.length] = NEWLINE
  return { bytes, label: line, isQuery: header.endsWith('?') }
}

export const identify = (): Command => formatCommand('*IDN?')
export const reset = (): Command => formatCommand('*RST')
export const clearStatus = (): Command => formatCommand('*CLS')
export const operationComplete = (): Command => formatCommand('*OPC?')
export const nextError = (): Command => formatCommand('SYST:ERR?')

export const activationChannelCount = (): Command => formatCommand('SOUR:CHAN:COUN?')
export const readoutChannelCount = (): Command => formatCommand('SENS:CHAN:COUN?')
export const absoluteLimit = (): Command => formatCommand('SOUR:VOLT:ABS?')
export const adcRange = (): Command => formatCommand('SENS:VOLT:RANG?')
export const maxDacRate = (): Command => formatCommand('SOUR:FREQ:MAX?')
export const maxAdcRate = (): Command => formatCommand('SENS:FREQ:MAX?')
export const maxPoints = (): Command => formatCommand('WAV:POIN:MAX?')
export const slewRate = (): Command => formatCommand('SOUR:VOLT:SLEW?')

export const setDacRate = (hz: number): Command => formatCommand('SOUR:FREQ', formatNumber(hz))
export const dacRate = (): Command => formatCommand('SOUR:FREQ?')
export const setAdcRate = (hz: number): Command => formatCommand('SENS:FREQ', formatNumber(hz))
export const adcRate = (): Command => formatCommand('SENS:FREQ?')
export const setAveraging = (on: boolean): Command => formatCommand('SENS:AVER', on ? 'ON' : 'OFF')
export const averaging = (): Command => formatCommand('SENS:AVER?')

export const setVoltageLimit = (channel: number, minVolts: number, maxVolts: number): Command =>
  formatCommand('SOUR:VOLT:LIM', formatChannel(channel), formatNumber(minVolts), formatNumber(maxVolts))
export const voltageLimit = (channel: number): Command => formatCommand('SOUR:VOLT:LIM?', formatChannel(channel))
export const setVoltage = (channel: number, volts: number): Command =>
  formatCommand('SOUR:VOLT', formatChannel(channel), formatNumber(volts))
export const voltage = (channel: number): Command => formatCommand('SOUR:VOLT?', formatChannel(channel))
export const readDc = (): Command => formatCommand('READ?')

export const initiate = (): Command => formatCommand('INIT')
export const fetch = (): Command => formatCommand('FETC?')
export const abort = (): Command => formatCommand('ABOR')
export const measure = (): Command => formatCommand('MEAS?')

/**
 * `WAV:DATA #<n><L><float32 LE bytes>\n`: the activation stream, interleaved by channel. The
 * label names the size instead of the bytes.
 */
export function uploadWaveform(streamVolts: ArrayLike<number>): Command {
  const payload = float32LeBytes(streamVolts)
  const head = asciiBytes(`WAV:DATA ${blockHeader(payload.length)}`)
  const bytes = new Uint8Array(head.length + payload.length + 1)
  bytes.set(head, 0)
  bytes.set(payload, head.length)
  bytes[bytes.length - 1] = NEWLINE
  return { bytes, label: `WAV:DATA ${blockHeader(payload.length)}<${payload.length} bytes>`, isQuery: false }
}
