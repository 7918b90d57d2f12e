/** The run history for one CLI command (see services/run-history-store.ts), refused where there is no database. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DATABASE_FILE_NAME } from '../services/data-folder'
import { openRunHistoryStore, type RunHistoryStore, type RunHistoryStoreOptions } from '../services/run-history-store'
import { CliError } from './cli-error'

export type RunStore = RunHistoryStore

/**
 * Opens the database of `dataFolder`. A command that changes runs does not create a missing one
 * (a mistyped --data-dir would otherwise leave one behind): `whenMissing` says what it would have
 * found. `runs list` (null) creates it, as it always has: scripts use it to make a fresh database.
 */
export async function openRunStore(
  dataFolder: string,
  whenMissing: ((databasePath: string) => string) | null,
  options: RunHistoryStoreOptions = {}
): Promise<RunStore> {
  const databasePath = join(dataFolder, DATABASE_FILE_NAME)
  if (whenMissing !== null && !existsSync(databasePath)) throw new CliError(whenMissing(databasePath))
  return openRunHistoryStore(dataFolder, options)
}
