/**
 * `dnpu runs list`: one page of the stored runs, filtered and sorted in SQL. The options map
 * onto the contract's run query (runs:find), each checked by its parser with the domain's own
 * rules (the contract's schemas use the same ones). Not with zod itself: loading it would
 * double the time the whole command takes.
 */
import { InvalidArgumentError, Option, type Command } from 'commander'
import {
  ALGORITHMS,
  DATE_OR_TIME_EXPECTED,
  findAlgorithm,
  isDateOrTime,
  MAX_RUN_PAGE_SIZE,
  MAX_RUN_SEARCH_TEXT_CHARS,
  normalizeTag,
  RUN_SORT_KEYS,
  RUN_STATUSES,
  type Algorithm,
  type RunPage,
  type RunQuery,
  type RunStatus,
  type RunSummary
} from '../../src-shared/domain'
import { formatNumber } from '../services/algorithms/text'
import { resolveDataFolder } from '../services/data-folder'
import { dataDirOption, integer } from './option-parsers'
import { CliError } from './cli-error'
import { openRunStore } from './run-store'

export interface RunsListOptions {
  dataDir?: string
  json?: boolean
  algorithm?: Algorithm[]
  task?: string[]
  model?: string[]
  profile?: number[]
  calibration?: number[]
  calibrationVersion?: number[]
  status?: RunStatus[]
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

function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T[] =>
    words(name)(value).map((item) => {
      if (!(allowed as readonly string[]).includes(item))
        throw new InvalidArgumentError(`${name}: "${item}" is not one of ${allowed.join(', ')}`)
      return item as T
    })
}

function tags(value: string): string[] {
  return value.split(',').map((text) => {
    const result = normalizeTag(text)
    if (!result.ok) throw new InvalidArgumentError(`--tag: ${result.error}`)
    return result.tag
  })
}

function dateOrTime(name: string) {
  return (value: string): string => {
    if (!isDateOrTime(value.trim())) throw new InvalidArgumentError(`${name}: ${DATE_OR_TIME_EXPECTED}, got "${value}"`)
    return value.trim()
  }
}

function searchText(value: string): string {
  if (value.length > MAX_RUN_SEARCH_TEXT_CHARS)
    throw new InvalidArgumentError(`--text has at most ${MAX_RUN_SEARCH_TEXT_CHARS} characters, got ${value.length}`)
  return value
}

function pageSize(value: string): number {
  const limit = integer('--limit', 1)(value)
  if (limit > MAX_RUN_PAGE_SIZE)
    throw new InvalidArgumentError(`--limit must be at most ${MAX_RUN_PAGE_SIZE}, got ${value}`)
  return limit
}

export function addRunsListCommand(runs: Command): void {
  runs
    .command('list')
    .description(
      'list runs, newest first, one page at a time (filters: all given must hold; a comma list means any of)'
    )
    .option('--algorithm <ids>', `algorithm ids: ${ALGORITHMS.join(', ')}`, oneOf('--algorithm', ALGORITHMS))
    .option('--task <names>', 'task names, e.g. xor,ring', words('--task'))
    .option('--model <ids>', 'surrogate model ids', words('--model'))
    .option('--profile <ids>', 'device profile ids (runs on the instrument)', ids('--profile'))
    .option('--calibration <ids>', 'calibration ids', ids('--calibration'))
    .option('--calibration-version <n>', 'calibration version numbers', ids('--calibration-version'))
    .option('--status <names>', RUN_STATUSES.join(', '), oneOf('--status', RUN_STATUSES))
    .option(
      '--since <time>',
      'started at or after this date or ISO 8601 time (2026-01-31, 2026-01-31T08:00:00Z)',
      dateOrTime('--since')
    )
    .option('--until <time>', 'started before this date or time', dateOrTime('--until'))
    .option('--tag <tags>', 'carries any of these tags (case-insensitive)', tags)
    .option('--starred', 'only starred runs')
    .option('--text <text>', 'case-insensitive text in the name, notes or task (% and _ match literally)', searchText)
    .addOption(new Option('--sort <key>', 'order by').choices(RUN_SORT_KEYS).default('date'))
    .addOption(
      new Option('--order <order>', 'desc: newest / highest first').choices(['asc', 'desc'] as const).default('desc')
    )
    .option('--limit <n>', `runs per page (at most ${MAX_RUN_PAGE_SIZE})`, pageSize, 50)
    .option('--offset <n>', 'runs to skip (the page start)', integer('--offset', 0), 0)
    .addOption(dataDirOption())
    .option('--json', 'print the page as a JSON array of runs (the total goes to stderr when there are more)')
    .action(async (options: RunsListOptions) => {
      await runRunsList(options)
    })
}

/** The options (each already checked by its parser) as a run query. */
export function runQueryOf(options: RunsListOptions): RunQuery {
  return {
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
}

export async function runRunsList(options: RunsListOptions): Promise<void> {
  const query = runQueryOf(options)
  const dataFolder = resolveDataFolder(options.dataDir)
  const store = await openRunStore(dataFolder, null, { readOnly: true })
  let page: RunPage
  try {
    page = store.runs.findRuns(query)
  } catch (error) {
    throw damagedWhileReading(store.databasePath, error)
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

/**
 * The listing opens the file read-only without checking all of it first: damage it meets on the
 * way is named here, with the command that checks the whole file.
 */
function damagedWhileReading(databasePath: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_CORRUPT')) return error
  return new CliError(
    `${databasePath} is damaged: ${(error as Error).message}. Nothing was changed; ` +
      '`dnpu db check` lists the problems.',
    1
  )
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
