/**
 * The run history of a data folder's database, opened on its own, without the rest of the app
 * services (no compute backend, no model catalog, no instrument): the CLI's notebook commands
 * answer in tens of milliseconds instead of the second the training engine takes to load. As
 * the app services do, runs whose process died are marked interrupted first.
 */
import { join } from 'node:path'
import { openDatabase, RunsRepository } from '../store'
import { DATABASE_FILE_NAME } from './data-folder'
import { RunHistory } from './run-history'

export interface RunHistoryStore {
  runs: RunsRepository
  /** No trainer runs in this process, so only a run's stored status can refuse its delete. */
  history: RunHistory
  databasePath: string
  close(): void
}

export async function openRunHistoryStore(dataFolder: string): Promise<RunHistoryStore> {
  const databasePath = join(dataFolder, DATABASE_FILE_NAME)
  const db = await openDatabase(databasePath)
  const runs = new RunsRepository(db)
  runs.markRunningAsInterrupted()
  return { runs, history: new RunHistory(runs, () => null), databasePath, close: () => db.close() }
}
