/**
 * `dnpu capacity`: the VC-dimension capacity sweep, run and stored like any training run (so it
 * shows in `runs list` and the History view, and a stopped sweep resumes with `runs resume`).
 */
import type { Command } from 'commander'
import { capacityAlgorithm } from '../../../src-shared/domain'
import { DEFAULT_CAPACITY_CONFIG, VC_DIMENSION_RANGE } from '../../../src-shared/ipc'
import { CliError } from '../cli-error'
import { dataDirOption, finiteNumber, integer } from '../option-parsers'
import type { CliContext } from '../program'
import {
  jsonResultOption,
  modelOption,
  seedOption,
  stopAfterOption,
  type AlgorithmCommand,
  type ParentCommands
} from './algorithm-command'

export interface CapacityCommandOptions {
  from: number
  to: number
  attempts: number
  generations: number
  thresholdParameter: number
  seed?: number
  model: string
  stopAfter?: number
  dataDir?: string
  json?: boolean
}

export function addCapacityCommand({ program }: ParentCommands, context: CliContext): Command {
  return program
    .command('capacity')
    .description('VC-dimension capacity sweep: share of the 2^N - 2 labelings of N points the DNPU can separate')
    .requiredOption('--from <n>', 'first N (number of points, 4..10)', integer('--from', 4))
    .requiredOption('--to <n>', 'last N (4..10)', integer('--to', 4))
    .option('--attempts <k>', 'GA runs per labeling at most', integer('--attempts', 1), 3)
    .option('--generations <n>', 'generations per attempt at most', integer('--generations', 1), 100)
    .option(
      '--threshold-parameter <x>',
      'found when perceptron accuracy >= 1 - x/N',
      finiteNumber('--threshold-parameter'),
      0.5
    )
    .addOption(seedOption('random seed (default: a random one, printed with the result)'))
    .addOption(modelOption())
    .addOption(stopAfterOption(`stop (resumable) once this many ${capacityAlgorithm.step.plural} are decided`))
    .addOption(dataDirOption())
    .addOption(jsonResultOption())
    .action(async (options: CapacityCommandOptions) => {
      await runCapacity(context, options)
    })
}

export async function runCapacity(context: CliContext, options: CapacityCommandOptions): Promise<void> {
  checkOptions(options)
  // Loaded on use, so that defining the command (help, tests) needs no trainer.
  const { trainAndReport } = await import('../train-commands')
  await trainAndReport(
    context,
    options,
    {
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: options.model,
      fromN: options.from,
      toN: options.to,
      attempts: options.attempts,
      generations: options.generations,
      thresholdParameter: options.thresholdParameter,
      ...(options.seed === undefined ? {} : { seed: options.seed })
    },
    OPTION_OF_FIELD
  )
}

/** The sweep's request fields -> the options that set them (errors name the option). */
const OPTION_OF_FIELD = {
  fromN: '--from',
  toN: '--to',
  attempts: '--attempts',
  generations: '--generations',
  thresholdParameter: '--threshold-parameter'
}

/** The checks that read better in option terms than the schema's field names. */
function checkOptions(options: CapacityCommandOptions): void {
  const [min, max] = VC_DIMENSION_RANGE
  if (options.from > max)
    throw new CliError(`--from must be at most ${max} (the point set has ${max} points), got ${options.from}`)
  if (options.to > max)
    throw new CliError(`--to must be at most ${max} (the point set has ${max} points), got ${options.to}`)
  if (options.from < min) throw new CliError(`--from must be at least ${min}, got ${options.from}`)
  if (options.from > options.to)
    throw new CliError(`--from (${options.from}) must not be greater than --to (${options.to})`)
  const tp = options.thresholdParameter
  if (tp < 0 || tp >= options.from) {
    throw new CliError(`--threshold-parameter must be from 0 up to (not including) --from (${options.from}), got ${tp}`)
  }
}

export const capacityCommand: AlgorithmCommand = { algorithm: capacityAlgorithm, add: addCapacityCommand }
