/**
 * `dnpu runs compare ID ID [...]` (runs side by side) and `dnpu runs rerun ID` (a stored run's
 * config started again as a new run). Registered in one block by {@link addRunsCompareCommands}.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import type { RunComparison, RunSummary } from '../../src-shared/ipc'
import type { AppServices } from '../services/app-services'
import { DATABASE_FILE_NAME, resolveDataFolder } from '../services/data-folder'
import { CliError } from './cli-error'
import { dataDirOption, integer, workerCount } from './option-parsers'
import type { CliContext } from './program'

export interface RunsCompareOptions {
  dataDir?: string
  json?: boolean
}

export interface RunsRerunOptions {
  seed?: number
  newSeed?: boolean
  port?: string
  baud?: number
  profile?: number
  stopAfter?: number
  workers?: number
  dataDir?: string
  json?: boolean
}

export function addRunsCompareCommands(runs: Command, context: CliContext): void {
  runs
    .command('compare')
    .description("2 to 6 runs side by side: the settings that differ, each run's headline figures")
    .argument('<ids...>', 'run ids (2 to 6)')
    .addOption(dataDirOption())
    .option('--json', 'print {runs, differences, history, outputs, controls} as one JSON object')
    .action(async (ids: string[], options: RunsCompareOptions) => {
      await runRunsCompare(context, ids, options)
    })
  runs
    .command('rerun')
    .description("start a new run with a stored run's settings (same seed unless --seed or --new-seed)")
    .argument('<id>', 'run id')
    .option('--seed <n>', 'run it with this seed instead of the stored one', integer('--seed', 0))
    .option('--new-seed', 'draw a new random seed (stored with the new run)')
    .option(
      '--port <path>',
      'a run on the device: the port of the instrument (or tcp://127.0.0.1:PORT); its active calibration gives the ranges'
    )
    .option('--baud <rate>', 'serial baud rate with --port', integer('--baud', 1), 115200)
    .option(
      '--profile <id>',
      "with --port: the device profile expected (default: found from the instrument's identity)",
      integer('--profile', 1)
    )
    .option('--stop-after <n>', 'stop once this many steps have run', integer('--stop-after', 1))
    .option('--workers <n>', 'threads sharing each step (default: the number of cores)', workerCount('--workers'))
    .addOption(dataDirOption())
    .option('--json', 'print the result as train --json does, plus rerunOf')
    .action(async (id: string, options: RunsRerunOptions) => {
      await runRunsRerun(context, id, options)
    })
}

export function runIdOf(command: string, text: string): number {
  const trimmed = text.trim()
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed)) || Number(trimmed) < 1) {
    throw new CliError(`${command}: a run id must be a whole number from 1, got "${text}"`)
  }
  return Number(trimmed)
}

/**
 * Opens the services on the data folder's database, which must exist: reading must not create
 * one (a mistyped --data-dir would leave a database behind), and an unknown run names the file.
 */
export async function withDatabase<T>(
  context: CliContext,
  command: string,
  runIds: number[],
  dataDir: string | undefined,
  use: (services: AppServices) => Promise<T>
): Promise<T> {
  const dataFolder = resolveDataFolder(dataDir)
  const databasePath = join(dataFolder, DATABASE_FILE_NAME)
  if (!existsSync(databasePath))
    throw new CliError(`${command}: no run ${runIds.join(', ')} in ${databasePath} (there is no database there)`)
  // Loaded on use: defining the commands (help, tests) needs no trainer.
  const { openServices } = await import('./commands')
  const services = await openServices(context, dataFolder)
  try {
    const unknown = runIds.filter((runId) => services.runReader.find(runId) === null)
    if (unknown.length > 0) throw new CliError(`${command}: no run ${unknown.join(', ')} in ${databasePath}`)
    return await use(services)
  } finally {
    await services.close()
  }
}

/** A service's refusal in the command's words: `runIds: run 3 given more than once` -> `runs compare: run 3 ...`. */
export function refusal(command: string, error: unknown): CliError {
  return new CliError(`${command}: ${(error as Error).message.replace(/^(runIds|runId|seed): /, '')}`)
}

export async function runRunsCompare(
  context: CliContext,
  idTexts: string[],
  options: RunsCompareOptions
): Promise<void> {
  const command = 'runs compare'
  const runIds = idTexts.map((text) => runIdOf(command, text))
  const { checkRunIds, compareRuns } = await import('../services/run-compare')
  // Refused before the database is opened, so a count or a repeat is named before an unknown id.
  try {
    checkRunIds(runIds)
  } catch (error) {
    throw refusal(command, error)
  }
  const comparison = await withDatabase(context, command, runIds, options.dataDir, async (services) => {
    try {
      return compareRuns(services, runIds)
    } catch (error) {
      throw refusal(command, error)
    }
  })
  process.stdout.write(options.json ? `${JSON.stringify(comparison, null, 2)}\n` : describeComparison(comparison))
}

function fixed(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits)
}

/** Headline figures every run has (from its summary), one row each. */
const HEADLINE_ROWS: [string, (run: RunSummary) => string][] = [
  ['algorithm', (run) => run.algorithm],
  ['task', (run) => run.task],
  ['status', (run) => run.status],
  ['steps', (run) => `${run.steps} ${run.stepUnit}`],
  ['best fitness', (run) => fixed(run.bestFitness, 4)],
  ['best correlation', (run) => fixed(run.bestCorrelation, 4)],
  ['accuracy', (run) => (run.accuracyPercent === null ? '-' : `${run.accuracyPercent.toFixed(1)} %`)]
]

/** A setting's value in a table cell: long strings (a model's hash) shortened. */
function settingText(value: unknown): string {
  if (value === null || value === undefined) return '-'
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > 20 ? `${text.slice(0, 16)}...` : text
}

/** `runs compare` without --json: headline rows, then the settings that differ; a column per run. */
export function describeComparison(comparison: RunComparison): string {
  const header = ['', ...comparison.runs.map((run) => `run ${run.id}`)]
  const headline = HEADLINE_ROWS.map(([name, cell]) => [name, ...comparison.runs.map(cell)])
  const differing = comparison.differences.map(({ key, values }) => [key, ...values.map(settingText)])
  const widths = header.map((_, column) =>
    Math.max(...[header, ...headline, ...differing].map((row) => row[column].length))
  )
  const line = (row: string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd()
  const lines = [line(header), ...headline.map(line), '']
  if (differing.length === 0) lines.push('settings that differ: none')
  else lines.push('settings that differ:', ...differing.map(line))
  return `${lines.join('\n')}\n`
}

export async function runRunsRerun(context: CliContext, idText: string, options: RunsRerunOptions): Promise<void> {
  const command = 'runs rerun'
  const runId = runIdOf(command, idText)
  if (options.seed !== undefined && options.newSeed)
    throw new CliError(`${command}: give --seed or --new-seed, not both`)
  await withDatabase(context, command, [runId], options.dataDir, async (services) => {
    const { rerunConfig } = await import('../services/run-compare')
    const { connectDevice, followAndReport } = await import('./train-commands')
    let config
    try {
      config = rerunConfig(services, runId, { seed: options.seed, newSeed: options.newSeed })
    } catch (error) {
      throw refusal(command, error)
    }
    const onDevice = 'processor' in config && config.processor === 'device'
    if (onDevice && !options.port) {
      throw new CliError(
        `${command}: run ${runId} ran on the device: pass --port PATH (and --baud, --profile as train ga does) to run it again on the instrument`
      )
    }
    if (!onDevice && options.port)
      throw new CliError(`${command}: run ${runId} ran on the surrogate; --port is only for a run on the device`)
    if (options.port) await connectDevice(services, options)
    if (!options.json) {
      const seedText = config.seed === undefined ? 'a new random seed' : `seed ${config.seed}`
      process.stdout.write(`re-running run ${runId} as a new run with ${seedText}\n`)
    }
    await followAndReport(
      services,
      options,
      {},
      () => services.training.start(config, { stopAfter: options.stopAfter, workers: options.workers }).runId,
      { rerunOf: runId }
    )
  })
}
