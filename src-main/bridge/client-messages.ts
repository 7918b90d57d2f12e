/**
 * What a WebSocket message must be before the request handler sees it: a JSON request envelope
 * `{kind:'request', id, channel, request}` within the depth and value-count bounds, with an
 * integer id and a channel name. The request itself is the handler's business (the contract's
 * zod schemas). A message that is no envelope has no id to answer to, so the connection is
 * closed with a status code and a reason saying what was wrong; an envelope whose channel is no
 * name gets an error answer, like any other bad request.
 */
import { MAX_CHANNEL_NAME_CHARS, MAX_JSON_DEPTH, MAX_JSON_VALUES } from './serve-limits'

/** WebSocket close codes (RFC 6455, 7.4.1). */
export const CLOSE_CODES = {
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009
} as const

export type ClientMessage =
  | { kind: 'request'; id: number; channel: string; request: unknown }
  | { kind: 'refuse'; id: number; error: string }
  | { kind: 'close'; code: number; reason: string }

const ENVELOPE = 'expected {"kind":"request","id":int,"channel":name,"request":{}}'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_BRACKET = 0x5b
const OPEN_BRACE = 0x7b
const CLOSE_BRACKET = 0x5d
const CLOSE_BRACE = 0x7d

/** Index of the quote that ends the JSON string whose content starts at `from` (or the length). */
function endOfString(bytes: Buffer, from: number): number {
  let searchFrom = from
  for (;;) {
    const quote = bytes.indexOf(QUOTE, searchFrom)
    if (quote < 0) return bytes.length
    let backslashes = 0
    while (quote - 1 - backslashes >= from && bytes[quote - 1 - backslashes] === BACKSLASH) backslashes += 1
    if (backslashes % 2 === 0) return quote
    searchFrom = quote + 1
  }
}

/**
 * Why the JSON text in `bytes` is too deep or holds too many values, or null. One pass over the
 * bytes without allocating (strings are skipped with a native search), so a message at the size
 * limit costs milliseconds. Counts are of structure only: malformed JSON is left to JSON.parse.
 */
export function jsonShapeProblem(bytes: Buffer): string | null {
  let depth = 0
  let values = 1
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i]
    if (byte === QUOTE) {
      i = endOfString(bytes, i + 1)
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth += 1
      if (depth > MAX_JSON_DEPTH) return `JSON nested more than ${MAX_JSON_DEPTH} levels deep (limit ${MAX_JSON_DEPTH})`
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth -= 1
    } else if (byte === COMMA) {
      values += 1
      if (values > MAX_JSON_VALUES) return `more than ${MAX_JSON_VALUES} JSON values (limit ${MAX_JSON_VALUES})`
    }
  }
  return null
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `a string of ${value.length} characters`
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

/** Reads one client message (ws has already checked the framing, the size and the UTF-8 of text). */
export function readClientMessage(data: Buffer, isBinary: boolean): ClientMessage {
  if (isBinary)
    return { kind: 'close', code: CLOSE_CODES.unsupportedData, reason: `binary message: ${ENVELOPE} as text` }
  const shapeProblem = jsonShapeProblem(data)
  if (shapeProblem) return { kind: 'close', code: CLOSE_CODES.messageTooBig, reason: shapeProblem }
  let message: unknown
  try {
    message = JSON.parse(data.toString('utf8'))
  } catch {
    return { kind: 'close', code: CLOSE_CODES.invalidPayload, reason: `not JSON: ${ENVELOPE}` }
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { kind: 'close', code: CLOSE_CODES.policyViolation, reason: `${describe(message)}: ${ENVELOPE}` }
  }
  const { kind, id, channel, request } = message as Record<string, unknown>
  if (kind !== 'request')
    return { kind: 'close', code: CLOSE_CODES.policyViolation, reason: `kind is not "request": ${ENVELOPE}` }
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    return { kind: 'close', code: CLOSE_CODES.policyViolation, reason: `id: expected an integer, got ${describe(id)}` }
  }
  if (typeof channel !== 'string' || channel.length > MAX_CHANNEL_NAME_CHARS) {
    return {
      kind: 'refuse',
      id,
      error: `channel: expected a channel name (domain:verb, at most ${MAX_CHANNEL_NAME_CHARS} characters), got ${describe(channel)}`
    }
  }
  return { kind: 'request', id, channel, request }
}
