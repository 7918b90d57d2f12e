/**
 * The run history of a data folder's database, opened on its own, without the rest of the app
 * services (no compute backend, no model catalog, no instrument): the CLI's notebook commands
 * answer in tens of milliseconds instead of the second the training engine takes to load. As
 * the app services do, runs whose process died are marked interrupted first.
 */
import { join } from 'node:path'
import { openDatabase, RunsRepository } from '../store'
import { openDatabaseReadOnlyIfCurrent } from '../store/database-read-only'
import { DATABASE_FILE_NAME } from './data-folder'
import { RunHistory } from './run-history'

export interface RunHistoryStore {
  runs: RunsRepository
  /** No trainer runs in this process, so only a run's stored status can refuse its delete. */
  history: RunHistory
  databasePath: string
  close(): void
}

export interface RunHistoryStoreOptions {
  /**
   * Only reads will follow (a listing): a current, intact-looking file is opened read-only
   * without the whole-file check (see store/database-read-only.ts); any other file the normal way.
   */
  readOnly?: boolean
}

export async function openRunHistoryStore(
  dataFolder: string,
  options: RunHistoryStoreOptions = {}
): Promise<RunHistoryStore> {
  const databasePath = join(dataFolder, DATABASE_FILE_NAME)
  const readOnly = options.readOnly ? openDatabaseReadOnlyIfCurrent(databasePath) : null
  const db = readOnly ?? (await openDatabase(databasePath))
  const runs = new RunsRepository(db)
  // The read-only open is only taken when no run needs marking.
  if (!readOnly) runs.markRunningAsInterrupted()
  return { runs, history: new RunHistory(runs, () => null), databasePath, close: () => db.close() }
}
