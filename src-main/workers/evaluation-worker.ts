/**
 * worker_threads entry of one evaluation worker of an EvaluationPool (loaded through electron-vite's
 * `?nodeWorker` in the build, or bundled from source by the tests).
 *
 * Holds one noise-free SurrogateModel built from `workerData` and answers `forward` requests with
 * its share of the rows. Noise is never drawn here: the pool adds it in the coordinating thread so
 * a noisy run does not depend on how the rows were split.
 *
 * For gradient descent it also holds a DifferentiableSurrogate of the same definition and answers
 * in two phases: `forwardWithGradient` runs its rows and keeps the pass under the pool's passId,
 * `inputGradient` pushes that pass's share of the output gradient back to the inputs, and
 * `disposePass` (no answer) frees it.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { DifferentiableSurrogate, SurrogateModel, initComputeBackend } from '../core'
import type { ComputeBackendName, ForwardWithGradient, SurrogateDefinition } from '../core'
import { pollEventLoop } from './event-loop-polling'

/** Sent once as `workerData`. */
export interface EvaluationWorkerInit {
  definition: SurrogateDefinition
  amplification: number | undefined
  clippingValueNanoamps: readonly [number, number] | undefined
  /** The coordinating thread's backend: the same kernels give the same bits. */
  computeBackend: ComputeBackendName
  /** True when the pool adds noise: then the rows come back unclipped (noise goes before clipping). */
  unclipped: boolean
  /** After answering, keep polling for the next request this long (ms; see event-loop-polling.ts). */
  stayAwakeMs: number
}

/** A request that is answered with one `result` (or `failed`) carrying the same id. */
export type EvaluationRequest =
  | { type: 'forward'; id: number; inputsVolts: Float32Array; rowCount: number }
  | { type: 'forwardWithGradient'; id: number; passId: number; inputsVolts: Float32Array; rowCount: number }
  | { type: 'inputGradient'; id: number; passId: number; outputGradient: Float32Array; rowCount: number }

export type ToEvaluationWorker = EvaluationRequest | { type: 'disposePass'; passId: number }

export type FromEvaluationWorker =
  | { type: 'ready'; computeBackend: ComputeBackendName }
  /** Output nA (forward, forwardWithGradient) or d loss / d inputs (inputGradient), row-major. */
  | { type: 'result'; id: number; values: Float32Array }
  | { type: 'failed'; id: number; message: string }

if (!parentPort) throw new Error('evaluation-worker must run inside a worker thread')
const port = parentPort
const init = workerData as EvaluationWorkerInit
const send = (message: FromEvaluationWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer)

// An error thrown here (bad definition, no backend) surfaces in the pool as the worker's 'error'.
const simulation = { amplification: init.amplification, clippingValueNanoamps: init.clippingValueNanoamps }
const model = new SurrogateModel(init.definition, simulation)
const computeBackend = await initComputeBackend(init.computeBackend)
const differentiable = await DifferentiableSurrogate.create(init.definition, simulation)
// One row through each path uploads the weights now, so the first real request does not pay for it.
await model.forwardNanoamps(new Float32Array(model.inputCount), 1)
const warmUp = await differentiable.forwardWithGradient(new Float32Array(model.inputCount), 1)
await warmUp.inputGradient(new Float32Array(model.outputCount))
warmUp.dispose()

/** Gradient passes kept between their forward and their inputGradient, by the pool's passId. */
const passes = new Map<number, ForwardWithGradient>()

async function answer(request: EvaluationRequest): Promise<Float32Array> {
  switch (request.type) {
    case 'forward':
      return init.unclipped
        ? model.forwardUnclippedNanoamps(request.inputsVolts, request.rowCount)
        : model.forwardNanoamps(request.inputsVolts, request.rowCount)
    case 'forwardWithGradient': {
      if (passes.has(request.passId)) throw new Error(`pass ${request.passId} is already kept`)
      const pass = await differentiable.forwardWithGradient(request.inputsVolts, request.rowCount)
      passes.set(request.passId, pass)
      return pass.outputsNanoamps
    }
    case 'inputGradient': {
      const pass = passes.get(request.passId)
      if (!pass) throw new Error(`no kept pass ${request.passId} (never made, or disposed)`)
      return pass.inputGradient(request.outputGradient)
    }
  }
}

port.on('message', (request: ToEvaluationWorker) => {
  if (request.type === 'disposePass') {
    passes.get(request.passId)?.dispose()
    passes.delete(request.passId)
    return
  }
  answer(request).then(
    (values) => {
      // Transfer, not copy; a view into a larger buffer is copied first so only its rows travel.
      const owned = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength ? values : values.slice()
      send({ type: 'result', id: request.id, values: owned }, [owned.buffer as ArrayBuffer])
      pollEventLoop(init.stayAwakeMs)
    },
    (error: unknown) =>
      send({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) })
  )
})
send({ type: 'ready', computeBackend })
