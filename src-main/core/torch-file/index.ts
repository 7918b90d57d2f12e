// Public API of the PyTorch surrogate-file importer.
export {
  importTorchSurrogate,
  BRAINSPY_STRUCTURE_DEFAULTS,
  type TorchSurrogateImport,
  type TorchFileSummary
} from './brainspy-surrogate.js'
export { loadTorchFile } from './torch-load.js'
export type { TorchFileContents, TorchFileFormat } from './torch-file-contents.js'
export { TorchFileError, type TorchFileErrorKind } from './torch-file-error.js'
export { TORCH_FILE_LIMITS, formatCount, overLimit, type TorchFileLimit } from './torch-file-limits.js'
export { ALLOWED_GLOBALS } from './torch-globals.js'
export { TorchTensor, type TorchDtype } from './torch-tensor.js'
export { PyDict, PyTuple, PyBytes, PyGlobal, type PickleValue } from './pickle-values.js'
export { writeTorchSurrogate, exportedInfo, TORCH_EXPORT_ARCHIVE_NAME } from './torch-save-writer.js'
