/**
 * The API the renderer sees: the preload's named functions, or the browser-mode WebSocket
 * client. Only names and types: the preload bundles this file and must not carry zod (its
 * imports are type-only and erased at build).
 */
import type { Channel, ChannelRequest, ChannelResponse, Envelope } from './channels'
import type { EventName, EventPayloads } from './events'

/** Method name -> channel. The preload exposes exactly these functions, nothing generic. */
export const API_METHODS = {
  appInfo: 'app:info',
  listModels: 'models:list',
  importModel: 'models:import',
  renameModel: 'models:rename',
  setModelNotes: 'models:set-notes',
  deleteModel: 'models:delete',
  exportModel: 'models:export',
  exportModelPt: 'models:export-pt',
  modelIvCurves: 'models:iv-curves',
  checkModel: 'models:check',
  modelChecks: 'models:checks',
  startTraining: 'training:start',
  stopTraining: 'training:stop',
  pauseTraining: 'training:pause',
  continueTraining: 'training:continue',
  resumeRun: 'training:resume',
  activeTraining: 'training:active',
  listRuns: 'runs:list',
  getRun: 'runs:get',
  findRuns: 'runs:find',
  annotateRun: 'runs:annotate',
  listRunTags: 'runs:tags',
  deleteRuns: 'runs:delete',
  vacuumDatabase: 'db:vacuum',
  validateRun: 'runs:validate',
  compareRuns: 'runs:compare',
  rerunConfig: 'runs:rerun-config',
  exportRunBundle: 'runs:bundle-export',
  importRunBundle: 'runs:bundle-import',
  runReport: 'runs:report',
  runReportPdf: 'runs:report-pdf',
  listPorts: 'device:ports',
  deviceStatus: 'device:status',
  connectDevice: 'device:connect',
  disconnectDevice: 'device:disconnect',
  listProfiles: 'device:profiles',
  useModelForSimulator: 'device:simulator-model',
  saveProfile: 'device:save-profile',
  setDcVoltage: 'device:set-dc',
  runCalibration: 'calibration:run',
  saveCalibration: 'calibration:save',
  listCalibrations: 'calibration:list',
  activateCalibration: 'calibration:activate',
  listMeasurements: 'measurements:list',
  getMeasurement: 'measurements:get',
  exportMeasurementCsv: 'measurements:export-csv',
  planSampling: 'sampling:plan',
  startSampling: 'sampling:start',
  pauseSampling: 'sampling:pause',
  resumeSampling: 'sampling:resume',
  activeSampling: 'sampling:active',
  listDatasets: 'datasets:list',
  getDataset: 'datasets:get'
} as const satisfies Record<string, Channel>

export type ApiMethodName = keyof typeof API_METHODS

/** Raw API: each method resolves to an envelope. `lib/api.svelte.ts` unwraps it for views. */
export type RawDnpuApi = {
  [M in ApiMethodName]: (
    request: ChannelRequest<(typeof API_METHODS)[M]>
  ) => Promise<Envelope<ChannelResponse<(typeof API_METHODS)[M]>>>
} & {
  [M in EventMethodName]: (listener: (payload: EventPayloads[(typeof EVENT_METHODS)[M]]) => void) => () => void
}

/** Subscription method name -> event. Each returns its unsubscribe function. */
export const EVENT_METHODS = {
  onTrainingProgress: 'training:progress',
  onTrainingPaused: 'training:paused',
  onTrainingFinished: 'training:finished',
  onDeviceStatus: 'device:status',
  onCalibrationProgress: 'calibration:progress',
  onValidationProgress: 'validation:progress',
  onModelImported: 'models:imported',
  onSamplingProgress: 'sampling:progress',
  onSamplingFinished: 'sampling:finished'
} as const satisfies Record<string, EventName>
export type EventMethodName = keyof typeof EVENT_METHODS

/** The name under which the preload exposes {@link RawDnpuApi} on `window`. */
export const PRELOAD_GLOBAL = 'dnpu'

// ---------------------------------------------------------------------------------------------
// Browser mode: the same contract as JSON messages over one WebSocket at `/ws?token=TOKEN`

export type WsClientMessage = { kind: 'request'; id: number; channel: Channel; request: unknown }
export type WsServerMessage =
  { kind: 'response'; id: number; envelope: Envelope<unknown> } | { kind: 'event'; event: EventName; payload: unknown }
