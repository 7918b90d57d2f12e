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

const runCount = Number(option('--runs', '20000'))
const repeat = Number(option('--repeat', '7'))
if (!Number.isInteger(runCount) || runCount < 1 || runCount > 1_000_000) throw new Error('--runs must be 1..1000000')
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) throw new Error('--repeat must be 1..100')

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
const round = (milliseconds) => Math.round(milliseconds * 10) / 10

const ALGORITHMS = ['ga', 'ga', 'ga', 'gd', 'capacity']
const TASKS = { ga: ['xor', 'nand', 'and', 'or'], gd: ['ring'], capacity: ['vc'] }
const STATUSES = ['completed', 'completed', 'completed', 'stopped', 'failed', 'interrupted']
const TAGS = ['baseline', 'sweep', 'paper', 'device', 'noise:high', 'seed-scan', 'v2']

function seed(databasePath) {
  const db = new BetterSqlite3(databasePath)
  db.pragma('synchronous = OFF')
  const insertRun = db.prepare(
    `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, ended_at, steps, best_fitness,
       best_correlation, best_control_voltages_json, compute_backend, app_version, control_electrodes_json,
       targets_json, accuracy_json, name, starred, notes, notes_updated_at)
     VALUES (@algorithm, @task, @model, @config, @seed, @status, @startedAt, @endedAt, @steps, @fitness, @correlation,
       '[0.1,-0.2,0.3,0.4,-0.5]', 'wasm', '0.1.0', '[1,2,3,4,5]', '[0,1,1,0]', @accuracy, @name, @starred, @notes,
       @notesAt)`
  )
  const insertStep = db.prepare('INSERT INTO run_steps (run_id, step, metrics_json, payload_json) VALUES (?, ?, ?, ?)')
  const insertTag = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
  let random = 1
  const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const pick = (list) => list[Math.floor(next() * list.length)]
  const start = Date.parse('2024-01-01T00:00:00Z')
  let stepRows = 0
  db.transaction(() => {
    for (let index = 0; index < runCount; index++) {
      const algorithm = pick(ALGORITHMS)
      const startedAtMs = start + index * 60_000 * 45
      const fitness = algorithm === 'ga' ? next() : null
      const runId = insertRun.run({
        algorithm,
        task: pick(TASKS[algorithm]),
        model: pick(['demo', 'demo', 'lab-2025-03', 'lab-2025-09']),
        config: JSON.stringify({ algorithm, generations: 40, populationSize: 25, seed: index }),
        seed: index,
        status: pick(STATUSES),
        startedAt: new Date(startedAtMs).toISOString(),
        endedAt: new Date(startedAtMs + 5_000 + next() * 600_000).toISOString(),
        steps: 40,
        fitness,
        correlation: fitness === null ? null : next() * 2 - 1,
        accuracy:
          algorithm === 'gd'
            ? JSON.stringify({ trainPercent: 90, validationPercent: null, testPercent: next() * 100 })
            : null,
        name: index % 7 === 0 ? `run ${index} ${pick(['gate', 'ring test', 'overnight'])}` : null,
        starred: index % 13 === 0 ? 1 : 0,
        notes:
          index % 5 === 0 ? `Checked on the bench; 50% duty, ${pick(['noisy', 'clean', 'drifting'])} readout.` : '',
        notesAt: index % 5 === 0 ? new Date(startedAtMs + 700_000).toISOString() : null
      }).lastInsertRowid
      if (index % 3 === 0) insertTag.run(runId, pick(TAGS))
      if (index % 9 === 0) insertTag.run(runId, pick(TAGS))
      if (algorithm === 'ga' && index % 20 === 0) {
        for (let step = 1; step <= 40; step++) {
          const metrics = {
            bestFitness: next(),
            bestCorrelation: next(),
            bestSoFarFitness: next(),
            bestSoFarCorrelation: next()
          }
          insertStep.run(runId, step, JSON.stringify(metrics), '[0.1,-0.2,0.3,0.4,-0.5]')
          stepRows++
        }
      }
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return stepRows
}

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
  const stepRows = seed(databasePath)
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
