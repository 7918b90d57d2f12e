/**
 * Test helpers for the CLI tests: the built `dnpu` command run as a user runs it (a child
 * process), and fresh data folders removed after each test. `npm test` builds before it runs
 * the tests; alone, run `npm run build` first.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeAll } from 'vitest'

export const repoRoot = resolve(import.meta.dirname, '..', '..')
export const launcher = join(repoRoot, 'bin', 'dnpu.js')

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the built CLI; `env` adds to (or with undefined, removes from) this process's environment. */
export function dnpu(args: string[], timeoutMs = 180_000, env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [launcher, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/**
 * Registers the suite's hooks: refuse to run without a built CLI, and remove every folder
 * `freshDataFolder` made once each test ends. Returns `freshDataFolder`.
 */
export function useBuiltCli(prefix: string): () => string {
  const folders: string[] = []
  beforeAll(() => {
    if (!existsSync(join(repoRoot, 'out', 'main', 'cli.js'))) {
      throw new Error('the CLI is not built: run `npm run build` before these tests (npm test does)')
    }
  })
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
  })
  return () => {
    const folder = mkdtempSync(join(tmpdir(), prefix))
    folders.push(folder)
    return folder
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 150_000, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolveWait) => setTimeout(resolveWait, pollMs))
  }
}
