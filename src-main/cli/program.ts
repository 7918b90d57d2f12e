/** Command definitions of the `dnpu` CLI (commander). */
import { availableParallelism } from 'node:os'
import { Command, InvalidArgumentError, Option } from 'commander'
import {
  FITNESS_NAMES,
  GATE_NAMES,
  GD_CONSTRAINT_NAMES,
  GD_LOSS_NAMES,
  GD_OPTIMIZER_NAMES,
  GD_TASK_NAMES,
  DEFAULT_GD_CONFIG
} from '../../src-shared/ipc'
import { resolveDataFolder } from '../services/data-folder'
import { runInfo, runRunsList, runServe } from './commands'
import { runCalibrate, type CalibrateOptions } from './calibrate-command'
import { runRunsResume, runTrainGa, runTrainGd } from './train-commands'
import { runModelsEval, runModelsImport, runModelsList } from './model-commands'
import { addSimCommand } from './sim-command'
import { addDbCommands } from './db-commands'

export interface CliContext {
  version: string
  resourcesFolder: string
  rendererFolder: string
}

/** An error with the exit code the CLI should end with (2: bad usage or input). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2
  ) {
    super(message)
  }
}

function integer(name: string, min: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`)
    const parsed = Number(value)
    if (parsed < min) throw new InvalidArgumentError(`${name} must be at least ${min}, got ${value}`)
    return parsed
  }
}

function finiteNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value)
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw new InvalidArgumentError(`${name} must be a number, got "${value}"`)
    return parsed
  }
}

function numberTriple(name: string) {
  return (value: string): [number, number, number] => {
    const numbers = value.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)))
    if (numbers.length !== 3 || numbers.some((n) => !Number.isFinite(n))) {
      throw new InvalidArgumentError(
        `${name} must be three numbers separated by commas (e.g. 0.7,0.15,0.15), got "${value}"`
      )
    }
    return [numbers[0], numbers[1], numbers[2]]
  }
}

function numberPair(name: string, integers: boolean) {
  return (value: string): [number, number] => {
    const parts = value.split(',').map((part) => part.trim())
    const numbers = parts.map(Number)
    if (
      parts.length !== 2 ||
      parts.some((p) => p === '') ||
      numbers.some((n) => !Number.isFinite(n)) ||
      (integers && numbers.some((n) => !Number.isInteger(n)))
    ) {
      throw new InvalidArgumentError(
        `${name} must be two ${integers ? 'whole numbers' : 'numbers'} separated by a comma (e.g. ${integers ? '4,22' : '-1,1'}), got "${value}"`
      )
    }
    return [numbers[0], numbers[1]]
  }
}

/**
 * A folder path that must say something: an empty `--data-dir ""` (an unset shell variable, say)
 * would otherwise fall back to the real user data folder without a word.
 */
function folderPath(name: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must name a folder, got an empty value`)
    return value
  }
}

/**
 * Threads to split work over. More threads than cores only add hand-overs (results do not
 * depend on the count), so a larger number is capped at the core count, with a note on stderr.
 */
export function workerCount(
  name: string,
  cores: number = availableParallelism(),
  note: (text: string) => void = (text) => process.stderr.write(text)
) {
  const parse = integer(name, 1)
  return (value: string): number => {
    const requested = parse(value)
    if (requested <= cores) return requested
    note(`dnpu: ${name} ${requested} is more than this machine's ${cores} cores: using ${cores}\n`)
    return cores
  }
}

export const dataDirOption = (): Option =>
  new Option(
    '--data-dir <dir>',
    "folder of the DNPU Lab database (default: $DNPU_DATA_DIR, else the app's folder)"
  ).argParser(folderPath('--data-dir'))

export function buildProgram(context: CliContext): Command {
  const program = new Command('dnpu')
    .description('DNPU Lab: train and manage dopant-network processing units from the command line')
    .version(context.version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride((error) => {
      // commander's own usage errors (unknown option, bad value): exit 2, help and version: 0.
      if (error.exitCode === 0) process.exit(0)
      process.exit(2)
    })

  program
    .command('info')
    .description('version, compute backend and data folder')
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      await runInfo(context, resolveDataFolder(options.dataDir), Boolean(options.json))
    })

  const train = program.command('train').description('train a DNPU')
  train
    .command('ga')
    .description('genetic algorithm on a boolean gate, on the demo surrogate')
    .requiredOption('--task <gate>', `gate to find: ${GATE_NAMES.join(', ')} or gate:XXXX (four 0/1 targets)`)
    .option('--seed <n>', 'random seed (default: a random one, stored with the run)', integer('--seed', 0))
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
    .option(
      '--data-electrodes <a,b>',
      'activation electrodes that get the two inputs',
      numberPair('--data-electrodes', true),
      [1, 2]
    )
    .option(
      '--input-range <min,max>',
      'task input range mapped onto the data electrodes',
      numberPair('--input-range', false),
      [-1, 1]
    )
    .option(
      '--noise-std <nA>',
      'simulation: Gaussian output noise, standard deviation in nA (default none)',
      finiteNumber('--noise-std')
    )
    .option(
      '--amplification <x>',
      "simulation: replace the model's amplification (nA per output unit)",
      finiteNumber('--amplification')
    )
    .option(
      '--clipping <lo,hi>',
      "simulation: replace the model's clipping value (nA)",
      numberPair('--clipping', false)
    )
    .option(
      '--model <id|file>',
      'surrogate model: an id from `dnpu models list`, or a .pt file (imported first)',
      'demo'
    )
    .addOption(dataDirOption())
    .option(
      '--stop-after <n>',
      'stop (resumable, status stopped) once this many generations have run',
      integer('--stop-after', 1)
    )
    .option(
      '--workers <n>',
      "threads sharing each generation's evaluation (default: the number of cores); results do not depend on it",
      workerCount('--workers')
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
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (options) => {
      await runTrainGa(context, options)
    })
  const gd = DEFAULT_GD_CONFIG
  train
    .command('gd')
    .description('gradient descent on the control voltages, on a surrogate (the ring classification task)')
    .addOption(new Option('--task <name>', 'task').choices(GD_TASK_NAMES).default(gd.task))
    .option(
      '--seed <n>',
      'random seed of the training (default: a random one, stored with the run)',
      integer('--seed', 0)
    )
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
    .option(
      '--data-electrodes <a,b>',
      'activation electrodes that get the two inputs',
      numberPair('--data-electrodes', true),
      gd.dataElectrodes
    )
    .option(
      '--input-range <min,max>',
      'task input range mapped onto the data electrodes',
      numberPair('--input-range', false),
      gd.inputRange
    )
    .option(
      '--amplification <x>',
      "simulation: replace the model's amplification (nA per output unit)",
      finiteNumber('--amplification')
    )
    .option(
      '--clipping <lo,hi>',
      "simulation: replace the model's clipping value (nA)",
      numberPair('--clipping', false)
    )
    .option(
      '--model <id|file>',
      'surrogate model: an id from `dnpu models list`, or a .pt file (imported first)',
      'demo'
    )
    .option(
      '--stop-after <n>',
      'stop (resumable, status stopped) once this many epochs have run',
      integer('--stop-after', 1)
    )
    .option(
      '--workers <n>',
      "threads sharing each batch's forward and gradient (default: the number of cores); results do not depend on it",
      workerCount('--workers')
    )
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (options) => {
      await runTrainGd(context, options)
    })

  const models = program.command('models').description("surrogate models (the lab's PyTorch files)")
  models
    .command('import')
    .description('import a brainspy-smg surrogate file (torch.save .pt)')
    .argument('<file>', 'the .pt file')
    .option('--name <name>', 'name shown in the app (default: the file name)')
    .addOption(dataDirOption())
    .option('--json', 'print {id, name, structure, info, warnings}')
    .action(async (file: string, options: { name?: string; dataDir?: string; json?: boolean }) => {
      await runModelsImport(context, resolveDataFolder(options.dataDir), file, options)
    })
  models
    .command('list')
    .description('the bundled and imported models')
    .addOption(dataDirOption())
    .option('--json', 'print a JSON array')
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      await runModelsList(context, resolveDataFolder(options.dataDir), Boolean(options.json))
    })
  models
    .command('eval')
    .description('model outputs (nA, amplification and clipping applied, no noise) for rows of activation voltages')
    .argument('<id>', 'model id')
    .requiredOption('--inputs <file.json>', 'JSON array of rows, each one voltage per activation electrode')
    .addOption(dataDirOption())
    .option('--json', 'print {outputs: [...]}')
    .action(async (id: string, options: { inputs: string; dataDir?: string; json?: boolean }) => {
      await runModelsEval(context, resolveDataFolder(options.dataDir), id, options)
    })

  const runs = program.command('runs').description('runs stored in the database')
  runs
    .command('list')
    .description('list runs, newest first')
    .addOption(dataDirOption())
    .option('--json', 'print a JSON array')
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      await runRunsList(context, resolveDataFolder(options.dataDir), Boolean(options.json))
    })
  runs
    .command('show')
    .description('one stored run: settings, result, best control voltages (--json: everything, with history)')
    .argument('<id>', 'run id')
    .addOption(dataDirOption())
    .option('--json', 'print the stored run as one JSON object, plus history')
    .action(async (id: string, options: { dataDir?: string; json?: boolean }) => {
      const { runRunsShow } = await import('./runs-commands')
      await runRunsShow(context, id, options)
    })
  runs
    .command('export')
    .description('a stored run for other tools: json (as show --json) or csv (one row per generation / epoch)')
    .argument('<id>', 'run id')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv'] as const).makeOptionMandatory())
    .option('--output <file>', 'write to this file instead of stdout (an existing file is kept unless --force)')
    .option('--force', 'with --output: replace the file if it exists')
    .addOption(dataDirOption())
    .action(
      async (id: string, options: { format: 'json' | 'csv'; output?: string; force?: boolean; dataDir?: string }) => {
        const { runRunsExport } = await import('./runs-commands')
        await runRunsExport(context, id, options)
      }
    )

  runs
    .command('resume')
    .description('continue a stopped or interrupted run from its last checkpoint (same run, same history)')
    .argument('<id>', 'run id')
    .option(
      '--stop-after <n>',
      'stop again once this many generations / epochs have run in total',
      integer('--stop-after', 1)
    )
    .option(
      '--workers <n>',
      "threads sharing each GA generation's evaluation or GD batch (default: the number of cores)",
      workerCount('--workers')
    )
    .option(
      '--port <path>',
      "a run on the instrument: the port it is connected to now (its calibration must be the run's)"
    )
    .option('--baud <rate>', 'serial baud rate with --port', integer('--baud', 1), 115200)
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object with the result on stdout')
    .action(
      async (
        id: string,
        options: { stopAfter?: number; dataDir?: string; json?: boolean; port?: string; baud?: number }
      ) => {
        await runRunsResume(context, id, options)
      }
    )

  runs
    .command('validate')
    .description(
      're-measure a run on the instrument (GA: best genome; GD: controls on the ring test set; capacity: each found labeling) and store it with the run'
    )
    .argument('<id>', 'run id')
    .requiredOption(
      '--port <path>',
      "serial port of the instrument (or tcp://127.0.0.1:PORT); its active calibration must hold the run's control voltages"
    )
    .option('--baud <rate>', 'serial baud rate', integer('--baud', 1), 115200)
    .addOption(dataDirOption())
    .option('--json', 'print the stored validation as one JSON object')
    .action(async (id: string, options: { port: string; baud?: number; dataDir?: string; json?: boolean }) => {
      const { runRunsValidate } = await import('./validate-command')
      await runRunsValidate(context, id, options)
    })

  program
    .command('calibrate')
    .description(
      "IV sweep of the instrument's electrodes; saves a new calibration version (the suggested ranges) for its device profile"
    )
    .requiredOption('--port <path>', 'serial port of the instrument (or tcp://127.0.0.1:PORT)')
    .option('--baud <rate>', 'serial baud rate', integer('--baud', 1), 115200)
    .option('--electrodes <list>', 'electrodes to sweep: all, or a comma list such as 0,3', 'all')
    .option('--points <n>', 'points on the min -> max leg of each sweep', integer('--points', 4), 50)
    .option('--notes <text>', 'notes saved with the calibration', '')
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (options: CalibrateOptions) => {
      await runCalibrate(context, options)
    })

  program
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
    .option('--seed <n>', 'random seed (default: a random one, printed with the result)', integer('--seed', 0))
    .option(
      '--model <id|file>',
      'surrogate model: an id from `dnpu models list`, or a .pt file (imported first)',
      'demo'
    )
    .option('--stop-after <n>', 'stop (resumable) once this many labelings are decided', integer('--stop-after', 1))
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (options) => {
      const { runCapacity } = await import('./capacity-command')
      await runCapacity(context, options)
    })

  program
    .command('bench')
    .description('training-engine speed on the demo surrogate, against the reference library and the targets')
    .option('--json', 'print one JSON object on stdout')
    .option('--quick', 'fewer repetitions: a few seconds, noisier figures')
    .option('--workers <n>', 'threads every figure runs on (default: the number of cores)', workerCount('--workers'))
    .action(async (options: { json?: boolean; quick?: boolean; workers?: number }) => {
      const { runBench } = await import('./bench-command')
      await runBench(context, options)
    })

  program
    .command('serve')
    .description('browser mode: serve the app on 127.0.0.1 (for lab PCs without a display)')
    .option('--port <n>', 'port (0: any free port)', integer('--port', 0), 0)
    .addOption(dataDirOption())
    .action(async (options: { port: number; dataDir?: string }) => {
      if (options.port > 65535) throw new CliError(`--port must be at most 65535, got ${options.port}`)
      await runServe(context, resolveDataFolder(options.dataDir), options.port)
    })

  addSimCommand(program, context)
  addDbCommands(program)

  return program
}
