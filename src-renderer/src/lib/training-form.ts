/**
 * The training form's values and their checking. The limits come from the contract's own
 * schemas (one path for every algorithm: the form is turned into a config and parsed by
 * `trainingConfigSchema`), so the form can never accept what main would reject for a reason
 * the schema knows; main still validates again and its error is shown as is.
 */
import { z } from 'zod'
import {
  DEFAULT_CAPACITY_CONFIG,
  DEFAULT_GA_CONFIG,
  DEFAULT_GD_CONFIG,
  trainingConfigSchema,
  type Algorithm,
  type CapacityConfig,
  type FitnessName,
  type GaTrainingConfig,
  type GdTrainingConfig,
  type ModelSummary,
  type SimulationOptions,
  type TrainingConfig
} from '../../../src-shared/ipc'
import { CAPACITY_FORM_RULES } from './algorithm-forms/capacity-form'
import { num, type AlgorithmFormRules, type SharedConfigPart } from './algorithm-forms/form-rules'
import { GA_FORM_RULES } from './algorithm-forms/ga-form'
import { GD_FORM_RULES } from './algorithm-forms/gd-form'

// zod probes `new Function` to speed up object parsing; the page's CSP forbids eval, and the
// probe would log a CSP violation on every start. The interpreted path gives the same results.
z.config({ jitless: true })

/** What this form sets up: every algorithm main runs. */
export type FormAlgorithm = Algorithm

/** Each algorithm's part of the form, in the order of the algorithm menu. */
const RULES: { [A in FormAlgorithm]: AlgorithmFormRules<A> } = {
  ga: GA_FORM_RULES,
  gd: GD_FORM_RULES,
  capacity: CAPACITY_FORM_RULES
}

/** The algorithm menu: each trains its own kind of task and loads its own preset. */
export const ALGORITHM_CHOICES: readonly { value: FormAlgorithm; label: string }[] = Object.values(RULES).map(
  (rules) => rules.choice
)

type GdOptimizer = GdTrainingConfig['optimizer']
type GdConstraint = GdTrainingConfig['constraint']
type GdLoss = GdTrainingConfig['loss']

/**
 * Every algorithm's fields in one flat record, so that switching the algorithm keeps nothing
 * half-typed: it loads that algorithm's preset into every field. Number inputs bound with
 * `bind:value` give null when empty or not a number.
 */
export interface TrainingForm {
  algorithm: FormAlgorithm
  /** A gate name (GA), 'ring' (GD) or 'vc-dimension' (capacity sweep). */
  task: string
  modelId: string
  dataElectrodeA: number | null
  dataElectrodeB: number | null
  inputMin: number | null
  inputMax: number | null
  // Genetic algorithm (partition and generations also set each GA run of a capacity sweep)
  elite: number | null
  offspring: number | null
  generations: number | null
  fitness: FitnessName
  stopThreshold: number | null
  // Gradient descent on the ring task
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
  // Capacity sweep
  fromN: number | null
  toN: number | null
  attempts: number | null
  thresholdParameter: number | null
  /** Empty: main draws a random seed and stores it with the run. */
  seed: number | null
  /** Simulation options; empty keeps the model's own value (no noise). Noise is GA-only. */
  noiseStdNanoamps: number | null
  amplification: number | null
  clippingLoNanoamps: number | null
  clippingHiNanoamps: number | null
}

export type FormField = keyof TrainingForm
/** A field, or the split as a whole (its three fractions must add up to 1). */
export type ErrorKey = FormField | 'split'
export type FormErrors = Partial<Record<ErrorKey, string>>

export const FIELD_LABELS: Record<ErrorKey, string> = {
  algorithm: 'Algorithm',
  task: 'Task',
  modelId: 'Model',
  dataElectrodeA: 'Data electrode A',
  dataElectrodeB: 'Data electrode B',
  inputMin: 'Input range min',
  inputMax: 'Input range max',
  elite: 'Elite',
  offspring: 'Offspring',
  generations: 'Generations',
  fitness: 'Fitness',
  stopThreshold: 'Stop threshold',
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
  loss: 'Loss',
  fromN: 'From N',
  toN: 'To N',
  attempts: 'Attempts',
  thresholdParameter: 'Threshold parameter',
  seed: 'Seed',
  noiseStdNanoamps: 'Output noise',
  amplification: 'Amplification',
  clippingLoNanoamps: 'Clipping min',
  clippingHiNanoamps: 'Clipping max'
}

/** The preset of an algorithm's task on the given model: XOR for GA, the ring for GD, N 4 to 6 for the sweep. */
export function presetForm(algorithm: FormAlgorithm, modelId: string): TrainingForm {
  return formFromConfig({ ...RULES[algorithm].preset, modelId } as FormConfig)
}

/** The lab's XOR preset on the given model (what the view shows first). */
export function defaultForm(modelId: string): TrainingForm {
  return presetForm('ga', modelId)
}

/**
 * The form showing a config: a preset, or a run this window did not start (picked up after a
 * reload). The other algorithms' fields hold their presets, ready if the user switches. The
 * seed stays empty so that the next run does not silently reuse it.
 */
export function formFromConfig(config: FormConfig): TrainingForm {
  const ga: GaTrainingConfig = config.algorithm === 'ga' ? config : { ...DEFAULT_GA_CONFIG, modelId: config.modelId }
  const gd: GdTrainingConfig = config.algorithm === 'gd' ? config : { ...DEFAULT_GD_CONFIG, modelId: config.modelId }
  const sweep: CapacityConfig =
    config.algorithm === 'capacity' ? config : { ...DEFAULT_CAPACITY_CONFIG, modelId: config.modelId }
  // The GA and the sweep's GA runs share the partition and generations fields.
  const evolution = config.algorithm === 'capacity' ? sweep : ga
  const simulation: SimulationOptions | undefined = config.simulation
  return {
    algorithm: config.algorithm,
    task: config.task,
    modelId: config.modelId,
    dataElectrodeA: config.dataElectrodes[0],
    dataElectrodeB: config.dataElectrodes[1],
    inputMin: config.inputRange[0],
    inputMax: config.inputRange[1],
    elite: evolution.partition[0],
    offspring: evolution.partition[1],
    generations: evolution.generations,
    fitness: ga.fitness,
    stopThreshold: ga.stopThreshold,
    sampleCount: gd.ring.sampleCount,
    gap: gd.ring.gap,
    splitTrain: gd.ring.split.train,
    splitValidation: gd.ring.split.validation,
    splitTest: gd.ring.split.test,
    dataSeed: gd.ring.dataSeed,
    epochs: gd.epochs,
    learningRate: gd.learningRate,
    batchSize: gd.batchSize,
    optimizer: gd.optimizer,
    constraint: gd.constraint,
    loss: gd.loss,
    fromN: sweep.fromN,
    toN: sweep.toN,
    attempts: sweep.attempts,
    thresholdParameter: sweep.thresholdParameter,
    seed: null,
    noiseStdNanoamps: config.algorithm === 'ga' ? (simulation?.noiseStdNanoamps ?? null) : null,
    amplification: simulation?.amplification ?? null,
    clippingLoNanoamps: simulation?.clippingValueNanoamps?.[0] ?? null,
    clippingHiNanoamps: simulation?.clippingValueNanoamps?.[1] ?? null
  }
}

/** Number fields every algorithm needs, checked before its own. */
const SHARED_REQUIRED: FormField[] = ['dataElectrodeA', 'dataElectrodeB', 'inputMin', 'inputMax']

function requiredNumberFields(algorithm: FormAlgorithm): FormField[] {
  return [...SHARED_REQUIRED, ...RULES[algorithm].requiredNumbers]
}

function wholeNumberFields(algorithm: FormAlgorithm): FormField[] {
  return ['dataElectrodeA', 'dataElectrodeB', ...RULES[algorithm].wholeNumbers, 'seed']
}

/** Where a schema issue belongs in the form. */
function fieldOfIssue(path: PropertyKey[]): ErrorKey | null {
  const [key, index] = path
  switch (key) {
    case 'task':
    case 'modelId':
    case 'generations':
    case 'fitness':
    case 'stopThreshold':
    case 'epochs':
    case 'learningRate':
    case 'batchSize':
    case 'optimizer':
    case 'constraint':
    case 'loss':
    case 'fromN':
    case 'toN':
    case 'attempts':
    case 'thresholdParameter':
    case 'seed':
      return key
    case 'dataElectrodes':
      return index === 0 ? 'dataElectrodeA' : 'dataElectrodeB'
    case 'inputRange':
      return index === 0 ? 'inputMin' : 'inputMax'
    case 'partition':
      return index === 0 ? 'elite' : 'offspring'
    case 'ring': {
      const [, option, part] = path
      if (option === 'sampleCount' || option === 'gap' || option === 'dataSeed') return option
      if (option === 'split') {
        if (part === 'train') return 'splitTrain'
        if (part === 'validation') return 'splitValidation'
        if (part === 'test') return 'splitTest'
        return 'split'
      }
      return null
    }
    case 'simulation': {
      const [, option, bound] = path
      if (option === 'noiseStdNanoamps' || option === 'amplification') return option
      if (option === 'clippingValueNanoamps') return bound === 1 ? 'clippingHiNanoamps' : 'clippingLoNanoamps'
      return null
    }
    default:
      return null
  }
}

/** The schema's own messages name fields by their config keys; the form shows its labels. */
const CONFIG_KEY_WORDS: [RegExp, string][] = [
  [/\bfromN\b/g, 'from N'],
  [/\btoN\b/g, 'to N']
]

function sentenceCase(message: string): string {
  const worded = CONFIG_KEY_WORDS.reduce((text, [key, words]) => text.replace(key, words), message)
  return worded.length > 0 ? worded[0].toUpperCase() + worded.slice(1) : worded
}

type SchemaIssue = z.core.$ZodIssue

function friendlyMessage(issue: SchemaIssue): string {
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `${issue.inclusive === false ? 'More than' : 'At least'} ${issue.minimum}.`
  }
  if (issue.code === 'too_big' && issue.origin === 'number') {
    return `${issue.inclusive === false ? 'Less than' : 'At most'} ${issue.maximum}.`
  }
  return sentenceCase(issue.message) + '.'
}

/** A config the form can describe: any training config. */
export type FormConfig = TrainingConfig

export interface FormCheck {
  config: FormConfig | null
  errors: FormErrors
  /** Problems that belong to no single field. */
  formErrors: string[]
}

function simulationOf(form: TrainingForm, model: ModelSummary | undefined): SimulationOptions | undefined {
  const simulation: SimulationOptions = {}
  if (form.algorithm === 'ga' && form.noiseStdNanoamps !== null && form.noiseStdNanoamps !== undefined) {
    simulation.noiseStdNanoamps = form.noiseStdNanoamps
  }
  if (form.amplification !== null && form.amplification !== undefined) simulation.amplification = form.amplification
  const clipLo = form.clippingLoNanoamps ?? null
  const clipHi = form.clippingHiNanoamps ?? null
  if (clipLo !== null || clipHi !== null) {
    // One bound given: the other keeps the model's value.
    simulation.clippingValueNanoamps = [
      clipLo ?? model?.clippingValueNanoamps[0] ?? NaN,
      clipHi ?? model?.clippingValueNanoamps[1] ?? NaN
    ]
  }
  return Object.keys(simulation).length > 0 ? simulation : undefined
}

/** The config the form describes, before any checking (empty numbers are NaN). */
export function configOfForm(form: TrainingForm, model: ModelSummary | undefined): FormConfig {
  const shared: SharedConfigPart = {
    modelId: form.modelId,
    dataElectrodes: [num(form.dataElectrodeA), num(form.dataElectrodeB)],
    inputRange: [num(form.inputMin), num(form.inputMax)]
  }
  const config: FormConfig = RULES[form.algorithm].configOf(form, shared)
  if (form.seed !== null && form.seed !== undefined) config.seed = form.seed
  const simulation = simulationOf(form, model)
  if (simulation) config.simulation = simulation
  return config
}

export function checkForm(form: TrainingForm, model: ModelSummary | undefined): FormCheck {
  const errors: FormErrors = {}
  const formErrors: string[] = []

  for (const field of requiredNumberFields(form.algorithm)) {
    if (form[field] === null || form[field] === undefined) errors[field] = 'Enter a number.'
  }
  for (const field of wholeNumberFields(form.algorithm)) {
    const value = form[field]
    if (!errors[field] && typeof value === 'number' && !Number.isInteger(value)) errors[field] = 'Enter a whole number.'
  }
  if (!model) errors.modelId = 'Choose a model.'

  if (model) {
    const last = model.inputCount - 1
    for (const field of ['dataElectrodeA', 'dataElectrodeB'] as const) {
      const electrode = form[field]
      if (!errors[field] && typeof electrode === 'number' && (electrode < 0 || electrode > last)) {
        errors[field] = `This model has activation electrodes 0 to ${last}.`
      }
    }
  }

  const config = configOfForm(form, model)
  const parsed = trainingConfigSchema.safeParse(config)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOfIssue(issue.path)
      if (field === null) formErrors.push(sentenceCase(issue.message))
      else if (!errors[field]) errors[field] = friendlyMessage(issue)
    }
  }

  const ok = Object.keys(errors).length === 0 && formErrors.length === 0
  return { config: ok ? config : null, errors, formErrors }
}
