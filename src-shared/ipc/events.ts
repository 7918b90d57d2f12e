/**
 * Events: main -> renderer only, over Electron IPC or the browser-mode WebSocket. Type-only
 * imports, so the preload can ship the event names without zod.
 */
import type { RunStatus } from '../domain'
import type { TrainingProgressEvent } from './algorithms'
import type { ChannelResponse } from './channels'
import type { DeviceStatus, ValidationProgressEvent } from './device-schemas'
import type { SamplingFinishedEvent, SamplingProgressEvent } from './sampling'

/** A progress event as a trainer reports it, before main adds the run id. */
export type TrainingProgressBody = TrainingProgressEvent extends infer Event
  ? Event extends unknown
    ? Omit<Event, 'runId'>
    : never
  : never

/** A run was paused or continued (it keeps its worker and state while paused). */
export interface TrainingPausedEvent {
  runId: number
  paused: boolean
}

/** Sent after the run's final status is in the database, so `runs:get` already shows it. */
export interface TrainingFinishedEvent {
  runId: number
  status: RunStatus
  error: string | null
}

/** One electrode of a calibration sweep finished. */
export interface CalibrationProgressEvent {
  electrode: number
  electrodesDone: number
  electrodesTotal: number
}

/**
 * A model file was imported from outside the page (the app menu's "Import surrogate…", a `.pt`
 * file opened with the app): the same answer as `models:import`, with the file's name.
 */
export type ModelImportedEvent = ChannelResponse<'models:import'> & { fileName: string }

export interface EventPayloads {
  'training:progress': TrainingProgressEvent
  'training:paused': TrainingPausedEvent
  'training:finished': TrainingFinishedEvent
  /** The instrument connection changed (connected, lost, failed, profile or calibration changed). */
  'device:status': DeviceStatus
  'calibration:progress': CalibrationProgressEvent
  /** A capacity run's validation on the device measured one more N. */
  'validation:progress': ValidationProgressEvent
  'models:imported': ModelImportedEvent
  /** A sampling session stored one more chunk (or started: chunksDone may be > 0 on a resume). */
  'sampling:progress': SamplingProgressEvent
  'sampling:finished': SamplingFinishedEvent
}
export type EventName = keyof EventPayloads
export const EVENT_NAMES: EventName[] = [
  'training:progress',
  'training:paused',
  'training:finished',
  'device:status',
  'calibration:progress',
  'validation:progress',
  'models:imported',
  'sampling:progress',
  'sampling:finished'
]
