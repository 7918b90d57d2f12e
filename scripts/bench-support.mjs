/**
 * What the benchmark scripts share: the repository root, better-sqlite3 (CommonJS, from an ES
 * module), `--name value` options and the built CLI run as a user runs it, timed.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3')

/** The value after `name` on the command line, or `fallback`. */
export function option(name, fallback) {
  const index = process.argv.indexOf(name)
  return index === -1 ? fallback : process.argv[index + 1]
}

/** Runs `dnpu ARGS` (the built CLI, `npm run build` first); throws unless it exits 0. Wall time includes process start. */
export function dnpu(args) {
  const started = performance.now()
  const result = spawnSync(process.execPath, [join(root, 'bin', 'dnpu.js'), ...args], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`dnpu ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  const wallMs = performance.now() - started
  return { stdout: result.stdout, wallMs, wallSeconds: wallMs / 1000 }
}
