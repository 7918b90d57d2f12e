// What loading a torch.save file yields, before any brainspy-specific interpretation.
import type { PickleValue } from './pickle-values.js'
import type { TorchFileFormat } from './storage-ids.js'

export type { TorchFileFormat } from './storage-ids.js'

export interface TorchFileContents {
  format: TorchFileFormat
  /** The folder holding the zip members (e.g. "demo-surrogate" or "archive"); null for legacy. */
  archiveName: string | null
  /** The zip format's version record, or the legacy protocol version (1001). */
  formatVersion: number | null
  /** The unpickled object, with every tensor's data attached. */
  root: PickleValue
  /** Oddities that did not stop the load. */
  warnings: string[]
}
