/**
 * The one dispatcher behind both transports (Electron IPC and the browser-mode WebSocket):
 * validate the request against the contract, call the service, wrap the answer in an envelope.
 */
import type { z } from 'zod'
import {
  channels,
  isChannel,
  parseRequest,
  type Channel,
  type ChannelResponse,
  type Envelope
} from '../../src-shared/ipc'
import type { AppServices } from './app-services'
import { measurementCsv } from './measurement-csv'
import { surrogateJsonOf } from './model-catalog'

/** A channel's request after validation (defaults applied). */
type ChannelInput<C extends Channel> = z.output<(typeof channels)[C]['request']>

export type RequestHandler = (channel: unknown, request: unknown) => Promise<Envelope<unknown>>

export function createRequestHandler(services: AppServices): RequestHandler {
  const handlers: { [C in Channel]: (request: never) => ChannelResponse<C> | Promise<ChannelResponse<C>> } = {
    'app:info': () => services.info,
    'models:list': () => services.models.list(),
    'models:import': (request: { fileName: string; contentBase64: string; name?: string; notes?: string }) =>
      services.models.importFile(request.fileName, Buffer.from(request.contentBase64, 'base64'), request),
    'models:rename': ({ modelId, name }: { modelId: string; name: string }) => services.models.rename(modelId, name),
    'models:set-notes': ({ modelId, notes }: { modelId: string; notes: string }) => services.models.setNotes(modelId, notes),
    'models:delete': ({ modelId }: { modelId: string }) => {
      if (services.device.status().simulatorModelId === modelId) {
        throw new Error(`model ${modelId} is the Simulated DNPU's device: put another model in it first`)
      }
      services.models.delete(modelId)
      return { modelId }
    },
    'models:iv-curves': ({ modelId, pointsPerElectrode }: { modelId: string; pointsPerElectrode?: number }) =>
      services.models.ivCurves(modelId, pointsPerElectrode),
    'models:export': ({ modelId }: { modelId: string }) => {
      const entry = services.models.get(modelId)
      if (!entry) throw new Error(`modelId: no model "${modelId}"`)
      const fileName = `${entry.summary.name.replace(/[^\w.-]+/g, '-')}.json`
      return { fileName, json: JSON.stringify(surrogateJsonOf(entry.definition)) }
    },
    'training:start': (config: Parameters<AppServices['training']['start']>[0]) => services.training.start(config),
    'training:stop': ({ runId }: { runId: number }) => services.training.stop(runId),
    'training:pause': ({ runId }: { runId: number }) => services.training.setPaused(runId, true),
    'training:continue': ({ runId }: { runId: number }) => services.training.setPaused(runId, false),
    'training:resume': ({ runId }: { runId: number }) => services.training.resume(runId),
    'training:active': () => services.training.activeRun(),
    'runs:list': () => services.runs.listRuns(),
    'runs:get': ({ runId }: { runId: number }) => {
      const run = services.runs.getRun(runId)
      if (!run) throw new Error(`runId: no run ${runId}`)
      // A run on the device shows its controls against the calibration it ran under.
      if (run.device) run.device.rangesVolts = services.device.calibrationRanges(run.device.calibrationId) ?? undefined
      return run
    },
    'runs:validate': ({ runId }: { runId: number }) => services.device.validateRun(runId),
    'device:ports': () => services.device.ports(),
    'device:status': () => services.device.status(),
    'device:connect': ({ path, baudRate }: { path: string; baudRate: number }) => services.device.connect(path, baudRate),
    'device:disconnect': () => services.device.disconnect(),
    'device:profiles': () => services.device.profiles(),
    'device:simulator-model': ({ modelId }: { modelId: string }) => services.device.useSimulatorModel(modelId),
    'device:save-profile': ({ profileId, name, settings }: ChannelInput<'device:save-profile'>) => services.device.saveProfile(profileId, name, settings),
    'device:set-dc': ({ electrode, volts }: { electrode: number; volts: number }) => services.device.setDc(electrode, volts),
    'calibration:run': (request: ChannelInput<'calibration:run'>) => services.device.runCalibration(request),
    'calibration:save': (request: ChannelInput<'calibration:save'>) => services.device.saveCalibration(request),
    'calibration:list': ({ profileId }: { profileId: number }) => services.device.calibrations(profileId),
    'calibration:activate': ({ calibrationId }: { calibrationId: number }) => services.device.activateCalibration(calibrationId),
    'measurements:list': () => services.measurements.list(),
    'measurements:get': ({ measurementId }: { measurementId: number }) => {
      const measurement = services.measurements.get(measurementId)
      if (!measurement) throw new Error(`measurementId: no measurement ${measurementId}`)
      return measurement
    },
    'measurements:export-csv': ({ measurementId }: { measurementId: number }) => {
      const measurement = services.measurements.get(measurementId)
      if (!measurement) throw new Error(`measurementId: no measurement ${measurementId}`)
      return { fileName: `measurement-${measurementId}.csv`, csv: measurementCsv(measurement) }
    }
  }

  return async (channel, request) => {
    if (!isChannel(channel)) return { ok: false, error: `unknown channel ${JSON.stringify(channel)}` }
    const parsed = parseRequest(channel, request)
    if (!parsed.ok) return parsed
    try {
      const handler = handlers[channel] as (request: unknown) => unknown
      return { ok: true, value: await handler(parsed.value) }
    } catch (error) {
      return { ok: false, error: `${channel}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }
}
