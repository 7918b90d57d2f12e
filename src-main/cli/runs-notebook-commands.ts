/**
 * `dnpu runs tag | note | star | rename | delete`: the run history as a lab notebook. The store
 * checks every bound and refuses a running run; these commands turn options into one change
 * and a refusal into an exit code (2: a bad value or an unknown run, 1: the run is running).
 */
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import type { RunAnnotation, RunSummary } from '../../src-shared/domain'
import { resolveDataFolder } from '../services/data-folder'
import { CliError } from './cli-error'
import { dataDirOption } from './option-parsers'
import { openRunStore, type RunStore } from './run-store'

interface CommonOptions {
  dataDir?: string
  json?: boolean
}

function runIdOf(command: string, text: string): number {
  const trimmed = text.trim()
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed)) || Number(trimmed) < 1)
    throw new CliError(`${command}: the run id must be a whole number from 1, got "${text}"`)
  return Number(trimmed)
}

async function withStore<T>(command: string, dataDir: string | undefined, use: (store: RunStore) => T): Promise<T> {
  const store = await openRunStore(
    resolveDataFolder(dataDir),
    (path) => `${command}: there are no runs in ${path} (there is no database there)`
  )
  try {
    return use(store)
  } catch (error) {
    if (error instanceof CliError) throw error
    const message = (error as Error).message
    // A running run is a state to wait out (1); anything else the store refuses is a bad value (2).
    throw new CliError(`${command}: ${message}`, /\bit is running\b/.test(message) ? 1 : 2)
  } finally {
    store.close()
  }
}

/** Applies one annotation and prints the run's summary (JSON) or one line saying what it now is. */
async function annotate(
  command: string,
  runIdText: string,
  change: RunAnnotation,
  options: CommonOptions,
  describe: (run: RunSummary) => string
): Promise<void> {
  const runId = runIdOf(command, runIdText)
  const run = await withStore(command, options.dataDir, (store) => {
    if (!store.runs.getSummary(runId)) throw new CliError(`${command}: no run ${runId} in ${store.databasePath}`)
    return store.history.annotate(runId, change)
  })
  process.stdout.write(options.json ? `${JSON.stringify(run, null, 2)}\n` : `run ${run.id}: ${describe(run)}\n`)
}

function tagList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',')
}

export function addRunsNotebookCommands(runs: Command): void {
  runs
    .command('tag')
    .description('add and remove free tags of a run (letters, digits, space, _ . : -; at most 50 per run)')
    .argument('<id>', 'run id')
    .option('--add <tags>', 'tags to add, comma-separated')
    .option('--remove <tags>', 'tags to remove, comma-separated')
    .addOption(dataDirOption())
    .option('--json', "print the run's summary as one JSON object")
    .action(async (id: string, options: CommonOptions & { add?: string; remove?: string }) => {
      if (options.add === undefined && options.remove === undefined)
        throw new CliError('runs tag: say what to change with --add and/or --remove')
      await annotate(
        'runs tag',
        id,
        { addTags: tagList(options.add), removeTags: tagList(options.remove) },
        options,
        (run) => (run.tags.length === 0 ? 'no tags' : `tags ${run.tags.join(', ')}`)
      )
    })
  runs
    .command('note')
    .description('replace a run\'s notes (plain text, saved with the time; --text "" clears them)')
    .argument('<id>', 'run id')
    .option('--text <text>', 'the notes')
    .option('--file <path>', 'read the notes from this UTF-8 text file')
    .addOption(dataDirOption())
    .option('--json', "print the run's summary as one JSON object")
    .action(async (id: string, options: CommonOptions & { text?: string; file?: string }) => {
      if ((options.text === undefined) === (options.file === undefined))
        throw new CliError('runs note: give the notes with exactly one of --text and --file')
      const notes = options.text ?? readNotesFile(options.file!)
      await annotate('runs note', id, { notes }, options, (run) =>
        run.notes === '' ? 'notes cleared' : `notes saved (${run.notes.length} characters) at ${run.notesUpdatedAt}`
      )
    })
  runs
    .command('star')
    .description('star a run (--off: unstar it)')
    .argument('<id>', 'run id')
    .option('--off', 'remove the star')
    .addOption(dataDirOption())
    .option('--json', "print the run's summary as one JSON object")
    .action(async (id: string, options: CommonOptions & { off?: boolean }) => {
      await annotate('runs star', id, { starred: !options.off }, options, (run) =>
        run.starred ? 'starred' : 'not starred'
      )
    })
  runs
    .command('rename')
    .description('name a run (at most 200 characters; --name "" removes the name)')
    .argument('<id>', 'run id')
    .requiredOption('--name <name>', 'the new name')
    .addOption(dataDirOption())
    .option('--json', "print the run's summary as one JSON object")
    .action(async (id: string, options: CommonOptions & { name: string }) => {
      await annotate('runs rename', id, { name: options.name }, options, (run) =>
        run.name === null ? 'no name' : `named "${run.name}"`
      )
    })
  runs
    .command('delete')
    .description('delete runs for good, with their steps, checkpoints, tags and validation measurements')
    .argument('<ids...>', 'run ids')
    .option('--yes', 'do not ask (required when stdin is not a terminal)')
    .option('--vacuum', 'then give the freed space back to the file system (VACUUM; slow on a large database)')
    .addOption(dataDirOption())
    .option('--json', 'print {deleted, freedPages, freedBytesEstimate, vacuumSuggested, ...}')
    .action(async (ids: string[], options: CommonOptions & { yes?: boolean; vacuum?: boolean }) => {
      await runRunsDelete(ids, options)
    })
}

function readNotesFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new CliError(`runs note: cannot read --file ${path}: ${(error as Error).message}`)
  }
}

function describeRun(run: RunSummary): string {
  const name = run.name === null ? '' : ` "${run.name}"`
  return `run ${run.id}${name} (${run.algorithm} on ${run.task}, ${run.status}, started ${run.startedAt})`
}

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim())
  } finally {
    prompt.close()
  }
}

async function runRunsDelete(
  idTexts: string[],
  options: CommonOptions & { yes?: boolean; vacuum?: boolean }
): Promise<void> {
  const runIds = [...new Set(idTexts.map((text) => runIdOf('runs delete', text)))]
  const store = await openRunStore(
    resolveDataFolder(options.dataDir),
    (path) => `runs delete: there are no runs in ${path} (there is no database there)`
  )
  try {
    const found = runIds.map((runId) => store.runs.getSummary(runId))
    const missing = runIds.filter((_, index) => found[index] === null)
    if (missing.length > 0) throw new CliError(`runs delete: no run ${missing.join(', ')} in ${store.databasePath}`)
    const runs = found as RunSummary[]
    const running = runs.filter((run) => run.status === 'running')
    if (running.length > 0)
      throw new CliError(
        `runs delete: ${running.map(describeRun).join('; ')} is running: stop it first, then delete it`,
        1
      )
    if (!options.yes) {
      const list = runs.map(describeRun).join('\n  ')
      if (!process.stdin.isTTY)
        throw new CliError(`runs delete: not deleting without --yes (stdin is not a terminal to ask):\n  ${list}`)
      if (!(await confirm(`delete for good:\n  ${list}\n? [y/N] `))) {
        process.stderr.write('runs delete: nothing deleted\n')
        return
      }
    }
    const deletion = withRefusal(() => store.history.delete(runIds))
    const vacuum = options.vacuum ? store.history.vacuum() : null
    const report = {
      ...deletion,
      freedBytesEstimate: deletion.freedPages * deletion.pageSizeBytes,
      vacuumSuggested: vacuum === null && deletion.vacuumSuggested,
      vacuum
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      return
    }
    const kib = (pages: number): string => `${Math.round((pages * deletion.pageSizeBytes) / 1024)} KiB`
    process.stdout.write(
      `deleted run${runIds.length > 1 ? 's' : ''} ${runIds.join(', ')}: ${kib(deletion.freedPages)} freed\n`
    )
    if (vacuum) process.stdout.write(`vacuumed: the file shrank by ${kib(vacuum.reclaimedPages)}\n`)
    else if (report.vacuumSuggested)
      process.stdout.write(
        `${kib(deletion.freelistPages)} of the file is free space: run dnpu db vacuum to give it back\n`
      )
  } finally {
    store.close()
  }
}

function withRefusal<T>(action: () => T): T {
  try {
    return action()
  } catch (error) {
    const message = (error as Error).message
    throw new CliError(`runs delete: ${message}`, /\bit is running\b/.test(message) ? 1 : 2)
  }
}
