// The zip reader of src-main/core/zip/ with the torch importer's policy: its limits (the file's
// shared ImportBudget) and its error type (TorchFileError), so a damaged .pt reads as before.
import { openZip, type ZipArchive, type ZipReaderPolicy } from '../zip/zip-reader.js'
import { damaged, unsupported } from './torch-file-error.js'
import { ImportBudget, checkLimit } from './torch-file-limits.js'

export { looksLikeZip, type ZipArchive, type ZipMemberInfo } from '../zip/zip-reader.js'

/**
 * Parse the archive directory. Members are extracted and checked lazily, on read(), and charged
 * to the file's budget of decompressed bytes; errors are TorchFileErrors.
 */
export function openZipArchive(bytes: Uint8Array, budget = new ImportBudget()): ZipArchive {
  const policy: ZipReaderPolicy = {
    checkMemberCount: (count) => checkLimit('zipMembers', count, (value) => `the zip archive lists ${value} members`),
    spendExtracted: (amount, what) =>
      budget.spend(
        'decompressedBytes',
        amount,
        (total) => `reading ${what} brings the bytes extracted from the archive to ${total}`
      ),
    damaged,
    unsupported
  }
  return openZip(bytes, policy)
}
