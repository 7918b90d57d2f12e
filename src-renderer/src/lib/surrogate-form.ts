/**
 * The Models view's "Train a surrogate" form: its values, its checking and the config it makes.
 * The limits are the contract's own (`surrogateTrainingConfigSchema` parses what the form
 * describes), so the form never accepts what main would refuse for a reason the schema knows;
 * main checks again (the dataset exists and is complete) and its error is shown as is.
 */
import { z } from 'zod'
import {
  ACTIVATION_NAMES,
  DEFAULT_SURROGATE_CONFIG,
  surrogateTrainingConfigSchema,
  type ActivationName,
  type DatasetSummary,
  type SurrogateTrainingConfig
} from '../../../src-shared/ipc'

// As in training-form.ts: the page's CSP forbids the eval zod probes for.
z.config({ jitless: true })

/** A sampled dataset as the form offers it; an incomplete one is listed but cannot be chosen. */
export interface DatasetChoice {
  id: number
  label: string
  sampleCount: number
  complete: boolean
}

export { ACTIVATION_NAMES }

/**
 * The stored datasets as the form offers them, newest first. The count is what training would
 * use (clipped samples dropped), since that is what decides whether a dataset is big enough.
 */
export function datasetChoicesOf(summaries: readonly DatasetSummary[]): DatasetChoice[] {
  return [...summaries]
    .sort((a, b) => b.id - a.id)
    .map((dataset) => ({
      id: dataset.id,
      label: `Dataset ${dataset.id} (${dataset.status}, ${dataset.createdAt.slice(0, 16).replace('T', ' ')})`,
      sampleCount: dataset.keptCount,
      complete: dataset.status === 'complete'
    }))
}

/** Number inputs bound with `bind:value` give null when empty or not a number. */
export interface SurrogateForm {
  datasetId: number | null
  /** Hidden layer sizes as typed, input side first: "90,90,90". */
  hiddenSizes: string
  activation: ActivationName
  epochs: number | null
  batchSize: number | null
  learningRate: number | null
  /** false: every epoch runs (patience null in the config). */
  earlyStop: boolean
  patience: number | null
  splitTrain: number | null
  splitValidation: number | null
  splitTest: number | null
  /** Empty: main draws a seed and stores it with the run. */
  seed: number | null
  /** Empty: main names the model "Surrogate of dataset N". */
  modelName: string
}

export type SurrogateFormField = keyof SurrogateForm
/** A field, or the split as a whole (its fractions must add up to 1). */
export type SurrogateErrorKey = SurrogateFormField | 'split'
export type SurrogateFormErrors = Partial<Record<SurrogateErrorKey, string>>

export const SURROGATE_FIELD_LABELS: Record<SurrogateErrorKey, string> = {
  datasetId: 'Dataset',
  hiddenSizes: 'Hidden layers',
  activation: 'Activation',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  earlyStop: 'Early stop',
  patience: 'Patience',
  splitTrain: 'Training fraction',
  splitValidation: 'Validation fraction',
  splitTest: 'Test fraction',
  split: 'Split',
  seed: 'Seed',
  modelName: 'Model name'
}

/** The form showing a config (a rerun's, or the defaults); the seed is kept only when asked. */
export function surrogateFormFromConfig(
  config: Omit<SurrogateTrainingConfig, 'datasetId'> & { datasetId?: number | null },
  { keepSeed = false }: { keepSeed?: boolean } = {}
): SurrogateForm {
  return {
    datasetId: config.datasetId ?? null,
    hiddenSizes: config.hiddenSizes.join(','),
    activation: config.activation,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    earlyStop: config.patience !== null,
    // Unticking early stop keeps the last patience typed, ready if it is ticked again.
    patience: config.patience ?? DEFAULT_SURROGATE_CONFIG.patience,
    splitTrain: config.split.train,
    splitValidation: config.split.validation,
    splitTest: config.split.test,
    seed: keepSeed ? (config.seed ?? null) : null,
    modelName: config.modelName ?? ''
  }
}

/** The reference network and optimiser (the contract's defaults) on the given dataset. */
export function defaultSurrogateForm(datasetId: number | null = null): SurrogateForm {
  return surrogateFormFromConfig({ ...DEFAULT_SURROGATE_CONFIG, datasetId })
}

/** "90, 90,90" → [90, 90, 90]; a clear error for anything else. */
export function parseHiddenSizes(text: string): { sizes: number[] } | { error: string } {
  const parts = text.split(',').map((part) => part.trim())
  if (parts.length === 1 && parts[0] === '') return { error: 'Enter the layer sizes, such as 90,90,90.' }
  const sizes: number[] = []
  for (const part of parts) {
    if (!/^\d+$/.test(part)) {
      return { error: `"${part}" is not a whole number: enter layer sizes such as 90,90,90.` }
    }
    sizes.push(Number(part))
  }
  return { sizes }
}

const num = (value: number | null | undefined): number => (typeof value === 'number' ? value : NaN)

/** The config the form describes before any checking (empty numbers are NaN, unparsable layers empty). */
export function configOfSurrogateForm(form: SurrogateForm): SurrogateTrainingConfig {
  const hidden = parseHiddenSizes(form.hiddenSizes)
  const config: SurrogateTrainingConfig = {
    algorithm: 'surrogate',
    datasetId: num(form.datasetId),
    hiddenSizes: 'sizes' in hidden ? hidden.sizes : [],
    activation: form.activation,
    epochs: num(form.epochs),
    batchSize: num(form.batchSize),
    learningRate: num(form.learningRate),
    patience: form.earlyStop ? num(form.patience) : null,
    split: { train: num(form.splitTrain), validation: num(form.splitValidation), test: num(form.splitTest) }
  }
  if (form.seed !== null && form.seed !== undefined) config.seed = form.seed
  const name = form.modelName.trim()
  if (name !== '') config.modelName = name
  return config
}

/** Why a dataset cannot be trained on, or null when it can. */
export function datasetRefusal(choice: DatasetChoice): string | null {
  if (!choice.complete) return 'its sampling has not finished: resume it in Sampling first'
  if (choice.sampleCount === 0) return 'it holds no samples'
  return null
}

export interface SurrogateFormCheck {
  config: SurrogateTrainingConfig | null
  errors: SurrogateFormErrors
  /** Problems that belong to no single field. */
  formErrors: string[]
}

type SchemaIssue = z.core.$ZodIssue

function fieldOfIssue(path: readonly PropertyKey[]): SurrogateErrorKey | null {
  const [key, sub] = path
  switch (key) {
    case 'datasetId':
    case 'hiddenSizes':
    case 'activation':
    case 'epochs':
    case 'batchSize':
    case 'learningRate':
    case 'patience':
    case 'seed':
    case 'modelName':
      return key
    case 'split':
      if (sub === 'train') return 'splitTrain'
      if (sub === 'validation') return 'splitValidation'
      if (sub === 'test') return 'splitTest'
      return 'split'
    default:
      return null
  }
}

function friendlyMessage(issue: SchemaIssue, field: SurrogateErrorKey): string {
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `${issue.inclusive === false ? 'More than' : 'At least'} ${issue.minimum}.`
  }
  if (issue.code === 'too_big' && issue.origin === 'number') {
    return `${issue.inclusive === false ? 'Less than' : 'At most'} ${issue.maximum}.`
  }
  if (field === 'hiddenSizes' && issue.code === 'too_small') return `At least ${issue.minimum} layer.`
  if (field === 'hiddenSizes' && issue.code === 'too_big') return `At most ${issue.maximum} layers.`
  if (field === 'split') return 'Training + validation + test must add up to 1.'
  const message = issue.message
  return message.length > 0 ? message[0].toUpperCase() + message.slice(1) + '.' : message
}

const REQUIRED_NUMBERS: SurrogateFormField[] = [
  'datasetId',
  'epochs',
  'batchSize',
  'learningRate',
  'splitTrain',
  'splitValidation',
  'splitTest'
]
const WHOLE_NUMBERS: SurrogateFormField[] = ['datasetId', 'epochs', 'batchSize', 'patience', 'seed']

/**
 * Checks the form against the contract's schema and the datasets on offer (an empty list: the
 * id is typed by hand and main checks it exists and is complete).
 */
export function checkSurrogateForm(form: SurrogateForm, datasets: readonly DatasetChoice[]): SurrogateFormCheck {
  const errors: SurrogateFormErrors = {}
  const formErrors: string[] = []
  const required = form.earlyStop ? [...REQUIRED_NUMBERS, 'patience' as const] : REQUIRED_NUMBERS
  for (const field of required) {
    if (form[field] === null || form[field] === undefined) {
      errors[field] = field === 'datasetId' ? 'Choose a dataset.' : 'Enter a number.'
    }
  }
  for (const field of WHOLE_NUMBERS) {
    const value = form[field]
    if (!errors[field] && typeof value === 'number' && !Number.isInteger(value)) errors[field] = 'Enter a whole number.'
  }
  const hidden = parseHiddenSizes(form.hiddenSizes)
  if ('error' in hidden) errors.hiddenSizes = hidden.error

  if (!errors.datasetId && datasets.length > 0) {
    const choice = datasets.find((d) => d.id === form.datasetId)
    const refusal = choice ? datasetRefusal(choice) : null
    if (!choice) errors.datasetId = `There is no dataset ${form.datasetId}.`
    else if (refusal) errors.datasetId = `Dataset ${choice.id} cannot be trained on: ${refusal}.`
  }

  const config = configOfSurrogateForm(form)
  const parsed = surrogateTrainingConfigSchema.safeParse(config)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOfIssue(issue.path)
      if (field === null) formErrors.push(issue.message)
      else if (!errors[field]) errors[field] = friendlyMessage(issue, field)
    }
  }
  const ok = Object.keys(errors).length === 0 && formErrors.length === 0
  return { config: ok ? config : null, errors, formErrors }
}

/** The dataset `#models?train=N` asks for, or null (no such parameter, or not a positive whole number). */
export function trainDatasetOfHash(hash: string): number | null {
  const at = hash.indexOf('?')
  if (hash.replace(/^#/, '').split('?')[0] !== 'models' || at < 0) return null
  const value = new URLSearchParams(hash.slice(at + 1, at + 1 + 200)).get('train')
  if (value === null || !/^\d{1,9}$/.test(value)) return null
  const id = Number(value)
  return id >= 1 ? id : null
}

/** The hash that opens the Models view's training form on a dataset. */
export function trainHash(datasetId: number): string {
  return `#models?train=${datasetId}`
}
