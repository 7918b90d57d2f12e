/** Gradient descent's part of the training form: the ring dataset and the optimisation settings. */
import { DEFAULT_GD_CONFIG, type GdTrainingConfig } from '../../../../src-shared/ipc'
import type { ErrorKey, TrainingForm } from '../training-form'
import { num, sameNamedField, type AlgorithmFormRules, type IssuePath } from './form-rules'

type GdOptimizer = GdTrainingConfig['optimizer']
type GdConstraint = GdTrainingConfig['constraint']
type GdLoss = GdTrainingConfig['loss']

/** The ring dataset and the optimisation. */
export interface GdFormFields {
  sampleCount: number | null
  gap: number | null
  splitTrain: number | null
  splitValidation: number | null
  splitTest: number | null
  dataSeed: number | null
  epochs: number | null
  learningRate: number | null
  batchSize: number | null
  optimizer: GdOptimizer
  constraint: GdConstraint
  loss: GdLoss
}

const TOP_LEVEL_FIELDS = ['epochs', 'learningRate', 'batchSize', 'optimizer', 'constraint', 'loss'] as const

/** `ring.split.train` is the train fraction's field; `ring.split` as a whole is the 'split' rule. */
function fieldOfIssue(path: IssuePath): ErrorKey | null {
  const [key, option, part] = path
  if (key !== 'ring') return sameNamedField(TOP_LEVEL_FIELDS, path)
  if (option === 'sampleCount' || option === 'gap' || option === 'dataSeed') return option
  if (option !== 'split') return null
  if (part === 'train') return 'splitTrain'
  if (part === 'validation') return 'splitValidation'
  if (part === 'test') return 'splitTest'
  return 'split'
}

export const GD_FORM_RULES: AlgorithmFormRules<'gd'> = {
  choice: { value: 'gd', label: 'Gradient descent · ring' },
  preset: DEFAULT_GD_CONFIG,
  labels: {
    sampleCount: 'Samples',
    gap: 'Gap',
    splitTrain: 'Train fraction',
    splitValidation: 'Validation fraction',
    splitTest: 'Test fraction',
    split: 'Split',
    dataSeed: 'Data seed',
    epochs: 'Epochs',
    learningRate: 'Learning rate',
    batchSize: 'Batch size',
    optimizer: 'Optimizer',
    constraint: 'Constraint',
    loss: 'Loss'
  },
  fieldsOf: (config) => ({
    sampleCount: config.ring.sampleCount,
    gap: config.ring.gap,
    splitTrain: config.ring.split.train,
    splitValidation: config.ring.split.validation,
    splitTest: config.ring.split.test,
    dataSeed: config.ring.dataSeed,
    epochs: config.epochs,
    learningRate: config.learningRate,
    batchSize: config.batchSize,
    optimizer: config.optimizer,
    constraint: config.constraint,
    loss: config.loss
  }),
  fieldOfIssue,
  takesNoise: false,
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
