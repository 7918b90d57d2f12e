/**
 * Validation on the device of a stored run: what is measured for each algorithm and how the
 * outcome is judged. The device service supplies the active calibration and a `measure` that
 * plays rows through its safety check; this module decides what to play, refuses anything
 * outside the calibration before a single stream is built, and scores what comes back.
 *
 * - GA: the best genome on the gate's four inputs (fitness and correlation with the targets).
 * - GD: the returned controls (lowest validation loss) on the ring task's test set (else
 *   validation, else training), regenerated from the run's data seed and split; perceptron
 *   accuracy measured vs the surrogate's on exactly the same voltages, and vs the run's own.
 * - Capacity: every found labeling with its own best controls on its N points, judged by the
 *   sweep's rule (perceptron, the attempt's own seed); one acquisition per N.
 *
 * The device gets the voltages the run trained with: task inputs mapped onto the data
 * electrodes with the ranges of training (a surrogate run: its model's; a device run: the
 * calibration it ran with), controls as found. So a validation asks "does the device do what
 * training found, at the same voltages"; re-mapping onto other ranges would move the points and
 * test another problem. Every one of those voltages must lie inside the ACTIVE calibration,
 * else the validation is refused, naming the electrode, the value and the range: the device is
 * never driven outside it.
 */
import type { RunDetail } from '../../src-shared/ipc'
import { serviceAlgorithmOf } from './algorithms'
import { refused, type CalibrationInForce, type ValidationInputs, type ValidationPlan } from './validation-voltages'

export {
  ValidationRefusedError,
  type ValidationDevice,
  type ValidationInputs,
  type ValidationPlan
} from './validation-voltages'
export { MAX_GD_VALIDATION_POINTS } from './algorithms/gd'

/**
 * Checks that the run can be validated on this calibration and returns the plan; throws a
 * {@link ValidationRefusedError} naming the reason otherwise.
 */
export function planValidation(inputs: ValidationInputs, calibration: CalibrationInForce): ValidationPlan {
  const { run } = inputs
  assertRunEnded(run)
  return serviceAlgorithmOf(run.config.algorithm).planValidation(run, inputs, calibration)
}

/** A running run's result is not final (and a device run holds the instrument): refused. */
export function assertRunEnded(run: RunDetail): void {
  if (run.status === 'running') throw refused(run, 'it is still running; validate it once it has ended')
}
