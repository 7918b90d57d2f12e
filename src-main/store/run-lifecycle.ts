/** A run's life: created 'running', ended once, reopened to resume, interrupted when its process died. */
import { randomUUID } from 'node:crypto'
import type BetterSqlite3 from 'better-sqlite3'
import type { Algorithm, RunStatus, TrainingConfig } from '../../src-shared/ipc'
import type { Database } from './database'
import type { RunCheckpoints } from './run-checkpoints'
import { toJson } from './run-json'

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
  /** Process that drives the run (default: this one); see {@link RunLifecycle.markRunningAsInterrupted}. */
  ownerPid?: number
  /** A run on the instrument: its device profile and the calibration in force. */
  device?: { profileId: number; calibrationId: number }
}

export type FinishedRunStatus = Exclude<RunStatus, 'running'>

export const INTERRUPTED_RUN_ERROR = 'the app stopped while this run was in progress'

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

type Statement<Params extends unknown[], Result = unknown> = BetterSqlite3.Statement<Params, Result>

export class RunLifecycle {
  private readonly insertRun: Statement<
    [
      string,
      string,
      string,
      string,
      number,
      string,
      string,
      string,
      string,
      string,
      number,
      number | null,
      number | null,
      string
    ]
  >
  private readonly finishRunning: Statement<[string, string | null, string, number]>
  private readonly selectRunningOwners: Statement<[], { id: number; owner_pid: number | null }>
  private readonly interruptRunning: Statement<[string, string, number]>
  private readonly selectState: Statement<[number], { status: RunStatus; algorithm: string }>
  private readonly reopen: Statement<[number, number]>

  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
    private readonly checkpoints: RunCheckpoints
  ) {
    this.insertRun = db.prepare(`
      INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at,
                        compute_backend, app_version, control_electrodes_json, targets_json, owner_pid,
                        device_profile_id, calibration_id, uid)
      VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.finishRunning = db.prepare(`
      UPDATE runs SET status = ?, error = ?, ended_at = ?
      WHERE id = ? AND status = 'running'`)
    this.selectRunningOwners = db.prepare("SELECT id, owner_pid FROM runs WHERE status = 'running'")
    this.interruptRunning = db.prepare(
      `UPDATE runs SET status = 'interrupted', ended_at = ?, error = ? WHERE id = ? AND status = 'running'`
    )
    this.selectState = db.prepare('SELECT status, algorithm FROM runs WHERE id = ?')
    // Only a run that ended without completing, and is not running, may continue.
    this.reopen = db.prepare(`
      UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, owner_pid = ?
      WHERE id = ? AND status IN ('stopped', 'interrupted')`)
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
      run.device?.calibrationId ?? null,
      // The run's identity across databases (see migration 10): 32 hex digits, like the migration's.
      randomUUID().replaceAll('-', '')
    )
    return Number(result.lastInsertRowid)
  }

  /** The run's status and algorithm id, or undefined when there is no such run. */
  stateOf(runId: number): { status: RunStatus; algorithm: string } | undefined {
    return this.selectState.get(runId)
  }

  /**
   * Makes a stopped or interrupted run 'running' again (owned by `ownerPid`), to continue it from
   * its checkpoint. Throws, saying why, for any other status or a run without a checkpoint.
   */
  reopenRun(runId: number, ownerPid: number = process.pid): void {
    const status = this.stateOf(runId)?.status
    if (status === undefined) throw new Error(`run ${runId}: there is no such run`)
    if (status !== 'stopped' && status !== 'interrupted') {
      throw new Error(`run ${runId} is '${status}': only a stopped or interrupted run can be resumed`)
    }
    if (!this.checkpoints.has(runId)) {
      throw new Error(`run ${runId} has no checkpoint to resume from (it ended before its first step)`)
    }
    if (this.reopen.run(ownerPid, runId).changes === 0) throw new Error(this.describeNotRunning(runId, 'resume'))
  }

  /**
   * Names the model a running run made (a surrogate training run, created with no model): set
   * once, while the run is still running, before its result that refers to it.
   */
  setModelId(runId: number, modelId: string): void {
    const changes = this.db
      .prepare("UPDATE runs SET model_id = ? WHERE id = ? AND status = 'running'")
      .run(modelId, runId).changes
    if (changes === 0) throw new Error(this.describeNotRunning(runId, 'name its model'))
  }

  /** Ends a running run; throws if the run does not exist or has already ended. */
  finishRun(runId: number, status: FinishedRunStatus, error: string | null = null, endedAt?: Date): void {
    const changes = this.finishRunning.run(status, error, (endedAt ?? this.now()).toISOString(), runId).changes
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

  describeNotRunning(runId: number, action: string): string {
    const status = this.stateOf(runId)?.status
    return status === undefined
      ? `cannot ${action} run ${runId}: there is no such run`
      : `cannot ${action} run ${runId}: it is '${status}', not 'running'`
  }
}
