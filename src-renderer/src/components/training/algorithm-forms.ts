/**
 * Each algorithm's own fields, one component per algorithm in ./forms/, found by file name:
 * `forms/<Name>Form.svelte` exporting its `algorithm` id from `<script module>`. Adding an
 * algorithm's form is adding its file; nothing here lists them.
 */
import type { Component, Snippet } from 'svelte'
import type { ModelSummary } from '../../../../src-shared/ipc'
import type { FormAlgorithm, FormErrors, TrainingForm } from '../../lib/training-form'

/** What the form panel gives every algorithm's form. */
export interface AlgorithmFormProps {
  /** Bindable: the form edits the session's form in place. */
  form: TrainingForm
  errors: FormErrors
  /** The model chosen in the form (undefined while the list is loading or it is gone). */
  formModel: ModelSummary | undefined
  /** Why the device cannot evaluate genomes now (null: it can). */
  deviceUnavailable: string | null
  /** Training on the connected device rather than the surrogate. */
  onDevice: boolean
  /** Model, data electrodes and input range: shared, placed by each form after its task. */
  dataFields: Snippet
}

interface AlgorithmFormModule {
  algorithm: FormAlgorithm
  default: Component<AlgorithmFormProps, object, 'form'>
}

const modules = import.meta.glob<AlgorithmFormModule>('./forms/*Form.svelte', { eager: true })

export const ALGORITHM_FORMS = Object.fromEntries(
  Object.values(modules).map((module) => [module.algorithm, module.default])
) as Record<FormAlgorithm, AlgorithmFormModule['default']>
