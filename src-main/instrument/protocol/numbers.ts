/**
 * Numbers as the instrument reads and writes them: NR1 (`5`), NR2 (`-0.5`), NR3 (`1.5E-3`), no
 * unit suffixes (docs/instrument-protocol.md "Details that implementations must agree on", Numbers).
 */

import { ProtocolError } from './errors'

/**
 * A plain decimal for `value` (NR1 or NR2, never an exponent), exact to the shortest round-trip
 * digits. JavaScript prints 1e-7 and 1e21 with exponents; a firmware parser written for the
 * examples on the protocol page may not read them, so they are spelled out.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot send ${value} to the instrument: only finite numbers`)
  if (Object.is(value, -0) || value === 0) return '0'
  const plain = String(value)
  if (!/e/i.test(plain)) return plain
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string]
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const exponent = Number(exponentText)
  // The decimal point sits after the first digit of the mantissa; move it by the exponent.
  const pointAt = 1 + exponent
  let text: string
  if (pointAt <= 0) text = `0.${'0'.repeat(-pointAt)}${digits}`
  else if (pointAt >= digits.length) text = `${digits}${'0'.repeat(pointAt - digits.length)}`
  else text = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`
  return negative ? `-${text}` : text
}

/** A channel number for a command: an integer >= 0. */
export function formatChannel(channel: number): string {
  if (!Number.isInteger(channel) || channel < 0) throw new RangeError(`channel must be an integer >= 0, got ${channel}`)
  return String(channel)
}

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** Parses one NR1/NR2/NR3 number of an answer; `what` names it in the error. */
export function parseNumber(text: string, what: string): number {
  const trimmed = text.trim()
  if (!NUMBER_PATTERN.test(trimmed)) throw new ProtocolError(`${what}: expected a number, got ${quote(trimmed)}`)
  const value = Number(trimmed)
  if (!Number.isFinite(value)) throw new ProtocolError(`${what}: ${quote(trimmed)} is not a finite number`)
  return value
}

/** Parses an integer answer (an NR1, or a number with an all-zero fraction). */
export function parseInteger(text: string, what: string): number {
  const value = parseNumber(text, what)
  if (!Number.isSafeInteger(value)) throw new ProtocolError(`${what}: expected an integer, got ${quote(text.trim())}`)
  return value
}

/** Parses a comma-separated list of numbers; `count`, when given, is the required length. */
export function parseNumberList(text: string, what: string, count?: number): number[] {
  const trimmed = text.trim()
  if (trimmed === '') throw new ProtocolError(`${what}: expected a list of numbers, got an empty answer`)
  const values = trimmed.split(',').map((item, i) => parseNumber(item, `${what} item ${i}`))
  if (count !== undefined && values.length !== count) {
    throw new ProtocolError(
      `${what}: expected ${count} value${count === 1 ? '' : 's'}, got ${values.length} in ${quote(trimmed)}`
    )
  }
  return values
}

/** Parses a boolean answer: `1` or `0`. */
export function parseBoolean(text: string, what: string): boolean {
  const trimmed = text.trim()
  if (trimmed === '1') return true
  if (trimmed === '0') return false
  throw new ProtocolError(`${what}: expected 1 or 0, got ${quote(trimmed)}`)
}

/** Quotes answer text for an error message, showing control bytes and cutting long text. */
export function quote(text: string, maxChars = 60): string {
  const shown = text.length > maxChars ? `${text.slice(0, maxChars)}...` : text
  return JSON.stringify(shown)
}
