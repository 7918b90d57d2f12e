/**
 * Training use case: turns a validated config into a run, drives a trainer worker, and is the
 * single place that persists what the worker reports.
 *
 * Persistence and the UI are listeners of the same events (docs/architecture.md, rule 6): every step is
 * written (metrics + checkpoint in one transaction) before its progress event goes out, so what
 * a user sees is always already on disk.
 */
import { EventEmitter } from 'node:events'
import type {
  ControlTrainingConfig,
  RunResultUpdate,
  RunStatus,
  TrainingConfig,
  TrainingFinishedEvent,
  TrainingPausedEvent,
  TrainingProgressEvent
} from '../../src-shared/ipc'
import { trainingConfigSchema } from '../../src-shared/ipc'
import { algorithmOf } from '../../src-shared/domain'
import { Dnpu, randomSeed } from '../core'
import type { DatasetsRepository, RunsRepository } from '../store'
import {
  toWorkerCheckpoint,
  type DeviceProcessorSpec,
  type FromTrainer,
  type ToTrainer,
  type TrainerSetup
} from '../workers/trainer-protocol'
import { serviceAlgorithmOf, type PreparedRun, type RunContext } from './algorithms'
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
  paused: [TrainingPausedEvent]
  finished: [TrainingFinishedEvent]
}

/** What a run on the instrument needs from the device service (main owns the port). */
export interface DeviceForTraining {
  /**
   * The connected instrument's profile, active calibration and ranges; throws a message saying
   * what to do when there is no connection or no calibration.
   */
  trainingTarget(): { profileId: number; calibrationId: number; spec: DeviceProcessorSpec }
  /** Lends the instrument to a run until released: nothing else may change the device meanwhile. */
  lease(runId: number): DeviceLease
}

/** The instrument lent to one run: the only way the run measures. */
export interface DeviceLease {
  /** Measures rows of activation voltages (each checked against the calibration first); nA per row. */
  measurePoints(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array>
  /** True when `error` means the connection is gone (the run ends `interrupted`, resumable). */
  isConnectionLoss(error: unknown): boolean
  /** Gives the device back and drives every output to 0 V (ABOR); never throws. */
  release(): Promise<void>
}

export interface RunOptions {
  /** End as 'stopped' (resumable) once this many generations / epochs have run in total. */
  stopAfter?: number
  /** Threads sharing each GA generation's forward or GD batch's forward and gradient (default: the number of cores); results do not depend on it. */
  workers?: number
}

interface ActiveRun {
  runId: number
  worker: TrainerHandle
  config: TrainingConfig & { seed: number }
  /** The instrument, lent to the run while it measures on it. */
  deviceLease: DeviceLease | null
  stopping: boolean
  paused: boolean
  /** Sequence number of the next message to the worker. */
  nextSeq: number
  lastSeq: number
  /** Resolves once the run has its final status in the database. */
  ended: Promise<void>
  end: () => void
}

export class TrainingService extends EventEmitter<TrainingServiceEvents> {
  private active: ActiveRun | null = null
  private device: DeviceForTraining | null = null
  private datasets: DatasetsRepository | null = null
  private saveReferenceBatch: RunContext['saveReferenceBatch'] = undefined
  /** Set by `interruptForFatalError`: the process is exiting on a fatal error; no run may start. */
  private fatalError: string | null = null

  constructor(
    private readonly runs: RunsRepository,
    private readonly models: ModelCatalog,
    private readonly spawnTrainer: () => TrainerHandle,
    private readonly computeBackend: string,
    /** Stored with every run: part of what reproduces it. */
    private readonly appVersion: string
  ) {
    super()
  }

  /** Lets GA runs use the instrument (`processor: 'device'`). */
  attachDevice(device: DeviceForTraining): void {
    this.device = device
  }

  /** Lets surrogate training read sampled datasets (and keep each trained model's reference batch). */
  attachDatasets(datasets: DatasetsRepository, saveReferenceBatch?: RunContext['saveReferenceBatch']): void {
    this.datasets = datasets
    this.saveReferenceBatch = saveReferenceBatch
  }

  activeRunId(): number | null {
    return this.active?.runId ?? null
  }

  /** The run in progress (if any) and whether it is paused. */
  activeRun(): { runId: number | null; paused: boolean } {
    return { runId: this.active?.runId ?? null, paused: this.active?.paused ?? false }
  }

  /** Starts a run; throws an Error with a user-facing message if it cannot. */
  start(config: TrainingConfig, options: RunOptions = {}): { runId: number } {
    this.refuseWhileActive()
    const { prepared, target } = this.prepare(config)
    const seededConfig = { ...config, seed: config.seed ?? randomSeed() }
    const runId = this.runs.createRun({
      device: target ? { profileId: target.profileId, calibrationId: target.calibrationId } : undefined,
      algorithm: config.algorithm,
      task: prepared.task,
      modelId: prepared.modelId,
      config: seededConfig,
      seed: seededConfig.seed,
      computeBackend: this.computeBackend,
      appVersion: this.appVersion,
      controlElectrodes: prepared.controlElectrodes,
      targets: prepared.targets
    })
    this.launch(runId, { config: seededConfig, ...prepared.setup, device: target?.spec, ...options })
    return { runId }
  }

  /**
   * What the run is stored with and its trainer gets: the algorithm's own preparation (surrogate
   * training: its dataset), else its model checked against the data electrodes, and the device
   * when it runs on one.
   */
  private prepare(config: TrainingConfig): {
    prepared: PreparedRun
    target: ReturnType<DeviceForTraining['trainingTarget']> | null
  } {
    const algorithm = serviceAlgorithmOf(config.algorithm)
    if (algorithm.prepareRun) return { prepared: algorithm.prepareRun(config, this.context()), target: null }
    const control = config as ControlTrainingConfig
    const model = this.modelOf(control.modelId)
    const target = this.deviceTargetOf(control)
    const { controlElectrodes, targets } = describeLayout(control, target ? deviceShape(target.spec) : model.summary)
    return {
      prepared: {
        task: control.task,
        modelId: control.modelId,
        controlElectrodes,
        targets,
        setup: { model: model.definition }
      },
      target
    }
  }

  private context(): RunContext {
    return { models: this.models, datasets: this.datasets, saveReferenceBatch: this.saveReferenceBatch }
  }

  /** A run on the instrument: the connected device and its active calibration, or a clear refusal. */
  private deviceTargetOf(config: ControlTrainingConfig): ReturnType<DeviceForTraining['trainingTarget']> | null {
    const wantsDevice =
      algorithmOf(config.algorithm).trainsOnDevice && 'processor' in config && config.processor === 'device'
    if (!wantsDevice) return null
    if (!this.device) throw new Error('processor: this DNPU Lab process has no instrument service')
    return this.device.trainingTarget()
  }

  /**
   * Continues a stopped or interrupted run from its last checkpoint, in the same run: its
   * history goes on from there exactly as if it had never been interrupted.
   */
  resume(runId: number, options: RunOptions = {}): { runId: number } {
    this.refuseWhileActive()
    const stored = this.runs.getRun(runId)
    if (!stored) throw new Error(`runId: no run ${runId}`)
    const parsed = trainingConfigSchema.safeParse(stored.config)
    if (!parsed.success) throw new Error(`run ${runId} was stored by an older version whose settings cannot be resumed`)
    const config = { ...parsed.data, seed: stored.seed }
    const checkpoint = this.runs.getCheckpoint(runId)
    if (!checkpoint) throw new Error(`run ${runId} has no checkpoint to resume from (it ended before its first step)`)
    const { prepared, target } = this.prepare(config)
    if (target && stored.device && target.calibrationId !== stored.device.calibrationId) {
      // The genomes in the checkpoint were drawn inside the ranges of the run's calibration.
      throw new Error(
        `run ${runId} ran under calibration ${stored.device.calibrationId} of device profile ${stored.device.profileId}; ` +
          `activate that calibration (the active one is ${target.calibrationId}) to resume it`
      )
    }
    this.runs.reopenRun(runId)
    this.launch(runId, {
      config,
      ...prepared.setup,
      checkpoint: toWorkerCheckpoint(checkpoint.state),
      device: target?.spec,
      ...options
    })
    return { runId }
  }

  /** Asks the run to stop after its current generation or epoch. */
  stop(runId: number): { runId: number; stopping: boolean } {
    const run = this.active
    if (!run || run.runId !== runId) {
      const stored = this.runs.getRun(runId)
      if (!stored) throw new Error(`runId: no run ${runId}`)
      return { runId, stopping: false }
    }
    if (!run.stopping) {
      run.stopping = true
      this.send(run, { type: 'stop' })
    }
    return { runId, stopping: true }
  }

  /** Pauses (true) or continues (false) the run in progress between two steps. */
  setPaused(runId: number, paused: boolean): { runId: number; paused: boolean } {
    const run = this.active
    if (!run || run.runId !== runId) {
      throw new Error(`runId: run ${runId} is not in progress${this.active ? ` (run ${this.active.runId} is)` : ''}`)
    }
    if (run.stopping) throw new Error(`run ${runId} is stopping`)
    if (run.paused !== paused) this.send(run, { type: paused ? 'pause' : 'continue' })
    // The worker confirms with a 'paused' message; the answer already says what was asked for.
    return { runId, paused }
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

  /**
   * Last resort for a fatal error in this process (services/last-resort.ts): the run in progress
   * is marked `interrupted` with the error's `message`, synchronously (its checkpoint stays: it resumes), its
   * trainer is dropped, and no run may start from now on. Unlike an ordinary ending nothing is
   * emitted and `whenIdle` does not resolve: the process is about to exit, and no caller may go
   * on as if the run had ended (print a result, close the port under the pending ABOR). Returns
   * the run's id, null when no run is in progress; throws when the database refused the write.
   */
  interruptForFatalError(message: string): number | null {
    this.fatalError ??= message
    const run = this.active
    if (!run) return null
    this.active = null
    try {
      this.runs.finishRun(run.runId, 'interrupted', `DNPU Lab stopped on a fatal error: ${message}`)
    } catch (error) {
      throw new Error(`run ${run.runId} could not be marked interrupted: ${(error as Error).message}`)
    } finally {
      void run.worker.terminate().catch(() => undefined)
    }
    return run.runId
  }

  private refuseWhileActive(): void {
    if (this.fatalError)
      throw new Error(`DNPU Lab is stopping after a fatal error (${this.fatalError}): no run can start`)
    if (this.active) {
      throw new Error(`run ${this.active.runId} is still in progress: stop it or wait for it to finish`)
    }
  }

  private modelOf(modelId: string): CatalogEntry {
    const model = this.models.get(modelId)
    if (!model) throw new Error(`modelId: no model "${modelId}" (known: ${this.models.ids().join(', ')})`)
    return model
  }

  private send(
    run: ActiveRun,
    message: ToTrainer extends infer M ? (M extends { seq: number } ? Omit<M, 'seq'> : never) : never
  ): void {
    run.worker.postMessage({ ...message, seq: run.nextSeq++ } as ToTrainer)
  }

  private launch(runId: number, setup: TrainerSetup): void {
    let end!: () => void
    const ended = new Promise<void>((resolve) => (end = resolve))
    let worker: TrainerHandle
    let deviceLease: DeviceLease | null = null
    try {
      if (setup.device !== undefined) deviceLease = this.device!.lease(runId)
      worker = this.spawnTrainer()
    } catch (error) {
      void deviceLease?.release()
      this.runs.finishRun(runId, 'failed', `could not start the trainer: ${(error as Error).message}`)
      throw error
    }
    const run: ActiveRun = {
      runId,
      worker,
      config: setup.config,
      deviceLease,
      stopping: false,
      paused: false,
      nextSeq: 1,
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
    this.send(run, { type: 'start', setup })
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
      case 'step': {
        const { report, checkpoint } = message
        this.runs.recordStep(run.runId, report, checkpoint)
        this.send(run, { type: 'recorded' })
        this.emit('progress', { ...report.progress, runId: run.runId } as TrainingProgressEvent)
        return
      }
      case 'measure':
        this.measureFor(run, message.requestId, message.inputsVolts, message.rowCount)
        return
      case 'paused':
        run.paused = message.paused
        this.emit('paused', { runId: run.runId, paused: message.paused })
        return
      case 'finished': {
        const result = this.storeArtifact(run, message.result, message.artifact)
        if (result) this.runs.recordResult(run.runId, result)
        this.finish(run, message.outcome, null)
        return
      }
      case 'error':
        this.finish(run, 'failed', message.message)
        return
    }
  }

  /** What the trainer handed over at the end (a trained model) is stored first; the result then names it. */
  private storeArtifact(run: ActiveRun, result: RunResultUpdate | null, artifact: unknown): RunResultUpdate | null {
    const algorithm = serviceAlgorithmOf(run.config.algorithm)
    if (artifact === undefined || !algorithm.storeArtifact) return result
    const stored = algorithm.storeArtifact({ runId: run.runId, config: run.config }, artifact, result, this.context())
    if (stored.modelId !== undefined) this.runs.setModelId(run.runId, stored.modelId)
    return stored.result
  }

  /** Main owns the port: measures for the worker and answers it, or ends the run if the connection is gone. */
  private measureFor(run: ActiveRun, requestId: number, inputsVolts: Float32Array, rowCount: number): void {
    const device = run.deviceLease
    if (!device) {
      this.send(run, { type: 'measure-failed', requestId, message: 'no instrument service' })
      return
    }
    device.measurePoints(inputsVolts, rowCount).then(
      (outputsNanoamps) => {
        if (this.active === run) this.send(run, { type: 'measured', requestId, outputsNanoamps })
      },
      (error: unknown) => {
        if (this.active !== run) return
        const message = error instanceof Error ? error.message : String(error)
        if (device.isConnectionLoss(error))
          this.finish(run, 'interrupted', `the instrument connection was lost: ${message}`)
        else this.send(run, { type: 'measure-failed', requestId, message })
      }
    )
  }

  private finish(run: ActiveRun, status: Exclude<RunStatus, 'running'>, error: string | null): void {
    if (this.active !== run) return
    this.active = null
    // Every ending of a run on the instrument leaves its outputs at 0 V (docs/architecture.md, rule 6).
    void run.deviceLease?.release()
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
  config: ControlTrainingConfig,
  shape: { inputCount: number; voltageRangesVolts: readonly (readonly [number, number])[] }
): { controlElectrodes: number[]; targets: number[] } {
  const electrodeCount = shape.inputCount
  for (const electrode of config.dataElectrodes) {
    if (electrode >= electrodeCount) {
      throw new Error(
        `dataElectrodes: electrode ${electrode} does not exist (there are activation electrodes 0-${electrodeCount - 1})`
      )
    }
  }
  // The algorithm's own checks (GD: batching), and its targets when they are known at the start
  // (GA: the gate's; GD stores them when it ends; a capacity sweep has one set per labeling).
  const { targets } = serviceAlgorithmOf(config.algorithm).checkConfig(config)
  const dnpu = new Dnpu({
    activationElectrodeCount: electrodeCount,
    voltageRangesVolts: shape.voltageRangesVolts,
    dataElectrodes: config.dataElectrodes,
    inputRange: config.inputRange
  })
  return { controlElectrodes: [...dnpu.controlElectrodes], targets }
}

function deviceShape(spec: DeviceProcessorSpec): { inputCount: number; voltageRangesVolts: [number, number][] } {
  return { inputCount: spec.activationElectrodeCount, voltageRangesVolts: spec.voltageRangesVolts }
}
