/**
 * The worker-backed reader of untrusted surrogate files, with real worker threads: it answers as
 * the importer does, and whatever kills or stalls its thread (out of memory, a crash, a hang) ends
 * as a refused file while this process carries on.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TorchFileError, importTorchSurrogate } from '../core'
import { HOSTILE_FILES } from '../core/torch-file/__fixtures__/hostile-files'
import { createSurrogateFileReader, type SurrogateReaderWorkerFactory } from './surrogate-reader'
import { bundleWorker, type BundledWorker } from './__fixtures__/bundle-worker'

const fixtures = resolve(import.meta.dirname, '..', 'core', 'torch-file', '__fixtures__')

let bundled: BundledWorker | null = null
let spawnReader: SurrogateReaderWorkerFactory

beforeAll(async () => {
  bundled = await bundleWorker(resolve(import.meta.dirname, 'surrogate-reader-worker.ts'))
  const file = bundled.file
  spawnReader = (options: WorkerOptions) => new Worker(file, options)
})

afterAll(() => {
  bundled?.remove()
})

/** A worker running `source` in place of the reader (options such as resourceLimits kept). */
function fakeReader(source: string): SurrogateReaderWorkerFactory {
  return (options) => new Worker(source, { ...options, eval: true })
}

async function refusalOf(promise: Promise<unknown>): Promise<TorchFileError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason
  )
  expect(error).toBeInstanceOf(TorchFileError)
  return error as TorchFileError
}

describe('the surrogate file reader', () => {
  it('reads a lab file in its thread exactly as the importer does in this one', async () => {
    const bytes = readFileSync(resolve(fixtures, 'defaults-missing.pt'))
    const read = await createSurrogateFileReader({ spawnWorker: spawnReader })(bytes)
    const inThread = importTorchSurrogate(bytes)
    expect(read).toEqual({ definition: inThread.definition, warnings: inThread.warnings })
    expect(read.warnings).toHaveLength(2)
  })

  it("passes a refusal on with the importer's kind and reason", async () => {
    const hostile = HOSTILE_FILES['none-flood']
    const error = await refusalOf(createSurrogateFileReader({ spawnWorker: spawnReader })(hostile.build()))
    expect(error.kind).toBe('over-limit')
    expect(error.reason).toMatch(hostile.refusal)
    expect(error.message).toMatch(/^PyTorch surrogate file: refused: archive\/data\.pkl is 150,000,003 bytes/)
  })

  it('refuses a file whose reading outgrows the thread heap, and the process carries on', async () => {
    // Under the importer's limits but not under a 16 MB heap: a million memo entries.
    const read = createSurrogateFileReader({ spawnWorker: spawnReader, limits: { heapMegabytes: 16 } })
    const error = await refusalOf(read(HOSTILE_FILES['memo-flood'].build()))
    expect(error.kind).toBe('over-limit')
    expect(error.reason).toBe(
      'refused: reading it needed more than 16 MB of memory (limit: 16 MB of memory per import)'
    )
    // The next file reads normally.
    const next = await createSurrogateFileReader({ spawnWorker: spawnReader })(
      readFileSync(resolve(fixtures, 'small-tanh.pt'))
    )
    expect(next.definition.activation).toBe('tanh')
  })

  it('refuses a file still being read after the time limit, and stops the thread', async () => {
    let exited: Promise<number> | null = null
    const spawnHanging: SurrogateReaderWorkerFactory = (options) => {
      const worker = new Worker('for (;;) {}', { ...options, eval: true })
      exited = new Promise((resolveExit) => worker.once('exit', resolveExit))
      return worker
    }
    // The thread never answers, so the time limit is what ends it, however fast this machine is.
    const error = await refusalOf(
      createSurrogateFileReader({ spawnWorker: spawnHanging, limits: { timeoutMs: 200 } })(new Uint8Array(8))
    )
    expect(error.reason).toBe('refused: reading it took longer than 0.2 s (limit: 0.2 s per import)')
    // Terminated, not left spinning: an endless loop never exits by itself, so its 'exit' event
    // is proof enough. The exit code is not: terminate() gives 1 to a running thread but 0 to
    // one a loaded machine had not started yet (seen once in CI), and both are stopped.
    expect(typeof (await exited)).toBe('number')
  })

  it('refuses a file whose reader thread crashes or stops without an answer', async () => {
    const crashed = await refusalOf(
      createSurrogateFileReader({ spawnWorker: fakeReader("throw new TypeError('boom')") })(new Uint8Array(8))
    )
    expect(crashed.reason).toBe('refused: reading it made the reader thread fail (TypeError: boom)')
    const silent = await refusalOf(
      createSurrogateFileReader({ spawnWorker: fakeReader('process.exit(3)') })(new Uint8Array(8))
    )
    expect(silent.reason).toBe('refused: the reader thread stopped without an answer (exit code 3)')
  })

  it('gives the thread the heap and stack limits', async () => {
    let given: WorkerOptions | undefined
    const read = createSurrogateFileReader({
      spawnWorker: (options) => {
        given = options
        return spawnReader(options)
      }
    })
    await read(readFileSync(resolve(fixtures, 'small-elu.pt')))
    expect(given?.resourceLimits).toEqual({ maxOldGenerationSizeMb: 512, stackSizeMb: 4 })
  })
})
