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
 *
 * It is also GdTrainer's DifferentiableProcessor: forwardWithGradient splits the batch's rows the
 * same way, each thread keeping its chunk's pass (a DifferentiableSurrogate's), and the pass's
 * inputGradient hands each thread its chunk of the output gradient; dispose() frees every chunk's
 * pass. Rows are independent in both directions, so the joined outputs and gradients are
 * bit-identical to one DifferentiableSurrogate's (tested, also through whole GdTrainer runs).
 *
 * This module splits the work and joins the results; evaluation-lane.ts runs each worker thread.
 */
import { availableParallelism } from 'node:os'
import {
  applyOutputNoise,
  checkOutputNoise,
  DifferentiableSurrogate,
  initComputeBackend,
  SurrogateModel,
  type OutputNoise
} from '../core'
import type {
  DifferentiableProcessor,
  ForwardWithGradient,
  Processor,
  SimulationOptions,
  SurrogateDefinition
} from '../core'
import { EvaluationLane, spawnBundledEvaluationWorker, type EvaluationWorkerFactory } from './evaluation-lane'
import type { EvaluationWorkerInit } from './evaluation-worker'
import { pollEventLoop } from './event-loop-polling'

export { spawnBundledEvaluationWorker, type EvaluationWorkerFactory } from './evaluation-lane'

/**
 * Below this many rows a call is evaluated in the calling thread. Measured on the demo surrogate
 * (2 shared cores, wasm backend, built bundle): the forward costs 3-4 us per row, and handing rows
 * to a worker and back adds 1.5-2 ms (64 rows: 0.5 ms here, 2 ms split over 2), so a 2-way split
 * breaks even between 1000 and 2000 rows and pays from 2048 on (2048 rows: 7-13 ms here, 5-10 ms
 * split). A GA generation of 26 genomes x 4 points (104 rows) never leaves the thread.
 */
export const DEFAULT_IN_THREAD_BELOW_ROWS = 2048

/**
 * The same for forwardWithGradient (a GD batch), whose split pays two hand-overs (forward, then
 * gradient). Measured on the demo surrogate (2 shared cores, wasm, built bundle): 8 rows take
 * 0.35 ms here and 0.9 ms split over 2; 512 rows (the bench's batch) 4.3 ms here and 3.7 ms split,
 * a 256-row chunk costing 1.5 + 1.3 ms (forward, gradient) here and 1.8 + 1.7 ms through a worker.
 */
export const DEFAULT_GRADIENT_IN_THREAD_BELOW_ROWS = 256

/**
 * How long this thread polls its event loop (see event-loop-polling.ts) while waiting for worker
 * chunks, and how long a worker keeps polling after answering, for the next request of a tight
 * sequence (a GD batch's gradient, the next batch). Long enough for the gaps between the requests
 * of a GD run (well under a millisecond), short enough that a wait for a long chunk, or an idle
 * worker, soon sleeps.
 */
export const AWAIT_POLLING_MS = 5
export const WORKER_STAY_AWAKE_MS = 2

export interface EvaluationPoolOptions {
  definition: SurrogateDefinition
  /** As for SurrogateModel: amplification and clipping overrides and the output noise. */
  simulation?: SimulationOptions
  /** Threads sharing each large call, the calling thread included (default: the number of cores). */
  workers?: number
  /** Calls with fewer rows run in the calling thread (default DEFAULT_IN_THREAD_BELOW_ROWS). */
  inThreadBelowRows?: number
  /** forwardWithGradient calls with fewer rows run in the calling thread (default DEFAULT_GRADIENT_IN_THREAD_BELOW_ROWS). */
  gradientInThreadBelowRows?: number
  /** How worker threads are started (default spawnBundledEvaluationWorker). */
  spawnWorker?: EvaluationWorkerFactory
}

function checkCount(value: number, min: number, what: string): number {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`EvaluationPool: ${what} must be an integer >= ${min}, got ${String(value)}`)
  return value
}

export class EvaluationPool implements Processor, DifferentiableProcessor {
  /** Threads sharing each large call, the calling thread included. */
  readonly workers: number
  readonly inThreadBelowRows: number
  readonly gradientInThreadBelowRows: number
  readonly inputCount: number
  readonly outputCount: number

  private readonly definition: SurrogateDefinition
  private readonly simulation: SimulationOptions
  private readonly noise: OutputNoise | undefined
  private readonly spawnWorker: EvaluationWorkerFactory
  /** Noise-free: noise is added by the pool after the chunks are joined. */
  private readonly local: SurrogateModel
  /** This thread's share of forwardWithGradient, made with the first such call. */
  private localDifferentiable: Promise<DifferentiableSurrogate> | null = null
  private nextPassId = 1
  private lanes: EvaluationLane[] = []
  private starting: Promise<void> | null = null
  private startFailure: Error | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private disposed = false

  constructor(options: EvaluationPoolOptions) {
    const simulation = options.simulation ?? {}
    this.workers = checkCount(options.workers ?? availableParallelism(), 1, 'workers')
    this.inThreadBelowRows = checkCount(
      options.inThreadBelowRows ?? DEFAULT_IN_THREAD_BELOW_ROWS,
      0,
      'inThreadBelowRows'
    )
    this.gradientInThreadBelowRows = checkCount(
      options.gradientInThreadBelowRows ?? DEFAULT_GRADIENT_IN_THREAD_BELOW_ROWS,
      0,
      'gradientInThreadBelowRows'
    )
    this.spawnWorker = options.spawnWorker ?? spawnBundledEvaluationWorker
    this.noise = checkOutputNoise(simulation.outputNoise)
    this.definition = options.definition
    this.simulation = {
      amplification: simulation.amplification,
      clippingValueNanoamps: simulation.clippingValueNanoamps
    }
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
    return this.enqueue(() => this.evaluate(inputsVolts, rowCount))
  }

  /**
   * DifferentiableSurrogate.forwardWithGradient over the threads, bit-identical to it (with the
   * same definition and amplification / clipping overrides; output noise is refused, it is not
   * differentiable). The pass's inputGradient and every other call run one after another in call
   * order; dispose the pass when done with it.
   */
  forwardWithGradient(inputsVolts: Float32Array, rowCount: number): Promise<ForwardWithGradient> {
    return this.enqueue(() => this.forwardKeeping(inputsVolts, rowCount))
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
    void this.localDifferentiable?.then(
      (surrogate) => surrogate.dispose(),
      () => undefined
    )
    await Promise.all(lanes.map((lane) => lane.terminate()))
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Refuses a disposed or broken pool and malformed rows; then the chunk bounds of the call. */
  private async prepare(
    inputsVolts: Float32Array,
    rowCount: number,
    splitFrom: number,
    call: string
  ): Promise<number[]> {
    if (this.disposed) throw new Error(`EvaluationPool: ${call} after dispose()`)
    // Sticky, also for calls small enough to stay here: a run must not quietly go on half-broken.
    const broken = this.startFailure ?? this.lanes.find((lane) => lane.failure)?.failure
    if (broken) throw new Error(`EvaluationPool is unusable (dispose it): ${broken.message}`)
    if (!Number.isInteger(rowCount) || rowCount < 0)
      throw new RangeError(`rowCount must be a non-negative integer, got ${rowCount}`)
    if (inputsVolts.length !== rowCount * this.inputCount) {
      throw new RangeError(
        `inputsVolts has ${inputsVolts.length} values, expected ${rowCount} rows x ${this.inputCount} electrodes`
      )
    }
    const split = this.workers > 1 && rowCount >= splitFrom
    if (split) await this.start()
    this.checkNotDisposedDuring(call)
    const chunkCount = split ? this.workers : 1
    // Chunk c holds rows [bounds[c], bounds[c + 1]): contiguous, sizes differing by at most one.
    return Array.from({ length: chunkCount + 1 }, (_, c) => Math.floor((c * rowCount) / chunkCount))
  }

  private checkNotDisposedDuring(call: string): void {
    if (this.disposed) throw new Error(`EvaluationPool: disposed during ${call}`)
  }

  /**
   * Runs chunk c's share by `run(c, first, end)` (chunk 0 here, the others on lane c - 1) and
   * joins the results, `width` values per row, in row order. Worker chunks are started first so
   * the workers compute while this thread does chunk 0; all chunks are waited for (not just the
   * first failure) so none is still running when the call ends.
   */
  private async joinChunks(
    bounds: readonly number[],
    width: number,
    call: string,
    run: (c: number, first: number, end: number) => Promise<Float32Array>
  ): Promise<Float32Array> {
    const chunkCount = bounds.length - 1
    const chunks = new Array<Promise<Float32Array>>(chunkCount)
    for (let c = chunkCount - 1; c >= 0; c -= 1) {
      const [first, end] = [bounds[c]!, bounds[c + 1]!]
      chunks[c] = end === first ? Promise.resolve(new Float32Array(0)) : run(c, first, end)
    }
    // While worker chunks are out, poll rather than sleep, so their answers are taken at once.
    const stopPolling = chunkCount > 1 ? pollEventLoop(AWAIT_POLLING_MS) : () => undefined
    const settled = await Promise.allSettled(chunks)
    stopPolling()
    this.checkNotDisposedDuring(call)
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason))
    const joined = new Float32Array(bounds[chunkCount]! * width)
    settled.forEach((result, c) => {
      const values = (result as PromiseFulfilledResult<Float32Array>).value
      const expected = (bounds[c + 1]! - bounds[c]!) * width
      if (values.length !== expected)
        throw new Error(`EvaluationPool: chunk ${c} returned ${values.length} values, expected ${expected}`)
      joined.set(values, bounds[c]! * width)
    })
    return joined
  }

  private async evaluate(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    const call = 'forwardNanoamps'
    const bounds = await this.prepare(inputsVolts, rowCount, this.inThreadBelowRows, call)
    const outputs = await this.joinChunks(bounds, this.outputCount, call, (c, first, end) =>
      c === 0
        ? this.forwardHere(inputsVolts.subarray(0, end * this.inputCount), end)
        : this.lanes[c - 1]!.request(
            {
              type: 'forward',
              inputsVolts: inputsVolts.slice(first * this.inputCount, end * this.inputCount),
              rowCount: end - first
            },
            `${first}..${end - 1}`
          )
    )
    return this.noise ? applyOutputNoise(outputs, this.noise, this.clippingValueNanoamps) : outputs
  }

  private async forwardKeeping(inputsVolts: Float32Array, rowCount: number): Promise<ForwardWithGradient> {
    const call = 'forwardWithGradient'
    if (this.noise)
      throw new Error(
        'EvaluationPool: forwardWithGradient with output noise: noise is not differentiable (make the pool without outputNoise)'
      )
    const bounds = await this.prepare(inputsVolts, rowCount, this.gradientInThreadBelowRows, call)
    this.localDifferentiable ??= DifferentiableSurrogate.create(this.definition, this.simulation)
    const surrogate = await this.localDifferentiable
    this.checkNotDisposedDuring(call)
    const passId = this.nextPassId++
    // Which chunks hold a pass now: those are freed by dispose(), also when another chunk failed.
    let localPass: ForwardWithGradient | null = null
    const keptOnLane = new Set<number>()
    const dispose = (): void => {
      localPass?.dispose()
      localPass = null
      keptOnLane.forEach((c) => this.lanes[c - 1]?.disposePass(passId))
      keptOnLane.clear()
    }
    let outputsNanoamps: Float32Array
    try {
      outputsNanoamps = await this.joinChunks(bounds, this.outputCount, call, async (c, first, end) => {
        if (c === 0) {
          localPass = await surrogate.forwardWithGradient(inputsVolts.slice(0, end * this.inputCount), end)
          return localPass.outputsNanoamps
        }
        const slice = inputsVolts.slice(first * this.inputCount, end * this.inputCount)
        const outputs = await this.lanes[c - 1]!.request(
          { type: 'forwardWithGradient', passId, inputsVolts: slice, rowCount: end - first },
          `${first}..${end - 1}`
        )
        keptOnLane.add(c)
        return outputs
      })
    } catch (error) {
      dispose()
      throw error
    }
    let disposed = false
    const gradientCall = 'inputGradient'
    const inputGradient = (outputGradient: Float32Array): Promise<Float32Array> =>
      this.enqueue(async () => {
        if (disposed) throw new Error('inputGradient after dispose()')
        if (this.disposed) throw new Error(`EvaluationPool: ${gradientCall} after dispose()`)
        if (outputGradient.length !== rowCount * this.outputCount) {
          throw new RangeError(
            `outputGradient has ${outputGradient.length} values, expected ${rowCount} x ${this.outputCount}`
          )
        }
        return this.joinChunks(bounds, this.inputCount, gradientCall, (c, first, end) => {
          const share = outputGradient.slice(first * this.outputCount, end * this.outputCount)
          if (c === 0) return localPass!.inputGradient(share)
          return this.lanes[c - 1]!.request(
            { type: 'inputGradient', passId, outputGradient: share, rowCount: end - first },
            `${first}..${end - 1} (input gradient)`
          )
        })
      })
    return {
      outputsNanoamps,
      inputGradient,
      dispose: () => {
        disposed = true
        dispose()
      }
    }
  }

  private forwardHere(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    return this.noise
      ? this.local.forwardUnclippedNanoamps(inputsVolts, rowCount)
      : this.local.forwardNanoamps(inputsVolts, rowCount)
  }

  private async startLanes(): Promise<void> {
    const computeBackend = await initComputeBackend()
    const init: EvaluationWorkerInit = {
      definition: this.definition,
      amplification: this.simulation.amplification,
      clippingValueNanoamps: this.simulation.clippingValueNanoamps,
      computeBackend,
      unclipped: this.noise !== undefined,
      stayAwakeMs: WORKER_STAY_AWAKE_MS
    }
    const lanes = await Promise.all(
      Array.from({ length: this.workers - 1 }, (_, i) =>
        EvaluationLane.spawn(i + 1, this.workers, this.spawnWorker, init)
      )
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
