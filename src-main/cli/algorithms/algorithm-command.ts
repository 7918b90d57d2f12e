/**
 * What an algorithm's CLI command is, and the options several of them share. Each algorithm
 * with a command has its own file here (`<id>-command.ts`: its options, help and how they map
 * onto its config) and its line in `index.ts`; program.ts adds every command on that list.
 *
 * The shared options are built here once so that their names, help texts, parsers and error
 * messages stay the same from one algorithm to the next.
 */
import { Option, type Command } from 'commander'
import type { AnyAlgorithmDescriptor } from '../../../src-shared/domain'
import { finiteNumber, integer, numberPair, workerCount } from '../option-parsers'
import type { CliContext } from '../program'
import type { CommonTrainOptions } from '../train-commands'

/** The commands an algorithm's command can hang under: `dnpu` itself, `dnpu train` or `dnpu surrogate`. */
export interface ParentCommands {
  program: Command
  train: Command
  surrogate: Command
}

export interface AlgorithmCommand {
  /** The algorithm it trains (its plain descriptor: id, step names). */
  algorithm: AnyAlgorithmDescriptor
  /** Adds the command under its parent and returns it. */
  add(parents: ParentCommands, context: CliContext): Command
}

/** `--seed`: each algorithm says what the seed seeds. */
export const seedOption = (description: string): Option =>
  new Option('--seed <n>', description).argParser(integer('--seed', 0))

export const dataElectrodesOption = (defaultElectrodes: readonly number[]): Option =>
  new Option('--data-electrodes <a,b>', 'activation electrodes that get the two inputs')
    .argParser(numberPair('--data-electrodes', true))
    .default(defaultElectrodes)

export const inputRangeOption = (defaultRange: readonly number[]): Option =>
  new Option('--input-range <min,max>', 'task input range mapped onto the data electrodes')
    .argParser(numberPair('--input-range', false))
    .default(defaultRange)

export const amplificationOption = (): Option =>
  new Option('--amplification <x>', "simulation: replace the model's amplification (nA per output unit)").argParser(
    finiteNumber('--amplification')
  )

export const clippingOption = (): Option =>
  new Option('--clipping <lo,hi>', "simulation: replace the model's clipping value (nA)").argParser(
    numberPair('--clipping', false)
  )

export const modelOption = (): Option =>
  new Option(
    '--model <id|file>',
    'surrogate model: an id from `dnpu models list`, or a .pt file (imported first)'
  ).default('demo')

/** `--stop-after`: how a run stops early, resumable, in the algorithm's own steps. */
export const stopAfterOption = (description: string): Option =>
  new Option('--stop-after <n>', description).argParser(integer('--stop-after', 1))

/** The `--stop-after` help of a training run, counted in the algorithm's steps. */
export const stopAfterStepsText = (algorithm: Pick<AnyAlgorithmDescriptor, 'step'>): string =>
  `stop (resumable, status stopped) once this many ${algorithm.step.plural} have run`

/** `--workers`: each algorithm says what the threads share. */
export const workersOption = (description: string): Option =>
  new Option('--workers <n>', description).argParser(workerCount('--workers'))

export const jsonResultOption = (): Option => new Option('--json', 'print one JSON object with the result on stdout')

/** The simulation options given on the command line, as the contract's `simulation` field. */
export function simulationRequest(options: CommonTrainOptions & { noiseStd?: number }): {
  simulation?: Record<string, unknown>
} {
  const simulation = {
    ...(options.noiseStd === undefined ? {} : { noiseStdNanoamps: options.noiseStd }),
    ...(options.amplification === undefined ? {} : { amplification: options.amplification }),
    ...(options.clipping === undefined ? {} : { clippingValueNanoamps: options.clipping })
  }
  return Object.keys(simulation).length > 0 ? { simulation } : {}
}
