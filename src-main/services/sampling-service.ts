/**
 * Sampling a device for a surrogate's dataset: the session's sines (core/sampling) are played
 * chunk by chunk on the connected, calibrated device and each chunk is stored as it arrives
 * (store/datasets-repository.ts). A lost link leaves the dataset `interrupted` with every complete
 * chunk stored; `resume` plays exactly the missing chunk indexes, at the same phases and times,
 * so the finished dataset is the one an uninterrupted session would have made.
 *
 * Safety: each chunk's stream is ramped from and to 0 V, checked against the active calibration
 * before it is sent (the device service's `playSamplingChunk`), and the session refuses to start
 * or resume unless the calibration it samples under is the active one. The caller ends by
 * closing the device (ABOR, outputs to 0 V), as every device command does.
 */
import { EventEmitter } from 'node:events'
import {
  buildSamplingChunk,
  checkSineSampling,
  electrodeFrequenciesHz,
  largestFrequencyFactor,
  REFERENCE_FREQUENCY_FACTOR,
  voltsToNanoamps,
  type SineSampling
} from '../core'
import type { DatasetDetail, DatasetSettings, DatasetsRepository } from '../store'

export type { DatasetDetail, DatasetSummary } from '../store'
import type { RawReadout, SamplingTarget } from './device'

/** Most samples a dataset may hold (about 560 MB of float32 inputs for 7 electrodes when read whole). */
export const MAX_DATASET_SAMPLES = 20_000_000

/** The reference's defaults: 0.5 s chunks, 0.4 s ramps. */
export const DEFAULT_CHUNK_SECONDS = 0.5
export const DEFAULT_RAMP_SECONDS = 0.4
/** Of the largest frequency factor the slew limit allows, what the default takes (a margin for rounding). */
const SLEW_MARGIN = 0.9

export interface SamplingRequest {
  durationSeconds: number
  chunkSeconds?: number
  rampSeconds?: number
  /** Default: the reference's 0.001, lowered to what the slew limit allows on the calibrated ranges. */
  frequencyFactor?: number
  /** One per electrode; default random. */
  phasesRadians?: number[]
}

export interface SamplingProgress {
  datasetId: number
  chunksDone: number
  chunksTotal: number
  /** Estimated seconds left, from this process's pace; null before the first chunk. */
  etaSeconds: number | null
  /** The chunk just stored (absent on the first event of a session): for a live plot. */
  lastChunk?: {
    chunkIndex: number
    /** chunk samples x electrodes volts, interleaved by electrode. */
    inputsVolts: Float32Array
    outputsNanoamps: Float32Array
  }
}

/** The device a session plays on (DeviceService). */
export interface SamplingDevice {
  samplingTarget(): SamplingTarget
  playSamplingChunk(calibrationId: number, electrodeRows: Float32Array, rowCount: number): Promise<RawReadout>
  isConnectionLoss(error: unknown): boolean
}

/** Refused before anything was sent (bad settings, wrong calibration, finished dataset). */
export class SamplingRefusedError extends Error {
  override name = 'SamplingRefusedError'
}

/** The session ended early; the dataset is `interrupted` (or `paused`) with every complete chunk stored. */
export class SamplingStoppedError extends Error {
  override name = 'SamplingStoppedError'
  constructor(
    message: string,
    readonly datasetId: number,
    readonly status: 'interrupted' | 'paused',
    readonly connectionLost: boolean
  ) {
    super(message)
  }
}

export interface SamplingPlan {
  settings: DatasetSettings
  chunkCount: number
  /** The reference factor was lowered to keep the sines under the slew limit. */
  frequencyFactorLowered: boolean
}

export class SamplingService extends EventEmitter<{ progress: [SamplingProgress] }> {
  private pauseRequested = false

  constructor(
    private readonly device: SamplingDevice,
    private readonly datasets: DatasetsRepository
  ) {
    super()
  }

  /** The settings a request gives on this device; throws SamplingRefusedError naming what is wrong. */
  plan(request: SamplingRequest, target: SamplingTarget = this.device.samplingTarget()): SamplingPlan {
    const rate = target.sampleRateHz
    const chunkSeconds = request.chunkSeconds ?? DEFAULT_CHUNK_SECONDS
    const rampSeconds = request.rampSeconds ?? DEFAULT_RAMP_SECONDS
    positive(request.durationSeconds, 'the duration')
    positive(chunkSeconds, 'the chunk length')
    positive(rampSeconds, 'the ramp length')
    const chunkSamples = Math.round(chunkSeconds * rate)
    const rampSamples = Math.round(rampSeconds * rate)
    const totalSamples = Math.round(request.durationSeconds * rate)
    if (chunkSamples < 1 || rampSamples < 1 || totalSamples < 1) {
      throw new SamplingRefusedError(
        `at ${rate} Hz the duration (${request.durationSeconds} s), the chunk (${chunkSeconds} s) and the ramp (${rampSeconds} s) must each last at least one sample`
      )
    }
    if (totalSamples > MAX_DATASET_SAMPLES) {
      throw new SamplingRefusedError(
        `${request.durationSeconds} s at ${rate} Hz is ${totalSamples} samples, above the ${MAX_DATASET_SAMPLES} a dataset may hold: sample a shorter session`
      )
    }
    const electrodes = target.electrodeRangesVolts.length
    const largest = largestFrequencyFactor(target.electrodeRangesVolts, target.slewVoltsPerSecond, rate)
    const defaultFactor = Math.min(REFERENCE_FREQUENCY_FACTOR, SLEW_MARGIN * largest)
    const frequencyFactor = request.frequencyFactor ?? defaultFactor
    const phasesRadians = request.phasesRadians ?? Array.from({ length: electrodes }, () => Math.random() * 2 * Math.PI)
    const sampling: SineSampling = {
      rangesVolts: target.electrodeRangesVolts,
      sampleRateHz: rate,
      frequencyFactor,
      phasesRadians,
      chunkSamples,
      rampSamples
    }
    refusing(() => checkSineSampling(sampling, target))
    return {
      settings: {
        electrodeRangesVolts: target.electrodeRangesVolts,
        sampleRateHz: rate,
        frequencyFactor,
        frequenciesHz: electrodeFrequenciesHz(electrodes, frequencyFactor, rate),
        phasesRadians,
        chunkSamples,
        rampSamples,
        durationSeconds: request.durationSeconds,
        amplificationNanoampsPerVolt: target.amplificationNanoampsPerVolt,
        invertedOutput: target.invertedOutput,
        clippingNanoamps: target.clippingNanoamps
      },
      chunkCount: Math.ceil(totalSamples / chunkSamples),
      frequencyFactorLowered: request.frequencyFactor === undefined && defaultFactor < REFERENCE_FREQUENCY_FACTOR
    }
  }

  /** A new dataset, sampled to the end (or until the link is lost or a pause is asked). */
  async start(
    request: SamplingRequest,
    onCreated?: (dataset: DatasetDetail, plan: SamplingPlan) => void
  ): Promise<DatasetDetail> {
    const target = this.device.samplingTarget()
    const plan = this.plan(request, target)
    const dataset = this.datasets.create(target.profileId, target.calibrationId, plan.settings, plan.chunkCount)
    onCreated?.(dataset, plan)
    return this.sampleMissing(dataset.id)
  }

  /** Plays the chunks dataset `id` is missing, at the phases and times it started with. */
  async resume(id: number): Promise<DatasetDetail> {
    const dataset = this.datasets.get(id)
    if (!dataset) throw new SamplingRefusedError(`no dataset ${id}`)
    if (dataset.status === 'complete') throw new SamplingRefusedError(`dataset ${id} is complete: nothing to resume`)
    const target = this.device.samplingTarget()
    if (target.profileId !== dataset.profileId) {
      throw new SamplingRefusedError(
        `dataset ${id} was sampled on device profile ${dataset.profileId}; the connected instrument is profile ${target.profileId} ("${target.profileName}")`
      )
    }
    if (target.calibrationId !== dataset.calibrationId) {
      throw new SamplingRefusedError(
        `dataset ${id} was sampled under calibration ${dataset.calibrationId}, but calibration ${target.calibrationId} is active: activate calibration ${dataset.calibrationId} to resume`
      )
    }
    if (target.sampleRateHz !== dataset.settings.sampleRateHz) {
      throw new SamplingRefusedError(
        `dataset ${id} was sampled at ${dataset.settings.sampleRateHz} Hz; the device profile now plays at ${target.sampleRateHz} Hz`
      )
    }
    refusing(() => checkSineSampling(samplingOf(dataset.settings), target))
    return this.sampleMissing(id)
  }

  /** Ends the session after the chunk being played; the dataset becomes `paused`. */
  requestPause(): void {
    this.pauseRequested = true
  }

  private async sampleMissing(id: number): Promise<DatasetDetail> {
    const dataset = this.datasets.get(id)!
    const sampling = samplingOf(dataset.settings)
    const missing = this.datasets.missingChunks(id)
    const total = dataset.chunkCountTarget
    let done = total - missing.length
    this.pauseRequested = false
    this.datasets.setStatus(id, 'sampling')
    const startedAt = Date.now()
    this.emit('progress', { datasetId: id, chunksDone: done, chunksTotal: total, etaSeconds: null })
    for (const [played, chunkIndex] of missing.entries()) {
      if (this.pauseRequested) {
        this.datasets.setStatus(id, 'paused', 'paused by the user')
        throw new SamplingStoppedError(`dataset ${id} paused after ${done} of ${total} chunks`, id, 'paused', false)
      }
      const chunk = buildSamplingChunk(sampling, chunkIndex)
      let readout: RawReadout
      try {
        readout = await this.device.playSamplingChunk(dataset.calibrationId, chunk.streamVolts, chunk.rowCount)
      } catch (error) {
        const connectionLost = this.device.isConnectionLoss(error)
        const message = `${connectionLost ? 'the instrument connection was lost: ' : ''}${(error as Error).message}`
        this.datasets.setStatus(id, 'interrupted', message)
        throw new SamplingStoppedError(message, id, 'interrupted', connectionLost)
      }
      const from = chunk.dataStartRow
      const outputs = new Float32Array(sampling.chunkSamples)
      for (let n = 0; n < sampling.chunkSamples; n++) {
        outputs[n] = voltsToNanoamps(
          readout.readoutVolts[from + n]!,
          dataset.settings.amplificationNanoampsPerVolt,
          dataset.settings.invertedOutput
        )
      }
      try {
        this.datasets.addChunk(id, {
          chunkIndex,
          inputsVolts: chunk.inputsVolts,
          outputsNanoamps: outputs,
          clipped: readout.clipped.slice(from, from + sampling.chunkSamples)
        })
      } catch (error) {
        // E.g. the disk is full, or another process stored this chunk meanwhile (never twice: the key).
        const message = `chunk ${chunkIndex} could not be stored: ${(error as Error).message}`
        this.datasets.setStatus(id, 'interrupted', message)
        throw new SamplingStoppedError(message, id, 'interrupted', false)
      }
      done++
      const secondsPerChunk = (Date.now() - startedAt) / 1000 / (played + 1)
      this.emit('progress', {
        datasetId: id,
        chunksDone: done,
        chunksTotal: total,
        etaSeconds: secondsPerChunk * (total - done),
        lastChunk: { chunkIndex, inputsVolts: chunk.inputsVolts, outputsNanoamps: outputs }
      })
    }
    this.datasets.setStatus(id, 'complete')
    return this.datasets.get(id)!
  }
}

function samplingOf(settings: DatasetSettings): SineSampling {
  return {
    rangesVolts: settings.electrodeRangesVolts,
    sampleRateHz: settings.sampleRateHz,
    frequencyFactor: settings.frequencyFactor,
    phasesRadians: settings.phasesRadians,
    chunkSamples: settings.chunkSamples,
    rampSamples: settings.rampSamples
  }
}

function positive(value: number, what: string): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new SamplingRefusedError(`${what} must be a positive number of seconds, got ${value}`)
}

function refusing(check: () => void): void {
  try {
    check()
  } catch (error) {
    throw new SamplingRefusedError((error as Error).message)
  }
}
