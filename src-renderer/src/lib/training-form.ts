/**
 * The training form's values and their checking. The limits come from the contract's own
 * schema, so the form can never accept what main would reject for a reason the schema knows;
 * main still validates again and its error is shown as is.
 */
import { z } from 'zod'
import {
  DEFAULT_GA_CONFIG,
  gaTrainingConfigSchema,
  type FitnessName,
  type GaTrainingConfig,
  type ModelSummary
} from '../../../src-preload/contract'

// zod probes `new Function` to speed up object parsing; the page's CSP forbids eval, and the
// probe would log a CSP violation on every start. The interpreted path gives the same results.
z.config({ jitless: true })

/** Gates in the order the task menu offers them (XOR, the lab's preset, first). */
export const TASK_CHOICES = ['xor', 'and', 'or', 'nand', 'nor', 'xnor'] as const

/** Number inputs bound with `bind:value` give null when empty or not a number. */
export interface TrainingForm {
  task: string
  modelId: string
  dataElectrodeA: number | null
  dataElectrodeB: number | null
  inputMin: number | null
  inputMax: number | null
  elite: number | null
  offspring: number | null
  generations: number | null
  fitness: FitnessName
  stopThreshold: number | null
  /** Empty: main draws a random seed and stores it with the run. */
  seed: number | null
  /** Simulation options; empty keeps the model's own value (no noise). */
  noiseStdNanoamps: number | null
  amplification: number | null
  clippingLoNanoamps: number | null
  clippingHiNanoamps: number | null
}

export type FormField = keyof TrainingForm
export type FormErrors = Partial<Record<FormField, string>>

export const FIELD_LABELS: Record<FormField, string> = {
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
  seed: 'Seed',
  noiseStdNanoamps: 'Output noise',
  amplification: 'Amplification',
  clippingLoNanoamps: 'Clipping min',
  clippingHiNanoamps: 'Clipping max'
}

/** The lab's XOR preset on the given model. */
export function defaultForm(modelId: string): TrainingForm {
  return formFromConfig({ ...DEFAULT_GA_CONFIG, modelId })
}

/**
 * The form showing a config: the preset, or a run this window did not start (picked up after a
 * reload). The seed stays empty so that the next run does not silently reuse it.
 */
export function formFromConfig(config: GaTrainingConfig): TrainingForm {
  return {
    task: config.task,
    modelId: config.modelId,
    dataElectrodeA: config.dataElectrodes[0],
    dataElectrodeB: config.dataElectrodes[1],
    inputMin: config.inputRange[0],
    inputMax: config.inputRange[1],
    elite: config.partition[0],
    offspring: config.partition[1],
    generations: config.generations,
    fitness: config.fitness,
    stopThreshold: config.stopThreshold,
    seed: null,
    noiseStdNanoamps: config.simulation?.noiseStdNanoamps ?? null,
    amplification: config.simulation?.amplification ?? null,
    clippingLoNanoamps: config.simulation?.clippingValueNanoamps?.[0] ?? null,
    clippingHiNanoamps: config.simulation?.clippingValueNanoamps?.[1] ?? null
  }
}

const INTEGER_FIELDS: FormField[] = ['dataElectrodeA', 'dataElectrodeB', 'elite', 'offspring', 'generations', 'seed']
const REQUIRED_NUMBER_FIELDS: FormField[] = [
  'dataElectrodeA',
  'dataElectrodeB',
  'inputMin',
  'inputMax',
  'elite',
  'offspring',
  'generations',
  'stopThreshold'
]

/** Where a schema issue belongs in the form. */
function fieldOfIssue(path: PropertyKey[]): FormField | null {
  const [key, index] = path
  switch (key) {
    case 'task':
    case 'modelId':
    case 'generations':
    case 'fitness':
    case 'stopThreshold':
    case 'seed':
      return key
    case 'dataElectrodes':
      return index === 0 ? 'dataElectrodeA' : 'dataElectrodeB'
    case 'inputRange':
      return index === 0 ? 'inputMin' : 'inputMax'
    case 'partition':
      return index === 0 ? 'elite' : 'offspring'
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

function sentenceCase(message: string): string {
  return message.length > 0 ? message[0].toUpperCase() + message.slice(1) : message
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

export interface FormCheck {
  config: GaTrainingConfig | null
  errors: FormErrors
  /** Problems that belong to no single field. */
  formErrors: string[]
}

export function checkForm(form: TrainingForm, model: ModelSummary | undefined): FormCheck {
  const errors: FormErrors = {}
  const formErrors: string[] = []

  for (const field of REQUIRED_NUMBER_FIELDS) {
    if (form[field] === null || form[field] === undefined) errors[field] = 'Enter a number.'
  }
  for (const field of INTEGER_FIELDS) {
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

  const config: GaTrainingConfig = {
    algorithm: 'ga',
    task: form.task,
    modelId: form.modelId,
    dataElectrodes: [form.dataElectrodeA ?? NaN, form.dataElectrodeB ?? NaN],
    inputRange: [form.inputMin ?? NaN, form.inputMax ?? NaN],
    partition: [form.elite ?? NaN, form.offspring ?? NaN],
    generations: form.generations ?? NaN,
    fitness: form.fitness,
    stopThreshold: form.stopThreshold ?? NaN
  }
  if (form.seed !== null && form.seed !== undefined) config.seed = form.seed
  const simulation: NonNullable<GaTrainingConfig['simulation']> = {}
  if (form.noiseStdNanoamps !== null && form.noiseStdNanoamps !== undefined) {
    simulation.noiseStdNanoamps = form.noiseStdNanoamps
  }
  if (form.amplification !== null && form.amplification !== undefined) simulation.amplification = form.amplification
  const clipLo = form.clippingLoNanoamps ?? null
  const clipHi = form.clippingHiNanoamps ?? null
  if (clipLo !== null || clipHi !== null) {
    // One bound given: the other keeps the model's value.
    simulation.clippingValueNanoamps = [clipLo ?? model?.clippingValueNanoamps[0] ?? NaN, clipHi ?? model?.clippingValueNanoamps[1] ?? NaN]
  }
  if (Object.keys(simulation).length > 0) config.simulation = simulation

  const parsed = gaTrainingConfigSchema.safeParse(config)
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
