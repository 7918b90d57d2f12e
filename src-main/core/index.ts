// Public API of the compute core.
export { Rng, randomSeed } from './rng.js';
export { initComputeBackend, getComputeBackend, COMPUTE_BACKEND_NAMES, type ComputeBackendName } from './compute-backend.js';
export {
  parseSurrogateJson,
  SurrogateFormatError,
  ACTIVATION_NAMES,
  SURROGATE_JSON_FORMAT,
  type ActivationName,
  type SurrogateDefinition,
  type SurrogateLayer,
} from './surrogate-definition.js';
export { SurrogateModel, type SimulationOptions } from './surrogate.js';
export type { Processor } from './processor.js';
export { linearTransformConstants, applyLinearTransform, type LinearTransform } from './input-transform.js';
export { Dnpu, type DnpuOptions } from './dnpu.js';
export {
  pearson,
  corrFit,
  corrsigFit,
  isDegenerateOutput,
  isFitnessName,
  FITNESS_FUNCTIONS,
  FITNESS_DEFAULT_VALUE,
  type FitnessName,
  type FitnessFunction,
  type FitnessOptions,
  type CorrsigOptions,
} from './fitness.js';
export { parseGateTask, GATE_INPUTS, NAMED_GATES, type GateTask } from './tasks/boolean-gates.js';
export { GeneticOptimizer, type GeneticOptimizerOptions, type GeneticOptimizerState, type Partition } from './ga/genetic-optimizer.js';
export {
  GaTrainer,
  type GaTrainerSetup,
  type GaGenerationResult,
  type GaResult,
  type GaCheckpoint,
  type GaStopReason,
} from './ga/ga-trainer.js';
export {
  importTorchSurrogate,
  loadTorchFile,
  TorchFileError,
  ALLOWED_GLOBALS,
  BRAINSPY_STRUCTURE_DEFAULTS,
  type TorchSurrogateImport,
  type TorchFileSummary,
  type TorchFileContents,
  type TorchFileFormat,
  type TorchFileErrorKind,
} from './torch-file/index.js';
