/**
 * `dnpu runs bundle export ID... --output FILE` and `dnpu runs bundle import FILE`: runs carried
 * to another lab PC as one `.dnpurun` file (src-main/services/run-bundle/). Exit codes as the other
 * runs commands: 2 for bad input (an unknown run, an existing output file without --force, a file
 * that is not a valid bundle), 1 for a runtime failure (a run still running, a write that fails).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { MAX_BUNDLE_FILE_BYTES, MAX_RUNS_PER_BUNDLE } from '../../src-shared/ipc/run-sharing'
import { DATABASE_FILE_NAME, resolveDataFolder } from '../services/data-folder'
import { CliError } from './cli-error'
import { dataDirOption } from './option-parsers'
import type { CliContext } from './program'

interface BundleExportOptions {
  output: string
  force?: boolean
  dataDir?: string
  json?: boolean
}

interface BundleImportOptions {
  dataDir?: string
  json?: boolean
}

export function addRunsBundleCommands(runs: Command, context: CliContext): void {
  const bundle = runs.command('bundle').description('share runs with another lab PC as one .dnpurun file')
  bundle
    .command('export')
    .description(
      'write runs (with their steps, checkpoint, validation measurements, model and calibration) to a .dnpurun file'
    )
    .argument('<ids...>', `run ids (at most ${MAX_RUNS_PER_BUNDLE})`)
    .requiredOption('--output <file>', 'the bundle file to write (an existing file is kept unless --force)')
    .option('--force', 'replace the output file if it exists')
    .addOption(dataDirOption())
    .option('--json', 'print {file, runIds, runCount, bytes} as one JSON object')
    .action(async (ids: string[], options: BundleExportOptions) => {
      await runBundleExport(context, ids, options)
    })
  bundle
    .command('import')
    .description(
      'add the runs of a .dnpurun file (runs already here, models and calibrations are found again, not doubled)'
    )
    .argument('<file>', 'the bundle file')
    .addOption(dataDirOption())
    .option('--json', 'print {runs, runsAdded, runsAlreadyPresent, modelsAdded, ...} as one JSON object')
    .action(async (file: string, options: BundleImportOptions) => {
      await runBundleImport(file, options)
    })
}

function runIdsOf(ids: string[]): number[] {
  if (ids.length > MAX_RUNS_PER_BUNDLE)
    throw new CliError(`runs bundle export: at most ${MAX_RUNS_PER_BUNDLE} runs in one bundle, got ${ids.length}`)
  return ids.map((text) => {
    const trimmed = text.trim()
    if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed)) || Number(trimmed) < 1)
      throw new CliError(`runs bundle export: a run id must be a whole number from 1, got "${text}"`)
    return Number(trimmed)
  })
}

/** The data folder's path, refused when it holds no database and `create` is false. */
function dataFolderOf(dataDir: string | undefined, create: boolean, command: string): string {
  const dataFolder = resolveDataFolder(dataDir)
  const databasePath = join(dataFolder, DATABASE_FILE_NAME)
  if (!create && !existsSync(databasePath))
    throw new CliError(`${command}: there are no runs in ${databasePath} (there is no database there)`)
  return dataFolder
}

export async function runBundleExport(context: CliContext, ids: string[], options: BundleExportOptions): Promise<void> {
  const command = 'runs bundle export'
  const runIds = runIdsOf(ids)
  if (!options.force && existsSync(options.output))
    throw new CliError(`${command}: ${options.output} already exists; not overwriting it (add --force to replace it)`)
  const dataFolder = dataFolderOf(options.dataDir, false, command)
  const { withFolderDatabase, writeRunBundle } = await import('../services/run-bundle')
  let bytes: Uint8Array
  let runCount: number
  try {
    ;({ bytes, runCount } = await withFolderDatabase(dataFolder, (db) => writeRunBundle(db, runIds, context.version)))
  } catch (error) {
    const message = (error as Error).message
    // A running run is a state to wait out (1); an unknown one is a bad id (2).
    throw new CliError(`${command}: ${message}`, /is still running/.test(message) ? 1 : 2)
  }
  try {
    writeFileSync(options.output, bytes, { flag: options.force ? 'w' : 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CliError(`${command}: ${options.output} already exists; not overwriting it (add --force to replace it)`)
    throw new CliError(`${command}: cannot write ${options.output}: ${(error as Error).message}`, 1)
  }
  const ranIds = [...new Set(runIds)]
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ file: options.output, runIds: ranIds, runCount, bytes: bytes.length }, null, 2)}\n`
      : `wrote ${runCount} run${runCount === 1 ? '' : 's'} (${bytes.length.toLocaleString('en-US')} bytes) to ${options.output}\n`
  )
}

function readBundleFile(file: string): Uint8Array {
  const command = 'runs bundle import'
  let size: number
  try {
    size = statSync(file).size
  } catch (error) {
    throw new CliError(`${command}: cannot read ${file}: ${(error as Error).message}`)
  }
  // Checked before reading: a huge file is refused without loading it.
  if (size > MAX_BUNDLE_FILE_BYTES)
    throw new CliError(
      `${command}: ${file}: refused: the file is ${size.toLocaleString('en-US')} bytes (limit: ${MAX_BUNDLE_FILE_BYTES.toLocaleString('en-US')})`
    )
  return readFileSync(file)
}

export async function runBundleImport(file: string, options: BundleImportOptions): Promise<void> {
  const command = 'runs bundle import'
  const bytes = readBundleFile(file)
  // The data folder of a fresh PC has no database yet: importing creates it (as runs list does).
  const dataFolder = dataFolderOf(options.dataDir, true, command)
  const { importRunBundle, RunBundleError, withFolderDatabase } = await import('../services/run-bundle')
  try {
    const result = await withFolderDatabase(dataFolder, (db) => importRunBundle(db, file, bytes))
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ file, ...result }, null, 2)}\n`)
      return
    }
    const lines = [
      `imported ${file}: ${result.runsAdded} run${result.runsAdded === 1 ? '' : 's'} added, ${result.runsAlreadyPresent} already here`,
      ...result.runs.map(
        (run) => `  run #${run.bundleRunId} -> #${run.runId}${run.added ? '' : ' (already here, nothing added)'}`
      ),
      `models: ${result.modelsAdded} added, ${result.modelsAlreadyPresent} already here; calibrations: ${result.calibrationsAdded} added, ${result.calibrationsAlreadyPresent} already here`,
      ...result.notes.map((note) => `note: ${note}`)
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
  } catch (error) {
    if (error instanceof RunBundleError) throw new CliError(`${command}: ${error.message}`, 2)
    throw new CliError(`${command}: ${(error as Error).message}`, 1)
  }
}
