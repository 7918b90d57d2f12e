// The one JSON object `dnpu bench --json` prints: the figures rounded, next to the reference
// library's values and the targets, with where they were measured.
import type { MlpKernelVariant } from '../kernels/mlp-kernel.js'
import type { BenchmarkRun } from './benchmarks.js'
import {
  FIGURE_KEYS,
  FIGURE_SPECS,
  targetMet,
  type BenchmarkSizes,
  type FigureKey,
  type FigureSpec
} from './figures.js'

/** Where the benchmark ran; filled in by the caller (core reads no system information). */
export interface MachineInfo {
  cpuModel: string
  cores: number
  nodeVersion: string
  os: string
  /**
   * The system's 1-minute load average when the benchmark started (null where the system has
   * none, e.g. Windows): on a shared machine, a load above the core count means slowed figures.
   */
  loadAverage1Minute: number | null
}

/** Four significant digits: more would be noise, and `met` is judged on what is shown. */
function rounded(value: number): number {
  return Number(value.toPrecision(4))
}

export interface BenchmarkReport extends Record<FigureKey, number> {
  computeBackend: string
  mlpKernel: MlpKernelVariant | null
  workers: number
  machine: MachineInfo
  quick: boolean
  reference: Record<FigureKey, number | null>
  targets: Record<FigureKey, FigureSpec['target']>
  targetsMet: Record<FigureKey, boolean>
  allTargetsMet: boolean
  repetitions: Record<FigureKey, number>
  sizes: BenchmarkSizes
}

/** The one JSON object `dnpu bench --json` prints. */
export function benchmarkReport(run: BenchmarkRun, machine: MachineInfo): BenchmarkReport {
  const values = {} as Record<FigureKey, number>
  const reference = {} as Record<FigureKey, number | null>
  const targets = {} as Record<FigureKey, FigureSpec['target']>
  const targetsMet = {} as Record<FigureKey, boolean>
  const repetitions = {} as Record<FigureKey, number>
  for (const key of FIGURE_KEYS) {
    const figure = run.figures[key]
    if (!(Number.isFinite(figure.value) && figure.value > 0))
      throw new RangeError(`${key}: measured value must be a positive finite number, got ${figure.value}`)
    values[key] = rounded(figure.value)
    reference[key] = FIGURE_SPECS[key].reference
    const target = FIGURE_SPECS[key].target
    targets[key] = target && { ...target }
    targetsMet[key] = targetMet(key, values[key])
    repetitions[key] = figure.repetitions
  }
  return {
    ...values,
    computeBackend: run.computeBackend,
    mlpKernel: run.mlpKernel,
    workers: run.workers,
    machine: { ...machine },
    quick: run.quick,
    reference,
    targets,
    targetsMet,
    allTargetsMet: FIGURE_KEYS.every((key) => targetsMet[key]),
    repetitions,
    sizes: {
      ...run.sizes,
      gaXorPartition: [run.sizes.gaXorPartition[0], run.sizes.gaXorPartition[1]],
      gaLargePartition: [run.sizes.gaLargePartition[0], run.sizes.gaLargePartition[1]]
    }
  }
}
