/**
 * `dnpu surrogate train DATASET_ID`: trains a surrogate of the device a dataset was sampled from
 * (`dnpu sample`), stores it in the model store, and prints its test figures.
 */
import { Option, type Command } from 'commander'
import { ACTIVATION_NAMES, surrogateAlgorithm } from '../../../src-shared/domain'
import { DEFAULT_SURROGATE_CONFIG } from '../../../src-shared/ipc'
import { dataDirOption, finiteNumber, integer, numberTriple } from '../option-parsers'
import { CliError } from '../cli-error'
import type { CliContext } from '../program'
import {
  jsonResultOption,
  seedOption,
  stopAfterOption,
  stopAfterStepsText,
  type AlgorithmCommand
} from './algorithm-command'

/** The request's fields -> the options that set them (errors name the option). */
const OPTION_OF_FIELD = {
  datasetId: 'DATASET_ID',
  hiddenSizes: '--hidden',
  activation: '--activation',
  epochs: '--epochs',
  batchSize: '--batch',
  learningRate: '--lr',
  patience: '--patience',
  split: '--split',
  modelName: '--name'
}

export interface SurrogateTrainOptions {
  hidden: number[]
  activation: string
  epochs: number
  batch: number
  lr: number
  /** A number of epochs, or false for `--no-patience`. */
  patience: number | false
  split: [number, number, number]
  seed?: number
  name?: string
  stopAfter?: number
  dataDir?: string
  json?: boolean
}

/** `90,90,90`: hidden layer sizes, each a whole number of at least 1. */
function layerSizes(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim())
  if (parts.length === 0 || parts.some((part) => !/^\d+$/.test(part) || Number(part) < 1))
    throw new CliError(`--hidden: expected layer sizes such as 90,90,90 (whole numbers >= 1), got "${text}"`)
  return parts.map(Number)
}

export function addSurrogateTrainCommand(surrogate: Command, context: CliContext): Command {
  const defaults = DEFAULT_SURROGATE_CONFIG
  return surrogate
    .command('train')
    .description(
      'train a surrogate model of the device a dataset was sampled from (dnpu sample); it is stored in the model store'
    )
    .argument('<DATASET_ID>', 'the dataset to learn from (dnpu datasets list)')
    .option('--hidden <sizes>', 'hidden layer sizes', layerSizes, defaults.hiddenSizes)
    .addOption(new Option('--activation <name>', 'activation').choices(ACTIVATION_NAMES).default(defaults.activation))
    .option('--epochs <n>', 'epochs at most', integer('--epochs', 1), defaults.epochs)
    .option('--batch <n>', 'batch size', integer('--batch', 1), defaults.batchSize)
    .option('--lr <x>', "Adam's learning rate", finiteNumber('--lr'), defaults.learningRate)
    .option(
      '--patience <n>',
      'stop after this many epochs without a lower validation loss',
      integer('--patience', 1),
      defaults.patience ?? undefined
    )
    .option('--no-patience', 'run every epoch (no early stop)')
    .option('--split <train,validation,test>', 'fractions of the samples', numberTriple('--split'), [
      defaults.split.train,
      defaults.split.validation,
      defaults.split.test
    ])
    .addOption(seedOption('seed of the split, the initial weights and the shuffles (default: a random one, stored)'))
    .option('--name <text>', 'name of the trained model (default: "Surrogate of dataset N (run M)")')
    .addOption(stopAfterOption(stopAfterStepsText(surrogateAlgorithm)))
    .addOption(dataDirOption())
    .addOption(jsonResultOption())
    .action(async (datasetIdText: string, options: SurrogateTrainOptions) => {
      if (!/^\d+$/.test(datasetIdText) || Number(datasetIdText) < 1)
        throw new CliError(`DATASET_ID: expected a dataset id (a whole number), got "${datasetIdText}"`)
      // Loaded on use, so that defining the command (help, tests) needs no trainer.
      const { trainAndReport } = await import('../train-commands')
      await trainAndReport(context, options, surrogateRequest(Number(datasetIdText), options), OPTION_OF_FIELD)
    })
}

/** The options as a `training:start` request (checked by the contract's schema). */
function surrogateRequest(datasetId: number, options: SurrogateTrainOptions): Record<string, unknown> {
  const [train, validation, test] = options.split
  return {
    algorithm: 'surrogate',
    datasetId,
    hiddenSizes: options.hidden,
    activation: options.activation,
    epochs: options.epochs,
    batchSize: options.batch,
    learningRate: options.lr,
    patience: options.patience === false ? null : options.patience,
    split: { train, validation, test },
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.name === undefined ? {} : { modelName: options.name })
  }
}

export const surrogateCommand: AlgorithmCommand = {
  algorithm: surrogateAlgorithm,
  add: ({ surrogate }, context) => addSurrogateTrainCommand(surrogate, context)
}
