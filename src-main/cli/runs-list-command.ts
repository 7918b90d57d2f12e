/**
 * `dnpu runs list`: one page of the stored runs, filtered and sorted in SQL. The options map
 * onto the contract's run query (runs:find), and the query is checked with the contract's own
 * schema, so the CLI and the app refuse the same values with the same words.
 */
import { InvalidArgumentError, Option, type Command } from 'commander'
import {
  findAlgorithm,
  MAX_RUN_PAGE_SIZE,
  RUN_SORT_KEYS,
  type RunPage,
  type RunQuery,
  type RunSummary
} from '../../src-shared/domain'
import { runQuerySchema } from '../../src-shared/ipc/run-history-schemas'
import { formatNumber } from '../services/algorithms/text'
import { resolveDataFolder } from '../services/data-folder'
import { CliError } from './cli-error'
import { dataDirOption, integer } from './option-parsers'
import { openRunStore } from './run-store'

export interface RunsListOptions {
  dataDir?: string
  json?: boolean
  algorithm?: string[]
  task?: string[]
  model?: string[]
  profile?: number[]
  calibration?: number[]
  calibrationVersion?: number[]
  status?: string[]
  since?: string
  until?: string
  tag?: string[]
  starred?: boolean
  text?: string
  sort?: (typeof RUN_SORT_KEYS)[number]
  order?: 'asc' | 'desc'
  limit?: number
  offset?: number
}

/** A comma list of words (`--status stopped,failed`); empty items are refused. */
function words(name: string) {
  return (value: string): string[] => {
    const items = value.split(',').map((item) => item.trim())
    if (items.some((item) => item === ''))
      throw new InvalidArgumentError(`${name} must be a comma list without empty items, got "${value}"`)
    return items
  }
}

function ids(name: string) {
  const parse = integer(name, 1)
  return (value: string): number[] => words(name)(value).map(parse)
}

export function addRunsListCommand(runs: Command): void {
  runs
    .command('list')
    .description(
      'list runs, newest first, one page at a time (filters: all given must hold; a comma list means any of)'
    )
    .option('--algorithm <ids>', 'algorithm ids, e.g. ga,gd', words('--algorithm'))
    .option('--task <names>', 'task names, e.g. xor,ring', words('--task'))
    .option('--model <ids>', 'surrogate model ids', words('--model'))
    .option('--profile <ids>', 'device profile ids (runs on the instrument)', ids('--profile'))
    .option('--calibration <ids>', 'calibration ids', ids('--calibration'))
    .option('--calibration-version <n>', 'calibration version numbers', ids('--calibration-version'))
    .option('--status <names>', 'running, completed, stopped, failed, interrupted', words('--status'))
    .option('--since <time>', 'started at or after this date or ISO 8601 time (2026-01-31, 2026-01-31T08:00:00Z)')
    .option('--until <time>', 'started before this date or time')
    .option('--tag <tags>', 'carries any of these tags (case-insensitive)', words('--tag'))
    .option('--starred', 'only starred runs')
    .option('--text <text>', 'case-insensitive text in the name, notes or task (% and _ match literally)')
    .addOption(new Option('--sort <key>', 'order by').choices(RUN_SORT_KEYS).default('date'))
    .addOption(
      new Option('--order <order>', 'desc: newest / highest first').choices(['asc', 'desc'] as const).default('desc')
    )
    .option('--limit <n>', `runs per page (at most ${MAX_RUN_PAGE_SIZE})`, integer('--limit', 1), 50)
    .option('--offset <n>', 'runs to skip (the page start)', integer('--offset', 0), 0)
    .addOption(dataDirOption())
    .option('--json', 'print the page as a JSON array of runs (the total goes to stderr when there are more)')
    .action(async (options: RunsListOptions) => {
      await runRunsList(options)
    })
}

/** The options as a run query, checked by the contract's schema; a bad value is a usage error. */
export function runQueryOf(options: RunsListOptions): RunQuery {
  const query = {
    filter: {
      algorithms: options.algorithm,
      tasks: options.task,
      modelIds: options.model,
      deviceProfileIds: options.profile,
      calibrationIds: options.calibration,
      calibrationVersions: options.calibrationVersion,
      statuses: options.status,
      startedSince: options.since,
      startedUntil: options.until,
      tags: options.tag,
      starred: options.starred ? true : undefined,
      text: options.text
    },
    sort: options.sort,
    order: options.order,
    limit: options.limit,
    offset: options.offset
  }
  const parsed = runQuerySchema.safeParse(query)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = String(issue.path.find((part) => typeof part === 'string' && part !== 'filter') ?? 'request')
    throw new CliError(`runs list: ${OPTION_OF_FIELD[field] ?? field}: ${issue.message}`)
  }
  return parsed.data as RunQuery
}

const OPTION_OF_FIELD: Record<string, string> = {
  algorithms: '--algorithm',
  tasks: '--task',
  modelIds: '--model',
  deviceProfileIds: '--profile',
  calibrationIds: '--calibration',
  calibrationVersions: '--calibration-version',
  statuses: '--status',
  startedSince: '--since',
  startedUntil: '--until',
  tags: '--tag',
  text: '--text',
  limit: '--limit',
  offset: '--offset'
}

export async function runRunsList(options: RunsListOptions): Promise<void> {
  const query = runQueryOf(options)
  const dataFolder = resolveDataFolder(options.dataDir)
  const store = await openRunStore(dataFolder, null)
  let page: RunPage
  try {
    page = store.runs.findRuns(query)
  } finally {
    store.close()
  }
  const more = page.total > page.offset + page.runs.length
  if (options.json) {
    process.stdout.write(`${JSON.stringify(page.runs, null, 2)}\n`)
    if (more) process.stderr.write(`${pageNote(page)}\n`)
    return
  }
  if (page.total === 0) {
    process.stdout.write(
      page.offset === 0 && isUnfiltered(options) ? `no runs yet in ${dataFolder}\n` : 'no runs match\n'
    )
    return
  }
  process.stdout.write(runTable(page.runs))
  if (more || page.offset > 0) process.stdout.write(`${pageNote(page)}\n`)
}

function isUnfiltered(options: RunsListOptions): boolean {
  return Object.values(runQueryOf(options).filter ?? {}).every((value) => value === undefined)
}

function pageNote(page: RunPage): string {
  const first = page.runs.length === 0 ? page.offset : page.offset + 1
  const next = page.offset + page.runs.length
  const rest = page.total > next ? ` (next page: --offset ${next})` : ''
  return `runs ${first}-${next} of ${page.total}${rest}`
}

function runTable(runs: RunSummary[]): string {
  const rows = runs.map((run) => [
    `${run.id}${run.starred ? '*' : ''}`,
    run.startedAt.replace('T', ' ').slice(0, 19),
    (findAlgorithm(run.algorithm)?.shortLabel ?? run.algorithm).toUpperCase(),
    run.task,
    run.modelId,
    run.status,
    // Each algorithm counts in its own steps: '40 generations', '12 epochs', '44 labelings'.
    `${run.steps} ${run.stepUnit}`,
    formatNumber(run.bestFitness),
    formatNumber(run.bestCorrelation),
    [run.name ?? '', run.tags.length > 0 ? `[${run.tags.join(', ')}]` : ''].filter((part) => part !== '').join(' ')
  ])
  const header = [
    'id',
    'started (UTC)',
    'algorithm',
    'task',
    'model',
    'status',
    'steps',
    'best fitness',
    'best corr.',
    'name'
  ]
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
  return [header, ...rows]
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column]))
          .join('  ')
          .trimEnd()}\n`
    )
    .join('')
}
