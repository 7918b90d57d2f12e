/** Test-only: the plain half of the toy random search's descriptor (as src-shared/domain/algorithms/*.ts). */
import { fixedOrDash, stepExportTable, type AlgorithmDescriptor, type RunRecord } from '../../../../../src-shared/domain'

const step = { name: 'sample', plural: 'samples', key: 'sample' }
const stepMetrics = [
  { key: 'correlation', csvHeader: 'correlation', label: 'correlation', unit: '', missing: 'nan', historyKey: 'correlation' },
  { key: 'bestCorrelation', csvHeader: 'best_correlation', label: 'best correlation so far', unit: '', missing: 'nan' }
] as const

export const randomSearchAlgorithm: AlgorithmDescriptor<'random-search', { samples: number }> = {
  id: 'random-search',
  label: 'Random search',
  shortLabel: 'RS',
  step,
  stepMetrics,
  resultFields: ['bestCorrelation', 'bestControlVoltages', 'bestOutputsNanoamps'],
  trainsOnDevice: false,
  totalSteps: (config) => config.samples,
  exportTable: stepExportTable({ step, stepMetrics }),
  summaryLines: (run: RunRecord) => [`best correlation: ${fixedOrDash(run.bestCorrelation, 4)}`]
}
