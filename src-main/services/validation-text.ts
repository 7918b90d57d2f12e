/** A stored validation on hardware in words: `dnpu runs validate` prints it, `dnpu runs show` lists each one. */
import type { HardwareValidation } from '../../src-shared/ipc'

function utc(timestamp: string): string {
  return `${timestamp.replace('T', ' ').slice(0, 19)} UTC`
}

function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits)
}

function percent(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(1)} %`
}

/** "150 points", or "the first 2000 of its 30000 points" when the set was larger than what is measured. */
export function gdPoints(validation: Extract<HardwareValidation, { kind: 'gd' }>): string {
  const measured = validation.outputsNanoamps.length
  return measured < validation.setPointCount ? `the first ${measured} of its ${validation.setPointCount} points` : `${measured} points`
}

/** Lines without a trailing newline; the first names when and what was measured. */
export function describeValidation(validation: HardwareValidation): string[] {
  switch (validation.kind) {
    case 'ga':
      return [
        `${utc(validation.measuredAt)}, measurement ${validation.measurementId}: best genome on the gate's inputs, correlation ${fixed(validation.correlation, 4)}, fitness ${fixed(validation.fitness, 4)}`,
        `  outputs, measured (in training): ${validation.outputsNanoamps
          .map((out, i) => `${fixed(out, 2)} (${fixed(validation.trainedOutputsNanoamps[i] ?? null, 2)})`)
          .join(', ')} nA`
      ]
    case 'gd':
      return [
        `${utc(validation.measuredAt)}, measurement ${validation.measurementId}: controls on the ${validation.set} set, ${gdPoints(validation)}`,
        `  perceptron accuracy: measured ${percent(validation.accuracyPercent)}, simulated ${percent(validation.simulatedAccuracyPercent)} (the surrogate on the same voltages), in training ${percent(validation.trainedAccuracyPercent)}`,
        `  measured vs simulated outputs: correlation ${fixed(validation.correlation, 4)}`
      ]
    case 'capacity':
      return [
        `${utc(validation.measuredAt)}: every found labeling re-measured with its own controls`,
        ...validation.perN.map(
          (entry) =>
            `  N=${entry.n}: ${entry.confirmedOnDevice} of ${entry.foundOnSurrogate} found labelings confirmed (${entry.evaluated} tried), capacity ${fixed(entry.capacityOnSurrogate, 3)} on the surrogate, ${fixed(entry.capacityMeasured, 3)} on the device${entry.measurementId === null ? '' : ` (measurement ${entry.measurementId})`}`
        )
      ]
  }
}
