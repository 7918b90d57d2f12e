/**
 * The types a dispatcher of the contract is checked against. Each channel's handler takes the
 * request its schema produces (after validation, defaults applied) and answers the channel's
 * response type; a handler that expects another request or answers something else fails
 * `npm run typecheck` (src-main/services/request-handler.type-test.ts shows both).
 */
import type { z } from 'zod'
import type { Channel, ChannelResponse, channels } from './channels'

/** A channel's request after validation: what `parseRequest` hands the handler. */
export type ChannelInput<C extends Channel> = z.output<(typeof channels)[C]['request']>

/** Serves one channel; may answer synchronously or with a promise. */
export type ChannelHandler<C extends Channel> = (
  request: ChannelInput<C>
) => ChannelResponse<C> | Promise<ChannelResponse<C>>

/** One handler per channel, each typed from that channel's schema and response. */
export type ChannelHandlers = { [C in Channel]: ChannelHandler<C> }
