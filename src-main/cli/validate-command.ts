/**
 * `dnpu runs validate ID --port PATH`: re-measures a stored run's result on the instrument (GA
 * best genome, GD controls on the ring test set, capacity found labelings) and stores it with
 * the run, as *Validate on the device* does in History.
 *
 * Exit codes: 2 when the id, an option or the run itself is refused before anything is sent (no
 * such run, still running, nothing to re-measure, no calibration, a control voltage outside it);
 * 1 when the instrument cannot be reached or a measurement fails.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ValidationProgressEvent } from '../../src-shared/ipc'
import { DATABASE_FILE_NAME, resolveDataFolder } from '../services/data-folder'
import { assertRunEnded, ValidationRefusedError } from '../services/run-validation'
import { describeValidation } from '../services/validation-text'
import { openServices, printJson } from './commands'
import { CliError, type CliContext } from './program'
import { connectDevice, type DeviceOptions } from './train-commands'

export interface RunsValidateOptions extends DeviceOptions {
  port: string
  dataDir?: string
  json?: boolean
}

export async function runRunsValidate(
  context: CliContext,
  runIdText: string,
  options: RunsValidateOptions
): Promise<void> {
  if (!/^\d+$/.test(runIdText.trim()))
    throw new CliError(`runs validate: the run id must be a whole number, got "${runIdText}"`)
  const runId = Number(runIdText.trim())
  const dataFolder = resolveDataFolder(options.dataDir)
  const databasePath = join(dataFolder, DATABASE_FILE_NAME)
  if (!existsSync(databasePath))
    throw new CliError(`runs validate: no run ${runId} in ${databasePath} (there is no database there)`)
  const services = await openServices(context, dataFolder)
  try {
    const run = Number.isSafeInteger(runId) ? services.runs.getRun(runId) : null
    if (!run) throw new CliError(`runs validate: no run ${runIdText.trim()} in ${databasePath}`)
    // Before the port is opened: a run still going cannot be validated whatever the instrument.
    refusedAsUsage(() => assertRunEnded(run))
    await connectDevice(services, options)
    const onProgress = ({ n, labelingsDone, labelingsTotal }: ValidationProgressEvent): void => {
      if (!options.json)
        process.stderr.write(`N=${n} measured: ${labelingsDone} of ${labelingsTotal} found labelings\n`)
    }
    services.device.on('validationProgress', onProgress)
    let validation
    try {
      validation = await services.device.validateRun(runId)
    } catch (error) {
      if (error instanceof ValidationRefusedError) throw new CliError(`runs validate: ${error.message}`)
      throw new CliError(`runs validate: the measurement failed: ${(error as Error).message}`, 1)
    } finally {
      services.device.off('validationProgress', onProgress)
    }
    if (options.json) {
      printJson({ runId, ...validation })
      return
    }
    const header = `run ${runId} (${run.algorithm.toUpperCase()}, ${run.task}) validated on the device, stored with the run:`
    process.stdout.write(`${[header, ...describeValidation(validation).map((line) => `  ${line}`)].join('\n')}\n`)
  } finally {
    await services.close()
  }
}

function refusedAsUsage(check: () => void): void {
  try {
    check()
  } catch (error) {
    throw new CliError(`runs validate: ${(error as Error).message}`)
  }
}
