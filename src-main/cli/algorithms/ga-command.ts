/** `dnpu train ga`: the genetic algorithm on a boolean gate, on a surrogate or the instrument. */
import { Option, type Command } from 'commander'
import { gaAlgorithm } from '../../../src-shared/domain'
import { FITNESS_NAMES, GATE_NAMES, type GaTrainingConfig } from '../../../src-shared/ipc'
import { dataDirOption, finiteNumber, integer, numberPair } from '../option-parsers'
import type { CliContext } from '../program'
import type { CommonTrainOptions, DeviceOptions } from '../train-commands'
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

/** GA's request fields -> the options that set them (errors name the option). */
const OPTION_OF_FIELD = {
  partition: '--partition',
  generations: '--generations',
  fitness: '--fitness',
  stopThreshold: '--stop-threshold'
}

export interface TrainGaOptions extends CommonTrainOptions, DeviceOptions {
  task: string
  generations: number
  partition: [number, number]
  stopThreshold: number
  fitness: GaTrainingConfig['fitness']
  noiseStd?: number
  workers?: number
}

export function addGaCommand({ train }: ParentCommands, context: CliContext): Command {
  return train
    .command('ga')
    .description('genetic algorithm on a boolean gate, on the demo surrogate')
    .requiredOption('--task <gate>', `gate to find: ${GATE_NAMES.join(', ')} or gate:XXXX (four 0/1 targets)`)
    .addOption(seedOption('random seed (default: a random one, stored with the run)'))
    .option('--generations <n>', 'generations at most', integer('--generations', 1), 100)
    .option(
      '--partition <elite,offspring>',
      'genomes kept and genomes bred per generation',
      numberPair('--partition', true),
      [4, 22]
    )
    .option(
      '--stop-threshold <x>',
      'stop when the best correlation reaches this',
      finiteNumber('--stop-threshold'),
      0.9
    )
    .addOption(new Option('--fitness <name>', 'fitness function').choices(FITNESS_NAMES).default('corrsig_fit'))
    .addOption(dataElectrodesOption([1, 2]))
    .addOption(inputRangeOption([-1, 1]))
    .option(
      '--noise-std <nA>',
      'simulation: Gaussian output noise, standard deviation in nA (default none)',
      finiteNumber('--noise-std')
    )
    .addOption(amplificationOption())
    .addOption(clippingOption())
    .addOption(modelOption())
    .addOption(dataDirOption())
    .addOption(stopAfterOption(stopAfterStepsText(gaAlgorithm)))
    .addOption(
      workersOption(
        "threads sharing each generation's evaluation (default: the number of cores); results do not depend on it"
      )
    )
    .option(
      '--port <path>',
      'train on the instrument at this serial port (or tcp://127.0.0.1:PORT) instead of the surrogate; its active calibration gives the ranges'
    )
    .option('--baud <rate>', 'serial baud rate with --port', integer('--baud', 1), 115200)
    .option(
      '--profile <id>',
      "with --port: the device profile expected (default: found from the instrument's identity)",
      integer('--profile', 1)
    )
    .addOption(jsonResultOption())
    .action(async (options: TrainGaOptions) => {
      // Loaded on use, so that defining the command (help, tests) needs no trainer.
      const { trainAndReport } = await import('../train-commands')
      await trainAndReport(context, options, gaRequest(options), OPTION_OF_FIELD)
    })
}

/** The options as a `training:start` request (checked by the contract's schema). */
function gaRequest(options: TrainGaOptions): Record<string, unknown> {
  return {
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
    ...(options.port ? { processor: 'device' } : simulationRequest(options))
  }
}

export const gaCommand: AlgorithmCommand = { algorithm: gaAlgorithm, add: addGaCommand }
