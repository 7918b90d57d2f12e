/**
 * `dnpu sample --port PATH`: samples the connected, calibrated device into a dataset (a
 * surrogate's training data), chunk by chunk; `--resume ID` completes an interrupted or paused one.
 * `dnpu datasets list|show`: the stored datasets.
 *
 * Exit codes: 2 when the options or the device are refused before anything is sent (no
 * calibration, settings the instrument cannot play, an unknown or complete dataset); 1 when the
 * session ends early (the link is lost, a measurement fails: the dataset is `interrupted` with
 * every complete chunk stored); 130 when Ctrl+C paused it. Every ending closes the device with
 * ABOR (outputs to 0 V), as the other device commands do.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { DATABASE_FILE_NAME, resolveDataFolder } from '../services/data-folder'
import {
  DEFAULT_CHUNK_SECONDS,
  DEFAULT_RAMP_SECONDS,
  SamplingRefusedError,
  SamplingStoppedError,
  type SamplingProgress
} from '../services/sampling-service'
import type { DatasetDetail, DatasetSummary } from '../services/sampling-service'
import { openServices, printJson } from './commands'
import { dataDirOption, integer } from './option-parsers'
import { CliError, type CliContext } from './program'
import { connectDevice } from './train-commands'

export const DEFAULT_DURATION_SECONDS = 60

export interface SampleOptions {
  port: string
  baud?: number
  duration: number
  chunkSeconds: number
  rampSeconds: number
  frequencyFactor?: number
  resume?: string
  dataDir?: string
  json?: boolean
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value)
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0)
      throw new InvalidArgumentError(`${name} must be a number > 0, got "${value}"`)
    return parsed
  }
}

function datasetId(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text.trim())))
    throw new CliError(`${what}: the dataset id must be a whole number, got "${text}"`)
  return Number(text.trim())
}

export function addSampleCommands(program: Command, context: CliContext): void {
  program
    .command('sample')
    .description(
      "sample the device for a surrogate's dataset: each electrode a sine over its calibrated range, stored chunk by chunk"
    )
    .requiredOption('--port <path>', 'serial port of the instrument (or tcp://127.0.0.1:PORT); it must be calibrated')
    .option('--baud <rate>', 'serial baud rate', integer('--baud', 1), 115200)
    .option(
      '--duration <s>',
      'seconds of data to sample (ramps excluded; rounded up to whole chunks)',
      positiveNumber('--duration'),
      DEFAULT_DURATION_SECONDS
    )
    .option(
      '--chunk-seconds <s>',
      'seconds of data per acquisition',
      positiveNumber('--chunk-seconds'),
      DEFAULT_CHUNK_SECONDS
    )
    .option(
      '--ramp-seconds <s>',
      'ramp from and to 0 V around each chunk (not part of the dataset)',
      positiveNumber('--ramp-seconds'),
      DEFAULT_RAMP_SECONDS
    )
    .option(
      '--frequency-factor <f>',
      "frequency = sqrt(prime) x f x DAC rate (default: the reference's 0.001, lowered to what the slew limit allows)",
      positiveNumber('--frequency-factor')
    )
    .option('--resume <id>', 'complete an interrupted or paused dataset (the sampling options are its own)')
    .addOption(dataDirOption())
    .option('--json', 'print the dataset summary as one JSON object')
    .action(async (options: SampleOptions) => {
      await runSample(context, options)
    })

  const datasets = program.command('datasets').description("sampled datasets (a surrogate's training data)")
  datasets
    .command('list')
    .description('every dataset, newest first')
    .addOption(dataDirOption())
    .option('--json', 'print one JSON array')
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      const services = await openServices(context, resolveDataFolder(options.dataDir))
      try {
        const all = services.datasets.list()
        if (options.json) printJson(all)
        else if (all.length === 0) process.stdout.write('no datasets yet: sample one with dnpu sample --port PATH\n')
        else for (const dataset of all) process.stdout.write(`${summaryLine(dataset)}\n`)
      } finally {
        await services.close()
      }
    })
  datasets
    .command('show')
    .description('one dataset: status, chunks, samples kept and dropped, sampling settings')
    .argument('<id>', 'dataset id')
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: { dataDir?: string; json?: boolean }) => {
      const wanted = datasetId(id, 'datasets show')
      const services = await openServices(context, resolveDataFolder(options.dataDir))
      try {
        const dataset = services.datasets.get(wanted)
        if (!dataset) throw new CliError(`datasets show: no dataset ${wanted}`)
        if (options.json) printJson(dataset)
        else process.stdout.write(describe(dataset))
      } finally {
        await services.close()
      }
    })
}

export async function runSample(context: CliContext, options: SampleOptions): Promise<void> {
  const resumeId = options.resume === undefined ? undefined : datasetId(options.resume, 'sample --resume')
  const dataFolder = resolveDataFolder(options.dataDir)
  if (resumeId !== undefined && !existsSync(join(dataFolder, DATABASE_FILE_NAME)))
    throw new CliError(`sample --resume: no dataset ${resumeId} (there is no database in ${dataFolder})`)
  const services = await openServices(context, dataFolder)
  const sampling = services.sampling
  const onProgress = ({ chunksDone, chunksTotal, etaSeconds }: SamplingProgress): void => {
    if (options.json) return
    const eta = etaSeconds === null ? '' : `, about ${Math.ceil(etaSeconds)} s left`
    process.stderr.write(`sampled ${chunksDone}/${chunksTotal} chunks${eta}\n`)
  }
  // Ctrl+C: finish the chunk being played, store it, end `paused`.
  const onInterrupt = (): void => sampling.requestPause()
  try {
    if (resumeId !== undefined && !services.datasets.get(resumeId))
      throw new CliError(`sample --resume: no dataset ${resumeId}`)
    await connectDevice(services, options)
    sampling.on('progress', onProgress)
    process.on('SIGINT', onInterrupt)
    let dataset: DatasetDetail
    try {
      dataset =
        resumeId === undefined
          ? await sampling.start(
              {
                durationSeconds: options.duration,
                chunkSeconds: options.chunkSeconds,
                rampSeconds: options.rampSeconds,
                frequencyFactor: options.frequencyFactor
              },
              (created, plan) => {
                if (options.json) return
                const lowered = plan.frequencyFactorLowered ? ' (lowered from 0.001 for the slew limit)' : ''
                process.stderr.write(
                  `dataset ${created.id}: ${plan.chunkCount} chunks of ${plan.settings.chunkSamples} samples at ${plan.settings.sampleRateHz} Hz, frequency factor ${plan.settings.frequencyFactor.toPrecision(3)}${lowered}\n`
                )
              }
            )
          : await sampling.resume(resumeId)
    } catch (error) {
      throw asCliError(error)
    }
    if (options.json) printJson(dataset)
    else process.stdout.write(describe(dataset))
  } finally {
    process.off('SIGINT', onInterrupt)
    sampling.off('progress', onProgress)
    await services.close()
  }
}

function asCliError(error: unknown): CliError {
  const message = (error as Error).message
  if (error instanceof SamplingStoppedError) {
    const next = `resume with dnpu sample --port PATH --resume ${error.datasetId}`
    return error.status === 'paused'
      ? new CliError(`${message}: ${next}`, 130)
      : new CliError(`dataset ${error.datasetId} interrupted: ${message}; its complete chunks are stored: ${next}`, 1)
  }
  if (error instanceof SamplingRefusedError) return new CliError(`sample: ${message}`)
  // Refusals of the device before anything was sent (no calibration, a run holding the device).
  if (error instanceof Error && message.startsWith('cannot sample the device')) return new CliError(message)
  return new CliError(`sample: ${message}`, 1)
}

function summaryLine(d: DatasetSummary): string {
  return `dataset ${d.id}  ${d.status.padEnd(11)}  ${d.chunksStored}/${d.chunkCountTarget} chunks  ${d.keptCount} samples kept, ${d.clippedCount} clipped dropped  profile ${d.profileId}, calibration ${d.calibrationId}  ${d.createdAt}`
}

function describe(d: DatasetDetail): string {
  const s = d.settings
  return [
    `dataset ${d.id}: ${d.status}, ${d.chunksStored} of ${d.chunkCountTarget} chunks`,
    `  samples kept:     ${d.keptCount} (${d.clippedCount} clipped dropped of ${d.sampleCount} sampled)`,
    `  device:           profile ${d.profileId}, calibration ${d.calibrationId}`,
    `  sampling:         ${s.sampleRateHz} Hz, ${s.chunkSamples} samples per chunk, ramps of ${s.rampSamples}, frequency factor ${s.frequencyFactor.toPrecision(3)}`,
    `  frequencies (Hz): ${s.frequenciesHz.map((f) => f.toPrecision(3)).join(', ')}`,
    ...(d.error ? [`  last error:       ${d.error}`] : []),
    ''
  ].join('\n')
}
