/**
 * Surrogate training as a run, through the real training service and trainer loop, on a dataset
 * sampled from the built-in simulated instrument (real driver, real SQLite file): the trained
 * model lands in the model store, the run names it, and it predicts the device.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SURROGATE_CONFIG, IN_PROCESS_SIMULATOR_PATH, type TrainingFinishedEvent } from '../../src-shared/ipc'
import type { AppServices } from './app-services'
import { servicesOnTempFolder } from './test-support'

let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

async function sampledServices(durationSeconds: number): Promise<AppServices> {
  const made = await servicesOnTempFolder()
  cleanup = made.cleanup
  const services = made.services
  const status = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
  await services.device.saveCalibration({
    profileId: status.profile!.id,
    notes: '',
    electrodes: Array.from({ length: 7 }, (_, electrode) => ({
      electrode,
      rangeVolts: [-0.6, 0.4] as [number, number],
      trialRangeVolts: null,
      suggestedRangeVolts: null,
      saturated: false
    })),
    measurementId: null
  })
  await services.sampling.start({ durationSeconds, chunkSeconds: 1, phasesRadians: [0, 1, 2, 3, 4, 5, 6] })
  return services
}

function ended(services: AppServices, runId: number): Promise<TrainingFinishedEvent> {
  return new Promise((resolve) => {
    const listener = (event: TrainingFinishedEvent) => {
      if (event.runId !== runId) return
      services.training.off('finished', listener)
      resolve(event)
    }
    services.training.on('finished', listener)
  })
}

const smallNetwork = {
  ...DEFAULT_SURROGATE_CONFIG,
  datasetId: 1,
  hiddenSizes: [32, 32],
  epochs: 12,
  batchSize: 64,
  learningRate: 3e-3,
  seed: 7
}

describe('surrogate training on a sampled dataset', () => {
  it('stores the trained model, names it on the run, and predicts the held-out samples', async () => {
    const services = await sampledServices(20)
    const { runId } = services.training.start({ ...smallNetwork, modelName: 'Bench device' })
    expect(await ended(services, runId)).toMatchObject({ status: 'completed', error: null })
    const run = services.runs.getRun(runId)!
    const result = run.surrogate!
    expect(result.modelId).not.toBeNull()
    expect(run.modelId).toBe(result.modelId)
    expect(run.task).toBe('surrogate')
    expect(run.recordedSteps).toHaveLength(12)
    const model = services.models.list().find((summary) => summary.id === result.modelId)!
    expect(model).toMatchObject({
      name: 'Bench device',
      source: 'trained',
      sourceFileName: `run-${runId}`,
      inputCount: 7
    })
    expect(result.test.correlation).toBeGreaterThan(0.9)
    expect(result.sampleCounts.test).toBeGreaterThan(0)
    expect(result.scatter.measuredNanoamps).toHaveLength(Math.min(2000, result.sampleCounts.test))
    expect(result.ivCurves).toHaveLength(7)
    // Its test set's first samples, as measured, are the reference batch its checks re-measure.
    expect(services.modelChecks.history(result.modelId!).reference).toMatchObject({
      source: 'training-test-set',
      pointCount: 512
    })
    const check = await services.modelChecks.check(result.modelId!)
    expect(check.firstCheck).toBe(false)
    // The same simulated device: the model predicts it now as well as at training time.
    expect(check.check.modelRmseNanoamps).toBeCloseTo(check.check.referenceModelRmseNanoamps, 0)
    expect(check.check.correlation).toBeGreaterThan(0.9)
    // The model is usable at once: a GA run on it starts and ends.
    const ga = services.training.start({
      ...(await import('../../src-shared/ipc')).DEFAULT_GA_CONFIG,
      modelId: result.modelId!,
      generations: 2,
      seed: 1
    })
    expect((await ended(services, ga.runId)).status).toBe('completed')
  }, 120_000)

  it('resumes a stopped run to the same weights as an uninterrupted one', async () => {
    const services = await sampledServices(10)
    const whole = services.training.start(smallNetwork, { stopAfter: undefined })
    await ended(services, whole.runId)
    const halves = services.training.start(smallNetwork, { stopAfter: 5 })
    expect((await ended(services, halves.runId)).status).toBe('stopped')
    services.training.resume(halves.runId)
    expect((await ended(services, halves.runId)).status).toBe('completed')
    const a = services.runs.getRun(whole.runId)!
    const b = services.runs.getRun(halves.runId)!
    expect(b.recordedSteps).toEqual(a.recordedSteps)
    expect(b.surrogate!.test).toEqual(a.surrogate!.test)
    // The same weights are stored once: the second run names the first run's model.
    expect(b.surrogate!.modelId).toBe(a.surrogate!.modelId)
  }, 120_000)

  it('refuses an unknown or unfinished dataset before anything is stored', async () => {
    const services = await sampledServices(2)
    expect(() => services.training.start({ ...smallNetwork, datasetId: 9 })).toThrow('datasetId: no dataset 9')
    services.datasets.setStatus(1, 'interrupted', 'cable pulled')
    expect(() => services.training.start(smallNetwork)).toThrow(
      /datasetId: dataset 1 is interrupted .*dnpu sample --resume 1/
    )
    expect(services.runs.listRuns()).toEqual([])
  })
})
