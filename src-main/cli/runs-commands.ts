/** `dnpu runs show` and `dnpu runs export`: a stored run, read back for people and for other tools. */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunDetail } from '../../src-shared/ipc'
import { DATABASE_FILE_NAME, resolveDataFolder } from '../services/data-folder'
import { describeStoredRun, runTable, runToCsv, runToJson } from '../services/run-export'
import { openServices } from './commands'
import { CliError, type CliContext } from './program'

export const RUN_EXPORT_FORMATS = ['json', 'csv'] as const
export type RunExportFormat = (typeof RUN_EXPORT_FORMATS)[number]

export interface RunsShowOptions {
  dataDir?: string
  json?: boolean
}

export interface RunsExportOptions {
  format: RunExportFormat
  output?: string
  force?: boolean
  dataDir?: string
}

/** The same text for `show --json` and `export --format json`, so either can feed the other's readers. */
function jsonText(detail: RunDetail): string {
  return `${JSON.stringify(runToJson(detail), null, 2)}\n`
}

export async function runRunsShow(context: CliContext, runIdText: string, options: RunsShowOptions): Promise<void> {
  const detail = await readRun(context, 'runs show', runIdText, options.dataDir)
  process.stdout.write(options.json ? jsonText(detail) : describeStoredRun(detail))
}

export async function runRunsExport(context: CliContext, runIdText: string, options: RunsExportOptions): Promise<void> {
  const detail = await readRun(context, 'runs export', runIdText, options.dataDir)
  let text: string
  try {
    text = options.format === 'csv' ? runToCsv(detail) : jsonText(detail)
  } catch (error) {
    throw new CliError(`runs export: ${(error as Error).message}`, 1)
  }
  if (options.output === undefined) {
    process.stdout.write(text)
    return
  }
  writeExport(options.output, text, Boolean(options.force))
  const steps = runTable(detail).rows(detail).length
  process.stdout.write(
    `wrote run ${detail.id} (${steps} ${runTable(detail).stepName}) as ${options.format.toUpperCase()} to ${options.output}\n`
  )
}

/** Writes the export; an existing file is kept unless `force` (checked by the open itself, so no race). */
function writeExport(file: string, text: string, force: boolean): void {
  try {
    writeFileSync(file, text, { flag: force ? 'w' : 'wx' })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      throw new CliError(`runs export: ${file} already exists; not overwriting it (add --force to replace it)`)
    }
    throw new CliError(`runs export: cannot write ${file}: ${(error as Error).message}`, 1)
  }
}

async function readRun(
  context: CliContext,
  command: string,
  runIdText: string,
  dataDir: string | undefined
): Promise<RunDetail> {
  if (!/^\d+$/.test(runIdText.trim()))
    throw new CliError(`${command}: the run id must be a whole number, got "${runIdText}"`)
  const runId = Number(runIdText.trim())
  const dataFolder = resolveDataFolder(dataDir)
  const databasePath = join(dataFolder, DATABASE_FILE_NAME)
  // Reading must not create a database: a mistyped --data-dir would otherwise leave one behind.
  if (!existsSync(databasePath))
    throw new CliError(`${command}: no run ${runId} in ${databasePath} (there is no database there)`)
  // Through the app services, as `runs list`: a run whose process died reads back 'interrupted'.
  const services = await openServices(context, dataFolder)
  try {
    const detail = Number.isSafeInteger(runId) ? services.runs.getRun(runId) : null
    if (!detail) throw new CliError(`${command}: no run ${runIdText.trim()} in ${databasePath}`)
    return detail
  } finally {
    await services.close()
  }
}
