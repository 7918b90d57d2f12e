/** What the surrogate reader worker receives and answers; errors cross as plain data. */
import type { SurrogateDefinition, TorchFileErrorKind } from '../core'

/** Sent once as `workerData`: the file's bytes (a copy: the reader may spend them as it likes). */
export interface SurrogateReaderInput {
  bytes: Uint8Array
}

export type SurrogateReaderReply =
  | { ok: true; definition: SurrogateDefinition; warnings: string[] }
  | { ok: false; kind: TorchFileErrorKind; reason: string }
