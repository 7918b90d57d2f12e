/**
 * The one dispatcher behind both transports (Electron IPC and the browser-mode WebSocket):
 * validate the request against the contract, call the service, wrap the answer in an envelope.
 *
 * Every handler is typed from its channel's schema and response (`ChannelHandlers`), so a handler
 * that expects another request or answers something else does not compile. The rules (what may
 * be deleted, what a missing id says) live in the services, which the CLI calls too: each handler
 * only forwards.
 */
import {
  isChannel,
  parseRequest,
  type Channel,
  type ChannelHandlers,
  type ChannelInput,
  type ChannelResponse,
  type Envelope
} from '../../src-shared/ipc'
import type { AppServices } from './app-services'
import { compareRuns, rerunConfig } from './run-compare'
import { buildRunReport, reportPdf } from './run-report'

export type RequestHandler = (channel: unknown, request: unknown) => Promise<Envelope<unknown>>

export function channelHandlers(services: AppServices): ChannelHandlers {
  return {
    'app:info': () => services.info,
    'models:list': () => services.models.list(),
    'models:import': (request) =>
      services.models.importFile(request.fileName, Buffer.from(request.contentBase64, 'base64'), request),
    'models:rename': ({ modelId, name }) => services.models.rename(modelId, name),
    'models:set-notes': ({ modelId, notes }) => services.models.setNotes(modelId, notes),
    'models:delete': ({ modelId }) => services.models.delete(modelId),
    'models:iv-curves': ({ modelId, pointsPerElectrode }) => services.models.ivCurves(modelId, pointsPerElectrode),
    'models:check': ({ modelId }) => services.modelChecks.check(modelId),
    'models:checks': ({ modelId }) => services.modelChecks.history(modelId),
    'models:export': ({ modelId }) => services.models.exportFile(modelId),
    'models:export-pt': ({ modelId }) => {
      const { fileName, bytes } = services.models.exportTorchFile(modelId)
      return { fileName, contentBase64: Buffer.from(bytes).toString('base64') }
    },
    'training:start': (config) => services.training.start(config),
    'training:stop': ({ runId }) => services.training.stop(runId),
    'training:pause': ({ runId }) => services.training.setPaused(runId, true),
    'training:continue': ({ runId }) => services.training.setPaused(runId, false),
    'training:resume': ({ runId }) => services.training.resume(runId),
    'training:active': () => services.training.activeRun(),
    'runs:list': () => services.runs.listRuns(),
    'runs:get': ({ runId }) => services.runReader.get(runId),
    'runs:find': (query) => services.history.find(query),
    'runs:annotate': ({ runId, ...change }) => services.history.annotate(runId, change),
    'runs:tags': () => services.history.tags(),
    'runs:delete': ({ runIds }) => services.history.delete(runIds),
    'db:vacuum': () => services.history.vacuum(),
    'runs:validate': ({ runId }) => services.device.validateRun(runId),
    'runs:compare': ({ runIds }) => compareRuns(services, runIds),
    'runs:rerun-config': ({ runId, seed, newSeed }) => rerunConfig(services, runId, { seed, newSeed }),
    'runs:bundle-export': ({ runIds }) => services.runBundles.export(runIds),
    'runs:bundle-import': ({ fileName, contentBase64 }) =>
      services.runBundles.import(fileName, Buffer.from(contentBase64, 'base64')),
    'runs:report': ({ runIds }) => buildRunReport(services, runIds),
    'runs:report-pdf': ({ runIds }) => reportPdf(services, runIds),
    'device:ports': () => services.device.ports(),
    'device:status': () => services.device.status(),
    'device:connect': ({ path, baudRate }) => services.device.connect(path, baudRate),
    'device:disconnect': () => services.device.disconnect(),
    'device:profiles': () => services.device.profiles(),
    'device:simulator-model': ({ modelId }) => services.device.useSimulatorModel(modelId),
    'device:save-profile': ({ profileId, name, settings }) => services.device.saveProfile(profileId, name, settings),
    'device:set-dc': ({ electrode, volts }) => services.device.setDc(electrode, volts),
    'calibration:run': (request) => services.device.runCalibration(request),
    'calibration:save': (request) => services.device.saveCalibration(request),
    'calibration:list': ({ profileId }) => services.device.calibrations(profileId),
    'calibration:activate': ({ calibrationId }) => services.device.activateCalibration(calibrationId),
    'measurements:list': () => services.measurements.list(),
    'measurements:get': ({ measurementId }) => services.measurements.get(measurementId),
    'measurements:export-csv': ({ measurementId }) => services.measurements.exportCsv(measurementId),
    'sampling:plan': (request) => services.samplingSession.plan(request),
    'sampling:start': (request) => services.samplingSession.start(request),
    'sampling:pause': () => services.samplingSession.pause(),
    'sampling:resume': ({ datasetId }) => services.samplingSession.resume(datasetId),
    'sampling:active': () => services.samplingSession.active(),
    'datasets:list': () => services.datasets.list(),
    'datasets:get': ({ datasetId }) => {
      const dataset = services.datasets.get(datasetId)
      if (!dataset) throw new Error(`datasetId: no dataset ${datasetId}`)
      return dataset
    }
  }
}

/** Calls the channel's own handler: indexed by the generic channel, the types line up with no cast. */
function serve<C extends Channel>(
  handlers: ChannelHandlers,
  channel: C,
  request: ChannelInput<C>
): ChannelResponse<C> | Promise<ChannelResponse<C>> {
  const handler: ChannelHandlers[C] = handlers[channel]
  return handler(request)
}

export function createRequestHandler(services: AppServices): RequestHandler {
  const handlers = channelHandlers(services)
  return async (channel, request) => {
    if (!isChannel(channel)) return { ok: false, error: `unknown channel ${JSON.stringify(channel)}` }
    const parsed = parseRequest(channel, request)
    if (!parsed.ok) return parsed
    try {
      return { ok: true, value: await serve(handlers, channel, parsed.value) }
    } catch (error) {
      return { ok: false, error: `${channel}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }
}
