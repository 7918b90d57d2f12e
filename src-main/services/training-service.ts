/**
 * Training use case: turns a validated config into a run, drives a trainer worker, and is the
 * single place that persists what the worker reports.
 *
 * Persistence and the UI are listeners of the same events (DESIGN.md rule 6): every generation is
 * written (metrics + checkpoint in one transaction) before its progress event goes out, so what
 * a user sees is always already on disk.
 */
import { EventEmitter } from 'node:events'
import type {
  GaTrainingConfig,
  RunStatus,
  TrainingFinishedEvent,
  TrainingProgressEvent
} from '../../src-preload/contract'
import { Dnpu, parseGateTask, randomSeed } from '../core'
import type { RunsRepository } from '../store'
import type { FromTrainer, ToTrainer } from '../workers/trainer-protocol'
import type { CatalogEntry, ModelCatalog } from './model-catalog'

/** What the service needs of a worker thread (a node `Worker` satisfies it). */
export interface TrainerHandle {
  postMessage(message: ToTrainer): void
  on(event: 'message', listener: (message: FromTrainer) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'exit', listener: (exitCode: number) => void): unknown
  terminate(): Promise<number>
}

export interface TrainingServiceEvents {
  progress: [TrainingProgressEvent]
  finished: [TrainingFinishedEvent]
}

interface ActiveRun {
  runId: number
  worker: TrainerHandle
  totalGenerations: number
  stopping: boolean
  lastSeq: number
  /** Resolves once the run has its final status in the database. */
  ended: Promise<void>
  end: () => void
}

export class TrainingService extends EventEmitter<TrainingServiceEvents> {
  private active: ActiveRun | null = null

  constructor(
    private readonly runs: RunsRepository,
    private readonly models: ModelCatalog,
    private readonly spawnTrainer: () => TrainerHandle,
    private readonly computeBackend: string
  ) {
    super()
  }

  activeRunId(): number | null {
    return this.active?.runId ?? null
  }

  /** Starts a run; throws an Error with a user-facing message if it cannot. */
  start(config: GaTrainingConfig): { runId: number } {
    if (this.active) {
      throw new Error(`run ${this.active.runId} is still in progress: stop it or wait for it to finish`)
    }
    const model = this.models.get(config.modelId)
    if (!model) {
      throw new Error(`modelId: no model "${config.modelId}" (known: ${this.models.ids().join(', ')})`)
    }
    const { controlElectrodes, targets } = describeLayout(config, model)
    const seededConfig = { ...config, seed: config.seed ?? randomSeed() }
    const runId = this.runs.createRun({
      algorithm: 'ga',
      task: config.task,
      modelId: config.modelId,
      config: seededConfig,
      seed: seededConfig.seed,
      computeBackend: this.computeBackend,
      controlElectrodes,
      targets
    })

    let end!: () => void
    const ended = new Promise<void>((resolve) => (end = resolve))
    const worker = this.spawnTrainer()
    const run: ActiveRun = {
      runId,
      worker,
      totalGenerations: config.generations,
      stopping: false,
      lastSeq: 0,
      ended,
      end
    }
    this.active = run

    worker.on('message', (message) => this.onWorkerMessage(run, message))
    worker.on('error', (error) => this.finish(run, 'interrupted', `the trainer crashed: ${error.message}`))
    worker.on('exit', (exitCode) => {
      if (this.active === run) {
        this.finish(run, 'interrupted', `the trainer exited unexpectedly (exit code ${exitCode})`)
      }
    })
    worker.postMessage({ seq: 1, type: 'start', setup: { config: seededConfig, model: model.definition } })
    return { runId }
  }

  /** Asks the run to stop after its current generation. */
  stop(runId: number): { runId: number; stopping: boolean } {
    const run = this.active
    if (!run || run.runId !== runId) {
      const stored = this.runs.getRun(runId)
      if (!stored) throw new Error(`runId: no run ${runId}`)
      return { runId, stopping: false }
    }
    if (!run.stopping) {
      run.stopping = true
      run.worker.postMessage({ seq: 2, type: 'stop' })
    }
    return { runId, stopping: true }
  }

  /** Resolves when the active run (if any) has ended. */
  async whenIdle(): Promise<void> {
    if (this.active) await this.active.ended
  }

  /** Stops any active run and waits until it is recorded (app quit, CLI interrupt). */
  async shutdown(): Promise<void> {
    const run = this.active
    if (!run) return
    this.stop(run.runId)
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref())
    if ((await Promise.race([run.ended, timeout])) === 'timeout') {
      this.finish(run, 'interrupted', 'the trainer did not stop within 10 s of shutdown')
    }
  }

  private onWorkerMessage(run: ActiveRun, message: FromTrainer): void {
    if (this.active !== run) return
    try {
      this.handleWorkerMessage(run, message)
    } catch (error) {
      // Typically the database refused the write (disk full, or the run was ended elsewhere):
      // end the run rather than let the exception take the whole process down.
      this.finish(run, 'failed', `could not record the run: ${(error as Error).message}`)
    }
  }

  private handleWorkerMessage(run: ActiveRun, message: FromTrainer): void {
    if (message.seq !== run.lastSeq + 1) {
      this.finish(run, 'failed', `trainer message out of order (got ${message.seq}, expected ${run.lastSeq + 1})`)
      return
    }
    run.lastSeq = message.seq
    switch (message.type) {
      case 'ready':
        return
      case 'generation': {
        const { result, improvedBest, checkpoint } = message
        const metrics = {
          generation: result.generation,
          bestFitness: result.bestFitness,
          bestCorrelation: result.bestCorrelation,
          bestSoFarFitness: result.bestSoFarFitness,
          bestSoFarCorrelation: result.bestSoFarCorrelation
        }
        this.runs.recordGeneration(
          run.runId,
          { ...metrics, bestGenome: result.bestGenome },
          improvedBest,
          checkpoint
        )
        this.emit('progress', { runId: run.runId, totalGenerations: run.totalGenerations, metrics })
        return
      }
      case 'finished':
        this.finish(run, message.outcome, null)
        return
      case 'error':
        this.finish(run, 'failed', message.message)
        return
    }
  }

  private finish(run: ActiveRun, status: Exclude<RunStatus, 'running'>, error: string | null): void {
    if (this.active !== run) return
    this.active = null
    try {
      this.runs.finishRun(run.runId, status, error)
    } catch (finishError) {
      // The stored run has already ended; nothing more can be written for it.
      error = `${error ?? status}; the final status was not stored: ${(finishError as Error).message}`
    } finally {
      void run.worker.terminate()
      run.end()
      this.emit('finished', { runId: run.runId, status, error })
    }
  }
}

/**
 * Checks the config against the model before anything is stored, so a bad electrode choice is
 * refused with a message naming the field instead of failing inside the worker.
 */
function describeLayout(
  config: GaTrainingConfig,
  model: CatalogEntry
): { controlElectrodes: number[]; targets: number[] } {
  const electrodeCount = model.summary.inputCount
  for (const electrode of config.dataElectrodes) {
    if (electrode >= electrodeCount) {
      throw new Error(
        `dataElectrodes: electrode ${electrode} does not exist (the model has activation electrodes 0-${electrodeCount - 1})`
      )
    }
  }
  let targets: number[]
  try {
    targets = parseGateTask(config.task).targets
  } catch (error) {
    throw new Error(`task: ${(error as Error).message}`)
  }
  const dnpu = new Dnpu({
    activationElectrodeCount: electrodeCount,
    voltageRangesVolts: model.summary.voltageRangesVolts,
    dataElectrodes: config.dataElectrodes,
    inputRange: config.inputRange
  })
  return { controlElectrodes: [...dnpu.controlElectrodes], targets }
}
