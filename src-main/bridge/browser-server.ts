/**
 * Browser mode: serves the built renderer on 127.0.0.1 and the contract over one WebSocket.
 *
 * The WebSocket is the door to the instrument and the database, so it is guarded: a fresh
 * random token per launch (in the URL printed to the terminal), an Origin that must be this very
 * server, and (for every request, pages too) a Host that must be this server, against DNS
 * rebinding. Static files are public (they are the same bundle the app ships).
 *
 * No bytes a client sends may take the server down: every raw socket and every WebSocket has an
 * error handler, nothing on the request path throws out of a listener, and every size, depth and
 * count is bounded (serve-limits.ts); a client that breaks the rules loses its own connection.
 */
import { randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { Envelope, WsServerMessage } from '../../src-shared/ipc'
import type { EventSink } from '../services/event-forwarding'
import type { RequestHandler } from '../services/request-handler'
import { readClientMessage } from './client-messages'
import { rawRefusal, refuseHost, refuseUpgrade, serverAddresses, type Refusal } from './request-guards'
import {
  MAX_BUFFERED_BYTES_PER_CLIENT,
  MAX_MESSAGE_BYTES,
  MAX_REQUESTS_IN_FLIGHT,
  MAX_TCP_CONNECTIONS,
  MAX_WEBSOCKET_CLIENTS
} from './serve-limits'
import { respondRefusal, serveStatic } from './static-files'

export interface BrowserServerOptions {
  rendererFolder: string
  port: number
  handleRequest: RequestHandler
  /** Called once; gives the server a sink for events to broadcast, returns an unsubscribe. */
  subscribe: (sink: EventSink) => () => void
  /** Where a fault of the listening socket itself is reported (default: stderr). */
  log?: (line: string) => void
}

export interface BrowserServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const TOO_MANY_CLIENTS: Refusal = {
  status: 503,
  message: `too many open DNPU Lab connections (limit ${MAX_WEBSOCKET_CLIENTS}): close a DNPU Lab tab, then reload this one`
}

/** Longest close reason a WebSocket close frame carries (RFC 6455: 125-byte control payload). */
const MAX_CLOSE_REASON_BYTES = 123

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = randomBytes(24).toString('base64url')
  const rendererRoot = resolve(options.rendererFolder)
  statSync(join(rendererRoot, 'index.html')) // fails early with ENOENT if the renderer is not built
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))

  const httpServer = createServer()
  httpServer.maxConnections = MAX_TCP_CONNECTIONS
  // permessage-deflate stays off (no decompression bombs); ws's own bounds stay at their
  // defaults: 16,384 fragments per message, 60 unanswered pings.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false })

  await new Promise<void>((resolveListen, rejectListen) => {
    httpServer.once('error', rejectListen)
    httpServer.listen(options.port, '127.0.0.1', () => {
      httpServer.off('error', rejectListen)
      resolveListen()
    })
  })
  // Accept failures (EMFILE...) are reported here instead of killing the process.
  httpServer.on('error', (error) => log(`dnpu serve: ${error.message}`))
  const port = (httpServer.address() as AddressInfo).port
  const addresses = serverAddresses(port)

  httpServer.on('request', (request, response) => {
    const refusal = refuseHost(request, addresses)
    if (refusal) respondRefusal(response, refusal)
    else serveStatic(rendererRoot, request, response)
  })

  // Upgrade sockets leave the HTTP server's books: kept here so close() can end them too.
  const upgradeSockets = new Set<Duplex>()
  httpServer.on('upgrade', (request, socket: Duplex, head: Buffer) => {
    // Node hands the raw socket over without an error listener: a reset would be uncaught.
    socket.on('error', () => socket.destroy())
    upgradeSockets.add(socket)
    socket.once('close', () => upgradeSockets.delete(socket))
    const refusal =
      refuseUpgrade(request, token, addresses) ??
      (openClients(sockets) >= MAX_WEBSOCKET_CLIENTS ? TOO_MANY_CLIENTS : null)
    if (refusal) {
      socket.once('finish', () => socket.destroy())
      socket.end(rawRefusal(refusal))
      return
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request))
  })

  sockets.on('connection', (ws: WebSocket) => {
    // ws has already closed the connection with the matching code (1002 protocol error, 1007
    // invalid UTF-8, 1008 too many fragments, 1009 too big); the fault is the client's alone.
    ws.on('error', () => undefined)
    let requestsInFlight = 0
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ws.readyState !== ws.OPEN) return
      const message = readClientMessage(asBuffer(data), isBinary)
      if (message.kind === 'close') {
        ws.close(message.code, closeReason(message.reason))
        return
      }
      if (message.kind === 'refuse') {
        sendTo(ws, response(message.id, { ok: false, error: message.error }))
        return
      }
      if (requestsInFlight >= MAX_REQUESTS_IN_FLIGHT) {
        const error = `${message.channel}: refused: ${MAX_REQUESTS_IN_FLIGHT} requests on this connection are still waiting for their answer (limit ${MAX_REQUESTS_IN_FLIGHT})`
        sendTo(ws, response(message.id, { ok: false, error }))
        return
      }
      requestsInFlight += 1
      void answer(message.channel, message.request, options.handleRequest).then((envelope) => {
        requestsInFlight -= 1
        sendTo(ws, response(message.id, envelope))
      })
    })
  })

  const unsubscribe = options.subscribe((event, payload) => {
    const message = JSON.stringify({ kind: 'event', event, payload } satisfies WsServerMessage)
    for (const client of sockets.clients) sendTo(client, message)
  })

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe()
      for (const client of sockets.clients) client.terminate()
      for (const socket of upgradeSockets) socket.destroy()
      sockets.close()
      httpServer.closeAllConnections()
      await new Promise<void>((resolveClose) => httpServer.close(() => resolveClose()))
    }
  }
}

/**
 * Connections still open. Closing ones do not count: a client that has sent its close frame is
 * on its way out (ws cuts it after 30 s at most), and its page may reconnect at once.
 */
function openClients(sockets: WebSocketServer): number {
  let open = 0
  for (const client of sockets.clients) if (client.readyState === client.OPEN) open += 1
  return open
}

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
}

/** Never rejects: whatever goes wrong becomes an error envelope. */
async function answer(channel: string, request: unknown, handleRequest: RequestHandler): Promise<Envelope<unknown>> {
  try {
    return await handleRequest(channel, request)
  } catch (error) {
    return { ok: false, error: `${channel}: ${error instanceof Error ? error.message : String(error)}` }
  }
}

function response(id: number, envelope: Envelope<unknown>): string {
  try {
    return JSON.stringify({ kind: 'response', id, envelope } satisfies WsServerMessage)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return JSON.stringify({
      kind: 'response',
      id,
      envelope: { ok: false, error: `the answer could not be encoded: ${reason}` }
    } satisfies WsServerMessage)
  }
}

/**
 * Queues `text` for `ws`, unless more than the limit is already waiting for it: such a client
 * does not read, and is disconnected so it cannot grow the server's memory.
 */
function sendTo(ws: WebSocket, text: string): void {
  if (ws.readyState !== ws.OPEN) return
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES_PER_CLIENT) {
    ws.terminate()
    return
  }
  ws.send(text)
}

function closeReason(reason: string): string {
  let cut = reason
  while (Buffer.byteLength(cut) > MAX_CLOSE_REASON_BYTES) cut = cut.slice(0, -1)
  return cut
}
