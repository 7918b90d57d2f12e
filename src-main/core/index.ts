// Public API of the compute core.
export { Rng, randomSeed } from './rng.js'
export {
  initComputeBackend,
  getComputeBackend,
  COMPUTE_BACKEND_NAMES,
  type ComputeBackendName
} from './compute-backend.js'
export {
  parseSurrogateJson,
  SurrogateFormatError,
  ACTIVATION_NAMES,
  SURROGATE_JSON_FORMAT,
  type ActivationName,
  type SurrogateDefinition,
  type SurrogateLayer
} from './surrogate-definition.js'
export {
  SurrogateModel,
  applyOutputNoise,
  checkOutputNoise,
  type SimulationOptions,
  type OutputNoise
} from './surrogate.js'
export type { Processor } from './processor.js'
export { linearTransformConstants, applyLinearTransform, type LinearTransform } from './input-transform.js'
export { Dnpu, type DnpuOptions } from './dnpu.js'
export {
  DnpuLayer,
  DnpuModel,
  initLinearReadout,
  type DnpuLayerOptions,
  type DnpuInputRange,
  type LinearReadout,
  type DnpuConnection
} from './dnpu-layer.js'
// The GA's fitness names. The single-column pearson / corrFit / corrsigFit in fitness.ts are
// core-internal (the GA calls them per genome); the public ones below take rows x columns.
export { FITNESS_DEFAULT_VALUE, type FitnessName } from './fitness.js'
export { FITNESS_FUNCTIONS, isFitnessName } from './ga/fitness-registry.js'
export { parseGateTask, GATE_INPUTS, NAMED_GATES, type GateTask } from './tasks/boolean-gates.js'
export {
  GeneticOptimizer,
  type GeneticOptimizerOptions,
  type GeneticOptimizerState,
  type Partition
} from './ga/genetic-optimizer.js'
export {
  GaTrainer,
  type GaTrainerSetup,
  type GaGenerationResult,
  type GaResult,
  type GaCheckpoint,
  type GaStopReason
} from './ga/ga-trainer.js'
export {
  importTorchSurrogate,
  loadTorchFile,
  TorchFileError,
  TORCH_FILE_LIMITS,
  formatCount,
  overLimit,
  ALLOWED_GLOBALS,
  BRAINSPY_STRUCTURE_DEFAULTS,
  writeTorchSurrogate,
  TORCH_EXPORT_ARCHIVE_NAME,
  type TorchSurrogateImport,
  type TorchFileSummary,
  type TorchFileContents,
  type TorchFileFormat,
  type TorchFileErrorKind
} from './torch-file/index.js'
// Column-wise fitness / loss functions of brains-py's signal.py: rows x columns (one column per
// output), a flat array (one column) or a tfjs tensor (1-D or 2-D); one plain number per column.
export {
  pearson,
  corrFit,
  corrsigFit,
  accuracyFit,
  fisherFit,
  fisher,
  corrsig,
  sigmoidNnDistance,
  ACCURACY_FIT_DEFAULT_VALUE,
  FISHER_FIT_DEFAULT_VALUE,
  type DefaultValueOption,
  type SigmoidOptions,
  type CorrsigFitOptions,
  type AccuracyFitOptions,
  type CorrsigLossOptions
} from './functions/fitness-functions.js'
export type { Signal, NumberSignal, Matrix } from './functions/columns.js'
export { clampedIntervals, CLAMPED_INTERVAL_MODES, type ClampedIntervalMode } from './functions/clamped-intervals.js'
export {
  pointsToWaveform,
  pointsToPlateaus,
  plateausToWaveform,
  plateausToPoints,
  waveformToPlateaus,
  waveformToPoints,
  generateMask,
  type WaveformShape,
  type Waveform
} from './functions/waveform.js'
export {
  perceptronAccuracy,
  taskAccuracyPercent,
  TASK_PERCEPTRON_SETTINGS,
  type PerceptronOptions,
  type PerceptronResult
} from './functions/perceptron.js'
// Gradient descent (one DNPU node on a frozen surrogate) and the ring task.
export {
  generateRingData,
  splitDataset,
  ringRadii,
  ringTaskSplit,
  evaluationPart,
  type RingData,
  type RingOptions,
  type RingSplit,
  type SplitFractions,
  type RingTaskSettings,
  type RingPartName
} from './tasks/ring.js'
// The VC-dimension capacity sweep (GA per labeling, perceptron verdict).
export {
  runCapacitySweep,
  CapacitySweep,
  type CapacityCheckpoint,
  vcDimensionInputs,
  vcDimensionLabelings,
  requiredCorrectPoints,
  capacityAttemptSeed,
  capacityPerceptronSeed,
  judgeCapacityOutput,
  type CapacityJudgement,
  VC_DIMENSION_X,
  VC_DIMENSION_Y,
  MIN_VC_DIMENSION,
  MAX_VC_DIMENSION,
  type CapacitySweepOptions,
  type CapacityResult,
  type CapacityPerN,
  type CapacityLabelingResult,
  type CapacityProgress,
  type CapacityPerceptronSettings
} from './tasks/capacity.js'
export { DifferentiableSurrogate } from './gd/differentiable-surrogate.js'
export type {
  DifferentiableProcessor,
  DifferentiableProcessorFactory,
  ForwardWithGradient
} from './gd/differentiable-surrogate.js'
export {
  corrsigLoss,
  fisherLoss,
  mseLoss,
  bceWithLogitsLoss,
  sigmoidNnDistanceLoss,
  pearsonTensor
} from './gd/losses.js'
export {
  GdTrainer,
  checkGdBatching,
  GD_LOSS_NAMES,
  type GdTrainerSetup,
  type GdEpochResult,
  type GdResult,
  type GdCheckpoint,
  type GdOptimizerState,
  type GdReadout,
  type GdDataset,
  type GdLossName,
  type GdOptimizerName,
  type GdConstraint
} from './gd/gd-trainer.js'
// One-call training: run a GaTrainer / GdTrainer to the end and return the result.
export {
  trainGA,
  trainGD,
  type TrainGaSetup,
  type TrainGaResult,
  type TrainGdSetup,
  type TrainGdResult,
  type TrainGdDataset
} from './train.js'
// The instrument path's pure half: streams from points, the host-side safety check, calibration sweeps.
export * from './streams/stream-safety.js'
export * from './streams/stream-builder.js'
export * from './streams/calibration-sweep.js'
export {
  buildSamplingChunk,
  checkSineSampling,
  electrodeFrequenciesHz,
  largestFrequencyFactor,
  shortestRampSamples,
  sineVolts,
  REFERENCE_FREQUENCY_FACTOR,
  SAMPLING_PRIMES,
  type SamplingChunk,
  type SamplingInstrumentLimits,
  type SineSampling
} from './sampling/sine-inputs.js'
