/**
 * The capacity sweep's part of the training form: the range of N, and the GA run per labeling
 * (attempts, generations, partition, the threshold at which a labeling counts as found).
 */
import { DEFAULT_CAPACITY_CONFIG, VC_DIMENSION_RANGE } from '../../../../src-shared/ipc'
import type { TrainingForm } from '../training-form'
import {
  EVOLUTION_LABELS,
  evolutionFieldOfIssue,
  evolutionFields,
  num,
  sameNamedField,
  type AlgorithmFormRules,
  type EvolutionFormFields
} from './form-rules'

/** The N range, and the GA run per labeling (with the evolution fields it shares with the GA). */
export interface CapacityFormFields extends EvolutionFormFields {
  fromN: number | null
  toN: number | null
  attempts: number | null
  thresholdParameter: number | null
}

const OWN_FIELDS = ['fromN', 'toN', 'attempts', 'thresholdParameter'] as const

export const CAPACITY_FORM_RULES: AlgorithmFormRules<'capacity'> = {
  choice: { value: 'capacity', label: 'Capacity sweep · VC dimension' },
  preset: DEFAULT_CAPACITY_CONFIG,
  labels: {
    ...EVOLUTION_LABELS,
    fromN: 'From N',
    toN: 'To N',
    attempts: 'Attempts',
    thresholdParameter: 'Threshold parameter'
  },
  fieldsOf: (config) => ({
    ...evolutionFields(config),
    fromN: config.fromN,
    toN: config.toN,
    attempts: config.attempts,
    thresholdParameter: config.thresholdParameter
  }),
  fieldOfIssue: (path) => evolutionFieldOfIssue(path) ?? sameNamedField(OWN_FIELDS, path),
  takesNoise: false,
  messageWords: [
    [/\bfromN\b/g, 'from N'],
    [/\btoN\b/g, 'to N']
  ],
  requiredNumbers: ['fromN', 'toN', 'attempts', 'generations', 'elite', 'offspring', 'thresholdParameter'],
  wholeNumbers: ['fromN', 'toN', 'attempts', 'generations', 'elite', 'offspring'],
  configOf: (form, shared) => ({
    algorithm: 'capacity',
    task: 'vc-dimension',
    ...shared,
    fromN: num(form.fromN),
    toN: num(form.toN),
    attempts: num(form.attempts),
    generations: num(form.generations),
    thresholdParameter: num(form.thresholdParameter),
    partition: [num(form.elite), num(form.offspring)]
  })
}

/** Non-constant labelings of N points: every one of the 2^N labelings but all-0 and all-1. */
export function labelingsAtN(n: number): number {
  return 2 ** n - 2
}

/** Labelings a sweep from fromN to toN decides: one step of the run each. */
export function labelingCount(fromN: number, toN: number): number {
  let labelings = 0
  for (let n = fromN; n <= toN; n++) labelings += labelingsAtN(n)
  return labelings
}

/** A sweep's size, for the form to show what the chosen N range costs. */
export interface SweepSize {
  perN: { n: number; labelings: number }[]
  labelings: number
  /** Generations if no labeling were found before its last attempt; null while attempts or generations are unset. */
  mostGenerations: number | null
}

/** The sweep the form describes, or null while its N range is not one the schema accepts. */
export function sweepSize(form: TrainingForm): SweepSize | null {
  const { fromN, toN, attempts, generations } = form
  const [min, max] = VC_DIMENSION_RANGE
  const valid = (n: number | null): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
  if (!valid(fromN) || !valid(toN) || fromN > toN) return null
  const perN = Array.from({ length: toN - fromN + 1 }, (_, i) => ({ n: fromN + i, labelings: labelingsAtN(fromN + i) }))
  const labelings = labelingCount(fromN, toN)
  const positive = (v: number | null): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1
  return {
    perN,
    labelings,
    mostGenerations: positive(attempts) && positive(generations) ? labelings * attempts * generations : null
  }
}

/** The perceptron accuracy (%) at which a labeling of N points counts as found. */
export function foundAtPercent(thresholdParameter: number, n: number): number {
  return (1 - thresholdParameter / n) * 100
}
