/**
 * The two ways an instrument exchange goes wrong at the protocol level: the bytes make no sense
 * (`ProtocolError`), or the instrument understood and reported an error code from its error
 * queue (`InstrumentError`). docs/instrument-protocol.md "Error codes".
 */

/**
 * Standard text of every code the protocol defines (the instrument's own text may add detail).
 * The one table both sides use: the driver to name codes, the simulated instrument to answer.
 */
export const STANDARD_ERROR_TEXT = {
  0: 'No error',
  [-100]: 'Command error',
  [-102]: 'Syntax error',
  [-108]: 'Parameter not allowed',
  [-109]: 'Missing parameter',
  [-113]: 'Undefined header',
  [-160]: 'Block data error',
  [-200]: 'Execution error',
  [-213]: 'Init ignored',
  [-221]: 'Settings conflict',
  [-222]: 'Data out of range',
  [-223]: 'Too much data',
  [-224]: 'Illegal parameter value',
  [-230]: 'Data corrupt or stale',
  [-350]: 'Queue overflow',
  [-363]: 'Input buffer overrun',
  101: 'ADC saturated',
  102: 'Interlock tripped'
} as const

export type ErrorCode = keyof typeof STANDARD_ERROR_TEXT

export const ERROR_TEXT: Readonly<Record<number, string>> = STANDARD_ERROR_TEXT

/** The queued warning that marks a measurement as saturated; it is not a failure. */
export const SATURATED_CODE = 101

/** The standard text of `code`, or a generic one for a code the protocol does not define. */
export function errorText(code: number): string {
  return ERROR_TEXT[code] ?? (code < 0 ? 'Unknown error' : 'Unknown device event')
}

/** One entry of the instrument's error queue, as `SYST:ERR?` answers it. */
export interface ErrorQueueEntry {
  code: number
  message: string
}

/** Bytes from the instrument that do not parse as the answer the protocol promises. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

/** `"text" (code)` for one queue entry: the instrument's message, else the standard text. */
export function describeErrorEntry(entry: ErrorQueueEntry): string {
  const text = entry.message.trim() === '' ? errorText(entry.code) : entry.message
  return `${entry.code} "${text}"`
}

/**
 * An error the instrument queued. `code` and `text` are the first failure; `entries` holds every
 * entry read in the same drain (later ones are often consequences of the first).
 */
export class InstrumentError extends Error {
  override name = 'InstrumentError'
  readonly code: number
  readonly text: string
  readonly entries: readonly ErrorQueueEntry[]

  /** `context` says what the host was doing, e.g. `after the WAV:DATA upload`. */
  constructor(entries: readonly ErrorQueueEntry[], context?: string) {
    if (entries.length === 0) throw new Error('InstrumentError needs at least one error queue entry')
    const [first, ...rest] = entries
    const also = rest.length > 0 ? `; also ${rest.map(describeErrorEntry).join(', ')}` : ''
    super(`instrument error ${describeErrorEntry(first!)}${context ? ` ${context}` : ''}${also}`)
    this.code = first!.code
    this.text = first!.message.trim() === '' ? errorText(first!.code) : first!.message
    this.entries = entries
  }
}
