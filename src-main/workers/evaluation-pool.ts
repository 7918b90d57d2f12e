/**
 * EvaluationPool: a Processor that splits each forward's rows over several threads.
 *
 * The rows of one forwardNanoamps call are cut into `workers` contiguous chunks. The first chunk is
 * evaluated in the calling thread (which would otherwise sit idle waiting), the others by worker
 * threads, each with its own noise-free SurrogateModel of the same definition and overrides; the
 * chunks are joined in row order. So `workers: 2` keeps two cores busy with one extra thread.
 *
 * Results are bit-identical to one SurrogateModel for any `workers`: a row's output does not depend
 * on which batch it was in (tested), every thread uses the same compute backend (checked at start),
 * and output noise is drawn only here, over the joined rows in row order, by the same function
 * SurrogateModel uses (applyOutputNoise). Calls are run one at a time in call order, so the noise
 * stream is consumed in call order too.
 *
 * Small calls stay in the calling thread (see DEFAULT_IN_THREAD_BELOW_ROWS), and worker threads
 * start only when the first large call comes (or on start()), so a pool used for a 4-point gate
 * costs nothing. A worker that dies fails the pending call with an error naming it, and every later
 * call too: dispose the pool and make a new one. Idle workers do not keep the process alive.
 */
import { availableParallelism } from 'node:os'
import type { Worker, WorkerOptions } from 'node:worker_threads'
import { applyOutputNoise, checkOutputNoise, initComputeBackend, SurrogateModel, type OutputNoise } from '../core'
import type { ComputeBackendName, Processor, SimulationOptions, SurrogateDefinition } from '../core'
import type { EvaluationWorkerInit, FromEvaluationWorker, ToEvaluationWorker } from './evaluation-worker'

/** Starts one evaluation worker thread running evaluation-worker.ts with the given options. */
export type EvaluationWorkerFactory = (options: WorkerOptions) => Worker | Promise<Worker>

/**
 * Below this many rows a call is evaluated in the calling thread. Measured on the demo surrogate
 * (2 shared cores, wasm backend, built bundle): the forward costs 3-4 us per row, and handing rows
 * to a worker and back adds 1.5-2 ms (64 rows: 0.5 ms here, 2 ms split over 2), so a 2-way split
 * breaks even between 1000 and 2000 rows and pays from 2048 on (2048 rows: 7-13 ms here, 5-10 ms
 * split). A GA generation of 26 genomes x 4 points (104 rows) never leaves the thread.
 */
export const DEFAULT_IN_THREAD_BELOW_ROWS = 2048

/**
 * The production factory: the worker chunk electron-vite emits for `?nodeWorker`. Imported lazily
 * so that merely importing this module (vitest, which does not know `?nodeWorker`) loads nothing;
 * tests pass their own factory instead.
 */
export const spawnBundledEvaluationWorker: EvaluationWorkerFactory = async (options) => {
  const hint = "('?nodeWorker' works only in the electron-vite build; elsewhere, e.g. under vitest, pass spawnWorker)"
  try {
    const { default: createEvaluationWorker } = await import('./evaluation-worker?nodeWorker')
    if (typeof createEvaluationWorker !== 'function') throw new Error('the worker module has no Worker factory')
    return createEvaluationWorker(options)
  } catch (error) {
    throw new Error(`${messageOf(error)} ${hint}`)
  }
}

export interface EvaluationPoolOptions {
  definition: SurrogateDefinition
  /** As for SurrogateModel: amplification and clipping overrides and the output noise. */
  simulation?: SimulationOptions
  /** Threads sharing each large call, the calling thread included (default: the number of cores). */
  workers?: number
  /** Calls with fewer rows run in the calling thread (default DEFAULT_IN_THREAD_BELOW_ROWS). */
  inThreadBelowRows?: number
  /** How worker threads are started (default spawnBundledEvaluationWorker). */
  spawnWorker?: EvaluationWorkerFactory
}

interface PendingForward {
  resolve: (outputs: Float32Array) => void
  reject: (error: Error) => void
  rows: string
}

/** One worker thread and its in-flight requests. */
class EvaluationLane {
  readonly ready: Promise<ComputeBackendName>
  private worker: Worker | null = null
  private readonly pending = new Map<number, PendingForward>()
  private nextId = 1
  private failed: Error | null = null
  private terminating = false
  private settleReady!: { resolve: (backend: ComputeBackendName) => void; reject: (error: Error) => void }

  private constructor(readonly label: string) {
    this.ready = new Promise<ComputeBackendName>((resolve, reject) => (this.settleReady = { resolve, reject }))
    // Whoever awaits `ready` sees the failure; this only keeps an unobserved one from being reported
    // as an unhandled rejection.
    this.ready.catch(() => undefined)
  }

  /** Never throws: a factory failure becomes the lane's failure, seen through `ready`. */
  static async spawn(index: number, workerCount: number, factory: EvaluationWorkerFactory, init: EvaluationWorkerInit): Promise<EvaluationLane> {
    const name = `dnpu-evaluation-${index}`
    const lane = new EvaluationLane(`evaluation worker ${index} of ${workerCount - 1} (${name})`)
    try {
      lane.attach(await factory({ name, workerData: init }))
    } catch (error) {
      lane.fail(`could not be started: ${messageOf(error)}`)
    }
    return lane
  }

  /** Why this worker is unusable (it died, or never started), or null. */
  get failure(): Error | null {
    return this.failed
  }

  forward(inputsVolts: Float32Array, rowCount: number, rows: string): Promise<Float32Array> {
    if (this.failed) return Promise.reject(this.failed)
    const worker = this.worker
    if (!worker) return Promise.reject(new Error(`${this.label} was stopped: the evaluation pool was disposed`))
    const id = this.nextId++
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, rows })
      worker.ref() // an idle worker never keeps the process alive, a busy one does
      const request: ToEvaluationWorker = { type: 'forward', id, inputsVolts, rowCount }
      worker.postMessage(request, [inputsVolts.buffer as ArrayBuffer])
    })
  }

  async terminate(): Promise<void> {
    this.terminating = true
    this.settleReady.reject(new Error(`${this.label} was stopped while starting: the evaluation pool was disposed`))
    this.rejectAll('was stopped: the evaluation pool was disposed during this call')
    const worker = this.worker
    this.worker = null
    if (worker) await worker.terminate()
  }

  private attach(worker: Worker): void {
    this.worker = worker
    worker.on('message', (message: FromEvaluationWorker) => this.receive(message))
    worker.on('error', (error: Error) => this.fail(`crashed: ${error.message}`))
    worker.on('messageerror', (error: Error) => this.fail(`sent a message that could not be read: ${error.message}`))
    worker.on('exit', (code: number) => this.fail(`exited unexpectedly (exit code ${code})`))
  }

  private receive(message: FromEvaluationWorker): void {
    if (message.type === 'ready') {
      this.worker?.unref()
      this.settleReady.resolve(message.computeBackend)
      return
    }
    const request = this.pending.get(message.id)
    if (!request) return this.fail(`answered request ${message.id}, which is not pending`)
    this.pending.delete(message.id)
    if (this.pending.size === 0) this.worker?.unref()
    if (message.type === 'result') request.resolve(message.outputsNanoamps)
    else request.reject(new Error(`${this.label} failed on rows ${request.rows}: ${message.message}`))
  }

  private fail(what: string): void {
    if (this.terminating || this.failed) return
    this.failed = new Error(`${this.label} ${what}`)
    this.settleReady.reject(this.failed)
    this.rejectAll(what)
    // A crashed or misbehaving worker may still be running: make sure it goes.
    void this.worker?.terminate()
  }

  private rejectAll(what: string): void {
    const requests = [...this.pending.values()]
    this.pending.clear()
    for (const request of requests) request.reject(new Error(`${this.label} ${what} (while evaluating rows ${request.rows})`))
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function checkCount(value: number, min: number, what: string): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`EvaluationPool: ${what} must be an integer >= ${min}, got ${String(value)}`)
  return value
}

export class EvaluationPool implements Processor {
  /** Threads sharing each large call, the calling thread included. */
  readonly workers: number
  readonly inThreadBelowRows: number
  readonly inputCount: number
  readonly outputCount: number

  private readonly definition: SurrogateDefinition
  private readonly simulation: SimulationOptions
  private readonly noise: OutputNoise | undefined
  private readonly spawnWorker: EvaluationWorkerFactory
  /** Noise-free: noise is added by the pool after the chunks are joined. */
  private readonly local: SurrogateModel
  private lanes: EvaluationLane[] = []
  private starting: Promise<void> | null = null
  private startFailure: Error | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private disposed = false

  constructor(options: EvaluationPoolOptions) {
    const simulation = options.simulation ?? {}
    this.workers = checkCount(options.workers ?? availableParallelism(), 1, 'workers')
    this.inThreadBelowRows = checkCount(options.inThreadBelowRows ?? DEFAULT_IN_THREAD_BELOW_ROWS, 0, 'inThreadBelowRows')
    this.spawnWorker = options.spawnWorker ?? spawnBundledEvaluationWorker
    this.noise = checkOutputNoise(simulation.outputNoise)
    this.definition = options.definition
    this.simulation = { amplification: simulation.amplification, clippingValueNanoamps: simulation.clippingValueNanoamps }
    // Validates the definition and overrides here, with SurrogateModel's own messages.
    this.local = new SurrogateModel(options.definition, this.simulation)
    this.inputCount = this.local.inputCount
    this.outputCount = this.local.outputCount
  }

  get activationElectrodeCount(): number {
    return this.local.activationElectrodeCount
  }

  get voltageRangesVolts(): readonly (readonly [number, number])[] {
    return this.local.voltageRangesVolts
  }

  get clippingValueNanoamps(): readonly [number, number] {
    return this.local.clippingValueNanoamps
  }

  /**
   * Start the worker threads now and wait until each is ready (otherwise they start with the first
   * large call). Rejects naming the worker that could not start.
   */
  start(): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('EvaluationPool: start after dispose()'))
    this.starting ??= this.startLanes().catch((error: unknown) => {
      this.startFailure = error instanceof Error ? error : new Error(String(error))
      throw this.startFailure
    })
    return this.starting
  }

  /**
   * rowCount x outputCount nA, row-major, bit-identical to SurrogateModel.forwardNanoamps with the
   * same definition and simulation options. Calls run one after another in call order; leave
   * `inputsVolts` unchanged until the returned promise settles.
   */
  forwardNanoamps(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    const run = this.queue.then(() => this.evaluate(inputsVolts, rowCount))
    this.queue = run.catch(() => undefined)
    return run
  }

  /**
   * Terminate the worker threads and free the weights. The pool cannot be used afterwards, and a
   * pending call rejects. Everything but waiting for the threads to be gone happens before the
   * first await, so a synchronous caller may `void pool.dispose()`.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    const lanes = this.lanes
    this.lanes = []
    this.local.dispose()
    await Promise.all(lanes.map((lane) => lane.terminate()))
  }

  private async evaluate(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    if (this.disposed) throw new Error('EvaluationPool: forwardNanoamps after dispose()')
    // Sticky, also for calls small enough to stay here: a run must not quietly go on half-broken.
    const broken = this.startFailure ?? this.lanes.find((lane) => lane.failure)?.failure
    if (broken) throw new Error(`EvaluationPool is unusable (dispose it): ${broken.message}`)
    if (!Number.isInteger(rowCount) || rowCount < 0) throw new RangeError(`rowCount must be a non-negative integer, got ${rowCount}`)
    if (inputsVolts.length !== rowCount * this.inputCount) {
      throw new RangeError(`inputsVolts has ${inputsVolts.length} values, expected ${rowCount} rows x ${this.inputCount} electrodes`)
    }
    const split = this.workers > 1 && rowCount >= this.inThreadBelowRows
    if (split) await this.start()
    if (this.disposed) throw new Error('EvaluationPool: disposed during forwardNanoamps')
    const chunkCount = split ? this.workers : 1
    // Chunk c holds rows [bounds[c], bounds[c + 1]): contiguous, sizes differing by at most one.
    const bounds = Array.from({ length: chunkCount + 1 }, (_, c) => Math.floor((c * rowCount) / chunkCount))
    const chunks = new Array<Promise<Float32Array>>(chunkCount)
    // Worker chunks are posted first so the workers compute while this thread does chunk 0.
    for (let c = 1; c < chunkCount; c += 1) {
      const [first, end] = [bounds[c]!, bounds[c + 1]!]
      const slice = inputsVolts.slice(first * this.inputCount, end * this.inputCount)
      chunks[c] = end === first ? Promise.resolve(new Float32Array(0)) : this.lanes[c - 1]!.forward(slice, end - first, `${first}..${end - 1}`)
    }
    chunks[0] = this.forwardHere(inputsVolts.subarray(0, bounds[1]! * this.inputCount), bounds[1]!)
    // Wait for all (not just the first failure) so no chunk is still running when this call ends.
    const settled = await Promise.allSettled(chunks)
    if (this.disposed) throw new Error('EvaluationPool: disposed during forwardNanoamps')
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason))

    const outputs = new Float32Array(rowCount * this.outputCount)
    settled.forEach((result, c) => {
      const values = (result as PromiseFulfilledResult<Float32Array>).value
      const expected = (bounds[c + 1]! - bounds[c]!) * this.outputCount
      if (values.length !== expected) throw new Error(`EvaluationPool: chunk ${c} returned ${values.length} values, expected ${expected}`)
      outputs.set(values, bounds[c]! * this.outputCount)
    })
    return this.noise ? applyOutputNoise(outputs, this.noise, this.clippingValueNanoamps) : outputs
  }

  private forwardHere(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    return this.noise ? this.local.forwardUnclippedNanoamps(inputsVolts, rowCount) : this.local.forwardNanoamps(inputsVolts, rowCount)
  }

  private async startLanes(): Promise<void> {
    const computeBackend = await initComputeBackend()
    const init: EvaluationWorkerInit = {
      definition: this.definition,
      amplification: this.simulation.amplification,
      clippingValueNanoamps: this.simulation.clippingValueNanoamps,
      computeBackend,
      unclipped: this.noise !== undefined
    }
    const lanes = await Promise.all(
      Array.from({ length: this.workers - 1 }, (_, i) => EvaluationLane.spawn(i + 1, this.workers, this.spawnWorker, init))
    )
    if (this.disposed) {
      await Promise.all(lanes.map((lane) => lane.terminate()))
      throw new Error('EvaluationPool: disposed while its workers were starting')
    }
    this.lanes = lanes
    const backends = await Promise.all(lanes.map((lane) => lane.ready))
    backends.forEach((backend, i) => {
      if (backend !== computeBackend) {
        throw new Error(
          `EvaluationPool: evaluation worker ${i + 1} runs on the ${backend} compute backend but this thread on ${computeBackend}; ` +
            'their results would differ, so the pool refuses to split (use workers: 1)'
        )
      }
    })
  }
}
