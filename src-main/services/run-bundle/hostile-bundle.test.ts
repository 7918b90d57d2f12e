/**
 * Hostile bundles get the .pt treatment: each is refused with a message naming the entry and the
 * problem, bounds are checked before allocating, names never become paths, and the database is
 * unchanged (real SQLite file in a temp folder).
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../store'
import { makeTempFolder, type TempFolder } from '../../store/test-fixtures'
import { BUNDLE_LIMITS } from './bundle-format'
import { importRunBundle, RunBundleError, writeRunBundle } from './index'
import { ESCAPE_NAME, HOSTILE_BUNDLES } from './hostile-bundles'
import { makeSourceRuns, openFolderDatabase, tableCounts } from './test-support'

let folderA: TempFolder
let folderB: TempFolder
let target: Database
let valid: Uint8Array
let before: Record<string, number>

beforeAll(async () => {
  folderA = makeTempFolder()
  folderB = makeTempFolder()
  const source = await makeSourceRuns(folderA.path)
  valid = writeRunBundle(source.db, [source.gateRun, source.deviceRun], '1.0.0-test').bytes
  source.db.close()
  target = await openFolderDatabase(folderB.path)
  before = tableCounts(target)
})

afterAll(() => {
  target.close()
  folderA.remove()
  folderB.remove()
})

describe('a hostile bundle', () => {
  it.each(Object.keys(HOSTILE_BUNDLES))('is refused: %s, and the database is unchanged', (name) => {
    const { bundle, error } = HOSTILE_BUNDLES[name]!
    let thrown: unknown
    try {
      importRunBundle(target, 'hostile.dnpurun', bundle(valid))
    } catch (caught) {
      thrown = caught
    }
    expect(thrown).toBeInstanceOf(RunBundleError)
    expect((thrown as Error).message).toMatch(/^hostile\.dnpurun: /)
    expect((thrown as Error).message).toMatch(error)
    expect(tableCounts(target)).toEqual(before)
  })

  it('never turns an entry name into a file', () => {
    expect(existsSync(resolve(ESCAPE_NAME))).toBe(false)
    expect(existsSync(join(folderB.path, '..', ESCAPE_NAME))).toBe(false)
    expect(existsSync(join('/tmp', ESCAPE_NAME))).toBe(false)
  })

  it('is refused by size before it is read', () => {
    const huge = new Uint8Array(BUNDLE_LIMITS.fileBytes + 1)
    expect(() => importRunBundle(target, 'huge.dnpurun', huge)).toThrow(
      /^huge\.dnpurun: refused: the file is 128\.0 MiB \(limit: 128\.0 MiB\)$/
    )
  })
})
