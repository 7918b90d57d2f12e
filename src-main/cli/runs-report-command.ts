/**
 * `dnpu runs report ID [ID...] --output FILE.html`: the self-contained HTML report of one run, or
 * of 2 to 6 runs compared (the same report as the History view's, src-main/services/run-report).
 * An existing file is kept unless --force, as `runs export` does.
 */
import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { MAX_RUNS_PER_REPORT } from '../../src-shared/ipc/run-sharing'
import { CliError } from './cli-error'
import { dataDirOption } from './option-parsers'
import type { CliContext } from './program'
import { refusal, runIdOf, withDatabase } from './runs-compare-commands'

export interface RunsReportOptions {
  output: string
  force?: boolean
  dataDir?: string
  json?: boolean
}

export function addRunsReportCommand(runs: Command, context: CliContext): void {
  runs
    .command('report')
    .description(`a self-contained HTML report of one run, or of 2 to ${MAX_RUNS_PER_REPORT} runs compared`)
    .argument('<ids...>', `run ids (1, or 2 to ${MAX_RUNS_PER_REPORT})`)
    .requiredOption('--output <file>', 'the HTML file to write (an existing file is kept unless --force)')
    .option('--force', 'replace the file if it exists')
    .addOption(dataDirOption())
    .option('--json', 'print {output, fileName, runIds, bytes} as one JSON object')
    .action(async (ids: string[], options: RunsReportOptions) => {
      await runRunsReport(context, ids, options)
    })
}

export async function runRunsReport(context: CliContext, idTexts: string[], options: RunsReportOptions): Promise<void> {
  const command = 'runs report'
  const runIds = idTexts.map((text) => runIdOf(command, text))
  if (!options.output.trim()) throw new CliError(`${command}: --output needs a file name`)
  const { buildRunReport, checkReportRunIds } = await import('../services/run-report')
  // Refused before the database is opened, so a count or a repeat is named before an unknown id.
  try {
    checkReportRunIds(runIds)
  } catch (error) {
    throw refusal(command, error)
  }
  const report = await withDatabase(context, command, runIds, options.dataDir, async (services) => {
    try {
      return buildRunReport(services, runIds)
    } catch (error) {
      throw refusal(command, error)
    }
  })
  writeReport(options.output, report.html, Boolean(options.force))
  const bytes = Buffer.byteLength(report.html, 'utf8')
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ output: options.output, fileName: report.fileName, runIds, bytes }, null, 2)}\n`
      : `wrote the report of run${runIds.length > 1 ? 's' : ''} ${runIds.join(', ')} to ${options.output} (${bytes} bytes)\n`
  )
}

/** An existing file is kept unless `force` (checked by the open itself, so no race). */
function writeReport(file: string, html: string, force: boolean): void {
  try {
    writeFileSync(file, html, { flag: force ? 'w' : 'wx' })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      throw new CliError(`runs report: ${file} already exists; not overwriting it (add --force to replace it)`)
    }
    throw new CliError(`runs report: cannot write ${file}: ${(error as Error).message}`, 1)
  }
}
