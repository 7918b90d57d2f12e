/** `dnpu bench`: the training engine's speed on the bundled demo surrogate (issue 4, item 8). */
import { arch, availableParallelism, cpus, loadavg, platform, release } from 'node:os'
import {
  benchmarkReport,
  FIGURE_KEYS,
  FIGURE_SPECS,
  runBenchmarks,
  type BenchmarkReport,
  type FigureKey,
  type FigureSpec,
  type MachineInfo
} from '../core/bench/benchmarks'
import { DEMO_MODEL_ID, ModelCatalog } from '../services/model-catalog'
import { EvaluationPool } from '../workers/evaluation-pool'
import { printJson } from './commands'
import type { CliContext } from './program'

export interface BenchOptions {
  json?: boolean
  quick?: boolean
  workers?: number
}

export function machineInfo(): MachineInfo {
  const processors = cpus()
  return {
    cpuModel: processors[0]?.model.trim() || 'unknown',
    cores: processors.length,
    nodeVersion: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    // Windows reports 0 for every load average: "not known" rather than "idle".
    loadAverage1Minute: platform() === 'win32' ? null : Number(loadavg()[0].toFixed(2))
  }
}

export async function runBench(context: CliContext, options: BenchOptions): Promise<void> {
  const machine = machineInfo() // before the benchmark adds its own load
  if (machine.loadAverage1Minute !== null && machine.loadAverage1Minute >= machine.cores) {
    process.stderr.write(
      `warning: load average ${machine.loadAverage1Minute} on ${machine.cores} cores: other work is running, the figures will come out slower\n`
    )
  }
  // The demo model through the catalog, read from the same .pt file the app ships. No database:
  // a benchmark stores nothing.
  const demo = ModelCatalog.withBundledModels(context.resourcesFolder).get(DEMO_MODEL_ID)
  if (!demo) throw new Error(`the bundled demo model is missing from ${context.resourcesFolder}`)
  process.stderr.write(
    `benchmarking on the demo surrogate${options.quick ? ' (quick: fewer repetitions, noisier figures)' : ' (about a minute)'}\n`
  )
  // Every figure runs on the same multi-thread pool `train ga` and `train gd` use.
  const workers = options.workers ?? availableParallelism()
  const run = await runBenchmarks({
    definition: demo.definition,
    quick: Boolean(options.quick),
    workers,
    createProcessor: (definition) => new EvaluationPool({ definition, workers }),
    createDifferentiableProcessor: (definition, simulation) => new EvaluationPool({ definition, simulation, workers }),
    onFigureStart: (key) => process.stderr.write(`  ${FIGURE_SPECS[key].label}...\n`)
  })
  const report = benchmarkReport(run, machine)
  if (options.json) printJson(report)
  else process.stdout.write(formatTable(report))
}

function formatValue(value: number, unit: FigureSpec['unit']): string {
  if (unit === 'samples/s') return `${value.toExponential(2).replace('e+', 'e')}/s`
  return `${Number(value.toPrecision(3))} ${unit}`
}

function formatTarget(spec: FigureSpec): string {
  if (spec.target === null) return '-'
  return 'atMost' in spec.target
    ? `<= ${formatValue(spec.target.atMost, spec.unit)}`
    : `>= ${formatValue(spec.target.atLeast, spec.unit)}`
}

/** figure | measured | reference | target | met?, then the machine it ran on. */
export function formatTable(report: BenchmarkReport): string {
  const header = ['figure', 'measured', 'reference', 'target', 'met?']
  const rows = FIGURE_KEYS.map((key: FigureKey) => {
    const spec = FIGURE_SPECS[key]
    return [
      spec.label,
      formatValue(report[key], spec.unit),
      spec.reference === null ? '-' : formatValue(spec.reference, spec.unit),
      formatTarget(spec),
      spec.target === null ? '-' : report.targetsMet[key] ? 'yes' : 'no'
    ]
  })
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
  const lines = [header, ...rows].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd()
  )
  const withTarget = FIGURE_KEYS.filter((key) => FIGURE_SPECS[key].target !== null)
  const met = withTarget.filter((key) => report.targetsMet[key]).length
  const { machine } = report
  return [
    ...lines,
    '',
    `${met} of ${withTarget.length} targets met`,
    `compute backend ${report.computeBackend}${report.mlpKernel ? ` + MLP kernel (${report.mlpKernel})` : ''}, ${report.workers} worker${report.workers === 1 ? '' : 's'}${report.quick ? ', quick run' : ''}`,
    `machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.nodeVersion}, ${machine.os}` +
      (machine.loadAverage1Minute === null ? '' : `, load average ${machine.loadAverage1Minute} at the start`),
    ''
  ].join('\n')
}
