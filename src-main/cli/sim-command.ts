/**
 * `dnpu sim`: the bundled simulated DNPU instrument on a pseudo-terminal (socat) or a loopback
 * TCP port. Prints `READY <where>` on stdout once it accepts a host and runs until SIGINT/SIGTERM.
 */
import { appendFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { SurrogateDefinition } from '../core'
import { DEMO_MODEL_ID, ModelCatalog } from '../services/model-catalog'
import { createSurrogateFileReader } from '../workers/surrogate-reader'
import { modelFileError, readModelFile } from './model-commands'
import { CliError, type CliContext } from './program'

export interface SimOptions {
  pty?: string
  tcp?: number
  model: string
  speed: number
  fault: string[]
  latency: number
  log?: string
  noiseStd: number
  amplification?: number
  inverted?: boolean
  seed: number
}

function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`)
    const parsed = Number(value)
    if (parsed < min || parsed > max) throw new InvalidArgumentError(`${name} must be in ${min}..${max}, got ${value}`)
    return parsed
  }
}

function numberAtLeastZero(name: string) {
  return (value: string): number => {
    const parsed = Number(value)
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0)
      throw new InvalidArgumentError(`${name} must be a number >= 0, got "${value}"`)
    return parsed
  }
}

/** A positive number; `inf` (or 0) means as fast as possible: playback and ramps take no time. */
export function parseSpeed(value: string): number {
  const text = value.trim().toLowerCase()
  if (text === 'inf' || text === 'infinity' || text === 'max') return Infinity
  const parsed = Number(text)
  if (text === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError(
      `--speed must be a number > 0 (times real time), or inf / 0 for as fast as possible, got "${value}"`
    )
  }
  return parsed === 0 ? Infinity : parsed
}

function amplification(value: string): number {
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed === 0)
    throw new InvalidArgumentError(`--amplification must be a non-zero number of nA per volt, got "${value}"`)
  return parsed
}

function collectFault(value: string, previous: string[]): string[] {
  return [...previous, value]
}

export function addSimCommand(program: Command, context: CliContext): void {
  program
    .command('sim')
    .description('simulated DNPU instrument (the instrument protocol) on a pseudo-terminal or a TCP port on 127.0.0.1')
    .option('--pty <path>', 'create a PTY pair with socat; the host opens this path as its serial port')
    .option('--tcp <port>', 'listen on 127.0.0.1:PORT (0: any free port)', wholeNumber('--tcp', 0, 65535))
    .option('--model <file>', 'surrogate model of the device: a brainspy-smg .pt file, or "demo"', DEMO_MODEL_ID)
    .option(
      '--speed <x>',
      'playback and ramps run x times faster than real time; inf (or 0): no waiting',
      parseSpeed,
      1
    )
    .option(
      '--fault <name=K>',
      'inject a fault when acquisition K+1 starts: disconnect-after=K, stall-after=K, garbage-after=K (repeatable)',
      collectFault,
      []
    )
    .option('--latency <ms>', 'delay every answer by this many ms', numberAtLeastZero('--latency'), 0)
    .option(
      '--log <file>',
      'append one JSON line per accepted or rejected upload, and per ABOR, *RST, interlock trip or SOUR:VOLT (where the outputs went)'
    )
    .option(
      '--noise-std <nA>',
      'Gaussian noise on every ADC point, standard deviation in nA',
      numberAtLeastZero('--noise-std'),
      0
    )
    .option(
      '--amplification <nA-per-V>',
      "readout amplifier gain (default: the model's own amplification)",
      amplification
    )
    .addOption(new Option('--inverted', 'inverting readout amplifier: readings are negated'))
    .option('--seed <n>', 'seed of the noise and garbage generators', wholeNumber('--seed', 0, 2 ** 32 - 1), 1)
    .action(async (options: SimOptions) => {
      await runSim(context, options)
    })
}

async function loadDefinition(context: CliContext, model: string): Promise<SurrogateDefinition> {
  if (model === DEMO_MODEL_ID)
    return ModelCatalog.withBundledModels(context.resourcesFolder).get(DEMO_MODEL_ID)!.definition
  const bytes = readModelFile(model, '--model file')
  try {
    return (await createSurrogateFileReader()(bytes)).definition
  } catch (error) {
    throw modelFileError(`--model: ${model} is not a usable surrogate file`, error)
  }
}

export async function runSim(context: CliContext, options: SimOptions): Promise<void> {
  if ((options.pty === undefined) === (options.tcp === undefined))
    throw new CliError('sim: give exactly one of --pty PATH or --tcp PORT')
  if (options.pty !== undefined && options.pty.trim() === '') throw new CliError('--pty must be a path, got ""')
  const simulator = await import('../instrument/simulator')
  let faults
  try {
    faults = options.fault.map(simulator.parseFaultSpec)
  } catch (error) {
    throw new CliError((error as Error).message)
  }
  if (options.log !== undefined) {
    try {
      appendFileSync(options.log, '')
    } catch (error) {
      throw new CliError(`--log: cannot write ${options.log}: ${(error as Error).message}`)
    }
  }
  const definition = await loadDefinition(context, options.model)
  const device = simulator.surrogateDevice(definition)
  // The first forward picks the compute backend and uploads the weights: do it before READY so
  // the host's first measurement is not the slow one.
  await device.currentsNanoamps(new Float32Array(device.activationChannelCount), 1)
  const log = options.log === undefined ? undefined : simulator.uploadLogFileWriter(options.log)
  let instrument
  try {
    instrument = new simulator.ScpiInstrument({
      device,
      speed: options.speed,
      latencyMs: options.latency,
      faults,
      noiseStdNanoamps: options.noiseStd,
      amplificationNanoampsPerVolt: options.amplification,
      inverted: Boolean(options.inverted),
      seed: options.seed,
      onUpload: log,
      onOutputs: log
    })
  } catch (error) {
    device.dispose()
    throw new CliError((error as Error).message)
  }

  let transport: { close(): Promise<void>; closeNow?: () => void }
  let where: string
  try {
    if (options.pty !== undefined) {
      const pty = await simulator.startPtyTransport(instrument, options.pty)
      transport = pty
      where = pty.path
    } else {
      const tcp = await simulator.startTcpTransport(instrument, options.tcp!)
      transport = tcp
      where = `${tcp.host}:${tcp.port}`
    }
  } catch (error) {
    instrument.close()
    throw new CliError((error as Error).message, 1)
  }

  // A crash must not leave socat and its links behind.
  process.once('exit', () => transport.closeNow?.())
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    process.stdout.write(`READY ${where}\n`)
  })
  await transport.close()
  instrument.close()
  // tfjs and the PTY streams may keep handles open: the command is over.
  process.exit(0)
}
