/**
 * Parsers for the instrument's answers. Each takes one answer frame from `FrameReader` (a text
 * line or a block) and throws `ProtocolError` naming what was expected and what arrived.
 */

import { BlockFormatError, float32LeValues } from './block'
import { ProtocolError, type ErrorQueueEntry } from './errors'
import type { Frame } from './frame-reader'
import { parseInteger, parseNumber, parseNumberList, quote } from './numbers'

/** The text of a one-line answer; `''` for the empty line a failing query answers. */
export function frameText(frame: Frame, what: string): string {
  if (frame.parts.length === 0) return ''
  if (frame.parts.length === 1 && typeof frame.parts[0] === 'string') return frame.parts[0]
  throw new ProtocolError(`${what}: expected a text line, got ${describeFrame(frame)}`)
}

/** The payload of a block answer (`#10`, the empty block, gives 0 bytes). */
export function frameBlock(frame: Frame, what: string): Uint8Array {
  const [part] = frame.parts
  if (frame.parts.length === 1 && part instanceof Uint8Array) return part
  throw new ProtocolError(`${what}: expected one binary block, got ${describeFrame(frame)}`)
}

/** A short description of a frame's shape and start, for error messages. */
export function describeFrame(frame: Frame): string {
  if (frame.parts.length === 0) return 'an empty line'
  return frame.parts
    .map((part) => {
      if (typeof part === 'string') return `text ${quote(part)}`
      if (part instanceof Uint8Array) return `a block of ${part.length} bytes`
      return `an oversize block of ${part.skippedByteCount} bytes`
    })
    .join(' then ')
}

export interface InstrumentIdentity {
  maker: string
  model: string
  serial: string
  firmware: string
}

/** `*IDN?`: `maker,model,serial,firmware`. */
export function parseIdentity(text: string): InstrumentIdentity {
  const fields = text
    .trim()
    .split(',')
    .map((field) => field.trim())
  if (fields.length !== 4 || fields.some((field) => field === '')) {
    throw new ProtocolError(`*IDN? answer: expected "maker,model,serial,firmware", got ${quote(text.trim())}`)
  }
  const [maker, model, serial, firmware] = fields as [string, string, string, string]
  return { maker, model, serial, firmware }
}

/** `SYST:ERR?`: `code,"message"` (a `""` inside the message is one quote, as in SCPI strings). */
export function parseErrorEntry(text: string): ErrorQueueEntry {
  const match = /^\s*([+-]?\d+)\s*,\s*"(.*)"\s*$/s.exec(text)
  if (!match) throw new ProtocolError(`SYST:ERR? answer: expected code,"message", got ${quote(text.trim())}`)
  return { code: parseInteger(match[1]!, 'SYST:ERR? code'), message: match[2]!.replace(/""/g, '"') }
}

export interface VoltageRange {
  minVolts: number
  maxVolts: number
}

/** `min,max` in volts with min < max (absolute limit, ADC range, channel limit). */
export function parseVoltageRange(text: string, what: string): VoltageRange {
  const [minVolts, maxVolts] = parseNumberList(text, what, 2) as [number, number]
  if (!(minVolts < maxVolts)) throw new ProtocolError(`${what}: expected min < max, got ${quote(text.trim())}`)
  return { minVolts, maxVolts }
}

/** A count or rate that must be a positive number (`integer` for channel and point counts). */
export function parsePositive(text: string, what: string, integer: boolean): number {
  const value = integer ? parseInteger(text, what) : parseNumber(text, what)
  if (value <= 0) throw new ProtocolError(`${what}: expected a positive number, got ${quote(text.trim())}`)
  return value
}

/** A float32 block payload as values. */
export function parseFloat32Block(payload: Uint8Array, what: string): Float32Array {
  try {
    return float32LeValues(payload)
  } catch (error) {
    if (error instanceof BlockFormatError) throw new ProtocolError(`${what}: ${error.message}`)
    throw error
  }
}

/** Splits values interleaved by channel (`s0ch0, s0ch1, ..., s1ch0, ...`) into one array per channel. */
export function deinterleave(values: Float32Array, channelCount: number): Float32Array[] {
  if (!Number.isInteger(channelCount) || channelCount < 1)
    throw new RangeError(`channel count must be an integer >= 1, got ${channelCount}`)
  if (values.length % channelCount !== 0)
    throw new ProtocolError(`${values.length} values do not split into ${channelCount} channels`)
  const perChannel = values.length / channelCount
  const channels = Array.from({ length: channelCount }, () => new Float32Array(perChannel))
  for (let i = 0; i < values.length; i++) channels[i % channelCount]![Math.floor(i / channelCount)] = values[i]!
  return channels
}
