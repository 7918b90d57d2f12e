/**
 * Hostile model files through the built CLI, as a user would import them. Each one ends with exit
 * code 2 and one line naming the limit it hit, the process's peak RSS (its worker threads
 * included) stays under 1 GB, and the models table is exactly as before. The same holds for the
 * commands that import a file first (`train --model FILE.pt`, `sim --model FILE.pt`).
 * `npm run build` first (npm test does).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOSTILE_FILES } from '../core/torch-file/__fixtures__/hostile-files'
import { DATABASE_FILE_NAME } from '../services/data-folder'
import { dnpu, launcher, repoRoot, useBuiltCli } from './test-support'

const fixtures = resolve(repoRoot, 'src-main', 'core', 'torch-file', '__fixtures__')
const peakRssRecorder = pathToFileURL(resolve(import.meta.dirname, '__fixtures__', 'record-peak-rss.mjs')).href
/** The bound: hostile input must not take the process anywhere near the machine's memory. */
const PEAK_RSS_LIMIT_KB = 1_000_000

interface MeasuredRun {
  status: number | null
  stdout: string
  stderr: string
  peakRssKb: number | null
}

/** The built CLI, with its peak RSS recorded as it exits (null when it died without exiting). */
function dnpuMeasured(args: string[], folder: string): MeasuredRun {
  const rssFile = join(folder, 'peak-rss')
  rmSync(rssFile, { force: true })
  const result = spawnSync(process.execPath, ['--import', peakRssRecorder, launcher, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, DNPU_PEAK_RSS_FILE: rssFile }
  })
  const peakRssKb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : null
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, peakRssKb }
}

function tableRows(folder: string, table: 'models' | 'runs'): unknown[] {
  const database = new Database(join(folder, DATABASE_FILE_NAME), { readonly: true, fileMustExist: true })
  try {
    return database.prepare(`SELECT * FROM ${table} ORDER BY id`).all()
  } finally {
    database.close()
  }
}

/** The reason after the CLI's `dnpu: <prefix>: PyTorch surrogate file: `, from its one line. */
function refusalLine(run: MeasuredRun, prefix: string): string {
  const lines = run.stderr.trim().split('\n')
  expect(lines, run.stderr).toHaveLength(1)
  const head = `dnpu: ${prefix}: PyTorch surrogate file: `
  expect(lines[0].startsWith(head), lines[0]).toBe(true)
  return lines[0].slice(head.length)
}

useBuiltCli('dnpu-hostile-')

describe('importing a hostile file', () => {
  let folder = ''
  let modelsBefore: unknown[] = []

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'dnpu-hostile-store-'))
    // A store with a model in it: what must survive every refusal.
    expect(dnpu(['models', 'import', join(fixtures, 'small-tanh.pt'), '--data-dir', folder]).status).toBe(0)
    modelsBefore = tableRows(folder, 'models')
    expect(modelsBefore).toHaveLength(1)
  })

  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true })
  })

  it.each(Object.entries(HOSTILE_FILES))(
    '%s: exit code 2, one line naming the limit, peak RSS under 1 GB, store unchanged',
    (name, hostile) => {
      const file = join(folder, `${name}.pt`)
      writeFileSync(file, hostile.build())
      const run = dnpuMeasured(['models', 'import', file, '--data-dir', folder], folder)
      expect(run.status, run.stderr).toBe(2)
      expect(run.stdout).toBe('')
      expect(refusalLine(run, file)).toMatch(hostile.refusal)
      expect(run.peakRssKb).not.toBeNull()
      expect(run.peakRssKb!).toBeLessThan(PEAK_RSS_LIMIT_KB)
      expect(tableRows(folder, 'models')).toEqual(modelsBefore)
      rmSync(file)
    }
  )

  it('train --model with a hostile file: refused before any run starts', () => {
    const file = join(folder, 'none-flood.pt')
    writeFileSync(file, HOSTILE_FILES['none-flood'].build())
    const run = dnpuMeasured(
      ['train', 'ga', '--task', 'xor', '--model', file, '--generations', '2', '--data-dir', folder],
      folder
    )
    expect(run.status, run.stderr).toBe(2)
    expect(refusalLine(run, `--model: ${file}`)).toMatch(HOSTILE_FILES['none-flood'].refusal)
    expect(run.peakRssKb!).toBeLessThan(PEAK_RSS_LIMIT_KB)
    expect(tableRows(folder, 'runs')).toEqual([])
    expect(tableRows(folder, 'models')).toEqual(modelsBefore)
  })

  it('sim --model with a hostile file: refused before the instrument starts', () => {
    const file = join(folder, 'mark-flood.pt')
    writeFileSync(file, HOSTILE_FILES['mark-flood'].build())
    const run = dnpuMeasured(['sim', '--tcp', '0', '--model', file], folder)
    expect(run.status, run.stderr).toBe(2)
    expect(run.stdout).toBe('')
    expect(refusalLine(run, `--model: ${file} is not a usable surrogate file`)).toMatch(
      HOSTILE_FILES['mark-flood'].refusal
    )
    expect(run.peakRssKb!).toBeLessThan(PEAK_RSS_LIMIT_KB)
  })

  it('refuses a file over the size limit without reading it', () => {
    const file = join(folder, 'huge.pt')
    // Sparse: 65 MiB on paper, no memory or disk spent.
    writeFileSync(file, '')
    truncateSync(file, 65 * 1024 * 1024)
    const run = dnpuMeasured(['models', 'import', file, '--data-dir', folder], folder)
    expect(run.status, run.stderr).toBe(2)
    expect(refusalLine(run, file)).toBe('refused: the file is 68,157,440 bytes (limit: 67,108,864 (64 MiB) bytes)')
    expect(tableRows(folder, 'models')).toEqual(modelsBefore)
  })

  it('refuses a device that would never end (/dev/zero) without reading it', () => {
    const run = dnpuMeasured(['models', 'import', '/dev/zero', '--data-dir', folder], folder)
    expect(run.status, run.stderr).toBe(2)
    expect(run.stderr).toBe('dnpu: model file /dev/zero is not a regular file\n')
    expect(run.peakRssKb!).toBeLessThan(PEAK_RSS_LIMIT_KB)
  })
})
