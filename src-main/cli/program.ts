/** Command definitions of the `dnpu` CLI (commander); each algorithm's own command is in algorithms/. */
import { Command, Option } from 'commander'
import { resolveDataFolder } from '../services/data-folder'
import { ALGORITHM_COMMANDS } from './algorithms'
import { runInfo, runServe } from './commands'
import { runCalibrate, type CalibrateOptions } from './calibrate-command'
import { CliError } from './cli-error'
import { runRunsResume } from './train-commands'
import { runModelsEval, runModelsExport, runModelsImport, runModelsList } from './model-commands'
import { dataDirOption, integer, workerCount } from './option-parsers'
import { addSimCommand } from './sim-command'
import { addSampleCommands } from './sample-command'
import { addSurrogateCheckCommands } from './surrogate-check-command'
import { addDbCommands } from './db-commands'
import { addRunsBundleCommands } from './runs-bundle-commands'
import { addRunsCompareCommands } from './runs-compare-commands'
import { addRunsReportCommand } from './runs-report-command'
import { createBaseProgram } from './program-base'
import { addRunsListCommand } from './runs-list-command'
import { addRunsNotebookCommands } from './runs-notebook-commands'

// Re-exported: the commands import them from here.
export { CliError } from './cli-error'
export { dataDirOption } from './option-parsers'

export interface CliContext {
  version: string
  resourcesFolder: string
  rendererFolder: string
}

export function buildProgram(context: CliContext): Command {
  const program = createBaseProgram(context.version)

  program
    .command('info')
    .description('version, compute backend and data folder')
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      await runInfo(context, resolveDataFolder(options.dataDir), Boolean(options.json))
    })

  // Its subcommands are algorithm commands (`train ga`...), added with the others below.
  const train = program.command('train').description('train a DNPU')
  const surrogate = program
    .command('surrogate')
    .description('make a surrogate model of a device from its sampled dataset, and check it against the device')

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
  models
    .command('export')
    .description("write a model as brainspy-smg's torch.save file (.pt, float32; PyTorch reads it) or as JSON")
    .argument('<id>', 'model id')
    .requiredOption('--output <file>', 'the file to write (an existing file is kept unless --force)')
    .option('--format <format>', "pt (torch.save, as brainspy-smg writes it) or json (the app's JSON)", 'pt')
    .option('--force', 'replace the output file if it exists')
    .addOption(dataDirOption())
    .option('--json', 'print {file, modelId, format, bytes}')
    .action(
      async (
        id: string,
        options: { output: string; format?: string; force?: boolean; dataDir?: string; json?: boolean }
      ) => {
        await runModelsExport(context, resolveDataFolder(options.dataDir), id, options)
      }
    )

  const runs = program.command('runs').description('runs stored in the database')
  // The run history as a notebook: list (search), tag, note, star, rename, delete.
  addRunsListCommand(runs)
  addRunsNotebookCommands(runs)
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

  addRunsCompareCommands(runs, context)
  addRunsBundleCommands(runs, context)
  addRunsReportCommand(runs, context)

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

  addSampleCommands(program, context)

  // Added here, not next to `train`, so that `dnpu --help` lists a top-level algorithm command
  // (capacity) where it always has: after calibrate.
  for (const command of ALGORITHM_COMMANDS) command.add({ program, train, surrogate }, context)
  // After `surrogate train` (an algorithm's command): make, then check.
  addSurrogateCheckCommands(surrogate, context)

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
