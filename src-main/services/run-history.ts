/**
 * The run history as a lab notebook: search, annotate, delete, vacuum. The store enforces the
 * bounds and refuses a running run; this adds what only the services know: the run the
 * training service is driving, which is refused even in the moment before its row says so.
 */
import type {
  DatabaseVacuum,
  RunAnnotation,
  RunDeletion,
  RunPage,
  RunQuery,
  RunSummary,
  TagCount
} from '../../src-shared/domain'
import type { RunsRepository } from '../store'

export class RunHistory {
  constructor(
    private readonly runs: RunsRepository,
    private readonly activeRunId: () => number | null
  ) {}

  find(query: RunQuery): RunPage {
    return this.runs.findRuns(query)
  }

  /** Applies the change and answers the run's summary as it now is. */
  annotate(runId: number, change: RunAnnotation): RunSummary {
    this.runs.annotateRun(runId, change)
    const run = this.runs.getSummary(runId)
    if (!run) throw new Error(`runId: no run ${runId}`)
    return run
  }

  tags(): TagCount[] {
    return this.runs.tagCounts()
  }

  delete(runIds: readonly number[]): RunDeletion {
    const active = this.activeRunId()
    if (active !== null && runIds.includes(active))
      throw new Error(`cannot delete run ${active}: it is the run in progress (stop it first, then delete it)`)
    return this.runs.deleteRuns(runIds)
  }

  vacuum(): DatabaseVacuum {
    return this.runs.vacuum()
  }
}
