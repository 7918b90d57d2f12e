/**
 * Surrogate training: an MLP of a device trained on a sampled dataset, one epoch per step. Its
 * result is the trained model (stored in the model store) and its test figures.
 */
import { fixedOrDash, recordedStepsOf, stepExportTable, type AlgorithmDescriptor } from './descriptor'
import type { RunRecord } from '../runs'

const step = { name: 'epoch', plural: 'epochs', key: 'epoch' }

const stepMetrics = [
  // Mean squared error in training units (outputs over the amplification), as the reference reports it.
  { key: 'trainLoss', csvHeader: 'train_loss', label: 'train loss', unit: '', missing: 'nan', historyKey: 'trainLoss' },
  {
    key: 'validationLoss',
    csvHeader: 'validation_loss',
    label: 'validation loss',
    unit: '',
    missing: 'nan',
    historyKey: 'valLoss'
  }
] as const

export const surrogateAlgorithm = {
  id: 'surrogate',
  label: 'Surrogate training',
  shortLabel: 'Surrogate',
  step,
  stepMetrics,
  resultFields: ['surrogate'],
  trainsOnDevice: false,
  totalSteps: (config: { epochs: number }): number => config.epochs,
  exportTable: stepExportTable({ step, stepMetrics }),
  summaryLines: (run: RunRecord): string[] => {
    const last = recordedStepsOf({ step, stepMetrics }, run).at(-1)?.values
    const result = run.surrogate
    const lines = [
      `last losses:  train ${typeof last?.trainLoss === 'number' ? last.trainLoss.toPrecision(5) : '-'}, validation ${typeof last?.validationLoss === 'number' ? last.validationLoss.toPrecision(5) : '-'}`
    ]
    if (result) {
      const relative = result.test.rmseRelativeToRange
      lines.push(
        `test set:     RMSE ${result.test.rmseNanoamps.toPrecision(4)} nA (${relative === null ? '-' : `${(relative * 100).toFixed(2)} %`} of the output range), correlation ${fixedOrDash(result.test.correlation, 4)}, ${result.test.sampleCount} samples`,
        `model:        ${result.modelId === null ? 'not stored' : result.modelId} (best epoch ${result.bestEpoch}, dataset ${result.datasetId})`
      )
    }
    return lines
  }
} as const satisfies AlgorithmDescriptor<'surrogate', { epochs: number }>
