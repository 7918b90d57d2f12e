/**
 * The instrument's error queue (docs/instrument-protocol.md "Details that implementations must agree on": Error queue): FIFO, 16 entries; the
 * 17th error turns the 16th entry into -350 and later ones are dropped until a read makes room.
 */

import { STANDARD_ERROR_TEXT, type ErrorCode } from '../protocol/errors'

export const ERROR_QUEUE_DEPTH = 16

export { STANDARD_ERROR_TEXT, type ErrorCode }

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
    if (this.entries[last]!.code !== QUEUE_OVERFLOW)
      this.entries[last] = { code: QUEUE_OVERFLOW, message: errorMessage(QUEUE_OVERFLOW) }
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
