/** `dnpu train gd`: gradient descent on the control voltages, on a surrogate (the ring task). */
import { Option, type Command } from 'commander'
import { gdAlgorithm } from '../../../src-shared/domain'
import {
  DEFAULT_GD_CONFIG,
  GD_CONSTRAINT_NAMES,
  GD_LOSS_NAMES,
  GD_OPTIMIZER_NAMES,
  GD_TASK_NAMES,
  type GdTrainingConfig
} from '../../../src-shared/ipc'
import { dataDirOption, finiteNumber, integer, numberTriple } from '../option-parsers'
import type { CliContext } from '../program'
import type { CommonTrainOptions } from '../train-commands'
import {
  amplificationOption,
  clippingOption,
  dataElectrodesOption,
  inputRangeOption,
  jsonResultOption,
  modelOption,
  seedOption,
  simulationRequest,
  stopAfterOption,
  stopAfterStepsText,
  workersOption,
  type AlgorithmCommand,
  type ParentCommands
} from './algorithm-command'

/** GD's request fields -> the options that set them (errors name the option). */
const OPTION_OF_FIELD = {
  epochs: '--epochs',
  learningRate: '--lr',
  batchSize: '--batch',
  optimizer: '--optimizer',
  constraint: '--constraint',
  loss: '--loss',
  'ring.sampleCount': '--samples',
  'ring.gap': '--gap',
  'ring.split': '--split',
  'ring.dataSeed': '--data-seed'
}

export interface TrainGdOptions extends CommonTrainOptions {
  task: string
  epochs: number
  lr: number
  batch: number
  optimizer: GdTrainingConfig['optimizer']
  constraint: GdTrainingConfig['constraint']
  loss: GdTrainingConfig['loss']
  samples: number
  gap: number
  split: [number, number, number]
  dataSeed: number
  workers?: number
}

export function addGdCommand({ train }: ParentCommands, context: CliContext): Command {
  const gd = DEFAULT_GD_CONFIG
  return train
    .command('gd')
    .description('gradient descent on the control voltages, on a surrogate (the ring classification task)')
    .addOption(new Option('--task <name>', 'task').choices(GD_TASK_NAMES).default(gd.task))
    .addOption(seedOption('random seed of the training (default: a random one, stored with the run)'))
    .option('--epochs <n>', 'epochs', integer('--epochs', 1), gd.epochs)
    .option('--lr <x>', 'learning rate', finiteNumber('--lr'), gd.learningRate)
    .option('--batch <n>', 'batch size', integer('--batch', 1), gd.batchSize)
    .addOption(new Option('--optimizer <name>', 'optimiser').choices(GD_OPTIMIZER_NAMES).default(gd.optimizer))
    .addOption(
      new Option('--constraint <name>', 'keep controls in range: clip after each step, or regul (penalty)')
        .choices(GD_CONSTRAINT_NAMES)
        .default(gd.constraint)
    )
    .addOption(new Option('--loss <name>', 'loss function').choices(GD_LOSS_NAMES).default(gd.loss))
    .option('--samples <n>', 'ring task: points in all (even)', integer('--samples', 2), gd.ring.sampleCount)
    .option('--gap <x>', 'ring task: width of the empty band between the classes', finiteNumber('--gap'), gd.ring.gap)
    .option('--split <train,validation,test>', 'ring task: fractions of the points', numberTriple('--split'), [
      gd.ring.split.train,
      gd.ring.split.validation,
      gd.ring.split.test
    ])
    .option('--data-seed <n>', 'ring task: seed of the dataset', integer('--data-seed', 0), gd.ring.dataSeed)
    .addOption(dataElectrodesOption(gd.dataElectrodes))
    .addOption(inputRangeOption(gd.inputRange))
    .addOption(amplificationOption())
    .addOption(clippingOption())
    .addOption(modelOption())
    .addOption(stopAfterOption(stopAfterStepsText(gdAlgorithm)))
    .addOption(
      workersOption(
        "threads sharing each batch's forward and gradient (default: the number of cores); results do not depend on it"
      )
    )
    .addOption(dataDirOption())
    .addOption(jsonResultOption())
    .action(async (options: TrainGdOptions) => {
      // Loaded on use, so that defining the command (help, tests) needs no trainer.
      const { trainAndReport } = await import('../train-commands')
      await trainAndReport(context, options, gdRequest(options), OPTION_OF_FIELD)
    })
}

/** The options as a `training:start` request (checked by the contract's schema). */
function gdRequest(options: TrainGdOptions): Record<string, unknown> {
  const [train, validation, test] = options.split
  return {
    algorithm: 'gd',
    task: options.task.toLowerCase(),
    modelId: options.model,
    dataElectrodes: options.dataElectrodes,
    inputRange: options.inputRange,
    ring: {
      sampleCount: options.samples,
      gap: options.gap,
      split: { train, validation, test },
      dataSeed: options.dataSeed
    },
    epochs: options.epochs,
    learningRate: options.lr,
    batchSize: options.batch,
    optimizer: options.optimizer,
    constraint: options.constraint,
    loss: options.loss,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...simulationRequest(options)
  }
}

export const gdCommand: AlgorithmCommand = { algorithm: gdAlgorithm, add: addGdCommand }
