/**
 * Every bound `dnpu serve` puts on what reaches it, in one place (the README's "Safety and
 * failure modes" section lists them). Each is far above what the app's own page needs and low
 * enough that no client, with or without the token, can grow the server's memory without bound.
 */
import { modelImportSchema } from '../../src-shared/ipc'
import { runBundleImportSchema } from '../../src-shared/ipc/run-sharing'

/** Bytes one UTF-16 code unit can take in JSON text at most: a control character or a lone surrogate escapes to `\uXXXX`. */
const MAX_JSON_BYTES_PER_CHAR = 6

/** Keys, quotes, the id and the channel name of a request envelope, with room to spare. */
const ENVELOPE_BYTES = 1024

function maxChars(schema: { maxLength: number | null }, what: string): number {
  if (schema.maxLength === null) throw new Error(`${what} has no maximum length, so no message bound can be derived`)
  return schema.maxLength
}

const importFields = modelImportSchema.shape
const bundleFields = runBundleImportSchema.shape

/** The largest `models:import`: the largest model file, its file name, name and notes at their longest. */
const MAX_MODEL_IMPORT_MESSAGE_BYTES =
  maxChars(importFields.contentBase64, 'models:import: contentBase64') +
  MAX_JSON_BYTES_PER_CHAR *
    (maxChars(importFields.fileName, 'models:import: fileName') +
      maxChars(importFields.name.unwrap(), 'models:import: name') +
      maxChars(importFields.notes.unwrap(), 'models:import: notes')) +
  ENVELOPE_BYTES

/** The largest `runs:bundle-import`: the largest bundle file and its file name at its longest. */
const MAX_BUNDLE_IMPORT_MESSAGE_BYTES =
  maxChars(bundleFields.contentBase64, 'runs:bundle-import: contentBase64') +
  MAX_JSON_BYTES_PER_CHAR * maxChars(bundleFields.fileName, 'runs:bundle-import: fileName') +
  ENVELOPE_BYTES

/**
 * The largest WebSocket message accepted (ws `maxPayload`; larger ones are closed with 1009): the
 * largest legitimate message, a `models:import` of the largest model file or a
 * `runs:bundle-import` of the largest bundle (base64, one byte per character), whose text fields
 * are at their longest and escape at 6 bytes a character, in its envelope. Derived from the
 * contract's schemas, so it follows any change there.
 */
export const MAX_MESSAGE_BYTES = Math.max(MAX_MODEL_IMPORT_MESSAGE_BYTES, MAX_BUNDLE_IMPORT_MESSAGE_BYTES)

/**
 * JSON nesting a request may have (the deepest real one, a calibration save, has 5 levels).
 * Deeper messages are refused before parsing: parsing 10 M levels blocks the server for seconds
 * and echoing such a value in an error overflows the stack.
 */
export const MAX_JSON_DEPTH = 32

/**
 * JSON values (array elements and object members) a request may hold (real ones hold under
 * 1,000). Checked before parsing: validating 5 M wrong array elements takes 70 s and 4 GB.
 */
export const MAX_JSON_VALUES = 10_000

/** Longest channel name accepted in a request (the real ones are under 30 characters). */
export const MAX_CHANNEL_NAME_CHARS = 64

/** Open WebSocket connections (one per browser tab); the next upgrade gets 503. */
export const MAX_WEBSOCKET_CLIENTS = 16

/**
 * Requests one connection may have waiting for their answer; a request beyond it is answered at
 * once with an error (the page has a handful in flight at most).
 */
export const MAX_REQUESTS_IN_FLIGHT = 64

/**
 * Bytes waiting to be written to one client. A client that lets more than this pile up (it does
 * not read) is disconnected before anything else is queued for it; a single answer is never cut,
 * so the memory one client can hold is this plus one answer.
 */
export const MAX_BUFFERED_BYTES_PER_CLIENT = 32 * 1024 * 1024

/**
 * TCP connections of any kind at once (page requests, upgrades, WebSockets); further ones are
 * dropped on accept, so a flood of idle connections cannot exhaust the process's file handles.
 */
export const MAX_TCP_CONNECTIONS = 256
