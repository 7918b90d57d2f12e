/**
 * The main-process half of an algorithm's descriptor (the plain half is in
 * src-shared/domain/algorithms, the worker half in src-main/workers/*-runner.ts): what the
 * services and the CLI do differently per algorithm, and nothing else.
 */
import type { DeviceValidation, RunDetail, TrainingConfig, TrainingProgressEvent } from '../../../src-shared/ipc'
import type { CalibrationInForce, ValidationInputs, ValidationPlan } from '../validation-voltages'

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
