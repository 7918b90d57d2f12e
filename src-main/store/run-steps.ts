/**
 * What a run records as it goes: one row per step (its metrics, by the names its algorithm's
 * descriptor declares, as JSON), the run's step count and result fields, and the checkpoint,
 * all of a step in one transaction. Nothing here knows an algorithm: a new one stores its steps
 * without a new table or column.
 */
import type BetterSqlite3 from 'better-sqlite3'
import {
  decodeStepValues,
  findAlgorithm,
  type RecordedStep,
  type RunResultField,
  type RunResultUpdate,
  type StepReport
} from '../../src-shared/domain'
import type { Database } from './database'
import type { RunCheckpoints } from './run-checkpoints'
import type { RunLifecycle } from './run-lifecycle'
import { toJson } from './run-json'

/** A step as the store takes it: the report without its progress event. */
export type StepRecord = Omit<StepReport, 'progress'>

/** Each result field's column, and how its value is written. */
const RESULT_COLUMNS: Record<RunResultField, { column: string; json: boolean; what: string }> = {
  bestFitness: { column: 'best_fitness', json: false, what: 'best fitness' },
  bestCorrelation: { column: 'best_correlation', json: false, what: 'best correlation' },
  bestControlVoltages: { column: 'best_control_voltages_json', json: true, what: 'best control voltages' },
  bestOutputsNanoamps: { column: 'best_outputs_json', json: true, what: 'best outputs' },
  targets: { column: 'targets_json', json: true, what: 'targets' },
  accuracy: { column: 'accuracy_json', json: true, what: 'accuracy' },
  capacity: { column: 'capacity_json', json: true, what: 'capacity' },
  surrogate: { column: 'surrogate_json', json: true, what: 'surrogate training result' }
}

/** What one step is called in messages, for a run of `algorithm` (a generic word for an unknown one). */
export function stepNameOf(algorithm: string): string {
  return findAlgorithm(algorithm)?.step.name ?? 'step'
}

function assertStepNumber(step: number, stepName: string): void {
  if (!Number.isInteger(step) || step < 0) throw new Error(`${stepName} must be a non-negative integer, got ${step}`)
}

export class RunSteps {
  private readonly insertStep: BetterSqlite3.Statement<[number, number, string, string | null]>
  private readonly updateStepCount: BetterSqlite3.Statement<[number, number]>
  private readonly countStepRows: BetterSqlite3.Statement<[number, number]>
  private readonly updateResult: Record<RunResultField, BetterSqlite3.Statement<[number | string | null, number]>>
  private readonly selectSteps: BetterSqlite3.Statement<[number], { step: number; metrics_json: string }>
  private readonly recordAtomically: (runId: number, record: StepRecord, checkpoint: unknown) => void

  constructor(
    private readonly db: Database,
    private readonly lifecycle: RunLifecycle,
    private readonly checkpoints: RunCheckpoints
  ) {
    this.insertStep = db.prepare('INSERT INTO run_steps (run_id, step, metrics_json, payload_json) VALUES (?, ?, ?, ?)')
    this.updateStepCount = db.prepare('UPDATE runs SET steps = ? WHERE id = ?')
    // A count rather than +1, so the column cannot drift from the rows it summarises.
    this.countStepRows = db.prepare(
      'UPDATE runs SET steps = (SELECT count(*) FROM run_steps WHERE run_id = ?) WHERE id = ?'
    )
    this.updateResult = Object.fromEntries(
      Object.entries(RESULT_COLUMNS).map(([field, { column }]) => [
        field,
        db.prepare(`UPDATE runs SET ${column} = ? WHERE id = ?`)
      ])
    ) as RunSteps['updateResult']
    this.selectSteps = db.prepare('SELECT step, metrics_json FROM run_steps WHERE run_id = ? ORDER BY step')
    this.recordAtomically = db.transaction((runId: number, record: StepRecord, checkpoint: unknown) => {
      const state = this.lifecycle.stateOf(runId)
      const stepName = stepNameOf(state?.algorithm ?? '')
      if (state?.status !== 'running')
        throw new Error(this.lifecycle.describeNotRunning(runId, `record a ${stepName} for`))
      if (record.values !== null) {
        this.insertRow(runId, record, stepName)
        this.countStepRows.run(runId, runId)
      } else {
        // No rows to count (a capacity sweep): the step number is the count of steps run.
        this.updateStepCount.run(record.step, runId)
      }
      if (record.result !== null) this.writeResult(runId, record.result)
      // Serialised last and inside the transaction: a checkpoint that cannot be written takes
      // its step with it, so metrics never run ahead of the resumable state.
      this.checkpoints.write(runId, record.step, checkpoint, stepName)
    })
  }

  /**
   * Stores one step's metrics, the result fields it changed and the trainer checkpoint in one
   * transaction: after a crash the database holds either all of it or none.
   */
  recordStep(runId: number, record: StepRecord, checkpoint: unknown): void {
    assertStepNumber(record.step, stepNameOf(this.lifecycle.stateOf(runId)?.algorithm ?? ''))
    this.recordAtomically(runId, record, checkpoint)
  }

  /** Result fields written when a run ends (a GD run's controls, outputs, targets and accuracy). */
  recordResult(runId: number, result: RunResultUpdate): void {
    if (this.lifecycle.stateOf(runId) === undefined)
      throw new Error(`cannot record the outcome of run ${runId}: there is no such run`)
    this.db.transaction(() => this.writeResult(runId, result))()
  }

  /** The run's steps, their values read back as its algorithm's descriptor says (raw for an unknown one). */
  readSteps(runId: number, algorithm: string): RecordedStep[] {
    const descriptor = findAlgorithm(algorithm)
    return this.selectSteps.all(runId).map((row) => {
      const stored = JSON.parse(row.metrics_json) as Record<string, number | null>
      return { step: row.step, values: descriptor ? decodeStepValues(descriptor, stored) : stored }
    })
  }

  private insertRow(runId: number, record: StepRecord, stepName: string): void {
    const payload =
      record.payload === undefined ? null : toJson(record.payload, `${stepName} ${record.step} of run ${runId}`)
    try {
      // NaN has no JSON form: JSON.stringify writes null, read back as the metric says (NaN or null).
      this.insertStep.run(
        runId,
        record.step,
        toJson(record.values, `metrics of run ${runId} ${stepName} ${record.step}`),
        payload
      )
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new Error(`${stepName} ${record.step} of run ${runId} is already recorded`, { cause: error })
      }
      throw error
    }
  }

  private writeResult(runId: number, result: RunResultUpdate): void {
    for (const [field, value] of Object.entries(result) as [RunResultField, unknown][]) {
      if (value === undefined) continue
      const { json, what } = RESULT_COLUMNS[field]
      const stored = json ? (value === null ? null : toJson(value, `${what} of run ${runId}`)) : (value as number)
      this.updateResult[field].run(stored, runId)
    }
  }
}
