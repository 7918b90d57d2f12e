/** The genetic algorithm's part of the training form: a gate task, evolved generation by generation. */
import { DEFAULT_GA_CONFIG, type FitnessName } from '../../../../src-shared/ipc'
import {
  EVOLUTION_LABELS,
  evolutionFieldOfIssue,
  evolutionFields,
  num,
  sameNamedField,
  type AlgorithmFormRules,
  type EvolutionFormFields
} from './form-rules'

/** Gates in the order the task menu offers them (XOR, the lab's preset, first). */
export const TASK_CHOICES = ['xor', 'and', 'or', 'nand', 'nor', 'xnor'] as const

export interface GaFormFields extends EvolutionFormFields {
  fitness: FitnessName
  stopThreshold: number | null
}

export const GA_FORM_RULES: AlgorithmFormRules<'ga'> = {
  choice: { value: 'ga', label: 'Genetic algorithm · gate' },
  preset: DEFAULT_GA_CONFIG,
  labels: { ...EVOLUTION_LABELS, fitness: 'Fitness', stopThreshold: 'Stop threshold' },
  fieldsOf: (config) => ({ ...evolutionFields(config), fitness: config.fitness, stopThreshold: config.stopThreshold }),
  fieldOfIssue: (path) => evolutionFieldOfIssue(path) ?? sameNamedField(['fitness', 'stopThreshold'], path),
  takesNoise: true,
  requiredNumbers: ['elite', 'offspring', 'generations', 'stopThreshold'],
  wholeNumbers: ['elite', 'offspring', 'generations'],
  configOf: (form, shared) => ({
    algorithm: 'ga',
    task: form.task,
    ...shared,
    partition: [num(form.elite), num(form.offspring)],
    generations: num(form.generations),
    fitness: form.fitness,
    stopThreshold: num(form.stopThreshold)
  })
}
