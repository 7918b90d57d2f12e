/**
 * What each algorithm contributes to the training form: its menu entry, its preset, its own
 * fields (their labels, how a config fills them, which config keys they stand for), the number
 * fields it needs (and which of them are whole numbers), and how its fields make its config. The
 * fields every algorithm shares are handled by training-form.ts.
 */
import type { TrainingConfig } from '../../../../src-shared/ipc'
import type { ErrorKey, FormAlgorithm, FormField, TrainingForm } from '../training-form'

/** The config keys every algorithm's config starts with, from the shared fields. */
export interface SharedConfigPart {
  modelId: string
  dataElectrodes: number[]
  inputRange: [number, number]
}

type ConfigOf<A extends FormAlgorithm> = Extract<TrainingConfig, { algorithm: A }>

/** A path into a config, as zod reports an issue's place. */
export type IssuePath = readonly PropertyKey[]

export interface AlgorithmFormRules<A extends FormAlgorithm = FormAlgorithm> {
  /** The algorithm menu's entry: the label names the kind of task it trains. */
  choice: { value: A; label: string }
  preset: Omit<ConfigOf<A>, 'modelId'>
  /** Its own fields' labels (error lists name fields by these). */
  labels: Partial<Record<ErrorKey, string>>
  /** Its own fields, filled from one of its configs (a preset, or a run being shown). */
  fieldsOf(config: Omit<ConfigOf<A>, 'modelId'>): Partial<TrainingForm>
  /** The form field a schema issue in its own config keys belongs to; null: not one of its own. */
  fieldOfIssue(path: IssuePath): ErrorKey | null
  /** Whether its runs take simulated output noise (the others train on the noise-free surrogate). */
  takesNoise: boolean
  /** Number fields that may not be empty, besides the shared ones. */
  requiredNumbers: FormField[]
  /** Number fields that must be whole, besides the data electrodes and the seed. */
  wholeNumbers: FormField[]
  /** The config the form describes (empty numbers are NaN), without seed and simulation. */
  configOf(form: TrainingForm, shared: SharedConfigPart): ConfigOf<A>
  /** Config keys in the schema's messages, in the words the form uses (e.g. fromN: "from N"). */
  messageWords?: [RegExp, string][]
}

/** Empty number inputs become NaN in the config, which the schema then names by field. */
export function num(value: number | null | undefined): number {
  return value ?? NaN
}

/**
 * The evolution fields: the GA's partition and generations, which also set each GA run of a
 * capacity sweep, so both algorithms fill and read the same fields.
 */
export interface EvolutionFormFields {
  elite: number | null
  offspring: number | null
  generations: number | null
}

export const EVOLUTION_LABELS = { elite: 'Elite', offspring: 'Offspring', generations: 'Generations' } as const

export function evolutionFields(config: { partition: [number, number]; generations: number }): EvolutionFormFields {
  return { elite: config.partition[0], offspring: config.partition[1], generations: config.generations }
}

/** `partition.0` is the elite field, `partition.1` the offspring; `generations` itself. */
export function evolutionFieldOfIssue([key, index]: IssuePath): ErrorKey | null {
  if (key === 'partition') return index === 0 ? 'elite' : 'offspring'
  return key === 'generations' ? 'generations' : null
}

/** An issue on one of `keys` (top-level config keys that are form fields of the same name). */
export function sameNamedField(keys: readonly ErrorKey[], [key]: IssuePath): ErrorKey | null {
  return keys.find((field) => field === key) ?? null
}
