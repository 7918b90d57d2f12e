/**
 * `dnpu capacity`: the VC-dimension capacity sweep, run and stored like any training run (so it
 * shows in `runs list` and the History view, and a stopped sweep resumes with `runs resume`).
 */
import { DEFAULT_CAPACITY_CONFIG, VC_DIMENSION_RANGE } from '../../src-shared/ipc'
import { CliError, type CliContext } from './program'
import { trainAndReport } from './train-commands'

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

export async function runCapacity(context: CliContext, options: CapacityCommandOptions): Promise<void> {
  checkOptions(options)
  await trainAndReport(
    context,
    { ...options, dataElectrodes: [1, 2], inputRange: [-1, 1] },
    {
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: options.model,
      fromN: options.from,
      toN: options.to,
      attempts: options.attempts,
      generations: options.generations,
      thresholdParameter: options.thresholdParameter,
      ...(options.seed === undefined ? {} : { seed: options.seed })
    }
  )
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
