/**
 * The one dispatcher behind both transports (Electron IPC and the browser-mode WebSocket):
 * validate the request against the contract, call the service, wrap the answer in an envelope.
 */
import {
  isChannel,
  parseRequest,
  type Channel,
  type ChannelResponse,
  type Envelope
} from '../../src-preload/contract'
import type { AppServices } from './app-services'

export type RequestHandler = (channel: unknown, request: unknown) => Promise<Envelope<unknown>>

export function createRequestHandler(services: AppServices): RequestHandler {
  const handlers: { [C in Channel]: (request: never) => ChannelResponse<C> | Promise<ChannelResponse<C>> } = {
    'app:info': () => services.info,
    'models:list': () => services.models.list(),
    'training:start': (config: Parameters<AppServices['training']['start']>[0]) => services.training.start(config),
    'training:stop': ({ runId }: { runId: number }) => services.training.stop(runId),
    'training:active': () => ({ runId: services.training.activeRunId() }),
    'runs:list': () => services.runs.listRuns(),
    'runs:get': ({ runId }: { runId: number }) => {
      const run = services.runs.getRun(runId)
      if (!run) throw new Error(`runId: no run ${runId}`)
      return run
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
