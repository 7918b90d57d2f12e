/**
 * What each algorithm contributes to the training form: its menu entry, its preset, the
 * number fields it needs (and which of them are whole numbers), and how its fields make its
 * config. The fields every algorithm shares are handled by training-form.ts.
 */
import type { TrainingConfig } from '../../../../src-shared/ipc'
import type { FormAlgorithm, FormField, TrainingForm } from '../training-form'

/** The config keys every algorithm's config starts with, from the shared fields. */
export interface SharedConfigPart {
  modelId: string
  dataElectrodes: number[]
  inputRange: [number, number]
}

export interface AlgorithmFormRules<A extends FormAlgorithm = FormAlgorithm> {
  /** The algorithm menu's entry: the label names the kind of task it trains. */
  choice: { value: A; label: string }
  preset: Omit<Extract<TrainingConfig, { algorithm: A }>, 'modelId'>
  /** Number fields that may not be empty, besides the shared ones. */
  requiredNumbers: FormField[]
  /** Number fields that must be whole, besides the data electrodes and the seed. */
  wholeNumbers: FormField[]
  /** The config the form describes (empty numbers are NaN), without seed and simulation. */
  configOf(form: TrainingForm, shared: SharedConfigPart): Extract<TrainingConfig, { algorithm: A }>
}

/** Empty number inputs become NaN in the config, which the schema then names by field. */
export function num(value: number | null | undefined): number {
  return value ?? NaN
}
