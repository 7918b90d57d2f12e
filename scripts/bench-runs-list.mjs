#!/usr/bin/env node
/**
 * `node scripts/bench-runs-list.mjs [--runs 20000] [--repeat 7] [--keep]`: how fast the run
 * history answers on a large database (`npm run build` first).
 *
 * Creates a database with the app's own schema (the built CLI's `runs list` on a fresh folder),
 * seeds --runs realistic runs (GA, GD and capacity; every status; tags, stars, names and notes on
 * some; 40 GA generations on every 20th run), then times, as the median of --repeat calls:
 * - `dnpu runs list --json --limit 50` and a few filtered and sorted lists, process start included;
 * - the SQL each of them issues (the page and its count), in this process, warm.
 * Prints one JSON object. Figures depend on the machine and its load: no test asserts them.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { BetterSqlite3, dnpu, option } from './bench-support.mjs'
import { seedRuns } from './seed-runs.mjs'

const runCount = Number(option('--runs', '20000'))
const repeat = Number(option('--repeat', '7'))
if (!Number.isInteger(runCount) || runCount < 1 || runCount > 1_000_000) throw new Error('--runs must be 1..1000000')
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) throw new Error('--repeat must be 1..100')

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
const round = (milliseconds) => Math.round(milliseconds * 10) / 10

/** The CLI calls timed, and the statements runs:find issues for each (src-main/store/run-search.ts). */
const CASES = [
  { name: 'newest 50', args: [], where: '', params: [], orderBy: 'started_at DESC, id DESC' },
  {
    name: 'algorithm ga, status completed',
    args: ['--algorithm', 'ga', '--status', 'completed'],
    where: 'WHERE algorithm IN (?) AND status IN (?)',
    params: ['ga', 'completed'],
    orderBy: 'started_at DESC, id DESC'
  },
  {
    name: 'tag paper, best fitness first',
    args: ['--tag', 'paper', '--sort', 'fitness'],
    where: 'WHERE id IN (SELECT run_id FROM run_tags WHERE tag IN (?))',
    params: ['paper'],
    orderBy: 'best_fitness DESC, id DESC'
  },
  {
    name: 'text "50%" (escaped)',
    args: ['--text', '50%'],
    where: "WHERE (ifnull(name, '') LIKE ? ESCAPE '\\' OR notes LIKE ? ESCAPE '\\' OR task LIKE ? ESCAPE '\\')",
    params: ['%50\\%%', '%50\\%%', '%50\\%%'],
    orderBy: 'started_at DESC, id DESC'
  },
  {
    name: 'starred, longest first',
    args: ['--starred', '--sort', 'duration'],
    where: 'WHERE starred = 1',
    params: [],
    orderBy: 'duration_ms DESC, id DESC'
  },
  {
    name: 'since 2025-06-01, accuracy first',
    args: ['--since', '2025-06-01', '--sort', 'accuracy'],
    where: 'WHERE started_at >= ?',
    params: ['2025-06-01T00:00:00.000Z'],
    orderBy: 'accuracy_percent DESC, id DESC'
  }
]

const folder = mkdtempSync(join(tmpdir(), 'dnpu-bench-runs-list-'))
mkdirSync(join(folder, 'empty'))
const databasePath = join(folder, 'dnpu-lab.db')
try {
  dnpu(['runs', 'list', '--data-dir', folder])
  const seedStarted = performance.now()
  const stepRows = seedRuns(databasePath, runCount)
  const seedSeconds = (performance.now() - seedStarted) / 1000
  // Process start alone, for scale: the CLI figure includes it.
  const nodeStartMs = median(
    Array.from({ length: repeat }, () => {
      const started = performance.now()
      spawnSync(process.execPath, ['-e', '0'])
      return performance.now() - started
    })
  )
  // The same call on an empty database: start-up and module loading without the file's size.
  const emptyFolder = join(folder, 'empty')
  dnpu(['runs', 'list', '--data-dir', emptyFolder])
  const emptyCliMs = median(
    Array.from(
      { length: repeat },
      () => dnpu(['runs', 'list', '--json', '--limit', '50', '--data-dir', emptyFolder]).wallMs
    )
  )
  const db = new BetterSqlite3(databasePath, { readonly: true })
  // What every open for writing runs first (src-main/store/database.ts): it reads the whole file.
  const quickCheckMs = median(
    Array.from({ length: repeat }, () => {
      const started = performance.now()
      db.pragma('quick_check')
      return performance.now() - started
    })
  )
  const results = CASES.map((benchCase) => {
    const args = ['runs', 'list', '--json', '--limit', '50', ...benchCase.args, '--data-dir', folder]
    const first = dnpu(args)
    const listed = JSON.parse(first.stdout).length
    const cliMs = median([first.wallMs, ...Array.from({ length: repeat - 1 }, () => dnpu(args).wallMs)])
    const page = db.prepare(`SELECT * FROM runs ${benchCase.where} ORDER BY ${benchCase.orderBy} LIMIT 50 OFFSET 0`)
    const count = db.prepare(`SELECT count(*) FROM runs ${benchCase.where}`).pluck()
    const sqlMs = median(
      Array.from({ length: repeat }, () => {
        const started = performance.now()
        page.all(...benchCase.params)
        count.get(...benchCase.params)
        return performance.now() - started
      })
    )
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM runs ${benchCase.where} ORDER BY ${benchCase.orderBy} LIMIT 50`)
      .all(...benchCase.params)
      .map((row) => row.detail)
      .join('; ')
    return {
      case: benchCase.name,
      listed,
      total: count.get(...benchCase.params),
      cliMs: round(cliMs),
      sqlMs: round(sqlMs),
      plan
    }
  })
  db.close()
  process.stdout.write(
    `${JSON.stringify(
      {
        runs: runCount,
        stepRows,
        databaseMegabytes: Math.round(statSync(databasePath).size / 1e5) / 10,
        seedSeconds: Math.round(seedSeconds * 10) / 10,
        repeat,
        cpus: cpus().length,
        loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
        nodeStartMs: round(nodeStartMs),
        emptyDatabaseCliMs: round(emptyCliMs),
        quickCheckMs: round(quickCheckMs),
        targetCliMs: 150,
        results
      },
      null,
      2
    )}\n`
  )
} finally {
  if (process.argv.includes('--keep')) process.stderr.write(`kept ${folder}\n`)
  else rmSync(folder, { recursive: true, force: true })
}
