/**
 * The main-process half of an algorithm's descriptor (the plain half is in
 * src-shared/domain/algorithms, the worker half in src-main/workers/*-runner.ts): what the
 * services and the CLI do differently per algorithm, and nothing else.
 */
import type {
  DeviceValidation,
  RunDetail,
  RunResultUpdate,
  TrainingConfig,
  TrainingProgressEvent
} from '../../../src-shared/ipc'
import type { DatasetsRepository } from '../../store'
import type { TrainerSetup } from '../../workers/trainer-protocol'
import type { ModelCatalog } from '../model-catalog'
import type { CalibrationInForce, ValidationInputs, ValidationPlan } from '../validation-voltages'

/** What an algorithm that prepares its own runs may read and write besides the run (the stores). */
export interface RunContext {
  models: ModelCatalog
  /** Sampled datasets; null in a process without them (a run that needs one is refused). */
  datasets: DatasetsRepository | null
  /** Keeps a trained model's reference batch for its consistency checks (absent: not kept). */
  saveReferenceBatch?: (modelId: string, batch: ReferenceBatch, datasetId: number) => void
}

/** Samples measured at training time that a model's consistency checks measure again. */
export interface ReferenceBatch {
  inputsVolts: Float32Array
  outputsNanoamps: Float32Array
  electrodeCount: number
}

/** What a run is stored with and what its trainer gets, for an algorithm that prepares its own runs. */
export interface PreparedRun {
  task: string
  /** The run's model ('' for a run that makes one: it is set when the model is stored). */
  modelId: string
  controlElectrodes: number[]
  targets: number[]
  /** The trainer's inputs besides the config (its model, or its dataset). */
  setup: Pick<TrainerSetup, 'model' | 'dataset'>
}

/** What `train` prints, per algorithm: the common parts are computed once. */
export interface ResultText {
  /** `  electrode 3: 0.1234 V` lines of the best controls. */
  voltages: string
  /** `continue it with: dnpu runs resume N`, or ''. */
  resumeHint: string
}

export interface ServiceAlgorithm {
  /** Its descriptor's id. */
  id: string
  /**
   * Checks the config by this algorithm's own rules before the run is stored (throwing a message
   * that names the field), and gives the run's targets when they are known at the start.
   */
  checkConfig(config: TrainingConfig): { targets: number[] }
  /**
   * Prepares a run of this algorithm (checks, what is stored, what the trainer gets), for one that
   * trains no control voltages on a model (surrogate training); absent: the service's own checks
   * of a model and its data electrodes.
   */
  prepareRun?(config: TrainingConfig, context: RunContext): PreparedRun
  /**
   * Stores what the trainer handed over when the run ended (a trained model) and gives the result
   * fields to store with the run and the run's model id when it changed; throws when it cannot.
   */
  storeArtifact?(
    run: { runId: number; config: TrainingConfig },
    artifact: unknown,
    result: RunResultUpdate | null,
    context: RunContext
  ): { result: RunResultUpdate | null; modelId?: string }
  /** Its validation reads the run's last checkpoint (capacity: each labeling's controls); else it is not loaded. */
  validationReadsCheckpoint?: boolean
  /** Plans the validation on the device of an ended run; throws a ValidationRefusedError saying why not. */
  planValidation(run: RunDetail, inputs: ValidationInputs, calibration: CalibrationInForce): ValidationPlan
  /** A stored validation of this algorithm (its `kind` is the algorithm's id) in words. */
  describeValidation(validation: DeviceValidation): string[]
  cli: {
    /** The progress bar's format (cli-progress tokens: {bar} {value} {total} {a} {b}). */
    progressFormat(config: TrainingConfig): string
    /** The bar's position and its {a}, {b} after a progress event. */
    progressValues(event: TrainingProgressEvent): { value: number; a: string | number; b: string | number }
    /** `train`'s summary of the ended run, line by line. */
    describeResult(run: RunDetail, seconds: number, text: ResultText): string[]
    /** `train --json`: the run's fields (computeBackend and seconds are added after them). */
    resultJson(run: RunDetail, history: Record<string, number[]>): Record<string, unknown>
  }
}
