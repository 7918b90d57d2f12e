/** The capacity sweep's main-process half: validation on the device of every found labeling, CLI text. */
import type {
  CapacityConfig,
  CapacityDeviceValidation,
  CapacityValidationAtN,
  DeviceValidation,
  RunDetail,
  TrainingProgressEvent
} from '../../../src-shared/ipc'
import { capacityPerceptronSeed, judgeCapacityOutput, vcDimensionInputs, type CapacityCheckpoint } from '../../core'
import { toWorkerCheckpoint } from '../../workers/trainer-protocol'
import {
  refused,
  trainedRows,
  type CalibrationInForce,
  type ValidationInputs,
  type ValidationPlan
} from '../validation-voltages'
import type { ServiceAlgorithm } from './descriptor'
import { fixed, runHeadJson, utc } from './text'

type CapacityEvent = Extract<TrainingProgressEvent, { algorithm: 'capacity' }>

/**
 * Every found labeling with its own best controls on its N points, judged by the sweep's rule
 * (perceptron, the attempt's own seed); one acquisition per N.
 */
interface FoundLabeling {
  labelingIndex: number
  labeling: number[]
  /** The attempt that found it: its perceptron seed judges the measured output. */
  attempt: number
  controls: number[]
}

function planCapacity(
  run: RunDetail,
  config: CapacityConfig,
  inputs: ValidationInputs,
  calibration: CalibrationInForce
): ValidationPlan {
  const stored = inputs.checkpoint ? toWorkerCheckpoint(inputs.checkpoint.state) : null
  const sweep = stored?.algorithm === 'capacity' ? (stored.sweep as CapacityCheckpoint) : null
  if (!sweep || sweep.perN.every((entry) => entry.evaluated === 0)) throw refused(run, 'it has no decided labeling yet')
  const perN = sweep.perN.map((entry) => ({
    entry,
    found: entry.results.flatMap(
      (result, labelingIndex): (Omit<FoundLabeling, 'controls'> & { controls: number[] | undefined })[] =>
        result.found
          ? [{ labelingIndex, labeling: result.labeling, attempt: result.attempts, controls: result.controlVoltages }]
          : []
    )
  }))
  const all = perN.flatMap(({ found }) => found)
  const withoutControls = all.filter((f) => f.controls === undefined).length
  if (withoutControls > 0) {
    throw refused(
      run,
      `it was stored by an older DNPU Lab that did not keep each labeling's control voltages (${withoutControls} of its ${all.length} found labelings have none), so there is nothing to re-measure; run the sweep again to validate it on the device`
    )
  }
  if (all.length === 0) throw refused(run, 'it found no labeling, so there is nothing to re-measure')
  // Every row of every N is built and checked now: nothing is sent unless all of it may be.
  const batches = perN.map(({ entry, found }) => {
    const label = (row: number): string =>
      `labeling ${found[Math.floor(row / entry.n)]!.labeling.join('')} (N = ${entry.n}): `
    const rows =
      found.length > 0
        ? trainedRows(
            run,
            config,
            inputs,
            calibration,
            vcDimensionInputs(entry.n),
            found.map((f) => f.controls!),
            label
          )
        : null
    return { entry, found: found as FoundLabeling[], rows }
  })
  return {
    async measure(instrument) {
      const results: CapacityValidationAtN[] = []
      let labelingsDone = 0
      for (const { entry, found, rows } of batches) {
        const { n } = entry
        let confirmed: boolean[] = []
        let measurementId: number | null = null
        if (rows) {
          // Every found labeling of this N in one acquisition: (labelings x N) rows, labeling-major.
          const measured = await instrument.measure(
            rows,
            found.length * n,
            `run ${run.id}: ${found.length} found labeling${found.length > 1 ? 's' : ''} of N = ${n} re-measured`
          )
          measurementId = measured.measurementId
          confirmed = found.map((f, k) => {
            const outputs = Array.from(measured.outputs.subarray(k * n, (k + 1) * n))
            const seed = capacityPerceptronSeed(sweep.seed, n, f.labelingIndex, f.attempt)
            return judgeCapacityOutput(outputs, f.labeling, config.thresholdParameter, seed).found
          })
        }
        const confirmedCount = confirmed.filter(Boolean).length
        results.push({
          n,
          evaluated: entry.evaluated,
          foundOnSurrogate: found.length,
          confirmedOnDevice: confirmedCount,
          capacityOnSurrogate: entry.evaluated > 0 ? found.length / entry.evaluated : 0,
          capacityMeasured: entry.evaluated > 0 ? confirmedCount / entry.evaluated : 0,
          notConfirmed: found.filter((_, k) => !confirmed[k]).map((f) => [...f.labeling]),
          measurementId
        })
        labelingsDone += found.length
        inputs.onProgress?.({ runId: run.id, n, labelingsDone, labelingsTotal: all.length })
      }
      const validation: CapacityDeviceValidation = {
        kind: 'capacity',
        measuredAt: new Date().toISOString(),
        perN: results
      }
      return validation
    }
  }
}

export const capacityService: ServiceAlgorithm = {
  id: 'capacity',
  // One target set per labeling, kept in its result per N.
  checkConfig: () => ({ targets: [] }),
  validationReadsCheckpoint: true,
  planValidation: (run, inputs, calibration) => planCapacity(run, run.config as CapacityConfig, inputs, calibration),
  describeValidation(stored: DeviceValidation) {
    const validation = stored as CapacityDeviceValidation
    return [
      `${utc(validation.measuredAt)}: every found labeling re-measured with its own controls`,
      ...validation.perN.map(
        (entry) =>
          `  N=${entry.n}: ${entry.confirmedOnDevice} of ${entry.foundOnSurrogate} found labelings confirmed (${entry.evaluated} tried), capacity ${fixed(entry.capacityOnSurrogate, 3)} on the surrogate, ${fixed(entry.capacityMeasured, 3)} on the device${entry.measurementId === null ? '' : ` (measurement ${entry.measurementId})`}`
      )
    ]
  },
  cli: {
    progressFormat: () => 'capacity |{bar}| {value}/{total} labelings | N={a}: found {b}',
    progressValues(event) {
      const { capacity, n, sweepDone } = event as CapacityEvent
      const current = capacity.find((entry) => entry.n === n)
      return { value: sweepDone, a: n, b: current ? `${current.found}/${current.evaluated}` : '-' }
    },
    describeResult(run, seconds, { resumeHint }) {
      const header = ['N', 'labelings', 'tried', 'found', 'capacity']
      const rows = (run.capacity ?? []).map((e) => [
        String(e.n),
        String(e.labelings),
        String(e.evaluated),
        String(e.found),
        e.capacity.toFixed(3)
      ])
      const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
      const table = [header, ...rows].map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]))
          .join('  ')
          .trimEnd()
      )
      return [
        `run ${run.id}: capacity sweep ${run.status} in ${seconds.toFixed(2)} s, seed ${run.seed}`,
        ...table,
        resumeHint,
        ''
      ]
    },
    resultJson: (run) => ({
      ...runHeadJson(run),
      model: run.modelId,
      stopped: run.status === 'stopped',
      labelings: run.steps,
      perN: run.capacity ?? [],
      error: run.error
    })
  }
}
