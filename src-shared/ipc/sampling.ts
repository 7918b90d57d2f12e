/**
 * Sampling a device for a surrogate's dataset, in the app (sampling:*, datasets:*): request
 * schemas, the plan, the session in progress and its events. The datasets are the ones
 * `dnpu sample` makes (src-main/store/datasets-repository.ts); these types are their contract
 * shape, and the request handler's typing checks the store's match them.
 */
import { z } from 'zod'

/** Longest session a request may ask for (a week); the service still refuses beyond its sample cap. */
export const MAX_SAMPLING_DURATION_SECONDS = 7 * 24 * 3600
export const MAX_SAMPLING_CHUNK_SECONDS = 60
export const MAX_SAMPLING_RAMP_SECONDS = 10
/** Sine frequencies are sqrt(prime) x factor x DAC rate: above this they would alias. */
export const MAX_FREQUENCY_FACTOR = 0.05
/** The live plot's traces hold at most this many points each (a chunk is decimated to it). */
export const MAX_LIVE_PLOT_POINTS = 2000

const seconds = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .positive(`${what} must be more than 0 s`)
    .max(max, `${what} must be at most ${max} s`)

export const samplingRequestSchema = z
  .object({
    durationSeconds: seconds('the duration', MAX_SAMPLING_DURATION_SECONDS),
    chunkSeconds: seconds('the chunk length', MAX_SAMPLING_CHUNK_SECONDS).optional(),
    rampSeconds: seconds('the ramp length', MAX_SAMPLING_RAMP_SECONDS).optional(),
    frequencyFactor: z
      .number({ error: 'the frequency factor must be a number' })
      .positive('the frequency factor must be more than 0')
      .max(MAX_FREQUENCY_FACTOR, `the frequency factor must be at most ${MAX_FREQUENCY_FACTOR}`)
      .optional()
  })
  .strict()
export type SamplingRequestInput = z.input<typeof samplingRequestSchema>

export const datasetIdSchema = z.object({ datasetId: z.number().int().positive() }).strict()

export type DatasetStatus = 'sampling' | 'paused' | 'interrupted' | 'complete'

/** What a sampling session was asked for and played: enough to rebuild every chunk's inputs on resume. */
export interface DatasetSettings {
  /** Activation electrodes' calibrated [min, max] volts, electrode order (the calibration's). */
  electrodeRangesVolts: [number, number][]
  /** DAC rate, Hz: one dataset sample per DAC sample. */
  sampleRateHz: number
  frequencyFactor: number
  frequenciesHz: number[]
  phasesRadians: number[]
  chunkSamples: number
  rampSamples: number
  durationSeconds: number
  amplificationNanoampsPerVolt: number
  invertedOutput: boolean
  /** The ADC's range in nA: outputs at (or beyond) these are clipped. */
  clippingNanoamps: [number, number]
}

export interface DatasetSummary {
  id: number
  profileId: number
  calibrationId: number
  status: DatasetStatus
  chunkCountTarget: number
  chunksStored: number
  /** Samples stored (clipped ones included). */
  sampleCount: number
  /** Samples whose output sat at the ADC's clipping value: dropped for training. */
  clippedCount: number
  /** Samples a training would use: sampleCount - clippedCount. */
  keptCount: number
  error: string | null
  createdAt: string
  updatedAt: string
}

export interface DatasetDetail extends DatasetSummary {
  settings: DatasetSettings
}

/** What a session of the asked duration would be on the connected device, or why it cannot start. */
export interface SamplingPlanView {
  /** Empty when Start may be pressed; else every reason it may not, in words. */
  refusals: string[]
  /** The connected, calibrated device the session samples under; null without one. */
  device: {
    profileId: number
    profileName: string
    calibrationId: number
    calibrationVersion: number
  } | null
  /** The session's shape; null when the device or the settings were refused. */
  plan: {
    chunkCount: number
    chunkSamples: number
    rampSamples: number
    /** chunkCount x chunkSamples: the last chunk is whole, so this may exceed the duration's samples. */
    sampleCount: number
    sampleRateHz: number
    frequencyFactor: number
    /** The reference's factor was lowered so the sines stay under the slew limit. */
    frequencyFactorLowered: boolean
    frequenciesHz: number[]
    electrodeRangesVolts: [number, number][]
  } | null
}

/** The session in progress (a reloaded page picks it up again). */
export interface SamplingActive {
  datasetId: number | null
  chunksDone: number
  chunksTotal: number
  etaSeconds: number | null
  /** A pause was asked: the session ends after the chunk being played. */
  pausing: boolean
}

export interface SamplingProgressEvent {
  datasetId: number
  chunksDone: number
  chunksTotal: number
  /** Seconds left at this session's pace; null before its first chunk. */
  etaSeconds: number | null
  /** The chunk just stored, decimated to at most MAX_LIVE_PLOT_POINTS points per trace; null on a session's first event. */
  lastChunk: {
    chunkIndex: number
    /** Seconds from the session's start (ramps excluded), one per point. */
    timesSeconds: number[]
    /** One trace per activation electrode, volts. */
    inputsVolts: number[][]
    outputsNanoamps: number[]
  } | null
}

/** Sent after the dataset's final status is stored, and after the device was freed (outputs at 0 V). */
export interface SamplingFinishedEvent {
  datasetId: number
  status: DatasetStatus
  error: string | null
  clippedCount: number
}
