/**
 * `dnpu surrogate check MODEL_ID --port PATH`: plays the model's reference batch on the
 * connected, calibrated device (the first check draws the batch and stores it as the reference)
 * and reports drift and the model's error now vs at training time; the check is stored.
 * `dnpu surrogate checks MODEL_ID`: every check of the model, newest first.
 *
 * Exit codes: 2 when refused before anything is sent (unknown or bundled model, no calibration,
 * a batch outside the active calibration, ranges that do not overlap); 1 when it ends early (the
 * link is lost); 0 otherwise. Every ending closes the device with ABOR (outputs to 0 V), as the
 * other device commands do.
 */
import type { Command } from 'commander'
import type { ModelCheck, ModelCheckHistory, ModelCheckOutcome } from '../../src-shared/ipc'
import { resolveDataFolder } from '../services/data-folder'
import { ModelCheckRefusedError } from '../services/model-check-service'
import { openServices, printJson } from './commands'
import { dataDirOption, integer } from './option-parsers'
import { CliError, type CliContext } from './program'
import { connectDevice } from './train-commands'

export interface SurrogateCheckOptions {
  port: string
  baud?: number
  dataDir?: string
  json?: boolean
}

export function addSurrogateCheckCommands(surrogate: Command, context: CliContext): void {
  surrogate
    .command('check')
    .description(
      "measure the model's reference batch on the device (the first check stores it) and report drift and the model's error now vs at training"
    )
    .argument('<model-id>', 'id of an imported or trained model (dnpu models list)')
    .requiredOption('--port <path>', 'serial port of the instrument (or tcp://127.0.0.1:PORT); it must be calibrated')
    .option('--baud <rate>', 'serial baud rate', integer('--baud', 1), 115200)
    .addOption(dataDirOption())
    .option('--json', 'print the check as one JSON object')
    .action(async (modelId: string, options: SurrogateCheckOptions) => {
      await runSurrogateCheck(context, modelId, options)
    })
  surrogate
    .command('checks')
    .description("the model's consistency checks against the device, newest first, and its reference batch")
    .argument('<model-id>', 'model id')
    .addOption(dataDirOption())
    .option('--json', 'print {modelId, reference, checks} as one JSON object')
    .action(async (modelId: string, options: { dataDir?: string; json?: boolean }) => {
      const services = await openServices(context, resolveDataFolder(options.dataDir))
      try {
        const history = refusing('surrogate checks', () => services.modelChecks.history(modelId))
        if (options.json) printJson(history)
        else process.stdout.write(describeHistory(history))
      } finally {
        await services.close()
      }
    })
}

export async function runSurrogateCheck(
  context: CliContext,
  modelId: string,
  options: SurrogateCheckOptions
): Promise<void> {
  const services = await openServices(context, resolveDataFolder(options.dataDir))
  try {
    // An unknown or bundled model is refused before the port is even opened.
    refusing('surrogate check', () => services.modelChecks.history(modelId))
    await connectDevice(services, options)
    let outcome: ModelCheckOutcome
    try {
      outcome = await services.modelChecks.check(modelId)
    } catch (error) {
      if (error instanceof ModelCheckRefusedError) throw new CliError(`surrogate check: ${error.message}`)
      throw new CliError(`surrogate check: ${(error as Error).message}`, 1)
    }
    if (options.json) printJson(outcome)
    else process.stdout.write(describeOutcome(outcome))
  } finally {
    await services.close()
  }
}

function refusing<T>(command: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}`)
  }
}

const nanoamps = (value: number) => `${value.toFixed(3)} nA`
const percentOf = (value: number, range: number) => (range > 0 ? ` (${((100 * value) / range).toFixed(2)} %)` : '')

function describeOutcome(o: ModelCheckOutcome): string {
  const c = o.check
  const range = c.outputRangeNanoamps
  return [
    `model ${o.modelId} "${o.modelName}" checked against the device: ${c.pointCount} points, profile ${c.profileId}, calibration ${c.calibrationId}`,
    ...(o.firstCheck
      ? [`  first check: this batch is the reference (stored now; later checks measure it again)`]
      : [`  reference batch:        ${o.reference.source}, stored ${o.reference.createdAt}`]),
    `  drift RMSE:             ${nanoamps(c.driftRmseNanoamps)}${percentOf(c.driftRmseNanoamps, range)}  now vs the reference as measured then`,
    `  model RMSE now:         ${nanoamps(c.modelRmseNanoamps)}${percentOf(c.modelRmseNanoamps, range)}  prediction vs now measured`,
    `  model RMSE at training: ${nanoamps(c.referenceModelRmseNanoamps)}${percentOf(c.referenceModelRmseNanoamps, range)}  prediction vs the reference`,
    `  correlation:            ${c.correlation === null ? 'undefined (constant outputs)' : c.correlation.toFixed(5)}  prediction vs now measured`,
    `  output range:           ${nanoamps(range)} (percentages are of it)`,
    ''
  ].join('\n')
}

function checkLine(c: ModelCheck): string {
  const r = c.correlation === null ? '-' : c.correlation.toFixed(5)
  return `check ${c.id}  ${c.checkedAt}  drift ${nanoamps(c.driftRmseNanoamps)}  model now ${nanoamps(c.modelRmseNanoamps)} vs at training ${nanoamps(c.referenceModelRmseNanoamps)}  r ${r}  range ${nanoamps(c.outputRangeNanoamps)}  calibration ${c.calibrationId}${c.note ? `  (${c.note})` : ''}`
}

function describeHistory(h: ModelCheckHistory): string {
  if (!h.reference)
    return `model ${h.modelId} has no reference batch and no checks yet: dnpu surrogate check ${h.modelId} --port PATH\n`
  const r = h.reference
  return [
    `model ${h.modelId}: reference batch of ${r.pointCount} points (${r.source}), stored ${r.createdAt}, calibration ${r.calibrationId ?? '-'}`,
    ...h.checks.map(checkLine),
    ''
  ].join('\n')
}
