/**
 * Browser mode: serves the built renderer on 127.0.0.1 and the contract over one WebSocket.
 *
 * The WebSocket is the door to the instrument and the database, so it is guarded: a fresh
 * random token per launch (in the URL printed to the terminal) and an Origin that must be this
 * very server. Static files are public (they are the same bundle the app ships).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { MAX_MODEL_FILE_BYTES, type WsClientMessage, type WsServerMessage } from '../../src-preload/contract'
import type { EventSink } from '../services/event-forwarding'
import type { RequestHandler } from '../services/request-handler'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Largest request message accepted: a model file upload (base64) plus its envelope. */
const MAX_MESSAGE_BYTES = Math.ceil(MAX_MODEL_FILE_BYTES / 3) * 4 + 64 * 1024

export interface BrowserServerOptions {
  rendererFolder: string
  port: number
  handleRequest: RequestHandler
  /** Called once; gives the server a sink for events to broadcast, returns an unsubscribe. */
  subscribe: (sink: EventSink) => () => void
}

export interface BrowserServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = randomBytes(24).toString('base64url')
  const rendererRoot = resolve(options.rendererFolder)
  statSync(join(rendererRoot, 'index.html')) // fails early with ENOENT if the renderer is not built

  const httpServer = createServer((request, response) => serveStatic(rendererRoot, request, response))
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })

  await new Promise<void>((resolveListen, rejectListen) => {
    httpServer.once('error', rejectListen)
    httpServer.listen(options.port, '127.0.0.1', () => resolveListen())
  })
  const port = (httpServer.address() as AddressInfo).port
  const allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`])

  httpServer.on('upgrade', (request, socket, head) => {
    const refusal = refuseUpgrade(request, token, allowedOrigins)
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request))
  })

  sockets.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      void answer(ws, data.toString(), options.handleRequest)
    })
  })

  const unsubscribe = options.subscribe((event, payload) => {
    const message = JSON.stringify({ kind: 'event', event, payload } satisfies WsServerMessage)
    for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(message)
  })

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe()
      for (const client of sockets.clients) client.terminate()
      sockets.close()
      httpServer.closeAllConnections()
      await new Promise<void>((resolveClose) => httpServer.close(() => resolveClose()))
    }
  }
}

/** Returns the HTTP status line to refuse with, or null to accept. */
export function refuseUpgrade(request: IncomingMessage, token: string, allowedOrigins: Set<string>): string | null {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  if (url.pathname !== '/ws') return '404 Not Found'
  const offered = url.searchParams.get('token') ?? ''
  if (!sameSecret(offered, token)) return '401 Unauthorized'
  const origin = request.headers.origin
  if (!origin || !allowedOrigins.has(origin)) return '403 Forbidden'
  return null
}

function sameSecret(offered: string, expected: string): boolean {
  const a = Buffer.from(offered)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function answer(ws: WebSocket, text: string, handleRequest: RequestHandler): Promise<void> {
  let message: WsClientMessage
  try {
    message = JSON.parse(text) as WsClientMessage
  } catch {
    return // not JSON: nothing to answer to (no id)
  }
  if (message?.kind !== 'request' || typeof message.id !== 'number') return
  const envelope = await handleRequest(message.channel, message.request)
  if (ws.readyState === ws.OPEN) {
    ws.send(JSON.stringify({ kind: 'response', id: message.id, envelope } satisfies WsServerMessage))
  }
}

function serveStatic(root: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD' }).end()
    return
  }
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)
  } catch {
    response.writeHead(400).end('bad request path')
    return
  }
  if (pathname.endsWith('/')) pathname += 'index.html'
  const file = normalize(join(root, pathname))
  if (file !== root && !file.startsWith(root + sep)) {
    response.writeHead(403).end('forbidden')
    return
  }
  let size: number
  try {
    const stats = statSync(file)
    if (!stats.isFile()) throw new Error('not a file')
    size = stats.size
  } catch {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found')
    return
  }
  response.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': size,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store'
  })
  if (request.method === 'HEAD') response.end()
  else createReadStream(file).pipe(response)
}
