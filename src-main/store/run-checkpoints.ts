/** The latest trainer checkpoint of each run (one row per run, overwritten at every step). */
import type BetterSqlite3 from 'better-sqlite3'
import type { Database } from './database'
import { toJson } from './run-json'

export interface RunCheckpoint {
  /** The step it was written after (1-based count of steps run). */
  step: number
  state: unknown
}

export class RunCheckpoints {
  private readonly upsert: BetterSqlite3.Statement<[number, number, string, string]>
  private readonly select: BetterSqlite3.Statement<[number], { step: number; state_json: string }>

  constructor(
    db: Database,
    private readonly now: () => Date
  ) {
    this.upsert = db.prepare(`
      INSERT INTO run_checkpoints (run_id, step, state_json, written_at)
      VALUES (?, ?, ?, ?)
      ON CONFLICT (run_id) DO UPDATE SET
        step = excluded.step,
        state_json = excluded.state_json,
        written_at = excluded.written_at`)
    this.select = db.prepare('SELECT step, state_json FROM run_checkpoints WHERE run_id = ?')
  }

  /** Call inside the step's transaction: a checkpoint that cannot be written takes its step with it. */
  write(runId: number, step: number, state: unknown, stepName: string): void {
    this.upsert.run(
      runId,
      step,
      toJson(state, `checkpoint of run ${runId} ${stepName} ${step}`),
      this.now().toISOString()
    )
  }

  has(runId: number): boolean {
    return this.select.get(runId) !== undefined
  }

  /** The latest checkpoint of a run, or null if it has none (or the run does not exist). */
  get(runId: number): RunCheckpoint | null {
    const row = this.select.get(runId)
    if (row === undefined) return null
    return { step: row.step, state: JSON.parse(row.state_json) as unknown }
  }
}
