#!/usr/bin/env node
/**
 * `node scripts/bench-quick-check.mjs [--mb 100] [--kind mix|generations|blobs] [--keep]`:
 * how long the integrity check that runs at every open takes on a large database.
 *
 * Builds a database of about --mb megabytes with the app's own schema (created by the built CLI,
 * `npm run build` first), filled with GA generations (many small rows: the slowest kind to check)
 * and/or stored measurements (float32 BLOBs, like acquisitions), then times `dnpu db check` (the
 * same read-only inspection openDatabase runs before it writes) with quick_check and with the full
 * integrity_check, with the file in the page cache and, where `dd iflag=nocache` can drop it
 * (Linux), after dropping it. Prints one JSON object.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { BetterSqlite3, dnpu, option } from './bench-support.mjs'

const targetMegabytes = Number(option('--mb', '100'))
const kind = option('--kind', 'mix')
if (!Number.isFinite(targetMegabytes) || targetMegabytes <= 0 || targetMegabytes > 10_000) {
  throw new Error(`--mb must be a number in (0, 10000], got ${option('--mb')}`)
}
if (!['mix', 'generations', 'blobs'].includes(kind))
  throw new Error(`--kind must be mix, generations or blobs, got ${kind}`)

const folder = mkdtempSync(join(tmpdir(), 'dnpu-bench-quick-check-'))
const databasePath = join(folder, 'dnpu-lab.db')
try {
  dnpu(['runs', 'list', '--data-dir', folder])

  const db = new BetterSqlite3(databasePath)
  db.pragma('synchronous = OFF')
  const insertRun = db.prepare(
    `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, steps, compute_backend)
     VALUES ('ga', 'xor', 'demo', '{}', 1, 'completed', '2026-01-01T00:00:00.000Z', 5000, 'wasm')`
  )
  const insertGeneration = db.prepare(
    'INSERT INTO run_steps (run_id, step, metrics_json, payload_json) VALUES (?, ?, ?, ?)'
  )
  const insertMeasurement = db.prepare(
    `INSERT INTO measurements (kind, created_at, run_id, label, channel_count, samples_per_channel, dac_rate_hz,
       plateau_length, slope_length, inputs_f32, readout_f32, plateau_mask, saturated)
     VALUES ('acquisition', '2026-01-01T00:00:00.000Z', ?, 'bench', 7, ?, 1000, 10, 5, ?, ?, ?, 0)`
  )
  const sizeBytes = () => db.pragma('page_count', { simple: true }) * db.pragma('page_size', { simple: true })
  let rows = { runs: 0, generations: 0, measurements: 0 }
  while (sizeBytes() < targetMegabytes * 1e6) {
    db.transaction(() => {
      const runId = insertRun.run().lastInsertRowid
      rows.runs++
      if (kind !== 'blobs') {
        for (let generation = 0; generation < 5000; generation++) {
          const genome = JSON.stringify(Array.from({ length: 5 }, () => Math.random() * 2 - 1))
          const metrics = {
            bestFitness: Math.random(),
            bestCorrelation: Math.random(),
            bestSoFarFitness: Math.random(),
            bestSoFarCorrelation: Math.random()
          }
          insertGeneration.run(runId, generation, JSON.stringify(metrics), genome)
        }
        rows.generations += 5000
      }
      if (kind !== 'generations') {
        const samples = 20_000
        for (let index = 0; index < 5; index++) {
          const inputs = new Float32Array(samples * 7).map(() => Math.random())
          const readout = new Float32Array(samples).map(() => Math.random())
          insertMeasurement.run(
            runId,
            samples,
            Buffer.from(inputs.buffer),
            Buffer.from(readout.buffer),
            Buffer.alloc(samples, 1)
          )
        }
        rows.measurements += 5
      }
    })()
  }
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()

  const dropCache = () =>
    spawnSync('dd', [`if=${databasePath}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0
  const check = (full) => {
    const { stdout, wallSeconds } = dnpu(['db', 'check', '--json', '--data-dir', folder, ...(full ? ['--full'] : [])])
    const report = JSON.parse(stdout)
    if (!report.ok) throw new Error(`the benchmark database failed its check: ${report.problems.join('; ')}`)
    return { checkSeconds: report.checkSeconds, commandWallSeconds: wallSeconds }
  }
  const warm = (full) => {
    check(full) // loads the file into the page cache
    return [check(full), check(full), check(full)]
  }
  const cold = (full) => (dropCache() ? check(full) : null)

  // The open path a user meets: `dnpu runs list` on this file and on an empty one.
  const emptyFolder = mkdtempSync(join(tmpdir(), 'dnpu-bench-quick-check-empty-'))
  dnpu(['runs', 'list', '--data-dir', emptyFolder])
  const runsListEmpty = dnpu(['runs', 'list', '--json', '--data-dir', emptyFolder]).wallSeconds
  rmSync(emptyFolder, { recursive: true, force: true })
  const runsListLarge = dnpu(['runs', 'list', '--json', '--data-dir', folder]).wallSeconds

  console.log(
    JSON.stringify(
      {
        databaseMegabytes: Number((statSync(databasePath).size / 1e6).toFixed(1)),
        kind,
        rows,
        quickCheck: { warm: warm(false), coldCache: cold(false) },
        integrityCheck: { warm: warm(true), coldCache: cold(true) },
        runsListWallSeconds: { emptyDatabase: runsListEmpty, thisDatabase: runsListLarge },
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version }
      },
      null,
      2
    )
  )
} finally {
  if (!process.argv.includes('--keep')) rmSync(folder, { recursive: true, force: true })
  else console.error(`kept ${folder}`)
}
