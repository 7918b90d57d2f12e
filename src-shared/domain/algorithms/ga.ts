/** The genetic algorithm (boolean gates): one generation per step. */
import { fixedOrDash, stepExportTable, type AlgorithmDescriptor } from './descriptor'
import type { RunRecord } from '../runs'

const step = { name: 'generation', plural: 'generations', key: 'generation' }

const stepMetrics = [
  // Of this generation's best genome (not the best so far): the run's `history` holds these.
  {
    key: 'bestFitness',
    csvHeader: 'best_fitness',
    label: 'best fitness',
    unit: '',
    missing: 'nan',
    historyKey: 'fitness'
  },
  {
    key: 'bestCorrelation',
    csvHeader: 'best_correlation',
    label: 'best correlation',
    unit: '',
    missing: 'nan',
    historyKey: 'correlation'
  },
  { key: 'bestSoFarFitness', csvHeader: 'best_so_far_fitness', label: 'best fitness so far', unit: '', missing: 'nan' },
  {
    key: 'bestSoFarCorrelation',
    csvHeader: 'best_so_far_correlation',
    label: 'correlation of the best so far',
    unit: '',
    missing: 'nan'
  }
] as const

export const gaAlgorithm = {
  id: 'ga',
  label: 'Genetic algorithm',
  shortLabel: 'GA',
  step,
  stepMetrics,
  resultFields: ['bestFitness', 'bestCorrelation', 'bestControlVoltages', 'bestOutputsNanoamps'],
  legacyStepList: 'metrics',
  trainsOnDevice: true,
  totalSteps: (config: { generations: number }): number => config.generations,
  exportTable: stepExportTable({ step, stepMetrics, legacyStepList: 'metrics' }),
  summaryLines: (run: RunRecord): string[] => [
    `best fitness: ${fixedOrDash(run.bestFitness, 4)}, correlation ${fixedOrDash(run.bestCorrelation, 4)}`
  ]
} as const satisfies AlgorithmDescriptor<'ga', { generations: number }>
