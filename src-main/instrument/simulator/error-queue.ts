/**
 * The instrument's error queue (INSTRUMENT-PROTOCOL.md "Error queue"): FIFO, 16 entries; the
 * 17th error turns the 16th entry into -350 and later ones are dropped until a read makes room.
 */

export const ERROR_QUEUE_DEPTH = 16

/** Standard SCPI text of each code the protocol defines. */
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

export const QUEUE_OVERFLOW: ErrorCode = -350

export interface QueuedError {
  code: ErrorCode
  /** The standard text, then `; ` and the detail when there is one (SCPI's device-dependent info). */
  message: string
}

/** `code;detail` text as SCPI writes it: the standard text first so hosts can match on it. */
export function errorMessage(code: ErrorCode, detail?: string): string {
  const text = STANDARD_ERROR_TEXT[code]
  return detail ? `${text}; ${detail}` : text
}

export class ErrorQueue {
  private readonly entries: QueuedError[] = []

  get length(): number {
    return this.entries.length
  }

  push(code: ErrorCode, detail?: string): void {
    if (this.entries.length < ERROR_QUEUE_DEPTH) {
      this.entries.push({ code, message: errorMessage(code, detail) })
      return
    }
    const last = this.entries.length - 1
    if (this.entries[last]!.code !== QUEUE_OVERFLOW) this.entries[last] = { code: QUEUE_OVERFLOW, message: errorMessage(QUEUE_OVERFLOW) }
  }

  /** The oldest entry, removed; `0,"No error"` when empty. */
  next(): QueuedError {
    return this.entries.shift() ?? { code: 0, message: errorMessage(0) }
  }

  clear(): void {
    this.entries.length = 0
  }
}

/** `code,"message"` with embedded quotes doubled, as SCPI strings do. */
export function formatErrorAnswer(entry: QueuedError): string {
  return `${entry.code},"${entry.message.replace(/"/g, '""')}"`
}
