/**
 * Deleting runs for good: each with its steps, checkpoint, tags and the measurements of its
 * validations, all runs of one request in one transaction. A running run is refused by name:
 * its trainer would go on writing steps for a run that is gone.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { DatabaseVacuum, RunDeletion, RunStatus } from '../../src-shared/domain'
import type { Database } from './database'

/** Above this share of free pages in the file, VACUUM is worth suggesting. */
const VACUUM_SUGGESTED_FREE_SHARE = 0.25

type Statement<Params extends unknown[], Result = unknown> = BetterSqlite3.Statement<Params, Result>

export class RunDeletions {
  private readonly selectStatus: Statement<[number], RunStatus>
  private readonly deleteValidationMeasurements: Statement<[number]>
  private readonly detachOtherMeasurements: Statement<[number]>
  private readonly deleteChildren: Statement<[number]>[]
  private readonly deleteRun: Statement<[number]>
  private readonly deleteAtomically: (runIds: readonly number[]) => void

  constructor(private readonly db: Database) {
    this.selectStatus = db.prepare<[number], RunStatus>('SELECT status FROM runs WHERE id = ?').pluck()
    this.deleteValidationMeasurements = db.prepare("DELETE FROM measurements WHERE run_id = ? AND kind = 'validation'")
    // The schema cascades a run's delete to every measurement that names it; only the
    // validations' re-measurements belong to the run, anything else is kept, detached.
    this.detachOtherMeasurements = db.prepare('UPDATE measurements SET run_id = NULL WHERE run_id = ?')
    // Explicit rather than left to ON DELETE CASCADE, so the delete is the same with foreign
    // keys off (a copied database opened in another tool).
    this.deleteChildren = ['run_steps', 'run_checkpoints', 'run_tags'].map((table) =>
      db.prepare(`DELETE FROM ${table} WHERE run_id = ?`)
    )
    this.deleteRun = db.prepare('DELETE FROM runs WHERE id = ?')
    this.deleteAtomically = db.transaction((runIds: readonly number[]) => {
      for (const runId of runIds) {
        const status = this.selectStatus.get(runId)
        if (status === undefined) throw new Error(`cannot delete run ${runId}: there is no such run`)
        if (status === 'running')
          throw new Error(`cannot delete run ${runId}: it is running (stop it first, then delete it)`)
        this.deleteValidationMeasurements.run(runId)
        this.detachOtherMeasurements.run(runId)
        for (const statement of this.deleteChildren) statement.run(runId)
        this.deleteRun.run(runId)
      }
    })
  }

  /** Deletes every run of `runIds` or, if one is unknown or running, none. */
  deleteRuns(runIds: readonly number[]): RunDeletion {
    const unique = [...new Set(runIds)]
    const freelistBefore = this.freelistPages()
    this.deleteAtomically(unique)
    return { deleted: unique, ...this.pageFigures(freelistBefore) }
  }

  /** Gives the free pages back to the file system (rewrites the whole file: slow on a large one). */
  vacuum(): DatabaseVacuum {
    const pagesBefore = this.db.pragma('page_count', { simple: true }) as number
    this.db.exec('VACUUM')
    const pageCount = this.db.pragma('page_count', { simple: true }) as number
    const pageSizeBytes = this.db.pragma('page_size', { simple: true }) as number
    return { reclaimedPages: Math.max(pagesBefore - pageCount, 0), pageCount, pageSizeBytes }
  }

  private freelistPages(): number {
    return this.db.pragma('freelist_count', { simple: true }) as number
  }

  private pageFigures(freelistBefore: number): Omit<RunDeletion, 'deleted'> {
    const freelistPages = this.freelistPages()
    const pageCount = this.db.pragma('page_count', { simple: true }) as number
    return {
      freedPages: Math.max(freelistPages - freelistBefore, 0),
      freelistPages,
      pageCount,
      pageSizeBytes: this.db.pragma('page_size', { simple: true }) as number,
      vacuumSuggested: pageCount > 0 && freelistPages / pageCount > VACUUM_SUGGESTED_FREE_SHARE
    }
  }
}
