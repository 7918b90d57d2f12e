// Every bound of one import, in one place. A file is untrusted input: without these, a 150 KB
// file (a deflated pickle of 150 M NONE opcodes) aborts the process, and a 20 KB one (a MARK
// flood) takes over a gigabyte. Each limit sits far above what a real surrogate needs (the
// largest, 7 inputs and 6 x 90 hidden, has ~41,000 weights, ~200 KB, and a pickle of a few
// thousand opcodes) and far below what could hurt the process. Checks happen before allocating.
import { TorchFileError } from './torch-file-error.js'

const MIB = 1024 * 1024

export const TORCH_FILE_LIMITS = {
  /** Bytes of the file itself (the same as the contract's MAX_MODEL_FILE_BYTES). */
  fileBytes: 64 * MIB,
  /** Bytes extracted from a zip archive, all members read added up (stored or deflated). */
  decompressedBytes: 256 * MIB,
  /** Entries in a zip archive's central directory. */
  zipMembers: 10_000,
  /** Bytes of one pickle (data.pkl, or one pickle of the legacy format). */
  pickleBytes: 64 * MIB,
  /** Opcodes run, all pickles of one file added up. */
  pickleOpcodes: 10_000_000,
  /** Values on the unpickler's stack, those put aside by MARK included. */
  stackItems: 1_000_000,
  /** Entries in one pickle's memo. */
  memoEntries: 1_000_000,
  /** MARKs open at once. */
  markDepth: 1_000,
  /** Lists, tuples, dicts and objects (tensors, ...) built, all pickles of one file added up. */
  pickleObjects: 250_000,
  /** Items in one list, tuple or dict. */
  containerItems: 1_000_000,
  /** Bytes of one str or bytes value, or of one text argument (a GLOBAL's name, an INT, ...). */
  stringBytes: 1 * MIB,
  /** Tensor elements: those of all storages, and those of all tensors, each added up. */
  tensorElements: 4 * MIB,
  /** Values in the info dict once expanded to JSON (shared references count each time). */
  infoValues: 1_000_000,
  /** Levels of nesting in the info dict. */
  infoDepth: 100
} as const

export type TorchFileLimit = keyof typeof TORCH_FILE_LIMITS

const UNITS: Record<TorchFileLimit, string> = {
  fileBytes: 'bytes',
  decompressedBytes: 'bytes decompressed per file',
  zipMembers: 'zip members',
  pickleBytes: 'bytes per pickle',
  pickleOpcodes: 'pickle opcodes per file',
  stackItems: 'values on the pickle stack',
  memoEntries: 'pickle memo entries',
  markDepth: 'nested pickle MARKs',
  pickleObjects: 'pickled lists, tuples, dicts and objects per file',
  containerItems: 'items in one list, tuple or dict',
  stringBytes: 'bytes in one string',
  tensorElements: 'tensor elements per file',
  infoValues: 'values in info',
  infoDepth: 'levels of nesting in info'
}

/** 1234567 -> "1,234,567" (bigints and huge floats too). */
export function formatCount(value: number | bigint): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 0 })
}

function formatLimit(limit: TorchFileLimit): string {
  const value = TORCH_FILE_LIMITS[limit]
  const mebibytes = limit.endsWith('Bytes') && value >= MIB ? ` (${value / MIB} MiB)` : ''
  return `${formatCount(value)}${mebibytes} ${UNITS[limit]}`
}

/**
 * The refusal of a file that goes past a limit: `what` says what the file has (with the value, or
 * "more than N" when counting stopped at the limit), the message adds the limit.
 */
export function overLimit(limit: TorchFileLimit, what: string): TorchFileError {
  return new TorchFileError('over-limit', `refused: ${what} (limit: ${formatLimit(limit)})`)
}

/** Fail with overLimit when `value` is over the limit. */
export function checkLimit(limit: TorchFileLimit, value: number | bigint, what: (value: string) => string): void {
  if (value > TORCH_FILE_LIMITS[limit]) throw overLimit(limit, what(formatCount(value)))
}

/**
 * The running totals of one file, shared by every part of the reader that spends from them
 * (the zip reader, each pickle, the tensors), so the limits hold per file, not per part.
 */
export class ImportBudget {
  /** Totals by counter; a counter is named after its limit unless one limit bounds two totals. */
  private readonly spent = new Map<string, number>()

  /** What is left of a per-file total, for a loop that counts by itself and spends at the end. */
  remaining(limit: TorchFileLimit, counter: string = limit): number {
    return TORCH_FILE_LIMITS[limit] - (this.spent.get(counter) ?? 0)
  }

  /**
   * Spend `amount` of a per-file total; `what(total)` describes the file for the refusal. Checks
   * before the caller allocates, so the limit is never overrun.
   */
  spend(limit: TorchFileLimit, amount: number, what: (total: string) => string, counter: string = limit): void {
    const total = (this.spent.get(counter) ?? 0) + amount
    if (total > TORCH_FILE_LIMITS[limit]) throw overLimit(limit, what(formatCount(total)))
    this.spent.set(counter, total)
  }
}
