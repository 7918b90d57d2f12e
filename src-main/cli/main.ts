/**
 * The `dnpu` command: the app's services without a window (train, runs, info, serve).
 * Entry of the CLI bundle (out/main/cli.js); bin/dnpu.js loads it.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildProgram, CliError } from './program'

// This file is bundled to out/main/cli.js: the install root is two folders up.
const installRoot = resolve(import.meta.dirname, '..', '..')
const version = (JSON.parse(readFileSync(resolve(installRoot, 'package.json'), 'utf8')) as { version: string }).version

const program = buildProgram({
  version,
  resourcesFolder: resolve(installRoot, 'resources'),
  rendererFolder: resolve(installRoot, 'out', 'renderer')
})

program.parseAsync(process.argv).catch((error: unknown) => {
  // One clear line, no stack trace: the user needs to know what to change, not where it broke.
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`dnpu: ${message}\n`)
  process.exit(error instanceof CliError ? error.exitCode : 1)
})
