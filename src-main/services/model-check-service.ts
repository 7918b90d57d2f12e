/**
 * Consistency check of a surrogate model against the device (issue 13): play the model's
 * reference batch on the connected, calibrated device and say how far things moved.
 *
 * - Drift RMSE: now measured vs the batch as measured when it was stored. The same points, so it
 *   is the device (or its setup) that changed, not the sample.
 * - Model RMSE now: the model's prediction vs now measured; at training time: the prediction vs
 *   the batch's stored outputs. Now much above then means the model no longer describes the device.
 * - Correlation of prediction and measurement now, and the RMSEs relative to the measured output
 *   range (a 2 nA error means little on a 200 nA range and a lot on a 5 nA one).
 *
 * The first check of a model without a batch (an imported model; a model trained in the app gets
 * its test set as batch) makes one: 512 seeded points drawn uniformly inside the intersection of
 * the model's electrode ranges and the active calibration's, measured and stored as the
 * reference; its drift is 0 by definition. Every later check plays that batch again and is
 * refused, naming electrode and range, when a point lies outside the now-active calibration: the
 * device is never driven outside it. Everything goes through the device service's checked
 * measuring path while it holds the device (no run may start meanwhile).
 */
import { pearson, Rng, SurrogateModel, type SurrogateDefinition } from '../core'
import type { ModelCheckHistory, ModelCheckOutcome, ReferenceBatchSummary } from '../../src-shared/ipc'
import type { ModelChecksRepository, ReferenceBatch } from '../store'
import type { CalibratedDeviceJob } from './device'

export const REFERENCE_BATCH_POINTS = 512
/** Fixed: every model's first batch is the same draw for the same ranges, so batches compare across models. */
export const REFERENCE_BATCH_SEED = 13
export const FIRST_CHECK_NOTE = 'first check: this batch is the reference'

/** Refused before anything was sent to the device (CLI exit code 2). */
export class ModelCheckRefusedError extends Error {
  override readonly name = 'ModelCheckRefusedError'
}

export interface ModelCheckDevice {
  withCalibratedDevice<T>(action: string, job: (device: CalibratedDeviceJob) => Promise<T>): Promise<T>
}

export interface ModelLookup {
  get(id: string): { summary: { name: string; source: string }; definition: SurrogateDefinition } | undefined
}

const ACTION = 'check a model against the device'

export class ModelCheckService {
  constructor(
    private readonly device: ModelCheckDevice,
    private readonly models: ModelLookup,
    private readonly store: ModelChecksRepository
  ) {}

  history(modelId: string): ModelCheckHistory {
    this.requireStoredModel(modelId)
    return { modelId, reference: this.store.referenceBatchSummary(modelId), checks: this.store.listChecks(modelId) }
  }

  /**
   * Measures the model's reference batch (made and stored on the first check) on the connected,
   * calibrated device and stores the check. Throws a {@link ModelCheckRefusedError} when refused
   * before anything was sent; any later error (a lost link) is passed on as it is.
   */
  async check(modelId: string): Promise<ModelCheckOutcome> {
    const { name, definition } = this.requireStoredModel(modelId)
    const stored = refusing(() => this.store.referenceBatch(modelId))
    let sent = false
    try {
      return await this.device.withCalibratedDevice(ACTION, async (device) => {
        const electrodes = device.rangesVolts.length
        if (definition.inputCount !== electrodes)
          throw refused(
            modelId,
            `it has ${definition.inputCount} activation electrodes, the device has ${electrodes} (${device.calibrationName})`
          )
        const inputsVolts = stored
          ? checkedReferenceInputs(modelId, stored, device)
          : firstBatchInputs(modelId, definition, device)
        const pointCount = inputsVolts.length / electrodes
        // The model first: one that cannot be evaluated stops the check before anything is sent.
        const predicted = await predict(definition, inputsVolts, pointCount)
        sent = true
        const measured = await device.measure(inputsVolts, pointCount, `model ${modelId} check (${pointCount} points)`)
        const reference =
          stored === null
            ? this.store.saveReferenceBatch(modelId, {
                inputsVolts,
                electrodeCount: electrodes,
                outputsNanoamps: measured,
                source: 'first-check',
                profileId: device.profileId,
                calibrationId: device.calibrationId
              })
            : stored
        const referenceOutputs = stored?.outputsNanoamps ?? measured
        const correlation = pearson(Array.from(predicted), Array.from(measured))[0]!
        const outputRangeNanoamps = rangeOf(measured)
        const check = this.store.addCheck(modelId, {
          profileId: device.profileId,
          calibrationId: device.calibrationId,
          driftRmseNanoamps: rmse(measured, referenceOutputs),
          modelRmseNanoamps: rmse(predicted, measured),
          referenceModelRmseNanoamps: rmse(predicted, referenceOutputs),
          correlation: Number.isFinite(correlation) ? correlation : null,
          outputRangeNanoamps,
          outputsNanoamps: measured,
          note: stored === null ? FIRST_CHECK_NOTE : ''
        })
        const relative = (value: number) => (outputRangeNanoamps > 0 ? value / outputRangeNanoamps : null)
        return {
          modelId,
          modelName: name,
          check,
          reference: summaryOf(reference),
          firstCheck: stored === null,
          relativeModelRmse: relative(check.modelRmseNanoamps),
          relativeDriftRmse: relative(check.driftRmseNanoamps)
        }
      })
    } catch (error) {
      // Before the first stream, every failure is a refusal: no calibration, a run on the device, ranges.
      if (!sent && !(error instanceof ModelCheckRefusedError))
        throw new ModelCheckRefusedError((error as Error).message)
      throw error
    }
  }

  private requireStoredModel(modelId: string): { name: string; definition: SurrogateDefinition } {
    const entry = this.models.get(modelId)
    if (!entry) throw new ModelCheckRefusedError(`modelId: no model "${modelId}"`)
    if (entry.summary.source === 'bundled' || !/^[1-9]\d*$/.test(modelId))
      throw refused(
        modelId,
        'it is bundled with the app; checks are kept for imported or trained models (import its file to check it)'
      )
    return { name: entry.summary.name, definition: entry.definition }
  }
}

function refused(modelId: string, reason: string): ModelCheckRefusedError {
  return new ModelCheckRefusedError(`cannot check model ${modelId} against the device: ${reason}`)
}

function refusing<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw new ModelCheckRefusedError((error as Error).message)
  }
}

function summaryOf(batch: ReferenceBatchSummary | ReferenceBatch): ReferenceBatchSummary {
  const { modelId, createdAt, source, pointCount, electrodeCount, profileId, calibrationId } = batch
  return { modelId, createdAt, source, pointCount, electrodeCount, profileId, calibrationId }
}

/**
 * The stored batch's inputs, each inside the active calibration as the instrument holds it
 * (float32), else a refusal naming the first electrode, value and range outside.
 */
function checkedReferenceInputs(modelId: string, batch: ReferenceBatch, device: CalibratedDeviceJob): Float32Array {
  const electrodes = device.rangesVolts.length
  if (batch.electrodeCount !== electrodes)
    throw refused(
      modelId,
      `its reference batch has ${batch.electrodeCount} electrodes, the device has ${electrodes} (${device.calibrationName})`
    )
  const lows = device.rangesVolts.map(([min]) => Math.fround(min))
  const highs = device.rangesVolts.map(([, max]) => Math.fround(max))
  let outside = 0
  let first: { point: number; electrode: number; volts: number } | null = null
  batch.inputsVolts.forEach((volts, at) => {
    const electrode = at % electrodes
    if (volts >= lows[electrode]! && volts <= highs[electrode]!) return
    outside += 1
    first ??= { point: Math.floor(at / electrodes), electrode, volts }
  })
  if (first === null) return batch.inputsVolts
  const { point, electrode, volts } = first
  const [min, max] = device.rangesVolts[electrode]!
  const more = outside > 1 ? ` (and ${outside - 1} more values outside)` : ''
  throw refused(
    modelId,
    `point ${point} of its reference batch puts electrode ${electrode} at ${volts} V, outside its calibrated range [${min}, ${max}] V (${device.calibrationName})${more}; nothing was sent`
  )
}

/** 512 seeded points, uniform inside the intersection of the model's and the calibration's range per electrode. */
function firstBatchInputs(modelId: string, definition: SurrogateDefinition, device: CalibratedDeviceJob): Float32Array {
  const ranges = device.rangesVolts.map(([calLo, calHi], electrode): [number, number] => {
    const [modelLo, modelHi] = definition.voltageRangesVolts[electrode]!
    const lo = Math.max(calLo, modelLo)
    const hi = Math.min(calHi, modelHi)
    if (!(lo <= hi))
      throw refused(
        modelId,
        `electrode ${electrode}: the model's range [${modelLo}, ${modelHi}] V and the calibrated range [${calLo}, ${calHi}] V (${device.calibrationName}) do not overlap`
      )
    return [lo, hi]
  })
  const rng = new Rng(REFERENCE_BATCH_SEED)
  const electrodes = ranges.length
  const rows = new Float32Array(REFERENCE_BATCH_POINTS * electrodes)
  for (let at = 0; at < rows.length; at++) {
    const [lo, hi] = ranges[at % electrodes]!
    const volts = Math.fround(rng.uniform(lo, hi))
    // float32 rounding may step just past an end that is not a float32: take the midpoint then.
    rows[at] = volts >= lo && volts <= hi ? volts : Math.fround((lo + hi) / 2)
  }
  return rows
}

async function predict(definition: SurrogateDefinition, inputsVolts: Float32Array, pointCount: number) {
  const model = new SurrogateModel(definition)
  try {
    const outputs = await model.forwardNanoamps(inputsVolts, pointCount)
    // The check compares the first output (a DNPU has one readout).
    if (model.outputCount === 1) return outputs
    return Float32Array.from({ length: pointCount }, (_, p) => outputs[p * model.outputCount]!)
  } finally {
    model.dispose()
  }
}

function rmse(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2
  return Math.sqrt(sum / a.length)
}

function rangeOf(values: Float32Array): number {
  let min = Infinity
  let max = -Infinity
  for (const value of values) {
    min = Math.min(min, value)
    max = Math.max(max, value)
  }
  return max - min
}
