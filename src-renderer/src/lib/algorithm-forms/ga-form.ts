/** The genetic algorithm's part of the training form: a gate task, evolved generation by generation. */
import { DEFAULT_GA_CONFIG } from '../../../../src-shared/ipc'
import { num, type AlgorithmFormRules } from './form-rules'

/** Gates in the order the task menu offers them (XOR, the lab's preset, first). */
export const TASK_CHOICES = ['xor', 'and', 'or', 'nand', 'nor', 'xnor'] as const

export const GA_FORM_RULES: AlgorithmFormRules<'ga'> = {
  choice: { value: 'ga', label: 'Genetic algorithm · gate' },
  preset: DEFAULT_GA_CONFIG,
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
