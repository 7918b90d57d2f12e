/**
 * What the surrogate result panel draws, from a surrogate training run's stored result: the
 * test figures in words, and the predicted-vs-measured scatter as uPlot's aligned columns.
 */
import type { EpochMetrics, RunDetail, SurrogateRunResult } from '../../../src-shared/ipc'

/** The test RMSE as a percentage of the measured output range; null for a flat output. */
export function rmsePercentOfRange(result: SurrogateRunResult): number | null {
  const relative = result.test.rmseRelativeToRange
  return relative === null ? null : relative * 100
}

const ENDED_BY: Record<SurrogateRunResult['endedBy'], string> = {
  'max-epochs': 'all epochs run',
  'early-stop': 'early stop (no better validation loss)',
  stopped: 'stopped by the user'
}

/** Why training ended, and which epoch's weights the model keeps. */
export function endedByText(result: SurrogateRunResult): string {
  return `${ENDED_BY[result.endedBy]}; weights of epoch ${result.bestEpoch} kept`
}

/**
 * [measured (ascending), predicted, the ideal y = x]: uPlot wants its x column sorted, so the
 * test samples are ordered by their measured output; the ideal line runs along the same x.
 */
export function scatterColumns(result: SurrogateRunResult): [number[], number[], number[]] {
  const { measuredNanoamps, predictedNanoamps } = result.scatter
  const order = measuredNanoamps.map((_, i) => i).sort((a, b) => measuredNanoamps[a] - measuredNanoamps[b])
  const measured = order.map((i) => measuredNanoamps[i])
  return [measured, order.map((i) => predictedNanoamps[i]), measured.slice()]
}

/**
 * A stored run's losses per epoch: GD's typed list, or, for surrogate training (whose steps are
 * stored only as recorded steps), its recorded steps read as epochs. Empty for other algorithms.
 */
export function epochsOfRun(
  detail: Pick<RunDetail, 'epochs' | 'recordedSteps'> & { config: { algorithm: string } }
): EpochMetrics[] {
  if (detail.config.algorithm !== 'surrogate') return detail.epochs
  return detail.recordedSteps.map(({ step, values }) => ({
    epoch: step,
    trainLoss: values.trainLoss ?? Number.NaN,
    validationLoss: values.validationLoss ?? null
  }))
}
