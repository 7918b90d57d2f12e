/**
 * The sampling service on the built-in simulated instrument (in process, real driver, real SQLite
 * file): pause and resume, and the refusals that leave the store untouched.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { IN_PROCESS_SIMULATOR_PATH } from '../../src-shared/ipc'
import { buildSamplingChunk } from '../core'
import { SamplingRefusedError, SamplingStoppedError } from './sampling-service'
import { calibratedElectrodes, servicesOnTempFolder } from './test-support'
import type { AppServices } from './app-services'

let cleanup: (() => Promise<void>) | null = null
afterEach(async () => {
  await cleanup?.()
  cleanup = null
})

async function calibratedServices(): Promise<{ services: AppServices; profileId: number; calibrationId: number }> {
  const made = await servicesOnTempFolder()
  cleanup = made.cleanup
  const services = made.services
  const status = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
  const profileId = status.profile!.id
  const calibration = await services.device.saveCalibration({
    profileId,
    notes: '',
    electrodes: calibratedElectrodes([-0.6, 0.4]),
    measurementId: null
  })
  return { services, profileId, calibrationId: calibration.id }
}

describe('SamplingService on the simulated instrument', () => {
  it('pauses after the chunk being played and resumes at the first missing chunk, same phases and times', async () => {
    const { services, calibrationId } = await calibratedServices()
    const sampling = services.sampling
    const pauseAfterTwo = ({ chunksDone }: { chunksDone: number }) => {
      if (chunksDone === 2) sampling.requestPause()
    }
    sampling.on('progress', pauseAfterTwo)
    const stopped = await sampling
      .start({ durationSeconds: 1, chunkSeconds: 0.2, phasesRadians: [0, 1, 2, 3, 4, 5, 6] })
      .catch((error: unknown) => error)
    sampling.off('progress', pauseAfterTwo)
    expect(stopped).toBeInstanceOf(SamplingStoppedError)
    expect(stopped).toMatchObject({ status: 'paused', datasetId: 1, message: 'dataset 1 paused after 2 of 5 chunks' })
    expect(services.datasets.get(1)).toMatchObject({ status: 'paused', chunksStored: 2, calibrationId })
    expect(services.datasets.missingChunks(1)).toEqual([2, 3, 4])

    const done = await sampling.resume(1)
    expect(done).toMatchObject({ status: 'complete', chunksStored: 5, sampleCount: 1000, error: null })
    expect(services.datasets.chunkIndexes(1)).toEqual([0, 1, 2, 3, 4])
    const s = done.settings
    const read = services.datasets.readDataset(1)
    expect(read.outputsNanoamps).toHaveLength(done.keptCount)
    // Fixed phases: this session never reaches the ADC's edge, so every sample is kept.
    expect(done.clippedCount).toBe(0)
    // The merged inputs are the uninterrupted session's, chunk after chunk.
    const whole = buildSamplingChunk(
      {
        rangesVolts: s.electrodeRangesVolts,
        sampleRateHz: s.sampleRateHz,
        frequencyFactor: s.frequencyFactor,
        phasesRadians: s.phasesRadians,
        chunkSamples: 5 * s.chunkSamples,
        rampSamples: s.rampSamples
      },
      0
    )
    expect(read.inputsVolts).toEqual(whole.inputsVolts)
    expect(read).toMatchObject({
      electrodeRanges: calibratedElectrodes([-0.6, 0.4]).map((e) => e.rangeVolts),
      amplification: 28.5
    })
    await expect(sampling.resume(1)).rejects.toThrow('dataset 1 is complete: nothing to resume')
  })

  it('refuses settings the instrument cannot play and a resume under another calibration, storing nothing', async () => {
    const { services, profileId, calibrationId } = await calibratedServices()
    const sampling = services.sampling
    await expect(sampling.start({ durationSeconds: 1, rampSeconds: 0.01 })).rejects.toThrow(
      /a ramp of 10 samples is too short: .* at least 60 samples/
    )
    await expect(sampling.start({ durationSeconds: 1, frequencyFactor: 0.01 })).rejects.toBeInstanceOf(
      SamplingRefusedError
    )
    await expect(sampling.start({ durationSeconds: 1e6 })).rejects.toThrow(/above the 20000000 a dataset may hold/)
    expect(services.datasets.list()).toEqual([])

    const pauseAtOnce = () => sampling.requestPause()
    sampling.on('progress', pauseAtOnce)
    await expect(sampling.start({ durationSeconds: 0.4, chunkSeconds: 0.2 })).rejects.toBeInstanceOf(
      SamplingStoppedError
    )
    sampling.off('progress', pauseAtOnce)
    await services.device.saveCalibration({
      profileId,
      notes: '',
      electrodes: calibratedElectrodes([-0.5, 0.5]),
      measurementId: null
    })
    await expect(sampling.resume(1)).rejects.toThrow(
      `dataset 1 was sampled under calibration ${calibrationId}, but calibration ${calibrationId + 1} is active: activate calibration ${calibrationId} to resume`
    )
    await services.device.activateCalibration(calibrationId)
    await expect(sampling.resume(1)).resolves.toMatchObject({ status: 'complete', chunksStored: 2 })
  })

  it('never stores a chunk twice: one stored meanwhile by someone else ends the session interrupted, the first copy kept', async () => {
    const { services } = await calibratedServices()
    const sampling = services.sampling
    const intruder = {
      chunkIndex: 1,
      inputsVolts: new Float32Array(7),
      outputsNanoamps: new Float32Array(1),
      clipped: [false]
    }
    const storeChunkOneFirst = ({ chunksDone }: { chunksDone: number }) => {
      if (chunksDone === 1) services.datasets.addChunk(1, intruder)
    }
    sampling.on('progress', storeChunkOneFirst)
    const stopped = await sampling.start({ durationSeconds: 0.6, chunkSeconds: 0.2 }).catch((error: unknown) => error)
    sampling.off('progress', storeChunkOneFirst)
    expect(stopped).toMatchObject({ status: 'interrupted', connectionLost: false })
    expect((stopped as Error).message).toMatch(/^chunk 1 could not be stored: UNIQUE constraint failed/)
    expect(services.datasets.get(1)).toMatchObject({ status: 'interrupted', chunksStored: 2, sampleCount: 201 })
    expect(services.datasets.missingChunks(1)).toEqual([2])
  })
})
