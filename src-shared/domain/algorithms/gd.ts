/** Gradient descent (the ring task): one epoch per step; scored by perceptron accuracy when it ends. */
import { percentOrDash, recordedStepsOf, stepExportTable, type AlgorithmDescriptor } from './descriptor'
import type { RunRecord } from '../runs'

const step = { name: 'epoch', plural: 'epochs', key: 'epoch' }

const stepMetrics = [
  // Mean over the epoch's batches (the regularizer included with 'regul').
  { key: 'trainLoss', csvHeader: 'train_loss', label: 'train loss', unit: '', missing: 'nan', historyKey: 'trainLoss' },
  // null, not NaN, without a validation set: its CSV cell is empty rather than "NaN".
  {
    key: 'validationLoss',
    csvHeader: 'validation_loss',
    label: 'validation loss',
    unit: '',
    missing: 'null',
    historyKey: 'valLoss'
  }
] as const

export const gdAlgorithm = {
  id: 'gd',
  label: 'Gradient descent',
  shortLabel: 'GD',
  step,
  stepMetrics,
  resultFields: ['bestControlVoltages', 'bestOutputsNanoamps', 'targets', 'accuracy'],
  legacyStepList: 'epochs',
  trainsOnDevice: false,
  totalSteps: (config: { epochs: number }): number => config.epochs,
  exportTable: stepExportTable({ step, stepMetrics, legacyStepList: 'epochs' }),
  summaryLines: (run: RunRecord): string[] => {
    // Older builds stored no epochs or accuracy: dashes rather than a failure.
    const last = recordedStepsOf({ step, stepMetrics, legacyStepList: 'epochs' }, run).at(-1)?.values
    return [
      `last losses:  train ${typeof last?.trainLoss === 'number' ? last.trainLoss.toPrecision(5) : '-'}, validation ${typeof last?.validationLoss === 'number' ? last.validationLoss.toPrecision(5) : '-'}`,
      `accuracy:     train ${percentOrDash(run.accuracy?.trainPercent)}, validation ${percentOrDash(run.accuracy?.validationPercent)}, test ${percentOrDash(run.accuracy?.testPercent)}`
    ]
  }
} as const satisfies AlgorithmDescriptor<'gd', { epochs: number }>
