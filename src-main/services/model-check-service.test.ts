/**
 * The model check against the real simulated instrument (in process, no waiting) playing the
 * same model, with ADC noise, and a real SQLite file. The simulator's upload log witnesses what
 * reached the instrument (nothing, for a refused check).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, IN_PROCESS_SIMULATOR_PATH } from '../../src-shared/ipc'
import { duplexTransport, type Transport } from '../instrument/driver'
import {
  createInProcessLink,
  createSurrogateInstrument,
  type ScpiInstrument,
  type UploadLogRecord
} from '../instrument/simulator'
import { DEMO_MODEL_ID, type ModelCatalog } from './model-catalog'
import {
  FIRST_CHECK_NOTE,
  ModelCheckRefusedError,
  ModelCheckService,
  REFERENCE_BATCH_POINTS
} from './model-check-service'
import { RESOURCES_FOLDER, servicesOnTempFolder } from './test-support'

const NOISE_NANOAMPS = 0.5

let cleanup: (() => Promise<void>) | null = null
let instrument: ScpiInstrument | null = null
afterEach(async () => {
  await cleanup?.()
  instrument?.close()
  cleanup = null
  instrument = null
})

/** Services whose built-in simulator plays the demo model; the demo's file imported as model "1". */
async function bench() {
  const uploads: UploadLogRecord[] = []
  const open = async (models: ModelCatalog): Promise<Transport> => {
    instrument ??= createSurrogateInstrument(models.get(DEMO_MODEL_ID)!.definition, {
      speed: Infinity,
      noiseStdNanoamps: NOISE_NANOAMPS,
      onUpload: (record) => uploads.push(record)
    })
    return duplexTransport(createInProcessLink(instrument), { description: 'test simulator' })
  }
  const made = await servicesOnTempFolder(undefined, { openInProcessSimulator: open })
  cleanup = made.cleanup
  const { services } = made
  const imported = await services.models.importFile(
    'demo-surrogate.pt',
    readFileSync(join(RESOURCES_FOLDER, 'demo-surrogate.pt'))
  )
  const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
  const calibrate = (ranges: (electrode: number) => [number, number]) =>
    services.device.saveCalibration({
      profileId: profile!.id,
      notes: '',
      electrodes: Array.from({ length: 7 }, (_, electrode) => ({
        electrode,
        rangeVolts: ranges(electrode),
        trialRangeVolts: null,
        suggestedRangeVolts: null,
        saturated: false
      })),
      measurementId: null
    })
  return { services, uploads, modelId: imported.model.id, calibrate }
}

describe('ModelCheckService with the simulated instrument playing the same model', () => {
  it('stores the first batch as the reference, then reports drift at noise level and a small model error', async () => {
    const { services, uploads, modelId, calibrate } = await bench()
    const calibration = await calibrate(() => [-0.7, 0.5])
    const modelRanges = services.models.get(modelId)!.definition.voltageRangesVolts

    const first = await services.modelChecks.check(modelId)
    expect(first.firstCheck).toBe(true)
    expect(first.reference).toMatchObject({
      modelId,
      source: 'first-check',
      pointCount: REFERENCE_BATCH_POINTS,
      electrodeCount: 7,
      calibrationId: calibration.id
    })
    expect(first.check).toMatchObject({ driftRmseNanoamps: 0, note: FIRST_CHECK_NOTE, calibrationId: calibration.id })
    expect(first.check.referenceModelRmseNanoamps).toBe(first.check.modelRmseNanoamps)
    expect(uploads.length).toBeGreaterThan(0)
    expect(uploads.every((upload) => upload.outcome === 'accepted')).toBe(true)
    // Every point inside the intersection of the model's and the calibration's ranges.
    const batch = services.modelChecks['store'].referenceBatch(modelId)!
    batch.inputsVolts.forEach((volts, at) => {
      const [lo, hi] = modelRanges[at % 7]!
      expect(volts).toBeGreaterThanOrEqual(Math.max(lo, -0.7))
      expect(volts).toBeLessThanOrEqual(Math.min(hi, 0.5))
    })

    // While a check holds the device, no run may start on it.
    const pending = services.modelChecks.check(modelId)
    expect(() =>
      services.training.start({ ...DEFAULT_GA_CONFIG, modelId: DEMO_MODEL_ID, processor: 'device', seed: 1 })
    ).toThrow('cannot train on the device while it is busy (check a model against the device): wait for it to end')
    const second = await pending
    expect(second.firstCheck).toBe(false)
    expect(second.reference.createdAt).toBe(first.reference.createdAt)
    // Two measurements of the same points differ by the noise only (plateau-averaged: below its std).
    expect(second.check.driftRmseNanoamps).toBeGreaterThan(0)
    expect(second.check.driftRmseNanoamps).toBeLessThan(NOISE_NANOAMPS)
    expect(second.check.modelRmseNanoamps).toBeLessThan(NOISE_NANOAMPS)
    expect(second.check.referenceModelRmseNanoamps).toBe(first.check.modelRmseNanoamps)
    expect(second.check.correlation).toBeGreaterThan(0.999)
    expect(second.relativeModelRmse!).toBeLessThan(0.01)
    console.info(
      `model check figures: range ${second.check.outputRangeNanoamps.toFixed(2)} nA, drift ${second.check.driftRmseNanoamps.toFixed(4)} nA, model now ${second.check.modelRmseNanoamps.toFixed(4)} nA, at training ${second.check.referenceModelRmseNanoamps.toFixed(4)} nA, r ${second.check.correlation}`
    )

    const history = services.modelChecks.history(modelId)
    expect(history.reference?.source).toBe('first-check')
    expect(history.checks.map((check) => check.id)).toEqual([second.check.id, first.check.id])
  })

  it('refuses, sending nothing, a batch outside the now-active calibration, naming electrode and range', async () => {
    const { services, uploads, modelId, calibrate } = await bench()
    await calibrate(() => [-0.7, 0.5])
    await services.modelChecks.check(modelId)
    const narrow = await calibrate((electrode) => (electrode === 2 ? [-0.1, 0.1] : [-0.7, 0.5]))
    const before = uploads.length
    const refusal = services.modelChecks.check(modelId)
    await expect(refusal).rejects.toBeInstanceOf(ModelCheckRefusedError)
    await expect(refusal).rejects.toThrow(
      new RegExp(
        `^cannot check model ${modelId} against the device: point \\d+ of its reference batch puts electrode 2 at -?0\\.\\d+ V, outside its calibrated range \\[-0.1, 0.1\\] V \\(calibration v${narrow.version} of device profile ".+"\\) \\(and \\d+ more values outside\\); nothing was sent$`
      )
    )
    expect(uploads.length).toBe(before)
    expect(services.modelChecks.history(modelId).checks).toHaveLength(1)
  })

  it("refuses a first check where the model's and the calibration's ranges do not overlap, naming the electrode", async () => {
    const { services, uploads, modelId, calibrate } = await bench()
    await calibrate(() => [-0.7, 0.5])
    // A calibration always holds 0 V; a model whose electrode 4 was measured on [0.6, 0.9] V does not.
    const entry = services.models.get(modelId)!
    const shifted = entry.definition.voltageRangesVolts.map((range, electrode) =>
      electrode === 4 ? ([0.6, 0.9] as [number, number]) : range
    )
    const checks = new ModelCheckService(
      services.device,
      { get: () => ({ ...entry, definition: { ...entry.definition, voltageRangesVolts: shifted } }) },
      services.modelChecks['store']
    )
    await expect(checks.check(modelId)).rejects.toThrow(
      /^cannot check model \d+ against the device: electrode 4: the model's range \[0.6, 0.9\] V and the calibrated range \[-0.7, 0.5\] V \(calibration v1 of device profile ".+"\) do not overlap$/
    )
    expect(uploads).toHaveLength(0)
    expect(services.modelChecks.history(modelId).reference).toBeNull()
  })

  it('refuses an unknown or bundled model, and a device without a calibration', async () => {
    const { services, modelId } = await bench()
    await expect(services.modelChecks.check('99')).rejects.toThrow('modelId: no model "99"')
    await expect(services.modelChecks.check(DEMO_MODEL_ID)).rejects.toThrow(
      'cannot check model demo against the device: it is bundled with the app; checks are kept for imported or trained models (import its file to check it)'
    )
    const refusal = services.modelChecks.check(modelId)
    await expect(refusal).rejects.toBeInstanceOf(ModelCheckRefusedError)
    await expect(refusal).rejects.toThrow(/has no calibration; calibrate it first/)
    expect(services.modelChecks.history(modelId)).toEqual({ modelId, reference: null, checks: [] })
  })
})
