/**
 * Type test, compiled by `npm run typecheck` (tsc includes src-main) and never run: the
 * dispatcher's handlers are typed from the contract, so a handler whose request or response does
 * not match its channel fails the typecheck. Each `@ts-expect-error` below must stay needed: if
 * the mismatch stopped being an error, tsc would report the unused directive.
 */
import type { ChannelHandler, ChannelHandlers } from '../../src-shared/ipc'
import type { AppServices } from './app-services'
import { channelHandlers } from './request-handler'

// The real handlers satisfy the contract.
export const real: (services: AppServices) => ChannelHandlers = channelHandlers

// A handler that expects a request its schema does not produce (runId is a number there).
// @ts-expect-error Type '{ runId: string; }' is not assignable to type '{ runId: number; }'
export const wrongRequest: ChannelHandler<'runs:get'> = (request: { runId: string }) => {
  throw new Error(`not run: ${request.runId}`)
}

// A handler whose answer is not the channel's response type ({ modelId } for models:delete).
// @ts-expect-error Type 'undefined' is not assignable to type '{ modelId: string; } | Promise<...>'
export const wrongResponse: ChannelHandler<'models:delete'> = () => undefined

// The same mistakes inside the whole map.
export function mismatched(services: AppServices): ChannelHandlers {
  return {
    ...channelHandlers(services),
    // @ts-expect-error calibration:activate's schema gives calibrationId, not profileId
    'calibration:activate': ({ profileId }: { profileId: number }) => services.device.activateCalibration(profileId),
    // @ts-expect-error measurements:get answers a MeasurementDetail, not a CSV export
    'measurements:get': ({ measurementId }) => services.measurements.exportCsv(measurementId)
  }
}
