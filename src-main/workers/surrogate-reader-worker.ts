/**
 * worker_threads entry that reads one untrusted surrogate file (loaded through electron-vite's
 * `?nodeWorker` in the build, or bundled from source by the tests). It runs under the heap, stack
 * and time limits of surrogate-reader.ts, so a blow-up the importer's own limits did not foresee
 * ends this thread, never the process. It imports the importer alone: no tfjs, no store.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { TorchFileError, importTorchSurrogate } from '../core/torch-file'
import type { SurrogateReaderInput, SurrogateReaderReply } from './surrogate-reader-protocol'

if (!parentPort) throw new Error('surrogate-reader-worker must run inside a worker thread')

function read({ bytes }: SurrogateReaderInput): SurrogateReaderReply {
  try {
    const { definition, warnings } = importTorchSurrogate(bytes)
    return { ok: true, definition, warnings }
  } catch (error) {
    // importTorchSurrogate wraps everything in a TorchFileError; anything else is still a sentence.
    if (error instanceof TorchFileError) return { ok: false, kind: error.kind, reason: error.reason }
    return {
      ok: false,
      kind: 'internal',
      reason: `the file could not be read because of an importer bug (${String(error)})`
    }
  }
}

parentPort.postMessage(read(workerData as SurrogateReaderInput))
