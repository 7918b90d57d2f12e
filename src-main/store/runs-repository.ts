/**
 * Training runs, their per-generation metrics and their latest checkpoint.
 *
 * Maps the snake_case tables onto the camelCase contract types, so nothing above the store
 * knows a column name.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type {
  HardwareValidation,
  GaHardwareValidation,
  Algorithm,
  CapacityAtN,
  EpochMetrics,
  GdRunOutcome,
  GenerationMetrics,
  RunAccuracy,
  TrainingConfig,
  RunDetail,
  RunStatus,
  RunSummary
} from '../../src-shared/ipc'
import type { Database } from './database'

export interface NewRun {
  algorithm: Algorithm
  task: string
  modelId: string
  config: TrainingConfig
  /** The seed actually used (drawn by the service when the config has none). */
  seed: number
  computeBackend: string
  /** The DNPU Lab version that runs it (package.json `version`). */
  appVersion: string
  controlElectrodes: number[]
  /** Target output per task input, in the order of the task's inputs (GD: set when it ends). */
  targets: number[]
  startedAt?: Date
  /** Process that drives the run (default: this one); see {@link RunsRepository.markRunningAsInterrupted}. */
  ownerPid?: number
  /** A run on the instrument: its device profile and the calibration in force. */
  device?: { profileId: number; calibrationId: number }
}

/** Whether a process is still running (signal 0 checks existence without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export type GenerationRecord = GenerationMetrics & { bestGenome: number[] }

/** The best genome of the run so far, when this generation improved on it. */
export interface BestGenomeSnapshot {
  fitness: number
  correlation: number
  /** Volts, one per control electrode. */
  controlVoltages: number[]
  /** Device output for each task input. */
  outputsNanoamps: number[]
}

/** The best-on-validation controls of a GD run, when this epoch improved on them. */
export interface BestEpochSnapshot {
  validationLoss: number
  controlVoltages: number[]
}

export type FinishedRunStatus = Exclude<RunStatus, 'running'>

export interface RunCheckpoint {
  generation: number
  state: unknown
}

export const INTERRUPTED_RUN_ERROR = 'the app stopped while this run was in progress'

export interface RunsRepositoryOptions {
  /** Clock for `ended_at` and checkpoint `written_at`; tests pin it. */
  now?: () => Date
}

interface RunRow {
  id: number
  algorithm: string
  task: string
  model_id: string
  config_json: string
  seed: number
  status: RunStatus
  started_at: string
  ended_at: string | null
  generations: number
  best_fitness: number | null
  best_correlation: number | null
  best_control_voltages_json: string | null
  error: string | null
  compute_backend: string
  app_version: string | null
  control_electrodes_json: string | null
  best_outputs_json: string | null
  targets_json: string | null
  accuracy_json: string | null
  capacity_json: string | null
  device_profile_id: number | null
  calibration_id: number | null
  validations_json: string | null
}

type RunSummaryRow = Pick<
  RunRow,
  | 'id'
  | 'algorithm'
  | 'task'
  | 'model_id'
  | 'status'
  | 'seed'
  | 'started_at'
  | 'ended_at'
  | 'generations'
  | 'best_fitness'
  | 'best_correlation'
  | 'compute_backend'
  | 'app_version'
  | 'accuracy_json'
>

interface GenerationRow {
  generation: number
  best_fitness: number | null
  best_correlation: number | null
  best_so_far_fitness: number | null
  best_so_far_correlation: number | null
}

interface EpochRow {
  epoch: number
  train_loss: number | null
  validation_loss: number | null
}

interface CheckpointRow {
  generation: number
  state_json: string
}

type Statement<Params extends unknown[], Result = unknown> = BetterSqlite3.Statement<Params, Result>

const SUMMARY_COLUMNS = `id, algorithm, task, model_id, status, seed, started_at, ended_at,
  generations, best_fitness, best_correlation, compute_backend, app_version, accuracy_json`

function toJson(value: unknown, what: string): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (error) {
    throw new Error(`${what} cannot be stored: ${error instanceof Error ? error.message : String(error)}`)
  }
  // JSON.stringify answers undefined (not an exception) for undefined, functions and symbols.
  if (json === undefined) throw new Error(`${what} cannot be stored: ${typeof value} has no JSON form`)
  return json
}

function parseNumbers(json: string | null): number[] | null {
  return json === null ? null : (JSON.parse(json) as number[])
}

/**
 * SQLite stores NaN as NULL. A generation's correlation is NaN when the best genome's output is
 * flat, and the contract types it as a number, so NULL reads back as NaN.
 */
function numberOrNaN(value: number | null): number {
  return value ?? Number.NaN
}

/** The accuracy a run list shows: test, else validation, else training. */
function headlineAccuracy(json: string | null): number | null {
  if (json === null) return null
  const accuracy = JSON.parse(json) as RunAccuracy
  return accuracy.testPercent ?? accuracy.validationPercent ?? accuracy.trainPercent
}

/**
 * A run's stored validations. Before GD and capacity runs could be validated, every validation
 * was a GA one and had no `kind`: those read back as `'ga'` (the JSON list needs no migration).
 */
function readValidations(json: string | null): HardwareValidation[] {
  if (json === null) return []
  return (JSON.parse(json) as (HardwareValidation | Omit<GaHardwareValidation, 'kind'>)[]).map((validation) =>
    'kind' in validation ? validation : { kind: 'ga', ...validation }
  )
}

function toSummary(row: RunSummaryRow): RunSummary {
  return {
    id: row.id,
    // Only createRun writes it, from the contract's list.
    algorithm: row.algorithm as Algorithm,
    task: row.task,
    modelId: row.model_id,
    status: row.status,
    seed: row.seed,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    generations: row.generations,
    bestFitness: row.best_fitness,
    bestCorrelation: row.best_correlation,
    accuracyPercent: headlineAccuracy(row.accuracy_json),
    computeBackend: row.compute_backend,
    appVersion: row.app_version
  }
}

function assertGenerationNumber(generation: number): void {
  if (!Number.isInteger(generation) || generation < 0) {
    throw new Error(`generation must be a non-negative integer, got ${generation}`)
  }
}

export class RunsRepository {
  private readonly now: () => Date
  private readonly insertRun: Statement<
    [string, string, string, string, number, string, string, string, string, string, number, number | null, number | null]
  >
  private readonly insertGeneration: Statement<
    [number, number, number, number, number, number, string]
  >
  private readonly updateGenerationCount: Statement<[number, number]>
  private readonly updateBest: Statement<[number, number, string, string, number]>
  private readonly upsertCheckpoint: Statement<[number, number, string, string]>
  private readonly finishRunning: Statement<[string, string | null, string, number]>
  private readonly selectRunningOwners: Statement<[], { id: number; owner_pid: number | null }>
  private readonly interruptRunning: Statement<[string, string, number]>
  private readonly selectStatus: Statement<[number], RunStatus>
  private readonly selectSummaries: Statement<[], RunSummaryRow>
  private readonly selectRun: Statement<[number], RunRow>
  private readonly selectGenerations: Statement<[number], GenerationRow>
  private readonly selectCheckpoint: Statement<[number], CheckpointRow>
  private readonly insertEpoch: Statement<[number, number, number, number | null]>
  private readonly updateEpochCount: Statement<[number, number]>
  private readonly updateBestControls: Statement<[string, number]>
  private readonly updateOutcome: Statement<[string, string, string, string | null, number]>
  private readonly reopen: Statement<[number, number]>
  private readonly updateCapacity: Statement<[number, string, number]>
  private readonly recordCapacityAtomically: (runId: number, sweepDone: number, capacity: CapacityAtN[], checkpoint: unknown) => void
  private readonly selectEpochs: Statement<[number], EpochRow>
  private readonly recordEpochAtomically: (
    runId: number,
    metrics: EpochMetrics,
    best: BestEpochSnapshot | null,
    checkpoint: unknown
  ) => void
  private readonly recordGenerationAtomically: (
    runId: number,
    metrics: GenerationRecord,
    best: BestGenomeSnapshot | null,
    checkpoint: unknown
  ) => void

  constructor(
    private readonly db: Database,
    options: RunsRepositoryOptions = {}
  ) {
    this.now = options.now ?? (() => new Date())

    this.insertRun = db.prepare(`
      INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at,
                        compute_backend, app_version, control_electrodes_json, targets_json, owner_pid,
                        device_profile_id, calibration_id)
      VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.insertGeneration = db.prepare(`
      INSERT INTO run_generations (run_id, generation, best_fitness, best_correlation,
                                   best_so_far_fitness, best_so_far_correlation, best_genome_json)
      VALUES (?, ?, ?, ?, ?, ?, ?)`)
    // A count rather than +1, so the column cannot drift from the rows it summarises.
    this.updateGenerationCount = db.prepare(`
      UPDATE runs
      SET generations = (SELECT count(*) FROM run_generations WHERE run_id = ?)
      WHERE id = ?`)
    this.updateBest = db.prepare(`
      UPDATE runs
      SET best_fitness = ?, best_correlation = ?, best_control_voltages_json = ?,
          best_outputs_json = ?
      WHERE id = ?`)
    this.upsertCheckpoint = db.prepare(`
      INSERT INTO run_checkpoints (run_id, generation, state_json, written_at)
      VALUES (?, ?, ?, ?)
      ON CONFLICT (run_id) DO UPDATE SET
        generation = excluded.generation,
        state_json = excluded.state_json,
        written_at = excluded.written_at`)
    this.finishRunning = db.prepare(`
      UPDATE runs SET status = ?, error = ?, ended_at = ?
      WHERE id = ? AND status = 'running'`)
    this.selectRunningOwners = db.prepare("SELECT id, owner_pid FROM runs WHERE status = 'running'")
    this.interruptRunning = db.prepare(
      `UPDATE runs SET status = 'interrupted', ended_at = ?, error = ? WHERE id = ? AND status = 'running'`
    )
    this.selectStatus = db.prepare<[number], RunStatus>('SELECT status FROM runs WHERE id = ?').pluck()
    this.selectSummaries = db.prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM runs ORDER BY started_at DESC, id DESC`
    )
    this.selectRun = db.prepare('SELECT * FROM runs WHERE id = ?')
    this.selectGenerations = db.prepare(`
      SELECT generation, best_fitness, best_correlation, best_so_far_fitness, best_so_far_correlation
      FROM run_generations WHERE run_id = ? ORDER BY generation`)
    this.selectCheckpoint = db.prepare(
      'SELECT generation, state_json FROM run_checkpoints WHERE run_id = ?'
    )

    this.insertEpoch = db.prepare(
      'INSERT INTO run_epochs (run_id, epoch, train_loss, validation_loss) VALUES (?, ?, ?, ?)'
    )
    this.updateEpochCount = db.prepare(`
      UPDATE runs SET generations = (SELECT count(*) FROM run_epochs WHERE run_id = ?) WHERE id = ?`)
    this.updateBestControls = db.prepare('UPDATE runs SET best_control_voltages_json = ? WHERE id = ?')
    this.updateOutcome = db.prepare(`
      UPDATE runs SET best_control_voltages_json = ?, best_outputs_json = ?, targets_json = ?, accuracy_json = ?
      WHERE id = ?`)
    // Only a run that ended without completing, and is not running, may continue.
    this.reopen = db.prepare(`
      UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, owner_pid = ?
      WHERE id = ? AND status IN ('stopped', 'interrupted')`)
    this.selectEpochs = db.prepare(
      'SELECT epoch, train_loss, validation_loss FROM run_epochs WHERE run_id = ? ORDER BY epoch'
    )
    this.updateCapacity = db.prepare('UPDATE runs SET generations = ?, capacity_json = ? WHERE id = ?')
    this.recordCapacityAtomically = db.transaction(
      (runId: number, sweepDone: number, capacity: CapacityAtN[], checkpoint: unknown) => {
        const status = this.selectStatus.get(runId)
        if (status !== 'running') throw new Error(this.describeNotRunning(runId, 'record a labeling for'))
        this.updateCapacity.run(sweepDone, toJson(capacity, `capacity of run ${runId}`), runId)
        this.upsertCheckpoint.run(
          runId,
          sweepDone,
          toJson(checkpoint, `checkpoint of run ${runId} labeling ${sweepDone}`),
          this.now().toISOString()
        )
      }
    )
    this.recordEpochAtomically = db.transaction(
      (runId: number, metrics: EpochMetrics, best: BestEpochSnapshot | null, checkpoint: unknown) => {
        const status = this.selectStatus.get(runId)
        if (status !== 'running') throw new Error(this.describeNotRunning(runId, 'record an epoch for'))
        try {
          this.insertEpoch.run(runId, metrics.epoch, metrics.trainLoss, metrics.validationLoss)
        } catch (error) {
          if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            throw new Error(`epoch ${metrics.epoch} of run ${runId} is already recorded`, { cause: error })
          }
          throw error
        }
        this.updateEpochCount.run(runId, runId)
        if (best !== null) {
          this.updateBestControls.run(toJson(best.controlVoltages, `best control voltages of run ${runId}`), runId)
        }
        this.upsertCheckpoint.run(
          runId,
          metrics.epoch,
          toJson(checkpoint, `checkpoint of run ${runId} epoch ${metrics.epoch}`),
          this.now().toISOString()
        )
      }
    )

    this.recordGenerationAtomically = db.transaction(
      (runId: number, metrics: GenerationRecord, best: BestGenomeSnapshot | null, checkpoint: unknown) => {
        const status = this.selectStatus.get(runId)
        if (status !== 'running') throw new Error(this.describeNotRunning(runId, 'record a generation for'))
        try {
          this.insertGeneration.run(
            runId,
            metrics.generation,
            metrics.bestFitness,
            metrics.bestCorrelation,
            metrics.bestSoFarFitness,
            metrics.bestSoFarCorrelation,
            toJson(metrics.bestGenome, `best genome of run ${runId} generation ${metrics.generation}`)
          )
        } catch (error) {
          if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            throw new Error(`generation ${metrics.generation} of run ${runId} is already recorded`, {
              cause: error
            })
          }
          throw error
        }
        this.updateGenerationCount.run(runId, runId)
        if (best !== null) {
          this.updateBest.run(
            best.fitness,
            best.correlation,
            toJson(best.controlVoltages, `best control voltages of run ${runId}`),
            toJson(best.outputsNanoamps, `best outputs of run ${runId}`),
            runId
          )
        }
        // Serialised last and inside the transaction: a checkpoint that cannot be written
        // takes its generation row with it, so metrics never run ahead of the resumable state.
        this.upsertCheckpoint.run(
          runId,
          metrics.generation,
          toJson(checkpoint, `checkpoint of run ${runId} generation ${metrics.generation}`),
          this.now().toISOString()
        )
      }
    )
  }

  /** Stores a new run as 'running' and returns its id. */
  createRun(run: NewRun): number {
    if (run.config.seed !== undefined && run.config.seed !== run.seed) {
      throw new Error(`run seed ${run.seed} differs from the config's seed ${run.config.seed}`)
    }
    // The stored config carries the seed actually used, so it alone reproduces the run.
    const config: TrainingConfig & { seed: number } = { ...run.config, seed: run.seed }
    const result = this.insertRun.run(
      run.algorithm,
      run.task,
      run.modelId,
      toJson(config, 'run config'),
      run.seed,
      (run.startedAt ?? this.now()).toISOString(),
      run.computeBackend,
      run.appVersion,
      toJson(run.controlElectrodes, 'control electrodes'),
      toJson(run.targets, 'targets'),
      run.ownerPid ?? process.pid,
      run.device?.profileId ?? null,
      run.device?.calibrationId ?? null
    )
    return Number(result.lastInsertRowid)
  }

  /**
   * Stores one generation's metrics, the run's new best (when `best` is given) and the trainer
   * checkpoint in one transaction: after a crash the database holds either all of it or none.
   */
  recordGeneration(
    runId: number,
    metrics: GenerationRecord,
    best: BestGenomeSnapshot | null,
    checkpoint: unknown
  ): void {
    assertGenerationNumber(metrics.generation)
    this.recordGenerationAtomically(runId, metrics, best, checkpoint)
  }

  /** One GD epoch's losses, the run's new best controls and the checkpoint, in one transaction. */
  recordEpoch(runId: number, metrics: EpochMetrics, best: BestEpochSnapshot | null, checkpoint: unknown): void {
    assertGenerationNumber(metrics.epoch)
    this.recordEpochAtomically(runId, metrics, best, checkpoint)
  }

  /** A capacity sweep's result per N after `sweepDone` labelings, and its checkpoint, in one transaction. */
  recordCapacityStep(runId: number, sweepDone: number, capacity: CapacityAtN[], checkpoint: unknown): void {
    assertGenerationNumber(sweepDone)
    this.recordCapacityAtomically(runId, sweepDone, capacity, checkpoint)
  }

  /** A GD run's final controls, their outputs on the evaluation set, its targets and the accuracy. */
  recordGdOutcome(runId: number, outcome: GdRunOutcome): void {
    const changes = this.updateOutcome.run(
      toJson(outcome.controlVoltages, `control voltages of run ${runId}`),
      toJson(outcome.outputsNanoamps, `outputs of run ${runId}`),
      toJson(outcome.targets, `targets of run ${runId}`),
      outcome.accuracy === null ? null : toJson(outcome.accuracy, `accuracy of run ${runId}`),
      runId
    ).changes
    if (changes === 0) throw new Error(`cannot record the outcome of run ${runId}: there is no such run`)
  }

  /**
   * Makes a stopped or interrupted run 'running' again (owned by `ownerPid`), to continue it from
   * its checkpoint. Throws, saying why, for any other status or a run without a checkpoint.
   */
  reopenRun(runId: number, ownerPid: number = process.pid): void {
    const status = this.selectStatus.get(runId)
    if (status === undefined) throw new Error(`run ${runId}: there is no such run`)
    if (status !== 'stopped' && status !== 'interrupted') {
      throw new Error(`run ${runId} is '${status}': only a stopped or interrupted run can be resumed`)
    }
    if (this.selectCheckpoint.get(runId) === undefined) {
      throw new Error(`run ${runId} has no checkpoint to resume from (it ended before its first step)`)
    }
    if (this.reopen.run(ownerPid, runId).changes === 0) throw new Error(this.describeNotRunning(runId, 'resume'))
  }

  /** Ends a running run; throws if the run does not exist or has already ended. */
  finishRun(runId: number, status: FinishedRunStatus, error: string | null = null, endedAt?: Date): void {
    const changes = this.finishRunning.run(
      status,
      error,
      (endedAt ?? this.now()).toISOString(),
      runId
    ).changes
    if (changes === 0) throw new Error(this.describeNotRunning(runId, `finish as '${status}'`))
  }

  /**
   * Start-up crash recovery: a run still 'running' when the app starts lost its trainer, so it
   * becomes 'interrupted' (its checkpoint stays, to resume from). Returns the ids, ascending.
   */
  markRunningAsInterrupted(isOwnerAlive: (pid: number) => boolean = isProcessAlive): number[] {
    // A run is abandoned when its owner process is gone. A run owned by this very process's pid
    // is stale too (this process is only starting: the pid was reused after a crash).
    const abandoned = this.selectRunningOwners
      .all()
      .filter(({ owner_pid: pid }) => pid === null || pid === process.pid || !isOwnerAlive(pid))
      .map(({ id }) => id)
      .sort((a, b) => a - b)
    if (abandoned.length === 0) return abandoned
    const endedAt = this.now().toISOString()
    this.db.transaction(() => {
      for (const id of abandoned) this.interruptRunning.run(endedAt, INTERRUPTED_RUN_ERROR, id)
    })()
    return abandoned
  }

  /** All runs, newest first. */
  listRuns(): RunSummary[] {
    return this.selectSummaries.all().map(toSummary)
  }

  getRun(runId: number): RunDetail | null {
    const row = this.selectRun.get(runId)
    if (row === undefined) return null
    const metrics = this.selectGenerations.all(runId).map(
      (generation): GenerationMetrics => ({
        generation: generation.generation,
        bestFitness: numberOrNaN(generation.best_fitness),
        bestCorrelation: numberOrNaN(generation.best_correlation),
        bestSoFarFitness: numberOrNaN(generation.best_so_far_fitness),
        bestSoFarCorrelation: numberOrNaN(generation.best_so_far_correlation)
      })
    )
    const epochs = this.selectEpochs.all(runId).map(
      (epoch): EpochMetrics => ({
        epoch: epoch.epoch,
        trainLoss: numberOrNaN(epoch.train_loss),
        validationLoss: epoch.validation_loss
      })
    )
    const resumable =
      (row.status === 'stopped' || row.status === 'interrupted') && this.selectCheckpoint.get(runId) !== undefined
    return {
      ...toSummary(row),
      // Written by createRun from a validated config, so it is trusted on the way back.
      config: JSON.parse(row.config_json) as TrainingConfig & { seed: number },
      error: row.error,
      bestControlVoltages: parseNumbers(row.best_control_voltages_json),
      // Runs stored before schema version 2 have no electrodes or targets recorded.
      controlElectrodes: parseNumbers(row.control_electrodes_json) ?? [],
      bestOutputsNanoamps: parseNumbers(row.best_outputs_json),
      targets: parseNumbers(row.targets_json) ?? [],
      metrics,
      epochs,
      accuracy: row.accuracy_json === null ? null : (JSON.parse(row.accuracy_json) as RunAccuracy),
      capacity: row.capacity_json === null ? null : (JSON.parse(row.capacity_json) as CapacityAtN[]),
      resumable,
      device:
        row.device_profile_id !== null && row.calibration_id !== null
          ? { profileId: row.device_profile_id, calibrationId: row.calibration_id }
          : null,
      validations: readValidations(row.validations_json)
    }
  }

  /** Appends a re-measurement of the run's best controls on the device. */
  addValidation(runId: number, validation: HardwareValidation): void {
    this.db.transaction(() => {
      const row = this.db.prepare<[number], { validations_json: string | null }>('SELECT validations_json FROM runs WHERE id = ?').get(runId)
      if (!row) throw new Error(`runId: no run ${runId}`)
      const validations = readValidations(row.validations_json)
      validations.push(validation)
      this.db.prepare('UPDATE runs SET validations_json = ? WHERE id = ?').run(toJson(validations, 'validations'), runId)
    })()
  }

  /** The latest checkpoint of a run, or null if it has none (or the run does not exist). */
  getCheckpoint(runId: number): RunCheckpoint | null {
    const row = this.selectCheckpoint.get(runId)
    if (row === undefined) return null
    return { generation: row.generation, state: JSON.parse(row.state_json) as unknown }
  }

  private describeNotRunning(runId: number, action: string): string {
    const status = this.selectStatus.get(runId)
    return status === undefined
      ? `cannot ${action} run ${runId}: there is no such run`
      : `cannot ${action} run ${runId}: it is '${status}', not 'running'`
  }
}
