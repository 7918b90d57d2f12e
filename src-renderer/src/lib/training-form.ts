/**
 * The training form's values and their checking. The limits come from the contract's own
 * schemas (one path for every algorithm: the form is turned into a config and parsed by
 * `trainingConfigSchema`), so the form can never accept what main would reject for a reason
 * the schema knows; main still validates again and its error is shown as is.
 */
import { z } from 'zod'
import {
  trainingConfigSchema,
  type ControlTrainingConfig,
  type ModelSummary,
  type SimulationOptions
} from '../../../src-shared/ipc'
import { CAPACITY_FORM_RULES, type CapacityFormFields } from './algorithm-forms/capacity-form'
import { num, type AlgorithmFormRules, type IssuePath, type SharedConfigPart } from './algorithm-forms/form-rules'
import { GA_FORM_RULES, type GaFormFields } from './algorithm-forms/ga-form'
import { GD_FORM_RULES, type GdFormFields } from './algorithm-forms/gd-form'

// zod probes `new Function` to speed up object parsing; the page's CSP forbids eval, and the
// probe would log a CSP violation on every start. The interpreted path gives the same results.
z.config({ jitless: true })

/**
 * What this form sets up: every algorithm that trains control voltages (surrogate training has
 * its own form in the Models view).
 */
export type FormAlgorithm = ControlTrainingConfig['algorithm']

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

/** Each algorithm's own fields (declared with its rules in algorithm-forms/). */
type AlgorithmFormFields = GaFormFields & GdFormFields & CapacityFormFields

/** The fields every algorithm has. */
interface SharedFormFields {
  algorithm: FormAlgorithm
  /** A gate name (GA), 'ring' (GD) or 'vc-dimension' (capacity sweep). */
  task: string
  modelId: string
  dataElectrodeA: number | null
  dataElectrodeB: number | null
  inputMin: number | null
  inputMax: number | null
  /** Empty: main draws a random seed and stores it with the run. */
  seed: number | null
  /** Simulation options; empty keeps the model's own value (no noise). Noise only where the algorithm takes it. */
  noiseStdNanoamps: number | null
  amplification: number | null
  clippingLoNanoamps: number | null
  clippingHiNanoamps: number | null
}

/**
 * Every algorithm's fields in one flat record, so that switching the algorithm keeps nothing
 * half-typed: it loads that algorithm's preset into every field. Number inputs bound with
 * `bind:value` give null when empty or not a number.
 */
export type TrainingForm = SharedFormFields & AlgorithmFormFields

export type FormField = keyof TrainingForm
/** A field, or the split as a whole (its three fractions must add up to 1). */
export type ErrorKey = FormField | 'split'
export type FormErrors = Partial<Record<ErrorKey, string>>

const SHARED_LABELS: Record<keyof SharedFormFields, string> = {
  algorithm: 'Algorithm',
  task: 'Task',
  modelId: 'Model',
  dataElectrodeA: 'Data electrode A',
  dataElectrodeB: 'Data electrode B',
  inputMin: 'Input range min',
  inputMax: 'Input range max',
  seed: 'Seed',
  noiseStdNanoamps: 'Output noise',
  amplification: 'Amplification',
  clippingLoNanoamps: 'Clipping min',
  clippingHiNanoamps: 'Clipping max'
}

export const FIELD_LABELS = Object.assign(
  { ...SHARED_LABELS },
  ...Object.values(RULES).map((rules) => rules.labels)
) as Record<ErrorKey, string>

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
  // Every other algorithm's preset, in reverse menu order (so the first algorithm's values win
  // where two share a field, as the GA and the sweep share the evolution fields), then this
  // config's own fields last.
  const others = (Object.values(RULES) as AlgorithmFormRules[])
    .filter((rules) => rules.choice.value !== config.algorithm)
    .reverse()
  const own = RULES[config.algorithm] as AlgorithmFormRules
  const algorithmFields = Object.assign(
    {},
    ...others.map((rules) => rules.fieldsOf(rules.preset)),
    own.fieldsOf(config)
  ) as AlgorithmFormFields
  const simulation: SimulationOptions | undefined = config.simulation
  return {
    ...algorithmFields,
    algorithm: config.algorithm,
    task: config.task,
    modelId: config.modelId,
    dataElectrodeA: config.dataElectrodes[0],
    dataElectrodeB: config.dataElectrodes[1],
    inputMin: config.inputRange[0],
    inputMax: config.inputRange[1],
    seed: null,
    noiseStdNanoamps: own.takesNoise ? (simulation?.noiseStdNanoamps ?? null) : null,
    amplification: simulation?.amplification ?? null,
    clippingLoNanoamps: simulation?.clippingValueNanoamps?.[0] ?? null,
    clippingHiNanoamps: simulation?.clippingValueNanoamps?.[1] ?? null
  }
}

/**
 * The form holding a stored run's settings to run them again (History's "New run from these
 * settings"): like formFromConfig, but the seed is kept when the config has one (the config
 * comes from `runs:rerun-config`, which drops it when a new seed was asked for). A GA run's
 * processor (surrogate or device) is not a form field: the caller sets it.
 */
export function formFromRunConfig(config: FormConfig): TrainingForm {
  return { ...formFromConfig(config), seed: config.seed ?? null }
}

/** Number fields every algorithm needs, checked before its own. */
const SHARED_REQUIRED: FormField[] = ['dataElectrodeA', 'dataElectrodeB', 'inputMin', 'inputMax']

function requiredNumberFields(algorithm: FormAlgorithm): FormField[] {
  return [...SHARED_REQUIRED, ...RULES[algorithm].requiredNumbers]
}

function wholeNumberFields(algorithm: FormAlgorithm): FormField[] {
  return ['dataElectrodeA', 'dataElectrodeB', ...RULES[algorithm].wholeNumbers, 'seed']
}

/** Where a schema issue belongs in the form: a shared field, else one of the algorithm's own. */
function fieldOfIssue(algorithm: FormAlgorithm, path: IssuePath): ErrorKey | null {
  const [key, index] = path
  switch (key) {
    case 'task':
    case 'modelId':
    case 'seed':
      return key
    case 'dataElectrodes':
      return index === 0 ? 'dataElectrodeA' : 'dataElectrodeB'
    case 'inputRange':
      return index === 0 ? 'inputMin' : 'inputMax'
    case 'simulation': {
      const [, option, bound] = path
      if (option === 'noiseStdNanoamps' || option === 'amplification') return option
      if (option === 'clippingValueNanoamps') return bound === 1 ? 'clippingHiNanoamps' : 'clippingLoNanoamps'
      return null
    }
    default:
      return RULES[algorithm].fieldOfIssue(path)
  }
}

/** The schema's own messages name fields by their config keys; the form shows its words. */
function sentenceCase(message: string, algorithm: FormAlgorithm): string {
  const words = RULES[algorithm].messageWords ?? []
  const worded = words.reduce((text, [key, replacement]) => text.replace(key, replacement), message)
  return worded.length > 0 ? worded[0].toUpperCase() + worded.slice(1) : worded
}

type SchemaIssue = z.core.$ZodIssue

function friendlyMessage(issue: SchemaIssue, algorithm: FormAlgorithm): string {
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `${issue.inclusive === false ? 'More than' : 'At least'} ${issue.minimum}.`
  }
  if (issue.code === 'too_big' && issue.origin === 'number') {
    return `${issue.inclusive === false ? 'Less than' : 'At most'} ${issue.maximum}.`
  }
  return sentenceCase(issue.message, algorithm) + '.'
}

/** A config the form can describe: any training config. */
export type FormConfig = ControlTrainingConfig

export interface FormCheck {
  config: FormConfig | null
  errors: FormErrors
  /** Problems that belong to no single field. */
  formErrors: string[]
}

function simulationOf(form: TrainingForm, model: ModelSummary | undefined): SimulationOptions | undefined {
  const simulation: SimulationOptions = {}
  if (RULES[form.algorithm].takesNoise && form.noiseStdNanoamps !== null && form.noiseStdNanoamps !== undefined) {
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
      const field = fieldOfIssue(form.algorithm, issue.path)
      if (field === null) formErrors.push(sentenceCase(issue.message, form.algorithm))
      else if (!errors[field]) errors[field] = friendlyMessage(issue, form.algorithm)
    }
  }

  const ok = Object.keys(errors).length === 0 && formErrors.length === 0
  return { config: ok ? config : null, errors, formErrors }
}
