/**
 * Reads an untrusted surrogate file in a worker thread of its own, under a heap limit, a stack
 * limit and a wall-clock limit. The importer bounds everything it knows of (torch-file-limits.ts);
 * this is the backstop for what it does not: whatever happens in the worker (out of memory, a
 * crash, a hang), the caller gets a refused file and the process carries on. The bundled demo
 * model is trusted and read in-process; every file a user brings comes through here.
 *
 * Only this module knows how the worker is bundled (electron-vite's `?nodeWorker`).
 */
import type { Worker, WorkerOptions } from 'node:worker_threads'
import { TorchFileError, type SurrogateDefinition } from '../core'
import type { SurrogateReaderInput, SurrogateReaderReply } from './surrogate-reader-protocol'

export const SURROGATE_READER_LIMITS = {
  /**
   * V8 heap of the reader thread. The importer's own limits keep a hostile file well under this
   * (its objects, stack and memo are bounded); a real surrogate needs a few MB.
   */
  heapMegabytes: 512,
  /** The thread's call stack (Node's default is 4 MB). */
  stackMegabytes: 4,
  /** A real surrogate reads in well under a second; a file still being read after this is refused. */
  timeoutMs: 30_000
} as const

export type SurrogateReaderLimits = { [K in keyof typeof SURROGATE_READER_LIMITS]: number }

export interface SurrogateFileReading {
  definition: SurrogateDefinition
  warnings: string[]
}

/** Starts the reader thread with these options (workerData, resourceLimits, name). */
export type SurrogateReaderWorkerFactory = (options: WorkerOptions) => Worker | Promise<Worker>

/**
 * The production factory: the worker chunk electron-vite emits for `?nodeWorker`. Imported lazily
 * so that merely importing this module (vitest, which does not know `?nodeWorker`) loads nothing;
 * tests pass their own factory.
 */
export const spawnBundledSurrogateReader: SurrogateReaderWorkerFactory = async (options) => {
  const { default: createReader } = await import('./surrogate-reader-worker?nodeWorker')
  return createReader(options)
}

function refused(reason: string): TorchFileError {
  return new TorchFileError('over-limit', `refused: ${reason}`)
}

/**
 * What a worker's death means to the user: the file is refused either way (a reader that dies is
 * almost surely out of a resource), with the limit when the cause is known.
 */
function deathError(error: Error, limits: SurrogateReaderLimits): TorchFileError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return refused(
      `reading it needed more than ${limits.heapMegabytes} MB of memory (limit: ${limits.heapMegabytes} MB of memory per import)`
    )
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return refused(
      `reading it needed more than ${limits.stackMegabytes} MB of call stack (limit: ${limits.stackMegabytes} MB of stack per import)`
    )
  }
  return refused(`reading it made the reader thread fail (${error.name}: ${error.message})`)
}

/** Read one file in a fresh worker; rejects with a TorchFileError whatever goes wrong. */
async function readInWorker(
  bytes: Uint8Array,
  spawnWorker: SurrogateReaderWorkerFactory,
  limits: SurrogateReaderLimits
): Promise<SurrogateFileReading> {
  const input: SurrogateReaderInput = { bytes }
  let worker: Worker
  try {
    worker = await spawnWorker({
      name: 'dnpu-surrogate-reader',
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMegabytes, stackSizeMb: limits.stackMegabytes }
    })
  } catch (error) {
    throw new TorchFileError(
      'internal',
      `the file could not be read: the reader thread did not start (${(error as Error).message})`,
      { cause: error }
    )
  }
  return new Promise<SurrogateFileReading>((resolve, reject) => {
    let settled = false
    // The listeners stay on after settling (a late 'error' must still have a listener, or it
    // would be thrown); `settled` makes them no-ops.
    const settle = (outcome: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // Answered or failed: ending the thread frees its heap now, not at the next GC.
      worker.terminate().catch(() => undefined)
      outcome()
    }
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            refused(
              `reading it took longer than ${limits.timeoutMs / 1000} s (limit: ${limits.timeoutMs / 1000} s per import)`
            )
          )
        ),
      limits.timeoutMs
    )
    worker.once('message', (reply: SurrogateReaderReply) =>
      settle(() =>
        reply.ok
          ? resolve({ definition: reply.definition, warnings: reply.warnings })
          : reject(new TorchFileError(reply.kind, reply.reason))
      )
    )
    worker.on('error', (error: Error) => settle(() => reject(deathError(error, limits))))
    worker.once('exit', (exitCode: number) =>
      settle(() => reject(refused(`the reader thread stopped without an answer (exit code ${exitCode})`)))
    )
  })
}

export interface SurrogateReaderOptions {
  spawnWorker?: SurrogateReaderWorkerFactory
  limits?: Partial<SurrogateReaderLimits>
}

/** A reader of untrusted surrogate files, each in a fresh, limited worker thread. */
export function createSurrogateFileReader(
  options: SurrogateReaderOptions = {}
): (bytes: Uint8Array) => Promise<SurrogateFileReading> {
  const spawnWorker = options.spawnWorker ?? spawnBundledSurrogateReader
  const limits = { ...SURROGATE_READER_LIMITS, ...options.limits }
  return (bytes) => readInWorker(bytes, spawnWorker, limits)
}
