/**
 * `dnpu runs list` (filters, sorts, pages), `runs tag | note | star | rename | delete` and
 * `db vacuum`, run as a user runs them: the built CLI in a child process (`npm run build` first).
 * The runs are written straight into the database the CLI made: training them would be slow.
 */
import BetterSqlite3 from 'better-sqlite3'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunSummary } from '../../src-shared/domain'
import { dnpu, useBuiltCli } from './test-support'

const freshDataFolder = useBuiltCli('dnpu-notebook-')

/** A data folder with four runs: 1 GA xor (fitness 0.5), 2 GA nand (0.9), 3 GD ring, 4 GA xor running. */
function folderWithRuns(): string {
  const folder = freshDataFolder()
  expect(dnpu(['runs', 'list', '--data-dir', folder]).status).toBe(0)
  const db = new BetterSqlite3(join(folder, 'dnpu-lab.db'))
  const insert = db.prepare(
    `INSERT INTO runs (algorithm, task, model_id, config_json, seed, status, started_at, ended_at, best_fitness,
                       compute_backend, owner_pid)
     VALUES (?, ?, 'demo', '{}', 1, ?, ?, ?, ?, 'wasm', ?)`
  )
  insert.run('ga', 'xor', 'completed', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', 0.5, null)
  insert.run('ga', 'nand', 'stopped', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:10.000Z', 0.9, null)
  insert.run('gd', 'ring', 'failed', '2026-01-03T00:00:00.000Z', '2026-01-03T00:05:00.000Z', null, null)
  // Owned by this (live) test process, so the CLI leaves it running.
  insert.run('ga', 'xor', 'running', '2026-01-04T00:00:00.000Z', null, null, process.pid)
  db.close()
  return folder
}

function listed(folder: string, ...args: string[]): number[] {
  const result = dnpu(['runs', 'list', '--json', ...args, '--data-dir', folder])
  expect(result.status).toBe(0)
  return (JSON.parse(result.stdout) as RunSummary[]).map((run) => run.id)
}

function json<T>(folder: string, ...args: string[]): T {
  const result = dnpu([...args, '--json', '--data-dir', folder])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

describe('dnpu runs list', () => {
  it('filters, sorts and pages in the database, keeping the JSON array of summaries', () => {
    const folder = folderWithRuns()
    expect(listed(folder)).toEqual([4, 3, 2, 1])
    expect(listed(folder, '--algorithm', 'ga', '--status', 'completed,stopped')).toEqual([2, 1])
    expect(listed(folder, '--task', 'xor', '--model', 'demo')).toEqual([4, 1])
    expect(listed(folder, '--since', '2026-01-02', '--until', '2026-01-03T12:00:00Z')).toEqual([3, 2])
    expect(listed(folder, '--sort', 'fitness')).toEqual([2, 1, 4, 3])
    expect(listed(folder, '--sort', 'duration', '--order', 'asc')).toEqual([2, 1, 3, 4])
    expect(listed(folder, '--text', 'RIN')).toEqual([3])
    expect(listed(folder, '--profile', '1')).toEqual([])
    const page = dnpu(['runs', 'list', '--json', '--limit', '2', '--offset', '1', '--data-dir', folder])
    expect(JSON.parse(page.stdout).map((run: RunSummary) => run.id)).toEqual([3, 2])
    expect(page.stderr).toBe('runs 2-3 of 4 (next page: --offset 3)\n')
    const [first] = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout) as RunSummary[]
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(['id', 'status', 'generations', 'name', 'starred', 'tags', 'notes', 'notesUpdatedAt'])
    )
    const table = dnpu(['runs', 'list', '--limit', '1', '--data-dir', folder]).stdout
    expect(table).toMatch(/^id\s+started \(UTC\)/)
    expect(table).toContain('runs 1-1 of 4 (next page: --offset 1)')
  })

  it('refuses a bad value with one line naming the option, exit 2', () => {
    const folder = folderWithRuns()
    const cases: [string[], RegExp][] = [
      [['--limit', '0'], /--limit must be at least 1/],
      [['--limit', '501'], /--limit must be at most 500, got 501/],
      [['--offset', '-1'], /--offset must be at least 0/],
      [['--sort', 'speed'], /argument 'speed' is invalid/],
      [['--status', 'done'], /--status: "done" is not one of running, completed/],
      [['--algorithm', 'xx'], /--algorithm: "xx" is not one of ga, gd/],
      [['--since', 'yesterday'], /--since: expected a date or an ISO 8601 time/],
      [['--tag', 'a;b'], /--tag: tag "a;b" may hold only/],
      [['--text', 'x'.repeat(201)], /--text has at most 200 characters/],
      [['--calibration', 'x'], /--calibration must be a whole number/]
    ]
    for (const [args, message] of cases) {
      const result = dnpu(['runs', 'list', ...args, '--data-dir', folder])
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toMatch(message)
      expect(result.stdout).toBe('')
    }
  })
})

describe('dnpu runs tag, note, star, rename', () => {
  it('annotates a run and prints its summary; list filters on the annotations', () => {
    const folder = folderWithRuns()
    expect(json<RunSummary>(folder, 'runs', 'tag', '1', '--add', 'paper,gate 1')).toMatchObject({
      id: 1,
      tags: ['gate 1', 'paper']
    })
    expect(json<RunSummary>(folder, 'runs', 'tag', '1', '--remove', 'PAPER')).toMatchObject({ tags: ['gate 1'] })
    expect(json<RunSummary>(folder, 'runs', 'star', '2')).toMatchObject({ id: 2, starred: true })
    expect(json<RunSummary>(folder, 'runs', 'star', '1')).toMatchObject({ starred: true })
    expect(json<RunSummary>(folder, 'runs', 'star', '1', '--off')).toMatchObject({ starred: false })
    expect(json<RunSummary>(folder, 'runs', 'rename', '3', '--name', 'Ring 50%')).toMatchObject({ name: 'Ring 50%' })
    const noted = json<RunSummary>(folder, 'runs', 'note', '2', '--text', 'noisy_readout\nsecond line')
    expect(noted).toMatchObject({ notes: 'noisy_readout\nsecond line', notesUpdatedAt: expect.stringMatching(/Z$/) })
    const file = join(folder, 'notes.txt')
    writeFileSync(file, 'from a file\n')
    expect(json<RunSummary>(folder, 'runs', 'note', '1', '--file', file)).toMatchObject({ notes: 'from a file\n' })

    expect(listed(folder, '--tag', 'GATE 1')).toEqual([1])
    expect(listed(folder, '--starred')).toEqual([2])
    expect(listed(folder, '--text', '50%')).toEqual([3])
    expect(listed(folder, '--text', 'noisy_')).toEqual([2])
    expect(listed(folder, '--text', 'noisyX')).toEqual([])
    const shown = JSON.parse(dnpu(['runs', 'show', '2', '--json', '--data-dir', folder]).stdout) as RunSummary
    expect(shown).toMatchObject({ starred: true, notes: 'noisy_readout\nsecond line', tags: [] })
    expect(dnpu(['runs', 'star', '3', '--data-dir', folder]).stdout).toBe('run 3: starred\n')
  })

  it('refuses, naming what is wrong: exit 2', () => {
    const folder = folderWithRuns()
    const cases: [string[], RegExp][] = [
      [['runs', 'tag', '1'], /runs tag: say what to change with --add and\/or --remove/],
      [['runs', 'tag', '1', '--add', 'a;b'], /runs tag: run 1: tag "a;b" may hold only/],
      [['runs', 'tag', '1', '--add', 'a,,b'], /runs tag: run 1: a tag must not be empty/],
      [['runs', 'tag', '9', '--add', 'a'], /runs tag: no run 9 in .*dnpu-lab\.db/],
      [['runs', 'tag', 'x', '--add', 'a'], /runs tag: the run id must be a whole number from 1, got "x"/],
      [
        ['runs', 'rename', '1', '--name', 'n'.repeat(201)],
        /runs rename: run 1: the name is 201 characters, at most 200/
      ],
      [['runs', 'note', '1'], /runs note: give the notes with exactly one of --text and --file/],
      [['runs', 'note', '1', '--text', 'a', '--file', 'b'], /exactly one of --text and --file/],
      [['runs', 'note', '1', '--file', '/nonexistent/notes.txt'], /runs note: cannot read --file \/nonexistent/]
    ]
    for (const [args, message] of cases) {
      const result = dnpu([...args, '--data-dir', folder])
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toMatch(message)
    }
    const empty = freshDataFolder()
    const missing = dnpu(['runs', 'star', '1', '--data-dir', empty])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/runs star: there are no runs in .* \(there is no database there\)/)
  })
})

describe('dnpu runs delete and db vacuum', () => {
  it('deletes with --yes, refuses without it off a terminal and refuses a running run (exit 1)', () => {
    const folder = folderWithRuns()
    const unasked = dnpu(['runs', 'delete', '1', '2', '--data-dir', folder])
    expect(unasked.status).toBe(2)
    expect(unasked.stderr).toMatch(/not deleting without --yes \(stdin is not a terminal to ask\):/)
    expect(unasked.stderr).toMatch(/run 1 \(ga on xor, completed, started 2026-01-01T00:00:00.000Z\)/)
    expect(listed(folder)).toEqual([4, 3, 2, 1])

    const running = dnpu(['runs', 'delete', '1', '4', '--yes', '--data-dir', folder])
    expect(running.status).toBe(1)
    expect(running.stderr).toMatch(/runs delete: run 4 \(ga on xor, running, .*\) is running: stop it first/)
    expect(dnpu(['runs', 'delete', '7', '--yes', '--data-dir', folder]).stderr).toMatch(/runs delete: no run 7 in /)

    dnpu(['runs', 'tag', '1', '--add', 'gone', '--data-dir', folder])
    const deleted = json<{
      deleted: number[]
      freedPages: number
      freedBytesEstimate: number
      vacuumSuggested: boolean
    }>(folder, 'runs', 'delete', '1', '2', '--yes')
    expect(deleted).toMatchObject({ deleted: [1, 2], vacuumSuggested: expect.any(Boolean), vacuum: null })
    expect(deleted.freedBytesEstimate).toBe(deleted.freedPages * 4096)
    expect(listed(folder)).toEqual([4, 3])
    expect(listed(folder, '--tag', 'gone')).toEqual([])

    const vacuumed = json<{ deleted: number[]; vacuum: { reclaimedPages: number } }>(
      folder,
      'runs',
      'delete',
      '3',
      '--yes',
      '--vacuum'
    )
    expect(vacuumed).toMatchObject({
      deleted: [3],
      vacuumSuggested: false,
      vacuum: { reclaimedPages: expect.any(Number) }
    })
    expect(json(folder, 'db', 'vacuum')).toMatchObject({ reclaimedPages: 0, pageSizeBytes: 4096 })
  })
})
