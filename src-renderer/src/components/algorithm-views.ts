/**
 * The History view's part of each algorithm, keyed by its descriptor's id: its settings rows,
 * its validations table, and what its validation on the device re-measures. Names, step names and
 * units come from the descriptor itself (src-shared/domain/algorithms).
 */
import type { Component } from 'svelte'
import type { Algorithm, DeviceValidation, RunDetail } from '../../../src-shared/ipc'
import CapacityRunSettings from './CapacityRunSettings.svelte'
import CapacityValidationTable from './CapacityValidationTable.svelte'
import GaRunSettings from './GaRunSettings.svelte'
import GaValidationTable from './GaValidationTable.svelte'
import GdRunSettings from './GdRunSettings.svelte'
import GdValidationTable from './GdValidationTable.svelte'
import SurrogateRunSettings from './SurrogateRunSettings.svelte'

export interface RunSettingsProps {
  detail: RunDetail
  /** Steps shown as done (live while the run goes on). */
  stepsDone: number
}

export interface AlgorithmView {
  /** Its rows in the run's settings list (after task, model, electrodes and input range). */
  settings: Component<RunSettingsProps>
  /** Its stored validations on the device (those whose `kind` is its id). */
  validationTable: Component<{ validations: DeviceValidation[] }>
  /** What "Validate on the device" re-measures, for its tooltip. */
  validates: string
  /** Why the run has nothing to re-measure yet, or null. */
  nothingToValidate(detail: RunDetail): string | null
}

/** A table of one kind of validation: History passes it only validations of that kind. */
function table<V extends DeviceValidation>(
  component: Component<{ validations: V[] }>
): AlgorithmView['validationTable'] {
  return component as unknown as AlgorithmView['validationTable']
}

function controlsMissing(detail: RunDetail): string | null {
  return detail.bestControlVoltages ? null : 'the run has no control voltages to re-measure yet'
}

const VIEWS: Record<Algorithm, AlgorithmView> = {
  ga: {
    settings: GaRunSettings,
    validationTable: table(GaValidationTable),
    validates: "the best genome on the gate's inputs",
    nothingToValidate: controlsMissing
  },
  gd: {
    settings: GdRunSettings,
    validationTable: table(GdValidationTable),
    validates: "the controls on the ring task's test set",
    nothingToValidate: controlsMissing
  },
  capacity: {
    settings: CapacityRunSettings,
    validationTable: table(CapacityValidationTable),
    validates: 'every labeling the sweep found, each with its own controls',
    nothingToValidate(detail) {
      if (!detail.capacity || detail.capacity.every((entry) => entry.evaluated === 0))
        return 'the sweep has not decided a labeling yet'
      if (detail.capacity.every((entry) => entry.found === 0)) return 'the sweep found no labeling to re-measure'
      return null
    }
  },
  surrogate: {
    settings: SurrogateRunSettings,
    // Never shown: a surrogate training run has no validation on the device of its own.
    validationTable: table(GdValidationTable),
    validates: 'nothing: check its model against the device from Models',
    nothingToValidate: () =>
      'a surrogate training run has no control voltages: check its model against the device from Models'
  }
}

export function algorithmView(algorithm: string): AlgorithmView {
  return VIEWS[algorithm as Algorithm]
}
