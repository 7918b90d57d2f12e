// Training a surrogate MLP from measured samples (issue 13): pure modules, no I/O.
export {
  checkSampleSet,
  DEFAULT_SPLIT,
  epochBatches,
  gatherBatch,
  MAX_SAMPLES,
  splitDataset,
  toNanoamps,
  type DatasetSplit,
  type SampleSet,
  type ScaledSet,
  type SplitFractions
} from './dataset.js'
export { pearsonCorrelation, testMetrics, type TestMetrics } from './metrics.js'
export { DEFAULT_ADAM, initLayers, type AdamMoments, type AdamOptions } from './mlp-reference.js'
export { MlpTrainer, type MlpTrainerOptions } from './mlp-trainer.js'
export { trainedSurrogateDefinition, type TrainedDeviceInfo } from './trained-definition.js'
export {
  DEFAULT_TRAINING_OPTIONS,
  resolveTrainingOptions,
  SurrogateTraining,
  TRAINING_STATE_FORMAT,
  type EpochRecord,
  type StopReason,
  type SurrogateTrainingOptions,
  type SurrogateTrainingState,
  type TrainingOptionsInput
} from './training-run.js'
export { ivCurves, scatterSample } from './evaluation.js'
