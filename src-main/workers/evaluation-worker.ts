/**
 * worker_threads entry of one evaluation worker of an EvaluationPool (loaded through electron-vite's
 * `?nodeWorker` in the build, or bundled from source by the tests).
 *
 * Holds one noise-free SurrogateModel built from `workerData` and answers `forward` requests with
 * its share of the rows. Noise is never drawn here: the pool adds it in the coordinating thread so
 * a noisy run does not depend on how the rows were split.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { SurrogateModel, initComputeBackend } from '../core'
import type { ComputeBackendName, SurrogateDefinition } from '../core'

/** Sent once as `workerData`. */
export interface EvaluationWorkerInit {
  definition: SurrogateDefinition
  amplification: number | undefined
  clippingValueNanoamps: readonly [number, number] | undefined
  /** The coordinating thread's backend: the same kernels give the same bits. */
  computeBackend: ComputeBackendName
  /** True when the pool adds noise: then the rows come back unclipped (noise goes before clipping). */
  unclipped: boolean
}

export type ToEvaluationWorker = { type: 'forward'; id: number; inputsVolts: Float32Array; rowCount: number }

export type FromEvaluationWorker =
  | { type: 'ready'; computeBackend: ComputeBackendName }
  | { type: 'result'; id: number; outputsNanoamps: Float32Array }
  | { type: 'failed'; id: number; message: string }

if (!parentPort) throw new Error('evaluation-worker must run inside a worker thread')
const port = parentPort
const init = workerData as EvaluationWorkerInit
const send = (message: FromEvaluationWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer)

// An error thrown here (bad definition, no backend) surfaces in the pool as the worker's 'error'.
const model = new SurrogateModel(init.definition, {
  amplification: init.amplification,
  clippingValueNanoamps: init.clippingValueNanoamps
})
const computeBackend = await initComputeBackend(init.computeBackend)
// One row uploads the weights now, so the first real request does not pay for it.
await model.forwardNanoamps(new Float32Array(model.inputCount), 1)

port.on('message', (request: ToEvaluationWorker) => {
  const { id, inputsVolts, rowCount } = request
  const forward = init.unclipped ? model.forwardUnclippedNanoamps(inputsVolts, rowCount) : model.forwardNanoamps(inputsVolts, rowCount)
  forward.then(
    (outputs) => {
      // Transfer, not copy; a view into a larger buffer is copied first so only its rows travel.
      const owned = outputs.byteOffset === 0 && outputs.byteLength === outputs.buffer.byteLength ? outputs : outputs.slice()
      send({ type: 'result', id, outputsNanoamps: owned }, [owned.buffer as ArrayBuffer])
    },
    (error: unknown) => send({ type: 'failed', id, message: error instanceof Error ? error.message : String(error) })
  )
})
send({ type: 'ready', computeBackend })
