/**
 * `dnpu db check`, `dnpu db backup`, and what every command does with a damaged database, run as
 * a user runs them (the built CLI in a child process on a fresh data folder). `npm test` builds
 * first; alone, run `npm run build` first.
 */
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../store'
import { damagedDatabase } from '../store/test-fixtures'
import { dnpu, useBuiltCli } from './test-support'

const freshDataFolder = useBuiltCli('dnpu-db-')

function fingerprint(filePath: string): string {
  return existsSync(filePath) ? createHash('sha256').update(readFileSync(filePath)).digest('hex') : 'absent'
}

// One data folder whose database holds one finished GA run, shared by the tests that only read it.
let folderWithRun = ''
beforeAll(() => {
  folderWithRun = mkdtempSync(join(tmpdir(), 'dnpu-db-run-'))
  const trained = dnpu([
    'train',
    'ga',
    '--task',
    'xor',
    '--generations',
    '2',
    '--seed',
    '1',
    '--stop-threshold',
    '1.5',
    '--json',
    '--data-dir',
    folderWithRun
  ])
  expect(trained.stderr).toBe('')
  expect(trained.status).toBe(0)
})
afterAll(() => {
  if (folderWithRun) rmSync(folderWithRun, { recursive: true, force: true })
})

describe('dnpu db check', () => {
  it('reports an intact database: check, version, owner, pages, log, runs and models; exit 0', () => {
    const folder = folderWithRun
    const result = dnpu(['db', 'check', '--json', '--data-dir', folder])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({
      path: join(folder, 'dnpu-lab.db'),
      ok: true,
      check: 'quick_check',
      problems: [],
      refusal: null,
      schemaVersion: report.latestSchemaVersion,
      applicationId: '0x444e5055',
      pageSizeBytes: 4096,
      runs: 1,
      models: 0
    })
    expect(report.pageCount).toBeGreaterThan(1)
    expect(report.fileSizeBytes).toBe(statSync(join(folder, 'dnpu-lab.db')).size)
    expect(report.checkSeconds).toBeGreaterThanOrEqual(0)

    const full = dnpu(['db', 'check', '--full', '--data-dir', folder])
    expect(full.status).toBe(0)
    expect(full.stdout).toMatch(/^database +.*dnpu-lab\.db\nintegrity +ok \(integrity_check, \d+\.\d\d s\)\n/)
    expect(full.stdout).toMatch(/\nruns +1\n/)
  })

  it('finds a page of garbage (exit 1), and no command writes to the damaged file: a new run is refused', async () => {
    const folder = freshDataFolder()
    const databasePath = join(folder, 'dnpu-lab.db')
    await damagedDatabase(databasePath, 'delete')
    const before = fingerprint(databasePath)

    const check = dnpu(['db', 'check', '--json', '--data-dir', folder])
    expect(check.status).toBe(1)
    const report = JSON.parse(check.stdout)
    expect(report.ok).toBe(false)
    expect(report.problems.length).toBeGreaterThan(0)
    expect(report.refusal).toContain(`${databasePath} is damaged`)

    const train = dnpu(['train', 'ga', '--task', 'xor', '--generations', '2', '--seed', '1', '--data-dir', folder])
    expect(train.status).toBe(1)
    expect(train.stdout).toBe('')
    expect(train.stderr.trim().split('\n')).toHaveLength(1)
    expect(train.stderr).toMatch(
      new RegExp(
        `^dnpu: ${databasePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: .*DNPU Lab did not open it and left it unchanged`
      )
    )

    expect(fingerprint(databasePath)).toBe(before)
    expect(existsSync(`${databasePath}-wal`)).toBe(false)
  })

  it('runs list reads a damaged file read-only, without the whole-file check: it lists the intact runs and writes nothing', async () => {
    const folder = freshDataFolder()
    const databasePath = join(folder, 'dnpu-lab.db')
    // The damage is in the steps' pages; a listing reads only the runs table.
    await damagedDatabase(databasePath, 'delete')
    const before = fingerprint(databasePath)

    const list = dnpu(['runs', 'list', '--json', '--data-dir', folder])
    expect(list.status).toBe(0)
    expect(JSON.parse(list.stdout).map((run: { id: number }) => run.id)).toEqual([3, 2, 1])

    expect(fingerprint(databasePath)).toBe(before)
    expect(existsSync(`${databasePath}-wal`)).toBe(false)
  })

  it('reads a database from a newer DNPU Lab without changing it or its -wal (exit 0: intact, but refused by this version)', () => {
    const folder = freshDataFolder()
    const databasePath = join(folder, 'dnpu-lab.db')
    const newer = new BetterSqlite3(join(folder, 'newer.db'))
    newer.pragma('journal_mode = WAL')
    newer.pragma('wal_autocheckpoint = 0')
    newer.exec(
      'CREATE TABLE runs (id INTEGER PRIMARY KEY); INSERT INTO runs DEFAULT VALUES; INSERT INTO runs DEFAULT VALUES'
    )
    newer.pragma('user_version = 99')
    copyFileSync(join(folder, 'newer.db'), databasePath)
    copyFileSync(join(folder, 'newer.db-wal'), `${databasePath}-wal`)
    newer.close()
    const [mainBefore, walBefore] = [fingerprint(databasePath), fingerprint(`${databasePath}-wal`)]

    const result = dnpu(['db', 'check', '--json', '--data-dir', folder])
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({ ok: true, schemaVersion: 99, runs: 2, problems: [] })
    expect(report.walSizeBytes).toBeGreaterThan(0)
    expect(report.refusal).toContain('was written by a newer version of DNPU Lab (schema version 99')
    expect([fingerprint(databasePath), fingerprint(`${databasePath}-wal`)]).toEqual([mainBefore, walBefore])
  })

  it('says so when there is no database (exit 2, one line) and creates none', () => {
    const folder = freshDataFolder()
    const result = dnpu(['db', 'check', '--data-dir', folder])
    expect(result.status).toBe(2)
    expect(result.stderr).toBe(
      `dnpu: db check: there is no database at ${join(folder, 'dnpu-lab.db')} (check --data-dir)\n`
    )
    expect(existsSync(join(folder, 'dnpu-lab.db'))).toBe(false)
  })
})

describe('dnpu db backup', () => {
  it('writes a checked copy, never overwrites without --force, and replaces with it', () => {
    const folder = folderWithRun
    const output = join(freshDataFolder(), 'copy.db')
    const result = dnpu(['db', 'backup', '--output', output, '--json', '--data-dir', folder])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const backup = JSON.parse(result.stdout)
    expect(backup).toMatchObject({
      source: join(folder, 'dnpu-lab.db'),
      path: output,
      sizeBytes: statSync(output).size
    })
    const copy = new BetterSqlite3(output, { readonly: true })
    expect(copy.prepare('SELECT task FROM runs').pluck().all()).toEqual(['xor'])
    expect(copy.pragma('user_version', { simple: true })).toBe(backup.schemaVersion)
    copy.close()

    writeFileSync(output, 'keep me')
    const again = dnpu(['db', 'backup', '--output', output, '--data-dir', folder])
    expect(again.status).toBe(2)
    expect(again.stderr).toBe(
      `dnpu: db backup: ${output} already exists; not overwriting it (add --force to replace it)\n`
    )
    expect(readFileSync(output, 'utf8')).toBe('keep me')

    const forced = dnpu(['db', 'backup', '--output', output, '--force', '--data-dir', folder])
    expect(forced.status).toBe(0)
    expect(forced.stdout).toMatch(
      new RegExp(
        `^backed up .*\\nto ${output.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+\\.\\d KiB, schema version \\d+, checked with quick_check`
      )
    )
    expect(readFileSync(output).subarray(0, 16).toString()).toBe('SQLite format 3\0')
  })

  it('refuses bad outputs with one line and exit 2: the database itself, a missing folder, an empty name', async () => {
    const folder = freshDataFolder()
    const databasePath = join(folder, 'dnpu-lab.db')
    ;(await openDatabase(databasePath)).close()
    for (const [output, message] of [
      [databasePath, `--output must not be the database itself (${databasePath})`],
      [join(folder, 'no', 'such', 'copy.db'), `the folder ${join(folder, 'no', 'such')} does not exist`],
      ['', '--output must name a file, got ""']
    ]) {
      const result = dnpu(['db', 'backup', '--output', output, '--force', '--data-dir', folder])
      expect(result.status).toBe(2)
      expect(result.stderr).toBe(`dnpu: db backup: ${message}\n`)
    }
  })

  it('does not write a copy of a damaged database (exit 1)', async () => {
    const folder = freshDataFolder()
    await damagedDatabase(join(folder, 'dnpu-lab.db'), 'wal')
    const output = join(folder, 'copy.db')
    const result = dnpu(['db', 'backup', '--output', output, '--data-dir', folder])
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(
      /^dnpu: db backup: could not back up .*: the copy failed SQLite's quick_check \(.*\); nothing was written to /
    )
    expect(existsSync(output)).toBe(false)
  })
})
