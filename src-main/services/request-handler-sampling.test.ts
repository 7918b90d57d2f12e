/**
 * sampling:* and datasets:* through the request handler, on the built-in simulated instrument
 * (in process, real driver, real SQLite file): the refusals (bad requests, no device, no
 * calibration, a run or a calibration holding the device, and the other way round) and a short
 * session to completion with its events.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  IN_PROCESS_SIMULATOR_PATH,
  type SamplingFinishedEvent,
  type SamplingPlanView,
  type SamplingProgressEvent
} from '../../src-shared/ipc'
import type { Duplex } from 'node:stream'
import { DEMO_MODEL_ID, type ModelCatalog } from './model-catalog'
import { createAppServices } from './app-services'
import { createRequestHandler } from './request-handler'
import { decimateChunk } from './sampling-session'
import {
  inProcessTrainer,
  calibratedElectrodes,
  readSurrogateFileInThread,
  recordingTransport,
  RESOURCES_FOLDER,
  servicesOnTempFolder
} from './test-support'
import { duplexTransport, type Transport } from '../instrument/driver'
import { createInProcessLink, createSurrogateInstrument, type ScpiInstrument } from '../instrument/simulator'

let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

/** App services on the demo model's simulated instrument (no waiting), every command recorded in `sent`; `pullCable` drops the link. */
async function setUp() {
  const sent: string[] = []
  let instrument: ScpiInstrument | null = null
  let link: Duplex | null = null
  const open = async (models: ModelCatalog): Promise<Transport> => {
    instrument ??= createSurrogateInstrument(models.get(DEMO_MODEL_ID)!.definition, { speed: Infinity })
    link = createInProcessLink(instrument)
    return recordingTransport(duplexTransport(link, { description: 'test simulator' }), sent)
  }
  const env = await servicesOnTempFolder(undefined, { openInProcessSimulator: open })
  cleanup = env.cleanup
  const handle = createRequestHandler(env.services)
  const progress: SamplingProgressEvent[] = []
  const finished: SamplingFinishedEvent[] = []
  env.services.samplingSession.on('progress', (event) => progress.push(event))
  env.services.samplingSession.on('finished', (event) => finished.push(event))
  const pullCable = () => link!.destroy(new Error('the test pulled the cable'))
  return { env, services: env.services, handle, progress, finished, sent, pullCable }
}

async function connectAndCalibrate(services: Awaited<ReturnType<typeof setUp>>['services']): Promise<number> {
  const status = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
  const calibration = await services.device.saveCalibration({
    profileId: status.profile!.id,
    notes: '',
    electrodes: calibratedElectrodes([-0.6, 0.4]),
    measurementId: null
  })
  return calibration.id
}

function value<T>(envelope: { ok: true; value: unknown } | { ok: false; error: string }): T {
  if (!envelope.ok) throw new Error(envelope.error)
  return envelope.value as T
}

function finishedOnce(services: Awaited<ReturnType<typeof setUp>>['services']): Promise<SamplingFinishedEvent> {
  return new Promise((resolve) => services.samplingSession.once('finished', resolve))
}

describe('sampling:* and datasets:* channels', () => {
  it('refuses bad requests naming the field, and says what is missing before a device is calibrated', async () => {
    const { handle, services } = await setUp()
    expect(await handle('sampling:start', { durationSeconds: -1 })).toEqual({
      ok: false,
      error: 'sampling:start: invalid request: durationSeconds: the duration must be more than 0 s'
    })
    expect(await handle('sampling:plan', { durationSeconds: 10, chunkSeconds: 600 })).toEqual({
      ok: false,
      error: 'sampling:plan: invalid request: chunkSeconds: the chunk length must be at most 60 s'
    })
    expect(await handle('sampling:plan', { durationSeconds: 10, volts: 9 })).toMatchObject({ ok: false })
    expect(await handle('sampling:resume', { datasetId: 0 })).toMatchObject({ ok: false })
    expect(await handle('datasets:get', { datasetId: 4 })).toEqual({
      ok: false,
      error: 'datasets:get: datasetId: no dataset 4'
    })
    expect(await handle('sampling:resume', { datasetId: 4 })).toEqual({
      ok: false,
      error: 'sampling:resume: datasetId: no dataset 4'
    })
    expect(await handle('sampling:pause', {})).toEqual({
      ok: false,
      error: 'sampling:pause: no sampling session is in progress'
    })
    expect(await handle('datasets:list', {})).toEqual({ ok: true, value: [] })
    expect(await handle('sampling:active', {})).toEqual({
      ok: true,
      value: { datasetId: null, chunksDone: 0, chunksTotal: 0, etaSeconds: null, pausing: false }
    })

    const noDevice = value<SamplingPlanView>(await handle('sampling:plan', { durationSeconds: 10 }))
    expect(noDevice.device).toBeNull()
    expect(noDevice.plan).toBeNull()
    expect(noDevice.refusals).toEqual([expect.stringContaining('cannot sample the device: no instrument is connected')])
    const started = await handle('sampling:start', { durationSeconds: 10 })
    expect(started).toMatchObject({ ok: false, error: expect.stringContaining('no instrument is connected') })

    await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    const uncalibrated = value<SamplingPlanView>(await handle('sampling:plan', { durationSeconds: 10 }))
    expect(uncalibrated.refusals).toEqual([expect.stringContaining('has no calibration; calibrate it first')])
    expect(await handle('sampling:start', { durationSeconds: 10 })).toMatchObject({
      ok: false,
      error: expect.stringContaining('has no calibration')
    })
    // Refusals store nothing, and leave the device free.
    expect(services.datasets.list()).toEqual([])
    expect(services.device.samplingBusyReason()).toBeNull()
  })

  it('plans a session: chunks, samples, frequencies, the calibration; refuses settings the device cannot play', async () => {
    const { handle, services } = await setUp()
    const calibrationId = await connectAndCalibrate(services)
    const view = value<SamplingPlanView>(await handle('sampling:plan', { durationSeconds: 2, chunkSeconds: 0.5 }))
    expect(view.refusals).toEqual([])
    expect(view.device).toMatchObject({ calibrationId, calibrationVersion: 1 })
    expect(view.plan).toMatchObject({ chunkCount: 4, chunkSamples: 500, sampleCount: 2000, sampleRateHz: 1000 })
    expect(view.plan!.frequenciesHz).toHaveLength(7)
    expect(view.plan!.electrodeRangesVolts).toEqual(Array(7).fill([-0.6, 0.4]))

    const tooFast = value<SamplingPlanView>(
      await handle('sampling:plan', { durationSeconds: 2, frequencyFactor: 0.05 })
    )
    expect(tooFast.plan).toBeNull()
    expect(tooFast.refusals).toEqual([expect.stringMatching(/slew/)])
    expect(await handle('sampling:start', { durationSeconds: 2, frequencyFactor: 0.05 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^sampling:start: .*slew/)
    })
    expect(services.datasets.list()).toEqual([])
  })

  it('refuses to sample while a run holds the device, and a run, a calibration or a change while it samples', async () => {
    const { handle, services } = await setUp()
    await connectAndCalibrate(services)
    // A run on the device holds its lease (as TrainingService takes it).
    const lease = services.device.lease(41)
    const plan = value<SamplingPlanView>(await handle('sampling:plan', { durationSeconds: 1 }))
    expect(plan.refusals).toEqual(['Run 41 is training on the device: wait for it to end'])
    expect(await handle('sampling:start', { durationSeconds: 1 })).toEqual({
      ok: false,
      error: 'sampling:start: cannot sample the device: run 41 is training on the device; wait for it to end'
    })
    await lease.release()

    // A calibration sweep in progress.
    const sweep = services.device.runCalibration({ pointsPerLeg: 4 })
    expect(await handle('sampling:start', { durationSeconds: 1 })).toEqual({
      ok: false,
      error:
        'sampling:start: cannot sample the device: a calibration sweep is running on the device; wait for it to end'
    })
    await sweep
    expect(services.datasets.list()).toEqual([])

    // While it samples, the gate names the dataset to everything else.
    const ended = finishedOnce(services)
    const started = value<{ datasetId: number }>(
      await handle('sampling:start', { durationSeconds: 3, chunkSeconds: 0.2, rampSeconds: 0.1 })
    )
    expect(started).toEqual({ datasetId: 1 })
    expect(await handle('calibration:run', { pointsPerLeg: 4 })).toEqual({
      ok: false,
      error:
        'calibration:run: cannot run a calibration sweep while the device is sampling dataset 1: pause it first or wait for it to end'
    })
    // A training run on the device is refused before it is created (trainingTarget), and its lease too.
    expect(() => services.device.trainingTarget()).toThrow(
      'cannot train on the device while the device is sampling dataset 1: pause it first or wait for it to end'
    )
    expect(() => services.device.lease(42)).toThrow('cannot train on the device while the device is sampling dataset 1')
    expect(await handle('device:disconnect', {})).toMatchObject({
      ok: false,
      error: expect.stringContaining('while the device is sampling dataset 1')
    })
    expect(await handle('sampling:start', { durationSeconds: 1 })).toEqual({
      ok: false,
      error: 'sampling:start: cannot sample the device: dataset 1 is being sampled; pause it or wait for it to end'
    })
    const again = value<SamplingPlanView>(await handle('sampling:plan', { durationSeconds: 1 }))
    expect(again.refusals).toEqual(['dataset 1 is being sampled: pause it or wait for it to end'])
    expect(value<{ pausing: boolean }>(await handle('sampling:pause', {}))).toEqual({ datasetId: 1, pausing: true })
    expect(await ended).toMatchObject({ datasetId: 1, status: 'paused', error: 'paused by the user' })
    // Freed: a run may lease the device again.
    services.device.lease(43)
  })

  it('samples a short session to completion with progress and a decimated last chunk; pauses and resumes', async () => {
    const { handle, services, progress, finished, sent } = await setUp()
    const calibrationId = await connectAndCalibrate(services)
    let ended = finishedOnce(services)
    const { datasetId } = value<{ datasetId: number }>(
      await handle('sampling:start', { durationSeconds: 2, chunkSeconds: 0.5, rampSeconds: 0.1 })
    )
    expect(value<{ datasetId: number }>(await handle('sampling:active', {}))).toMatchObject({
      datasetId,
      pausing: false
    })
    expect(await ended).toEqual({ datasetId, status: 'complete', error: null, clippedCount: expect.any(Number) })
    // The device was freed with outputs at 0 V: ABOR after the last stream.
    expect(sent.lastIndexOf('ABOR')).toBeGreaterThan(sent.lastIndexOf('FETC?'))
    expect(sent.lastIndexOf('FETC?')).toBeGreaterThan(0)
    expect(services.device.samplingBusyReason()).toBeNull()
    expect(value<{ datasetId: number | null }>(await handle('sampling:active', {}))).toMatchObject({ datasetId: null })

    expect(progress.map((p) => p.chunksDone)).toEqual([0, 1, 2, 3, 4])
    expect(progress[0]!.lastChunk).toBeNull()
    const last = progress.at(-1)!
    expect(last).toMatchObject({ datasetId, chunksTotal: 4, etaSeconds: expect.any(Number) })
    expect(last.lastChunk!.chunkIndex).toBe(3)
    expect(last.lastChunk!.inputsVolts).toHaveLength(7)
    expect(last.lastChunk!.outputsNanoamps).toHaveLength(500)
    expect(last.lastChunk!.timesSeconds[0]).toBeCloseTo(1.5)
    for (const trace of last.lastChunk!.inputsVolts)
      for (const volts of trace) expect(volts >= -0.6 - 1e-6 && volts <= 0.4 + 1e-6).toBe(true)

    const list = value<{ id: number; status: string; sampleCount: number }[]>(await handle('datasets:list', {}))
    expect(list).toEqual([expect.objectContaining({ id: datasetId, status: 'complete', sampleCount: 2000 })])
    const detail = value<{ calibrationId: number; settings: { chunkSamples: number } }>(
      await handle('datasets:get', { datasetId })
    )
    expect(detail).toMatchObject({ calibrationId, settings: { chunkSamples: 500 } })
    expect(await handle('sampling:resume', { datasetId })).toEqual({
      ok: false,
      error: `sampling:resume: dataset ${datasetId} is complete: nothing to resume`
    })

    // Paused after its first chunk, resumed from the view to completion.
    ended = finishedOnce(services)
    const second = value<{ datasetId: number }>(
      await handle('sampling:start', { durationSeconds: 1, chunkSeconds: 0.25, rampSeconds: 0.1 })
    ).datasetId
    await handle('sampling:pause', {})
    expect(await ended).toMatchObject({ datasetId: second, status: 'paused' })
    expect(services.datasets.get(second)!.chunksStored).toBeLessThan(4)
    ended = finishedOnce(services)
    expect(value(await handle('sampling:resume', { datasetId: second }))).toEqual({ datasetId: second })
    expect(await ended).toMatchObject({ datasetId: second, status: 'complete' })
    expect(services.datasets.chunkIndexes(second)).toEqual([0, 1, 2, 3])
    expect(finished.map((f) => f.status)).toEqual(['complete', 'paused', 'complete'])
  })

  it('a lost link leaves the dataset interrupted; resumed from the view once the device is back, no chunk lost or doubled', async () => {
    const { handle, services, pullCable } = await setUp()
    await connectAndCalibrate(services)
    let ended = finishedOnce(services)
    let pulled = false
    services.samplingSession.on('progress', (event) => {
      if (event.chunksDone === 2 && !pulled) {
        pulled = true
        pullCable()
      }
    })
    const { datasetId } = value<{ datasetId: number }>(
      await handle('sampling:start', { durationSeconds: 2, chunkSeconds: 0.25, rampSeconds: 0.1 })
    )
    const end = await ended
    expect(end).toMatchObject({
      datasetId,
      status: 'interrupted',
      error: expect.stringContaining('the instrument connection was lost')
    })
    expect(services.datasets.get(datasetId)).toMatchObject({ status: 'interrupted', chunksStored: 2 })
    expect(services.device.samplingBusyReason()).toBeNull()
    expect(services.device.status().state).toBe('failed')

    await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    ended = finishedOnce(services)
    expect(value(await handle('sampling:resume', { datasetId }))).toEqual({ datasetId })
    expect(await ended).toMatchObject({ datasetId, status: 'complete', error: null })
    expect(services.datasets.chunkIndexes(datasetId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(services.datasets.get(datasetId)!.sampleCount).toBe(2000)
  })

  it('marks a dataset left sampling by a process that died interrupted at the next start', async () => {
    const { services, env } = await setUp()
    await connectAndCalibrate(services)
    // As if the process died mid-session: a dataset created, one chunk short, still `sampling`.
    const target = services.device.samplingTarget()
    const planned = services.sampling.plan({ durationSeconds: 1 }, target)
    const dataset = services.datasets.create(target.profileId, target.calibrationId, planned.settings, 2)
    expect(services.datasets.get(dataset.id)!.status).toBe('sampling')
    await services.close()
    const reopened = await createAppServices({
      dataFolder: env.dataFolder,
      resourcesFolder: RESOURCES_FOLDER,
      version: '0.0.0-test',
      mode: 'browser',
      spawnTrainer: inProcessTrainer,
      readSurrogateFile: readSurrogateFileInThread
    })
    try {
      expect(reopened.datasets.get(dataset.id)).toMatchObject({
        status: 'interrupted',
        error: expect.stringContaining('DNPU Lab ended during this sampling session')
      })
    } finally {
      await reopened.close()
    }
  })
})

describe('decimateChunk', () => {
  it('keeps every sample up to the cap, then every k-th with times from the session start', () => {
    const samples = 5000
    const inputs = new Float32Array(samples * 2).map((_, i) => i)
    const outputs = new Float32Array(samples).map((_, i) => -i)
    const small = decimateChunk(
      { chunkIndex: 0, inputsVolts: inputs.subarray(0, 20), outputsNanoamps: outputs.subarray(0, 10) },
      2,
      1000,
      10,
      2000
    )
    expect(small.outputsNanoamps).toHaveLength(10)
    expect(small.inputsVolts).toEqual([
      [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
      [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    ])
    const big = decimateChunk({ chunkIndex: 2, inputsVolts: inputs, outputsNanoamps: outputs }, 2, 1000, samples, 2000)
    expect(big.outputsNanoamps).toHaveLength(1667)
    expect(big.timesSeconds[0]).toBe(10)
    expect(big.timesSeconds[1]).toBeCloseTo(10.003)
    expect(big.outputsNanoamps[1]).toBe(-3)
    expect(big.inputsVolts[1]![1]).toBe(7)
  })
})
