// Entry point for reading a torch.save file: detect the layout from the first bytes and hand
// over to the zip or legacy reader. Pure: the caller reads the file and passes its bytes.
import { TorchFileError, unsupported } from './torch-file-error.js'
import { looksLikeZip } from './zip-archive.js'
import { loadZipTorchFile } from './torch-zip-format.js'
import { loadLegacyTorchFile } from './torch-legacy-format.js'
import type { TorchFileContents } from './torch-file-contents.js'
import { ImportBudget, checkLimit } from './torch-file-limits.js'

const PICKLE_PROTO_OPCODE = 0x80
const TAR_MAGIC_OFFSET = 257

function startsWithText(bytes: Uint8Array, offset: number, text: string): boolean {
  return [...text].every((char, i) => bytes[offset + i] === char.charCodeAt(0))
}

function describeStart(bytes: Uint8Array): string {
  const firstNonSpace = bytes.find((byte) => ![0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].includes(byte))
  if (firstNonSpace === 0x7b) return 'it looks like a JSON file; import it as a surrogate JSON file instead'
  const hex = [...bytes.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')
  return `it starts with the bytes ${hex}, which neither a zip archive nor a pickle does`
}

/**
 * Wrap anything that is not already a TorchFileError: a bug must still reach the user as a
 * sentence, and tests can tell it apart by its kind.
 */
export function asTorchFileError(error: unknown): TorchFileError {
  if (error instanceof TorchFileError) return error
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return new TorchFileError('internal', `the file could not be read because of an importer bug (${detail})`, {
    cause: error
  })
}

/** Read a torch.save file (zip or legacy format) into pickled values with tensor data attached. */
export function loadTorchFile(bytes: Uint8Array): TorchFileContents {
  try {
    if (!(bytes instanceof Uint8Array)) throw new TorchFileError('not-torch', 'the input is not a byte array')
    if (bytes.length === 0) throw new TorchFileError('not-torch', 'the file is empty')
    checkLimit('fileBytes', bytes.length, (size) => `the file is ${size} bytes`)
    // One budget per file: the zip reader, every pickle and the tensors all spend from it.
    const budget = new ImportBudget()
    if (looksLikeZip(bytes)) return loadZipTorchFile(bytes, budget)
    if (bytes[0] === PICKLE_PROTO_OPCODE) return loadLegacyTorchFile(bytes, budget)
    if (startsWithText(bytes, TAR_MAGIC_OFFSET, 'ustar')) {
      throw unsupported(
        'this is the tar-based torch.save format of PyTorch before 0.4; load and save it again with a newer PyTorch'
      )
    }
    throw new TorchFileError('not-torch', `the file is not a PyTorch file: ${describeStart(bytes)}`)
  } catch (error) {
    throw asTorchFileError(error)
  }
}
