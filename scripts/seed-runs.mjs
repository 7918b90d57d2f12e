/**
 * Seeds a DNPU Lab database (created by the app, at the current schema) with `runCount` realistic
 * runs for the history benchmarks: GA, GD and capacity; every status; tags, stars, names and
 * notes on some; 40 GA generations on every 20th run. Deterministic (its own LCG). Returns the
 * number of step rows written.
 */
import { BetterSqlite3 } from './bench-support.mjs'

const ALGORITHMS = ['ga', 'ga', 'ga', 'gd', 'capacity']
const TASKS = { ga: ['xor', 'nand', 'and', 'or'], gd: ['ring'], capacity: ['vc'] }
const STATUSES = ['completed', 'completed', 'completed', 'stopped', 'failed', 'interrupted']
const TAGS = ['baseline', 'sweep', 'paper', 'device', 'noise:high', 'seed-scan', 'v2']

export function seedRuns(databasePath, runCount) {
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
