/**
 * `dnpu runs show` and `dnpu runs export`, run as a user runs them (the built CLI in a child
 * process on a fresh data folder). `npm test` builds first; alone, run `npm run build` first.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail } from '../../src-shared/ipc'
import { dnpu, repoRoot } from './test-support'

/** Enough of RFC 4180 for numbers: the export has no quoted fields, so a quote would be a bug. */
function parseNumericCsv(text: string): { header: string[]; rows: number[][] } {
  expect(text.endsWith('\n')).toBe(true)
  expect(text).not.toContain('"')
  const [header, ...rows] = text
    .slice(0, -1)
    .split('\n')
    .map((line) => line.split(','))
  return { header, rows: rows.map((row) => row.map(Number)) }
}

// One short GA run shared by every test: training is the slow part, reading it back is not.
let folder: string
let trained: { runId: number; history: { fitness: number[]; correlation: number[] } }

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'out', 'main', 'cli.js'))) {
    throw new Error('the CLI is not built: run `npm run build` before these tests (npm test does)')
  }
  folder = mkdtempSync(join(tmpdir(), 'dnpu-runs-'))
  // --stop-threshold 1.5 cannot be reached, so all 3 generations run.
  const result = dnpu([
    'train',
    'ga',
    '--task',
    'xor',
    '--generations',
    '3',
    '--seed',
    '1',
    '--stop-threshold',
    '1.5',
    '--json',
    '--data-dir',
    folder
  ])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  trained = JSON.parse(result.stdout) as typeof trained
})

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true })
})

describe('dnpu runs show', () => {
  it('prints the stored run as JSON with the same history as train --json', () => {
    const result = dnpu(['runs', 'show', String(trained.runId), '--json', '--data-dir', folder])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const shown = JSON.parse(result.stdout) as RunDetail & { history: { fitness: number[]; correlation: number[] } }
    expect(shown).toMatchObject({
      id: trained.runId,
      algorithm: 'ga',
      task: 'xor',
      seed: 1,
      status: 'completed',
      generations: 3
    })
    // Stored with every run: the version of DNPU Lab that ran it.
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
    expect(shown.appVersion).toBe(version)
    expect(shown.metrics).toHaveLength(3)
    expect(shown.history.fitness).toEqual(shown.metrics.map((m) => m.bestFitness))
    expect(shown.history).toEqual(trained.history)
    expect(shown.history.fitness).toHaveLength(3)
  })

  it('prints a readable summary without --json', () => {
    const result = dnpu(['runs', 'show', String(trained.runId), '--data-dir', folder])
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^run ${trained.runId}: GA on xor, completed\\n`))
    expect(result.stdout).toMatch(/seed: +1\n/)
    expect(result.stdout).toMatch(/generations: +3\n/)
    expect(result.stdout).toMatch(/best control voltages:\n {2}electrode 0: -?\d\.\d{4} V\n/)
  })

  it('says clearly when the run does not exist or the id is not a number (exit 2)', () => {
    const missing = dnpu(['runs', 'show', '42', '--data-dir', folder])
    expect(missing.status).toBe(2)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toBe(`dnpu: runs show: no run 42 in ${join(folder, 'dnpu-lab.db')}\n`)
    const notNumber = dnpu(['runs', 'show', 'abc', '--data-dir', folder])
    expect(notNumber.status).toBe(2)
    expect(notNumber.stderr).toMatch(/runs show: the run id must be a whole number, got "abc"/)
  })

  it('does not create a database in a folder that has none', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dnpu-runs-empty-'))
    try {
      const result = dnpu(['runs', 'show', '1', '--data-dir', empty])
      expect(result.status).toBe(2)
      expect(result.stderr).toMatch(/runs show: no run 1 in .*dnpu-lab\.db \(there is no database there\)/)
      expect(existsSync(join(empty, 'dnpu-lab.db'))).toBe(false)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})

describe('dnpu runs export', () => {
  it('writes one CSV row per generation with the stored numbers', () => {
    const result = dnpu(['runs', 'export', String(trained.runId), '--format', 'csv', '--data-dir', folder])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const { header, rows } = parseNumericCsv(result.stdout)
    expect(header).toEqual([
      'generation',
      'best_fitness',
      'best_correlation',
      'best_so_far_fitness',
      'best_so_far_correlation'
    ])
    expect(rows).toHaveLength(3)
    expect(rows.map((row) => row[0])).toEqual([1, 2, 3])
    // Full precision: the numbers read back equal to the JSON's, not rounded.
    expect(rows.map((row) => row[1])).toEqual(trained.history.fitness)
    expect(rows.map((row) => row[2])).toEqual(trained.history.correlation)
    // The best so far never decreases and ends at the best of the generations.
    const bestSoFar = rows.map((row) => row[3])
    expect(bestSoFar.at(-1)).toBe(Math.max(...trained.history.fitness))
    for (let i = 1; i < bestSoFar.length; i += 1) expect(bestSoFar[i]).toBeGreaterThanOrEqual(bestSoFar[i - 1])
  })

  it('exports JSON identical to show --json', () => {
    const exported = dnpu(['runs', 'export', String(trained.runId), '--format', 'json', '--data-dir', folder])
    const shown = dnpu(['runs', 'show', String(trained.runId), '--json', '--data-dir', folder])
    expect(exported.status).toBe(0)
    expect(exported.stdout).toBe(shown.stdout)
  })

  it('writes to --output, and refuses to overwrite it without --force', () => {
    const file = join(folder, 'run.csv')
    const first = dnpu([
      'runs',
      'export',
      String(trained.runId),
      '--format',
      'csv',
      '--output',
      file,
      '--data-dir',
      folder
    ])
    expect(first.status).toBe(0)
    expect(first.stdout).toMatch(/wrote run \d+ \(3 generations\) as CSV to /)
    const csv = readFileSync(file, 'utf8')
    expect(parseNumericCsv(csv).rows).toHaveLength(3)

    writeFileSync(file, 'precious')
    const again = dnpu([
      'runs',
      'export',
      String(trained.runId),
      '--format',
      'csv',
      '--output',
      file,
      '--data-dir',
      folder
    ])
    expect(again.status).toBe(2)
    expect(again.stderr).toMatch(/already exists; not overwriting it \(add --force to replace it\)/)
    expect(readFileSync(file, 'utf8')).toBe('precious')

    const forced = dnpu([
      'runs',
      'export',
      String(trained.runId),
      '--format',
      'csv',
      '--output',
      file,
      '--force',
      '--data-dir',
      folder
    ])
    expect(forced.status).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(csv)
  })

  it('requires a known --format and an existing run', () => {
    const noFormat = dnpu(['runs', 'export', String(trained.runId), '--data-dir', folder])
    expect(noFormat.status).toBe(2)
    expect(noFormat.stderr).toMatch(/--format/)
    const badFormat = dnpu(['runs', 'export', String(trained.runId), '--format', 'xlsx', '--data-dir', folder])
    expect(badFormat.status).toBe(2)
    expect(badFormat.stderr).toMatch(/xlsx/)
    const missing = dnpu(['runs', 'export', '42', '--format', 'csv', '--data-dir', folder])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toBe(`dnpu: runs export: no run 42 in ${join(folder, 'dnpu-lab.db')}\n`)
  })
})
