/**
 * The renderer's only door to main.
 *
 * Picks the Electron preload API when the page runs inside the app window, else the
 * browser-mode WebSocket client; views call `api.*` and never learn which one it is.
 * Every request is passed through `$state.snapshot` here, in one place: Svelte `$state`
 * proxies cannot be structured-cloned over Electron IPC.
 */
import {
  API_METHODS,
  EVENT_METHODS,
  PRELOAD_GLOBAL,
  type ApiMethodName,
  type ChannelRequest,
  type ChannelResponse,
  type Envelope,
  type EventMethodName,
  type EventName,
  type EventPayloads,
  type RawDnpuApi
} from '../../../src-shared/ipc'
import { WsTransport, browserModeSocketUrl, type BridgeLinkState } from './ws-transport'

type MethodRequest<M extends ApiMethodName> = ChannelRequest<(typeof API_METHODS)[M]>
type MethodResponse<M extends ApiMethodName> = ChannelResponse<(typeof API_METHODS)[M]>
type MethodEvent<M extends EventMethodName> = EventPayloads[(typeof EVENT_METHODS)[M]]

/** Channels whose request is empty take no argument. */
type UnwrappedMethod<M extends ApiMethodName> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends T` tests "every field optional"
  {} extends MethodRequest<M>
    ? (request?: MethodRequest<M>) => Promise<MethodResponse<M>>
    : (request: MethodRequest<M>) => Promise<MethodResponse<M>>

export type DnpuApi = { [M in ApiMethodName]: UnwrappedMethod<M> } & {
  [M in EventMethodName]: (listener: (payload: MethodEvent<M>) => void) => () => void
}

export type { BridgeLinkState }

const connectionState = $state<BridgeLinkState>({ status: 'connecting', detail: null, nextAttemptAt: null })
/** The banner's source of truth. In the Electron window it is always 'open'. */
export const connection: Readonly<BridgeLinkState> = connectionState

// Plain listener registries, deliberately not reactive: nothing renders from them.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const eventListeners = new Map<EventName, Set<(payload: unknown) => void>>()
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const restoredListeners = new Set<() => void>()

let raw: RawDnpuApi | null = null
let wsTransport: WsTransport | null = null

function preloadApi(): RawDnpuApi | null {
  const candidate = (window as unknown as Record<string, unknown>)[PRELOAD_GLOBAL]
  if (typeof candidate !== 'object' || candidate === null) return null
  const methods = [...Object.keys(API_METHODS), ...Object.keys(EVENT_METHODS)]
  const exposed = candidate as Record<string, unknown>
  return methods.every((name) => typeof exposed[name] === 'function') ? (candidate as RawDnpuApi) : null
}

function dispatch(event: EventName, payload: unknown): void {
  for (const listener of eventListeners.get(event) ?? []) {
    try {
      listener(payload)
    } catch (error) {
      console.error(`DNPU Lab: a ${event} listener failed`, error)
    }
  }
}

function webSocketApi(): RawDnpuApi {
  wsTransport = new WsTransport({
    url: browserModeSocketUrl(),
    onState: (state) => Object.assign(connectionState, state),
    onEvent: dispatch,
    onRestored: () => {
      for (const listener of restoredListeners) listener()
    }
  })
  const transport = wsTransport
  const api: Record<string, unknown> = {}
  for (const [method, channel] of Object.entries(API_METHODS)) {
    api[method] = (request: unknown) => transport.request(channel, request)
  }
  for (const [method, event] of Object.entries(EVENT_METHODS)) {
    api[method] = (listener: (payload: unknown) => void) => {
      let listeners = eventListeners.get(event)
      // eslint-disable-next-line svelte/prefer-svelte-reactivity
      if (!listeners) eventListeners.set(event, (listeners = new Set()))
      // A wrapper per subscription, so subscribing one function twice needs two unsubscribes.
      const entry = (payload: unknown) => listener(payload)
      listeners.add(entry)
      return () => listeners.delete(entry)
    }
  }
  return api as RawDnpuApi
}

function rawApi(): RawDnpuApi {
  if (raw) return raw
  const preload = preloadApi()
  if (preload) {
    raw = preload
    Object.assign(connectionState, { status: 'open', detail: null, nextAttemptAt: null })
  } else {
    raw = webSocketApi()
  }
  return raw
}

async function call<M extends ApiMethodName>(method: M, request: unknown): Promise<MethodResponse<M>> {
  const send = rawApi()[method] as unknown as (request: unknown) => Promise<Envelope<unknown>>
  const envelope = await send($state.snapshot(request ?? {}))
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.ok !== 'boolean') {
    throw new Error(`${API_METHODS[method]}: main answered with something that is not an envelope`)
  }
  if (!envelope.ok) throw new Error(envelope.error)
  return envelope.value as MethodResponse<M>
}

function subscribe<M extends EventMethodName>(method: M, listener: (payload: MethodEvent<M>) => void): () => void {
  const subscribeRaw = rawApi()[method] as unknown as (listener: (payload: unknown) => void) => () => void
  return subscribeRaw((payload) => {
    try {
      listener(payload as MethodEvent<M>)
    } catch (error) {
      console.error(`DNPU Lab: a ${EVENT_METHODS[method]} listener failed`, error)
    }
  })
}

export const api: DnpuApi = {
  appInfo: (request) => call('appInfo', request),
  listModels: (request) => call('listModels', request),
  importModel: (request) => call('importModel', request),
  renameModel: (request) => call('renameModel', request),
  setModelNotes: (request) => call('setModelNotes', request),
  deleteModel: (request) => call('deleteModel', request),
  exportModel: (request) => call('exportModel', request),
  exportModelPt: (request) => call('exportModelPt', request),
  modelIvCurves: (request) => call('modelIvCurves', request),
  checkModel: (request) => call('checkModel', request),
  modelChecks: (request) => call('modelChecks', request),
  startTraining: (request) => call('startTraining', request),
  stopTraining: (request) => call('stopTraining', request),
  pauseTraining: (request) => call('pauseTraining', request),
  continueTraining: (request) => call('continueTraining', request),
  resumeRun: (request) => call('resumeRun', request),
  activeTraining: (request) => call('activeTraining', request),
  listRuns: (request) => call('listRuns', request),
  getRun: (request) => call('getRun', request),
  findRuns: (request) => call('findRuns', request),
  annotateRun: (request) => call('annotateRun', request),
  listRunTags: (request) => call('listRunTags', request),
  deleteRuns: (request) => call('deleteRuns', request),
  vacuumDatabase: (request) => call('vacuumDatabase', request),
  validateRun: (request) => call('validateRun', request),
  compareRuns: (request) => call('compareRuns', request),
  rerunConfig: (request) => call('rerunConfig', request),
  exportRunBundle: (request) => call('exportRunBundle', request),
  importRunBundle: (request) => call('importRunBundle', request),
  runReport: (request) => call('runReport', request),
  runReportPdf: (request) => call('runReportPdf', request),
  listPorts: (request) => call('listPorts', request),
  deviceStatus: (request) => call('deviceStatus', request),
  connectDevice: (request) => call('connectDevice', request),
  disconnectDevice: (request) => call('disconnectDevice', request),
  listProfiles: (request) => call('listProfiles', request),
  useModelForSimulator: (request) => call('useModelForSimulator', request),
  saveProfile: (request) => call('saveProfile', request),
  setDcVoltage: (request) => call('setDcVoltage', request),
  runCalibration: (request) => call('runCalibration', request),
  saveCalibration: (request) => call('saveCalibration', request),
  listCalibrations: (request) => call('listCalibrations', request),
  activateCalibration: (request) => call('activateCalibration', request),
  listMeasurements: (request) => call('listMeasurements', request),
  getMeasurement: (request) => call('getMeasurement', request),
  exportMeasurementCsv: (request) => call('exportMeasurementCsv', request),
  planSampling: (request) => call('planSampling', request),
  startSampling: (request) => call('startSampling', request),
  pauseSampling: (request) => call('pauseSampling', request),
  resumeSampling: (request) => call('resumeSampling', request),
  activeSampling: (request) => call('activeSampling', request),
  listDatasets: (request) => call('listDatasets', request),
  getDataset: (request) => call('getDataset', request),
  onTrainingProgress: (listener) => subscribe('onTrainingProgress', listener),
  onTrainingPaused: (listener) => subscribe('onTrainingPaused', listener),
  onTrainingFinished: (listener) => subscribe('onTrainingFinished', listener),
  onDeviceStatus: (listener) => subscribe('onDeviceStatus', listener),
  onCalibrationProgress: (listener) => subscribe('onCalibrationProgress', listener),
  onValidationProgress: (listener) => subscribe('onValidationProgress', listener),
  onModelImported: (listener) => subscribe('onModelImported', listener),
  onSamplingProgress: (listener) => subscribe('onSamplingProgress', listener),
  onSamplingFinished: (listener) => subscribe('onSamplingFinished', listener)
}

/**
 * Called when a lost connection comes back (browser mode only): events sent meanwhile were
 * missed, so views reload what they show. Returns the unsubscribe function.
 */
export function onConnectionRestored(listener: () => void): () => void {
  restoredListeners.add(listener)
  return () => restoredListeners.delete(listener)
}

/** Retry a lost connection now instead of waiting for the next automatic attempt. */
export function reconnectNow(): void {
  wsTransport?.reconnectNow()
}

/** The message of anything thrown, for showing to the user. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// Pick the transport now, so the connection banner is right before the first request.
rawApi()
