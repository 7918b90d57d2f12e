/** Gradient descent's part of the training form: the ring dataset and the optimisation settings. */
import { DEFAULT_GD_CONFIG, type GdTrainingConfig } from '../../../../src-shared/ipc'
import type { TrainingForm } from '../training-form'
import { num, type AlgorithmFormRules } from './form-rules'

export const GD_FORM_RULES: AlgorithmFormRules<'gd'> = {
  choice: { value: 'gd', label: 'Gradient descent · ring' },
  preset: DEFAULT_GD_CONFIG,
  requiredNumbers: [
    'sampleCount',
    'gap',
    'splitTrain',
    'splitValidation',
    'splitTest',
    'dataSeed',
    'epochs',
    'learningRate',
    'batchSize'
  ],
  wholeNumbers: ['sampleCount', 'dataSeed', 'epochs', 'batchSize'],
  configOf: (form, shared) => ({
    algorithm: 'gd',
    task: form.task as GdTrainingConfig['task'],
    ...shared,
    ring: {
      sampleCount: num(form.sampleCount),
      gap: num(form.gap),
      split: { train: num(form.splitTrain), validation: num(form.splitValidation), test: num(form.splitTest) },
      dataSeed: num(form.dataSeed)
    },
    epochs: num(form.epochs),
    learningRate: num(form.learningRate),
    batchSize: num(form.batchSize),
    optimizer: form.optimizer,
    constraint: form.constraint,
    loss: form.loss
  })
}

/**
 * How many of the ring's points each part gets, as main splits them (whole points, rounded
 * down; the test part takes the rest when the fractions add up to 1). Null while incomplete.
 */
export function ringSplitCounts(form: TrainingForm): { train: number; validation: number; test: number } | null {
  const { sampleCount: n, splitTrain: train, splitValidation: validation, splitTest: test } = form
  if (n === null || train === null || validation === null || test === null) return null
  if (![n, train, validation, test].every((v) => Number.isFinite(v) && v >= 0)) return null
  const trainCount = Math.floor(train * n)
  const validationCount = Math.floor(validation * n)
  const total = train + validation + test
  const testCount = Math.abs(total - 1) < 1e-9 ? n - trainCount - validationCount : Math.floor(test * n)
  return { train: trainCount, validation: validationCount, test: testCount }
}
