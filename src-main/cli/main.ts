/**
 * The `dnpu` command: the app's services without a window (train, runs, info, serve).
 * Entry of the CLI bundle (out/main/cli.js); bin/dnpu.js loads it.
 */
import { resolve } from 'node:path'
import { resourcePathsForInstall } from '../services/resource-paths'
import { CliError } from './cli-error'
import { isNotebookInvocation } from './notebook-cli'

// This file is bundled to out/main/cli.js: the install root (a clone, or a packaged app's copy)
// is two folders up.
const installRoot = resolve(import.meta.dirname, '..', '..')
const { version, resourcesFolder } = resourcePathsForInstall(installRoot)

/** One clear line, no stack trace: the user needs to know what to change, not where it broke. */
function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`dnpu: ${message}\n`)
  process.exit(error instanceof CliError ? error.exitCode : 1)
}

// The run-history commands touch neither the instrument nor the trainer: their light entry skips
// loading both (and the last-resort handlers, which exist to send a connected instrument ABOR).
if (isNotebookInvocation(process.argv.slice(2))) {
  const { buildNotebookProgram } = await import('./notebook-cli')
  await buildNotebookProgram(version).parseAsync(process.argv).catch(fail)
} else {
  // First, so a fatal error anywhere (also in `dnpu serve`) still sends a connected instrument ABOR.
  const { installLastResortHandlers } = await import('../services/last-resort')
  const lastResort = installLastResortHandlers({
    name: 'dnpu',
    // On a terminal the progress bar holds the line without a newline: start on a fresh one.
    writeLine: (line) => process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${line}\n`),
    exit: (code) => process.exit(code)
  })
  const { buildProgram } = await import('./program')
  const program = buildProgram({ version, resourcesFolder, rendererFolder: resolve(installRoot, 'out', 'renderer') })
  program.parseAsync(process.argv).catch((error: unknown) => {
    // After a fatal error the last-resort handler owns the exit: it waits for the ABOR write.
    if (lastResort.handling) return
    fail(error)
  })
}
