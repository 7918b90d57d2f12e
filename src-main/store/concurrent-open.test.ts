/**
 * Several DNPU Lab processes creating one new database at the same moment (the app, `dnpu serve`
 * and CLI commands share the file): every one of them must come up, none may call the file
 * "not a DNPU Lab database" because another one's migration landed while it looked.
 *
 * Real child processes on a real file. Node 20 cannot run TypeScript, so beforeAll bundles
 * __fixtures__/open-database-child.ts (`bundleWorker`: better-sqlite3 stays external). The children are
 * started once and reused: each round is a brand-new file whose path is written to all of them at
 * once (the barrier), so the test costs 8 process starts, not 400.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, type BundledWorker } from '../workers/__fixtures__/bundle-worker'
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from './migrations'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..')
const PROCESS_COUNT = 8
const ROUND_COUNT = 50

let bundle: BundledWorker | null = null
let dataFolder = ''

interface Child {
  process: ChildProcessWithoutNullStreams
  nextLine(): Promise<string>
  stderr: string[]
}

function startChild(script: string): Child {
  const child = spawn(process.execPath, [script], { cwd: REPO_ROOT })
  const lines: Interface = createInterface({ input: child.stdout })
  const queued: string[] = []
  const waiting: ((line: string) => void)[] = []
  const stderr: string[] = []
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
  lines.on('line', (line) => {
    const waiter = waiting.shift()
    if (waiter) waiter(line)
    else queued.push(line)
  })
  child.once('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter(`exited ${code}: ${stderr.join('')}`)
  })
  return {
    process: child,
    stderr,
    nextLine: () =>
      new Promise((resolveLine) => {
        const line = queued.shift()
        if (line !== undefined) resolveLine(line)
        else waiting.push(resolveLine)
      })
  }
}

const children: Child[] = []

beforeAll(async () => {
  bundle = await bundleWorker(resolve(import.meta.dirname, '__fixtures__', 'open-database-child.ts'))
  const script = bundle.file
  for (let index = 0; index < PROCESS_COUNT; index++) children.push(startChild(script))
  const ready = await Promise.all(children.map((child) => child.nextLine()))
  expect(ready).toEqual(Array(PROCESS_COUNT).fill('ready'))
  dataFolder = mkdtempSync(join(tmpdir(), 'dnpu-concurrent-open-'))
}, 120_000)

afterAll(async () => {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((done) => {
          if (child.process.exitCode !== null) return done()
          child.process.once('exit', () => done())
          child.process.stdin.end()
        })
    )
  )
  bundle?.remove()
  if (dataFolder) rmSync(dataFolder, { recursive: true, force: true })
})

describe('openDatabase from several processes at once', () => {
  it(`${PROCESS_COUNT} processes open one brand-new database file together, ${ROUND_COUNT} times: every open succeeds`, async () => {
    const failures: string[] = []
    for (let round = 0; round < ROUND_COUNT; round++) {
      const filePath = join(dataFolder, `round-${round}`, 'dnpu-lab.db')
      // Every other round the file already exists, empty (as a process that died right after
      // creating it leaves it): then every process inspects it while the others migrate it.
      if (round % 2 === 1) {
        mkdirSync(dirname(filePath))
        writeFileSync(filePath, '')
      }
      const answers = children.map((child) => child.nextLine())
      for (const child of children) child.process.stdin.write(`${filePath}\n`)
      for (const [index, answer] of (await Promise.all(answers)).entries()) {
        if (answer !== 'ok') failures.push(`round ${round}, process ${index}: ${answer}`)
      }
      // Whoever won, the file ends migrated once, to the latest version.
      const check = new BetterSqlite3(filePath, { readonly: true })
      expect(readSchemaVersion(check)).toBe(LATEST_SCHEMA_VERSION)
      check.close()
    }
    expect(failures).toEqual([])
  })
})
