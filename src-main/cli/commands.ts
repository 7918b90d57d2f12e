/** What each `dnpu` command does, on top of the shared app services. */
import { SingleBar } from 'cli-progress'
import { existsSync, readFileSync } from 'node:fs'
import { parseRequest, type GaTrainingConfig, type RunDetail } from '../../src-preload/contract'
import { startBrowserServer } from '../bridge/browser-server'
import { createAppServices, type AppServices } from '../services/app-services'
import { resolveDataFolder } from '../services/data-folder'
import { forwardEvents } from '../services/event-forwarding'
import { createRequestHandler } from '../services/request-handler'
import { spawnTrainerWorker } from '../workers/spawn-trainer'
import { CliError, type CliContext } from './program'

export function openServices(context: CliContext, dataFolder: string, mode: 'electron' | 'browser' = 'browser') {
  return createAppServices({
    dataFolder,
    resourcesFolder: context.resourcesFolder,
    version: context.version,
    mode,
    spawnTrainer: spawnTrainerWorker
  })
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export async function runInfo(context: CliContext, dataFolder: string, json: boolean): Promise<void> {
  const services = await openServices(context, dataFolder)
  try {
    const { version, computeBackend } = services.info
    if (json) printJson({ version, computeBackend, dataFolder })
    else process.stdout.write(`DNPU Lab ${version}\ncompute backend: ${computeBackend}\ndata folder:     ${dataFolder}\n`)
  } finally {
    await services.close()
  }
}

export async function runRunsList(context: CliContext, dataFolder: string, json: boolean): Promise<void> {
  const services = await openServices(context, dataFolder)
  try {
    const runs = services.runs.listRuns()
    if (json) {
      printJson(runs)
      return
    }
    if (runs.length === 0) {
      process.stdout.write(`no runs yet in ${dataFolder}\n`)
      return
    }
    const rows = runs.map((run) => [
      String(run.id),
      run.startedAt.replace('T', ' ').slice(0, 19),
      run.algorithm.toUpperCase(),
      run.task,
      run.modelId,
      run.status,
      String(run.generations),
      formatNumber(run.bestFitness),
      formatNumber(run.bestCorrelation)
    ])
    const header = ['id', 'started (UTC)', 'algorithm', 'task', 'model', 'status', 'generations', 'best fitness', 'best corr.']
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
    for (const row of [header, ...rows]) {
      process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}\n`)
    }
  } finally {
    await services.close()
  }
}

function formatNumber(value: number | null): string {
  return value === null ? '-' : value.toFixed(4)
}

interface TrainGaOptions {
  task: string
  seed?: number
  generations: number
  partition: [number, number]
  stopThreshold: number
  fitness: GaTrainingConfig['fitness']
  dataElectrodes: [number, number]
  inputRange: [number, number]
  model: string
  noiseStd?: number
  amplification?: number
  clipping?: [number, number]
  dataDir?: string
  json?: boolean
}

export async function runTrainGa(context: CliContext, options: TrainGaOptions): Promise<void> {
  const request = {
    algorithm: 'ga',
    task: options.task.toLowerCase(),
    modelId: options.model,
    dataElectrodes: options.dataElectrodes,
    inputRange: options.inputRange,
    partition: options.partition,
    generations: options.generations,
    fitness: options.fitness,
    stopThreshold: options.stopThreshold,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...simulationRequest(options)
  }
  // The same schema the app validates with, so the CLI and the UI refuse the same things.
  const parsed = parseRequest('training:start', request)
  if (!parsed.ok) throw new CliError(inOptionTerms(parsed.error.replace('training:start: invalid request: ', '')))

  const dataFolder = resolveDataFolder(options.dataDir)
  const services = await openServices(context, dataFolder)
  const startedAtMs = performance.now()
  try {
    const modelId = resolveModelOption(services, options.model)
    let runId: number
    try {
      runId = services.training.start({ ...parsed.value, modelId }).runId
    } catch (error) {
      throw new CliError(inOptionTerms((error as Error).message))
    }
    const detail = await followRun(services, runId, parsed.value.generations, options.task)
    const seconds = (performance.now() - startedAtMs) / 1000
    if (options.json) {
      printJson({
        runId,
        status: detail.status,
        generations: detail.generations,
        bestFitness: detail.bestFitness,
        bestCorrelation: detail.bestCorrelation,
        controlVoltages: detail.bestControlVoltages,
        outputs: detail.bestOutputsNanoamps,
        targets: detail.targets,
        computeBackend: services.info.computeBackend,
        seconds: Number(seconds.toFixed(3))
      })
    } else {
      process.stdout.write(describeRun(detail, seconds))
    }
    if (detail.status === 'failed' || detail.status === 'interrupted') {
      throw new CliError(`run ${runId} ${detail.status}: ${detail.error ?? 'no reason recorded'}`, 1)
    }
  } finally {
    await services.close()
  }
}

/** The simulation options given on the command line, as the contract's `simulation` field. */
function simulationRequest(options: TrainGaOptions): { simulation?: Record<string, unknown> } {
  const simulation = {
    ...(options.noiseStd === undefined ? {} : { noiseStdNanoamps: options.noiseStd }),
    ...(options.amplification === undefined ? {} : { amplification: options.amplification }),
    ...(options.clipping === undefined ? {} : { clippingValueNanoamps: options.clipping })
  }
  return Object.keys(simulation).length > 0 ? { simulation } : {}
}

/**
 * `--model` takes a model id or a .pt file; a file is imported first (a file imported before is
 * recognised by its hash, so training on the same file twice reuses one model).
 */
function resolveModelOption(services: AppServices, model: string): string {
  if (services.models.get(model) || !existsSync(model)) return model
  try {
    const { model: imported, warnings } = services.models.importFile(model, readFileSync(model))
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
    return imported.id
  } catch (error) {
    throw new CliError(`--model: ${model}: ${(error as Error).message}`, 1)
  }
}

/** Config field -> the `train ga` option that sets it. */
const OPTION_OF_FIELD: Record<string, string> = {
  task: '--task',
  modelId: '--model',
  dataElectrodes: '--data-electrodes',
  inputRange: '--input-range',
  partition: '--partition',
  generations: '--generations',
  fitness: '--fitness',
  stopThreshold: '--stop-threshold',
  seed: '--seed',
  'simulation.noiseStdNanoamps': '--noise-std',
  'simulation.amplification': '--amplification',
  'simulation.clippingValueNanoamps': '--clipping'
}

/** Rewrites `partition.0: Too small...` as `--partition: partition.0: Too small...` for CLI users. */
function inOptionTerms(message: string): string {
  return message
    .split('; ')
    .map((problem) => {
      const path = /^([A-Za-z.]+?)(\.\d+)?:/.exec(problem)?.[1]
      const option = path ? (OPTION_OF_FIELD[path] ?? OPTION_OF_FIELD[path.split('.')[0]]) : undefined
      return option ? `${option}: ${problem}` : problem
    })
    .join('; ')
}

/** Shows a progress bar on stderr until the run ends; Ctrl+C stops the run cleanly. */
async function followRun(services: AppServices, runId: number, totalGenerations: number, task: string): Promise<RunDetail> {
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${task.toUpperCase()} GA |{bar}| {value}/{total} generations | best fitness {fitness} | correlation {correlation}`,
    hideCursor: true,
    clearOnComplete: false
  })
  bar.start(totalGenerations, 0, { fitness: '-', correlation: '-' })
  const onInterrupt = (): void => {
    process.stderr.write('\nstopping the run after this generation (Ctrl+C again to abort)\n')
    services.training.stop(runId)
    process.once('SIGINT', () => process.exit(130))
  }
  process.once('SIGINT', onInterrupt)
  const onProgress = (event: { runId: number; metrics: { generation: number; bestSoFarFitness: number; bestSoFarCorrelation: number } }): void => {
    if (event.runId !== runId) return
    bar.update(event.metrics.generation, {
      fitness: event.metrics.bestSoFarFitness.toFixed(4),
      correlation: event.metrics.bestSoFarCorrelation.toFixed(4)
    })
  }
  services.training.on('progress', onProgress)
  try {
    await services.training.whenIdle()
  } finally {
    services.training.off('progress', onProgress)
    process.off('SIGINT', onInterrupt)
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
  const outputs = (run.bestOutputsNanoamps ?? []).map((nA) => nA.toFixed(2)).join(', ')
  return [
    `run ${run.id} ${run.status} after ${run.generations} generations in ${seconds.toFixed(2)} s`,
    `best fitness ${formatNumber(run.bestFitness)}, correlation ${formatNumber(run.bestCorrelation)}`,
    `outputs (nA): ${outputs}   targets: ${run.targets.join(', ')}`,
    'control voltages:',
    voltages,
    ''
  ].join('\n')
}

export async function runServe(context: CliContext, dataFolder: string, port: number): Promise<void> {
  const services = await openServices(context, dataFolder, 'browser')
  let server
  try {
    server = await startBrowserServer({
      rendererFolder: context.rendererFolder,
      port,
      handleRequest: createRequestHandler(services),
      subscribe: (sink) => forwardEvents(services, sink)
    })
  } catch (error) {
    await services.close()
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is already in use: pick another with --port, or --port 0 for any free port`, 1)
    if (code === 'ENOENT') throw new CliError(`the app is not built (${context.rendererFolder} is missing): run npm run build`, 1)
    throw error
  }
  process.stdout.write(`DNPU Lab running at ${server.url}\n`)
  process.stderr.write(`data folder: ${dataFolder}\ncompute backend: ${services.info.computeBackend}\npress Ctrl+C to stop\n`)
  await new Promise<void>((resolveStop) => {
    const stop = (): void => resolveStop()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  process.stderr.write('stopping DNPU Lab\n')
  await server.close()
  await services.close()
}
