// The one error type of the torch-file importer. Every problem with a file (not a torch save,
// damaged, refused, unsupported, or a valid torch save that is not a usable surrogate) ends up
// here with a sentence a lab user can act on, never as a raw TypeError from deep inside.

export type TorchFileErrorKind =
  /** Not a PyTorch file at all (JSON, a plain pickle, a TorchScript archive, ...). */
  | 'not-torch'
  /** Truncated or corrupted bytes: bad zip structure, CRC mismatch, broken pickle. */
  | 'damaged'
  /** The pickle references a Python global outside the allow-list. */
  | 'refused'
  /** The file goes past a limit that bounds the importer's time and memory (torch-file-limits.ts). */
  | 'over-limit'
  /** A valid torch save using a feature this importer does not read (dtype, layout, ...). */
  | 'unsupported'
  /** A readable torch save whose content is not a usable brainspy-smg surrogate. */
  | 'invalid-model'
  /** A bug in the importer: an unexpected exception, wrapped so callers still get a TorchFileError. */
  | 'internal'

export class TorchFileError extends Error {
  constructor(
    readonly kind: TorchFileErrorKind,
    /** What is wrong, as one sentence without the "PyTorch surrogate file" prefix. */
    readonly reason: string,
    options?: { cause?: unknown }
  ) {
    super(`PyTorch surrogate file: ${reason}`, options)
    this.name = 'TorchFileError'
  }
}

export function damaged(reason: string): TorchFileError {
  return new TorchFileError('damaged', reason)
}

export function unsupported(reason: string): TorchFileError {
  return new TorchFileError('unsupported', reason)
}

export function invalidModel(reason: string): TorchFileError {
  return new TorchFileError('invalid-model', reason)
}
