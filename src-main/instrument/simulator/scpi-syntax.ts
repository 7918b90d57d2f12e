/**
 * The text side of the instrument's command language: `;` chains, headers matched against the
 * short/long keyword forms, NR1/NR2/NR3 numbers, and answer formatting
 * (docs/instrument-protocol.md "Details that implementations must agree on").
 */
import type { Frame, SkippedBlock } from '../protocol/frame-reader'

export type BlockPart = Uint8Array | SkippedBlock

/** One command of a `;` chain: its text up to the first block, its blocks, the text after them. */
export interface CommandUnit {
  textBefore: string
  blocks: BlockPart[]
  textAfter: string
}

/**
 * Splits one line into its `;`-separated commands. A `;` inside a block is payload (the frame
 * reader already cut the block out by length). Empty commands (`;;`, an empty line) vanish.
 */
export function splitChain(frame: Frame): CommandUnit[] {
  const units: CommandUnit[] = []
  let current: CommandUnit = { textBefore: '', blocks: [], textAfter: '' }
  for (const part of frame.parts) {
    if (typeof part !== 'string') {
      current.blocks.push(part)
      continue
    }
    part.split(';').forEach((piece, index) => {
      if (index > 0) {
        units.push(current)
        current = { textBefore: '', blocks: [], textAfter: '' }
      }
      if (current.blocks.length === 0) current.textBefore += piece
      else current.textAfter += piece
    })
  }
  units.push(current)
  return units.filter((unit) => unit.blocks.length > 0 || unit.textBefore.trim() !== '' || unit.textAfter.trim() !== '')
}

export interface ParsedHeader {
  /** The header as sent, without the leading `:`. */
  header: string
  isQuery: boolean
  /** Everything after the header's whitespace (before any block). */
  parameterText: string
  syntaxOk: boolean
}

const HEADER_SYNTAX = /^(\*[A-Za-z]+|[A-Za-z][A-Za-z0-9]*(:[A-Za-z][A-Za-z0-9]*)*)\??$/

export function parseHeader(textBefore: string): ParsedHeader {
  const trimmed = textBefore.replace(/^\s+/, '')
  const match = /^(\S*)(\s+([\s\S]*))?$/.exec(trimmed)!
  const raw = match[1]!
  const header = raw.startsWith(':') ? raw.slice(1) : raw
  return {
    header,
    isQuery: header.endsWith('?'),
    parameterText: match[3] ?? '',
    syntaxOk: HEADER_SYNTAX.test(header)
  }
}

/**
 * A header pattern in SCPI notation (`SOURce:FREQuency?`): each keyword matches its short form
 * (the upper-case letters) or its long form (the whole word), in any case.
 */
export function headerMatches(pattern: string, header: string): boolean {
  const patternIsQuery = pattern.endsWith('?')
  if (patternIsQuery !== header.endsWith('?')) return false
  const patternWords = (patternIsQuery ? pattern.slice(0, -1) : pattern).split(':')
  const headerWords = (header.endsWith('?') ? header.slice(0, -1) : header).split(':')
  if (patternWords.length !== headerWords.length) return false
  return patternWords.every((word, i) => {
    const given = headerWords[i]!.toUpperCase()
    const shortForm = /^\*?[A-Z]+/.exec(word)![0]
    return given === shortForm || given === word.toUpperCase()
  })
}

/** Comma-separated parameters, trimmed; `[]` when there are none. */
export function splitParameters(parameterText: string): string[] {
  if (parameterText.trim() === '') return []
  return parameterText.split(',').map((parameter) => parameter.trim())
}

const NR_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** An NR1/NR2/NR3 number (`5`, `-0.5`, `1.5E-3`), no unit suffix; null when it is not one. */
export function parseNrNumber(text: string): number | null {
  if (!NR_NUMBER.test(text)) return null
  const value = Number(text)
  return Number.isFinite(value) ? value : null
}

/** A plain decimal, never exponent notation: `1000`, `-1.6`, `0.0000015`. `-0` is `0`. */
export function formatPlainDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot format ${value} as a plain decimal`)
  if (value === 0) return '0'
  const text = String(value)
  const exponentAt = text.indexOf('e')
  if (exponentAt < 0) return text
  const exponent = Number(text.slice(exponentAt + 1))
  const mantissa = text.slice(0, exponentAt)
  const negative = mantissa.startsWith('-')
  const [integerPart, fractionPart = ''] = (negative ? mantissa.slice(1) : mantissa).split('.')
  const digits = integerPart! + fractionPart
  const pointAt = integerPart!.length + exponent
  let plain: string
  if (pointAt <= 0) plain = `0.${'0'.repeat(-pointAt)}${digits}`
  else if (pointAt >= digits.length) plain = digits + '0'.repeat(pointAt - digits.length)
  else plain = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`
  return negative ? `-${plain}` : plain
}

/** A reading: rounded to 8 significant digits, written as a plain decimal (trailing zeros dropped). */
export function formatReading(volts: number): string {
  return formatPlainDecimal(Number(volts.toPrecision(8)))
}
