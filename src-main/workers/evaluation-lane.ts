/**
 * One evaluation worker thread as EvaluationPool drives it: starting it (and the production
 * factory that does so), its requests by id and their answers, and its failure. A worker that
 * crashes, exits or answers out of turn fails every request it holds, and every later one, with an
 * error naming it. An idle worker does not keep the process alive; a busy one does.
 */
import type { Worker, WorkerOptions } from 'node:worker_threads'
import type { ComputeBackendName } from '../core'
import type {
  EvaluationRequest,
  EvaluationWorkerInit,
  FromEvaluationWorker,
  ToEvaluationWorker
} from './evaluation-worker'

/** Starts one evaluation worker thread running evaluation-worker.ts with the given options. */
export type EvaluationWorkerFactory = (options: WorkerOptions) => Worker | Promise<Worker>

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

interface PendingForward {
  resolve: (outputs: Float32Array) => void
  reject: (error: Error) => void
  rows: string
}

/** One worker thread and its in-flight requests. */
export class EvaluationLane {
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
  static async spawn(
    index: number,
    workerCount: number,
    factory: EvaluationWorkerFactory,
    init: EvaluationWorkerInit
  ): Promise<EvaluationLane> {
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

  /**
   * Posts `request` (with this lane's next id) and resolves with the worker's values. The payload
   * array's buffer is transferred: pass a copy the caller does not need any more.
   */
  request(request: DistributiveOmit<EvaluationRequest, 'id'>, rows: string): Promise<Float32Array> {
    if (this.failed) return Promise.reject(this.failed)
    const worker = this.worker
    if (!worker) return Promise.reject(new Error(`${this.label} was stopped: the evaluation pool was disposed`))
    const id = this.nextId++
    const message = { ...request, id } as EvaluationRequest
    const payload = message.type === 'inputGradient' ? message.outputGradient : message.inputsVolts
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, rows })
      worker.ref() // an idle worker never keeps the process alive, a busy one does
      worker.postMessage(message, [payload.buffer as ArrayBuffer])
    })
  }

  /** Frees a kept gradient pass; nothing to wait for (a stopped or failed worker has none left). */
  disposePass(passId: number): void {
    if (this.failed || !this.worker) return
    const message: ToEvaluationWorker = { type: 'disposePass', passId }
    this.worker.postMessage(message)
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
    if (message.type === 'result') request.resolve(message.values)
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
    for (const request of requests)
      request.reject(new Error(`${this.label} ${what} (while evaluating rows ${request.rows})`))
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
