/** Command definitions of the `dnpu` CLI (commander). */
import { Command, InvalidArgumentError, Option } from 'commander'
import { GATE_NAMES, FITNESS_NAMES } from '../../src-preload/contract'
import { resolveDataFolder } from '../services/data-folder'
import { runInfo, runRunsList, runServe, runTrainGa } from './commands'
import { runModelsEval, runModelsImport, runModelsList } from './model-commands'

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
    if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError(`${name} must be a number, got "${value}"`)
    return parsed
  }
}

function numberPair(name: string, integers: boolean) {
  return (value: string): [number, number] => {
    const parts = value.split(',').map((part) => part.trim())
    const numbers = parts.map(Number)
    if (parts.length !== 2 || parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n)) ||
        (integers && numbers.some((n) => !Number.isInteger(n)))) {
      throw new InvalidArgumentError(`${name} must be two ${integers ? 'whole numbers' : 'numbers'} separated by a comma (e.g. ${integers ? '4,22' : '-1,1'}), got "${value}"`)
    }
    return [numbers[0], numbers[1]]
  }
}

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

  const dataDirOption = () =>
    new Option('--data-dir <dir>', 'folder of the DNPU Lab database (default: $DNPU_DATA_DIR, else the app\'s folder)')

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
    .option('--partition <elite,offspring>', 'genomes kept and genomes bred per generation', numberPair('--partition', true), [4, 22])
    .option('--stop-threshold <x>', 'stop when the best correlation reaches this', finiteNumber('--stop-threshold'), 0.9)
    .addOption(new Option('--fitness <name>', 'fitness function').choices(FITNESS_NAMES).default('corrsig_fit'))
    .option('--data-electrodes <a,b>', 'activation electrodes that get the two inputs', numberPair('--data-electrodes', true), [1, 2])
    .option('--input-range <min,max>', 'task input range mapped onto the data electrodes', numberPair('--input-range', false), [-1, 1])
    .option('--noise-std <nA>', 'simulation: Gaussian output noise, standard deviation in nA (default none)', finiteNumber('--noise-std'))
    .option('--amplification <x>', 'simulation: replace the model\'s amplification (nA per output unit)', finiteNumber('--amplification'))
    .option('--clipping <lo,hi>', 'simulation: replace the model\'s clipping value (nA)', numberPair('--clipping', false))
    .option('--model <id|file>', 'surrogate model: an id from `dnpu models list`, or a .pt file (imported first)', 'demo')
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (options) => {
      await runTrainGa(context, options)
    })

  const models = program.command('models').description('surrogate models (the lab\'s PyTorch files)')
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

  program
    .command('serve')
    .description('browser mode: serve the app on 127.0.0.1 (for lab PCs without a display)')
    .option('--port <n>', 'port (0: any free port)', integer('--port', 0), 0)
    .addOption(dataDirOption())
    .action(async (options: { port: number; dataDir?: string }) => {
      if (options.port > 65535) throw new CliError(`--port must be at most 65535, got ${options.port}`)
      await runServe(context, resolveDataFolder(options.dataDir), options.port)
    })

  return program
}
