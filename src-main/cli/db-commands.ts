/**
 * `dnpu db check` and `dnpu db backup`: the database's health and a verified copy of it. Both read
 * the file without migrating or writing it, so they work on a damaged database and on one written
 * by a newer DNPU Lab.
 */
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import { resolveDataFolder } from '../services/data-folder'
import {
  BackupExistsError,
  backUpDatabaseFile,
  checkDatabase,
  databasePathIn,
  describeBackupError,
  isDnpuLabApplicationId,
  MAX_INTEGRITY_PROBLEMS,
  type DatabaseCheckReport
} from '../services/database-maintenance'
import { printJson } from './commands'
import { CliError, dataDirOption } from './program'

interface DbCheckOptions {
  dataDir?: string
  full?: boolean
  json?: boolean
}

interface DbBackupOptions {
  output: string
  dataDir?: string
  force?: boolean
  json?: boolean
}

export function addDbCommands(program: Command): void {
  const db = program.command('db').description('the database file: check its health, back it up, vacuum it')
  db.command('check')
    .description(
      "SQLite's integrity check and what the file holds; exit 0 intact, 1 damaged or not a DNPU Lab database"
    )
    .option(
      '--full',
      'run the full integrity_check (also compares every index with its table; slower) instead of quick_check'
    )
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .action((options: DbCheckOptions) => runDbCheck(options))
  db.command('backup')
    .description(
      "copy the database with SQLite's online backup API (safe while DNPU Lab is using it) and check the copy"
    )
    .requiredOption('--output <file>', 'where to write the copy (an existing file is kept unless --force)')
    .option('--force', 'replace --output if it exists')
    .addOption(dataDirOption())
    .option('--json', 'print {source, path, sizeBytes, schemaVersion, seconds}')
    .action(async (options: DbBackupOptions) => runDbBackup(options))
  db.command('vacuum')
    .description('give the free pages (left by deleted runs) back to the file system; rewrites the whole file')
    .addOption(dataDirOption())
    .option('--json', 'print {reclaimedPages, pageCount, pageSizeBytes}')
    .action(async (options: { dataDir?: string; json?: boolean }) => runDbVacuum(options))
}

export async function runDbVacuum(options: { dataDir?: string; json?: boolean }): Promise<void> {
  const { openRunStore } = await import('./run-store')
  const store = await openRunStore(
    resolveDataFolder(options.dataDir),
    (path) => `db vacuum: there is no database at ${path}`
  )
  try {
    const vacuum = store.history.vacuum()
    if (options.json) printJson(vacuum)
    else
      process.stdout.write(
        `vacuumed ${store.databasePath}: shrank by ${formatBytes(vacuum.reclaimedPages * vacuum.pageSizeBytes)}, now ${formatBytes(vacuum.pageCount * vacuum.pageSizeBytes)}\n`
      )
  } finally {
    store.close()
  }
}

/** The database of the data folder, which must exist: these commands never create one. */
function existingDatabase(command: string, dataDir: string | undefined): string {
  const databasePath = databasePathIn(resolveDataFolder(dataDir))
  if (!existsSync(databasePath))
    throw new CliError(`${command}: there is no database at ${databasePath} (check --data-dir)`)
  return databasePath
}

export function runDbCheck(options: DbCheckOptions): void {
  const databasePath = existingDatabase('db check', options.dataDir)
  const report = checkDatabase(databasePath, options.full ? 'integrity_check' : 'quick_check')
  if (options.json) printJson(report)
  else process.stdout.write(describeCheck(report))
  if (!report.ok) process.exitCode = 1
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}

function describeCheck(report: DatabaseCheckReport): string {
  const rows: [string, string][] = [['database', report.path]]
  const timing = report.checkSeconds === null ? report.check : `${report.check}, ${report.checkSeconds.toFixed(2)} s`
  if (report.schemaVersion === null) {
    rows.push(['integrity', `UNREADABLE (${timing})`])
  } else if (report.problems.length > 0) {
    const count = report.problems.length
    const counted =
      count >= MAX_INTEGRITY_PROBLEMS
        ? `${count} or more problems, the first ${count} below`
        : `${count} problem${count === 1 ? '' : 's'}`
    rows.push(['integrity', `DAMAGED (${timing}): ${counted}`])
    for (const problem of report.problems) rows.push(['', `  ${problem}`])
  } else {
    rows.push(['integrity', `ok (${timing})`])
  }
  if (report.schemaVersion !== null) {
    rows.push([
      'schema version',
      `${report.schemaVersion} (this version of DNPU Lab knows up to ${report.latestSchemaVersion})`
    ])
    rows.push([
      'application id',
      `${report.applicationId}${isDnpuLabApplicationId(report.applicationId) ? ' (DNPU Lab)' : report.applicationId === '0x0' ? ' (none yet)' : ' (another application)'}`
    ])
    rows.push(['pages', `${report.pageCount} x ${report.pageSizeBytes} bytes`])
  }
  rows.push(['file size', formatBytes(report.fileSizeBytes)])
  rows.push([
    'write-ahead log',
    report.walSizeBytes === 0 ? 'empty' : `${formatBytes(report.walSizeBytes)} not yet copied into the file`
  ])
  if (report.runs !== null) rows.push(['runs', String(report.runs)])
  if (report.models !== null) rows.push(['imported models', String(report.models)])
  const width = Math.max(...rows.map(([label]) => label.length))
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd())
  if (report.refusal !== null) lines.push('', report.refusal)
  return `${lines.join('\n')}\n`
}

export async function runDbBackup(options: DbBackupOptions): Promise<void> {
  if (options.output.trim() === '') throw new CliError('db backup: --output must name a file, got ""')
  const databasePath = existingDatabase('db backup', options.dataDir)
  const outputPath = resolve(options.output)
  const source = resolve(databasePath)
  if ([source, `${source}-wal`, `${source}-shm`, `${source}-journal`].includes(outputPath)) {
    throw new CliError(`db backup: --output must not be the database itself (${outputPath})`)
  }
  if (!existsSync(dirname(outputPath)))
    throw new CliError(`db backup: the folder ${dirname(outputPath)} does not exist`)
  if (!options.force && existsSync(outputPath)) {
    throw new CliError(`db backup: ${outputPath} already exists; not overwriting it (add --force to replace it)`)
  }
  const started = performance.now()
  let copy
  try {
    copy = await backUpDatabaseFile(databasePath, outputPath, Boolean(options.force))
  } catch (error) {
    if (error instanceof BackupExistsError) {
      throw new CliError(`db backup: ${outputPath} already exists; not overwriting it (add --force to replace it)`)
    }
    throw new CliError(
      `db backup: could not back up ${databasePath}: ${describeBackupError(error)}; nothing was written to ${outputPath}`,
      1
    )
  }
  const seconds = (performance.now() - started) / 1000
  if (options.json) {
    printJson({
      source: databasePath,
      path: copy.path,
      sizeBytes: copy.sizeBytes,
      schemaVersion: copy.schemaVersion,
      seconds
    })
    return
  }
  process.stdout.write(
    `backed up ${databasePath}\n` +
      `to ${copy.path} (${formatBytes(copy.sizeBytes)}, schema version ${copy.schemaVersion}, checked with quick_check, ${seconds.toFixed(2)} s)\n`
  )
}
