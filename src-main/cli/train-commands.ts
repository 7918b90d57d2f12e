/**
 * Start a run (each algorithm's command in algorithms/ maps its options onto a request) or
 * continue one (`dnpu runs resume`), and follow it to its end.
 */
import { SingleBar } from 'cli-progress'
import { existsSync } from 'node:fs'
import { parseRequest, trainsControls, type RunDetail, type TrainingProgressEvent } from '../../src-shared/ipc'
import { algorithmOf } from '../../src-shared/domain'
import { serviceAlgorithmOf } from '../services/algorithms'
import type { AppServices } from '../services/app-services'
import { resolveDataFolder } from '../services/data-folder'
import { runHistory } from '../services/run-export'
import { openServices, printJson } from './commands'
import { modelFileError, readModelFile } from './model-commands'
import { CliError, type CliContext } from './program'

/** The options every algorithm's command has (its file under algorithms/ adds its own). */
export interface CommonTrainOptions {
  seed?: number
  dataElectrodes: [number, number]
  inputRange: [number, number]
  model: string
  amplification?: number
  clipping?: [number, number]
  stopAfter?: number
  dataDir?: string
  json?: boolean
}

/** The instrument to run on instead of the surrogate (`--port`). */
export interface DeviceOptions {
  port?: string
  baud?: number
  profile?: number
}

export async function trainAndReport(
  context: CliContext,
  options: Pick<CommonTrainOptions, 'stopAfter' | 'dataDir' | 'json'> &
    Partial<Pick<CommonTrainOptions, 'model'>> &
    DeviceOptions & { workers?: number },
  request: Record<string, unknown>,
  /** The algorithm's request fields -> the options that set them, for error messages. */
  optionOfField: Record<string, string> = {}
): Promise<void> {
  // The same schema the app validates with, so the CLI and the UI refuse the same things.
  const parsed = parseRequest('training:start', request)
  if (!parsed.ok)
    throw new CliError(inOptionTerms(parsed.error.replace('training:start: invalid request: ', ''), optionOfField))
  const services = await openServices(context, resolveDataFolder(options.dataDir))
  try {
    if (options.port) await connectDevice(services, options)
    const config = parsed.value
    // A run on a model takes `--model` as an id or a .pt file; surrogate training makes one instead.
    const resolved = trainsControls(config)
      ? { ...config, modelId: await resolveModelOption(services, options.model ?? config.modelId) }
      : config
    await followAndReport(
      services,
      options,
      optionOfField,
      () => services.training.start(resolved, { stopAfter: options.stopAfter, workers: options.workers }).runId
    )
  } finally {
    await services.close()
  }
}

export async function runRunsResume(
  context: CliContext,
  runIdText: string,
  options: DeviceOptions & { stopAfter?: number; workers?: number; dataDir?: string; json?: boolean }
): Promise<void> {
  if (!/^\d+$/.test(runIdText)) throw new CliError(`runs resume: the run id must be a whole number, got "${runIdText}"`)
  const services = await openServices(context, resolveDataFolder(options.dataDir))
  try {
    if (options.port) await connectDevice(services, options)
    await followAndReport(
      services,
      options,
      {},
      () =>
        services.training.resume(Number(runIdText), { stopAfter: options.stopAfter, workers: options.workers }).runId
    )
  } finally {
    await services.close()
  }
}

/**
 * Connects the instrument at `--port`; its profile is found from the instrument's identity, and
 * `--profile` (when given) must be that one. Its active calibration gives the ranges.
 */
export async function connectDevice(services: AppServices, options: DeviceOptions): Promise<void> {
  let status
  try {
    status = await services.device.connect(options.port!, options.baud)
  } catch (error) {
    throw new CliError((error as Error).message, 1)
  }
  const profile = status.profile!
  if (options.profile !== undefined && options.profile !== profile.id) {
    throw new CliError(
      `--profile ${options.profile}: the instrument on ${options.port} (${status.identity!.maker} ${status.identity!.model} ${status.identity!.serial}) has device profile ${profile.id} ("${profile.name}")`
    )
  }
}

/** Starts a run, follows it to its end, prints the result (`extraJson`: fields after train --json's, e.g. rerunOf). */
export async function followAndReport(
  services: AppServices,
  options: { json?: boolean },
  optionOfField: Record<string, string>,
  start: () => number,
  extraJson: Record<string, unknown> = {}
): Promise<void> {
  const startedAtMs = performance.now()
  let runId: number
  try {
    runId = start()
  } catch (error) {
    throw new CliError(inOptionTerms((error as Error).message, optionOfField))
  }
  const detail = await followRun(services, runId)
  const seconds = (performance.now() - startedAtMs) / 1000
  if (options.json) printJson({ ...resultJson(detail, services.info.computeBackend, seconds), ...extraJson })
  else process.stdout.write(describeRun(detail, seconds))
  if (detail.status === 'failed' || detail.status === 'interrupted') {
    throw new CliError(`run ${runId} ${detail.status}: ${detail.error ?? 'no reason recorded'}`, 1)
  }
}

/** The JSON printed by `train` and `runs resume`: the algorithm's fields, then the backend and the time. */
export function resultJson(detail: RunDetail, computeBackend: string, seconds: number): Record<string, unknown> {
  return {
    ...serviceAlgorithmOf(detail.algorithm).cli.resultJson(detail, runHistory(detail)),
    computeBackend,
    seconds: Number(seconds.toFixed(3))
  }
}

/**
 * `--model` takes a model id or a .pt file; a file is imported first (a file imported before is
 * recognised by its hash, so training on the same file twice reuses one model).
 */
export async function resolveModelOption(services: AppServices, model: string): Promise<string> {
  if (services.models.get(model) || !existsSync(model)) return model
  const bytes = readModelFile(model, '--model file')
  try {
    const { model: imported, warnings } = await services.models.importFile(model, bytes)
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
    return imported.id
  } catch (error) {
    throw modelFileError(`--model: ${model}`, error)
  }
}

/** Config field -> the `train` option that sets it. */
/**
 * Request fields every training command sets from the same option; each algorithm's command
 * adds its own fields' options (its `OPTION_OF_FIELD`), passed to trainAndReport.
 */
const SHARED_OPTION_OF_FIELD: Record<string, string> = {
  task: '--task',
  modelId: '--model',
  dataElectrodes: '--data-electrodes',
  inputRange: '--input-range',
  seed: '--seed',
  'simulation.noiseStdNanoamps': '--noise-std',
  'simulation.amplification': '--amplification',
  'simulation.clippingValueNanoamps': '--clipping'
}

/** Rewrites `partition.0: Too small...` as `--partition: partition.0: Too small...` for CLI users. */
function inOptionTerms(message: string, algorithmOptions: Record<string, string>): string {
  const optionOf = { ...SHARED_OPTION_OF_FIELD, ...algorithmOptions }
  return message
    .split('; ')
    .map((problem) => {
      const path = /^([A-Za-z.]+?)(\.\d+)?:/.exec(problem)?.[1]
      const parts = path?.split('.') ?? []
      const option = path ? (optionOf[path] ?? optionOf[parts.slice(0, 2).join('.')] ?? optionOf[parts[0]]) : undefined
      return option ? `${option}: ${problem}` : problem
    })
    .join('; ')
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** Shows a progress bar on stderr until the run ends; Ctrl+C stops the run cleanly. */
async function followRun(services: AppServices, runId: number): Promise<RunDetail> {
  const stored = services.runs.getRun(runId)
  if (!stored) throw new Error(`run ${runId} vanished from the database`)
  const { config } = stored
  const { cli } = serviceAlgorithmOf(config.algorithm)
  const descriptor = algorithmOf(config.algorithm)
  const bar = new SingleBar({
    stream: process.stderr,
    format: cli.progressFormat(config),
    hideCursor: true,
    clearOnComplete: false
  })
  const unit = descriptor.step.name
  bar.start(descriptor.totalSteps(config), stored.steps, { a: '-', b: '-' })
  // Ctrl+C, `kill` (or a shutdown) and a closed terminal all end the run the same clean way:
  // after the current step, recorded and resumable, and a run on the instrument with ABOR.
  const onInterrupt = (): void => {
    process.stderr.write(`\nstopping the run after this ${unit} (Ctrl+C again to abort)\n`)
    services.training.stop(runId)
    for (const signal of STOP_SIGNALS) process.off(signal, onInterrupt)
    process.once('SIGINT', () => process.exit(130))
    process.once('SIGTERM', () => process.exit(143))
  }
  for (const signal of STOP_SIGNALS) process.once(signal, onInterrupt)
  const onProgress = (event: TrainingProgressEvent): void => {
    if (event.runId !== runId) return
    const { value, a, b } = cli.progressValues(event)
    bar.update(value, { a, b })
  }
  services.training.on('progress', onProgress)
  try {
    await services.training.whenIdle()
  } finally {
    services.training.off('progress', onProgress)
    for (const signal of STOP_SIGNALS) process.off(signal, onInterrupt)
    bar.stop()
  }
  const detail = services.runs.getRun(runId)
  if (!detail) throw new Error(`run ${runId} vanished from the database`)
  return detail
}

function describeRun(run: RunDetail, seconds: number): string {
  const voltages = (run.bestControlVoltages ?? [])
    .map((volts, index) => `  electrode ${run.controlElectrodes[index]}: ${volts.toFixed(4)} V`)
    .join('\n')
  const resumeHint = run.resumable ? `continue it with: dnpu runs resume ${run.id}` : ''
  return serviceAlgorithmOf(run.algorithm).cli.describeResult(run, seconds, { voltages, resumeHint }).join('\n')
}
