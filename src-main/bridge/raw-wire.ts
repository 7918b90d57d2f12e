/**
 * Test-only (never imported by the app): talks to the browser-mode server byte by byte over raw
 * TCP, to send what no well-behaved client sends: hand-built HTTP requests, WebSocket frames
 * masked or not, with RSV bits, any opcode, lying lengths, and resets instead of closes. The
 * hostile-input tests and the wire fuzzer share it; `serverStillServes` is their common ending.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import WebSocket from 'ws'
import type { Channel, EventName, WsServerMessage } from '../../src-shared/ipc'

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const

export interface FrameSpec {
  opcode: number
  payload?: Buffer | string
  /** Default true; false leaves the message open for continuation frames. */
  fin?: boolean
  /** The three RSV bits (0-7); a server that negotiated no extension must refuse any of them. */
  rsv?: number
  /** Four bytes; null sends the frame unmasked (a protocol error from a client). Default: random. */
  maskKey?: Buffer | null
  /** The length written in the header instead of the payload's: a lie (too long, too short, 2^63). */
  declaredLength?: number | bigint
  /** Length encoding: 7-bit, 16-bit or 64-bit; default the shortest that fits (other forms are legal but odd). */
  lengthForm?: 7 | 16 | 64
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0))
  const length = BigInt(spec.declaredLength ?? payload.length)
  const maskKey = spec.maskKey === undefined ? randomBytes(4) : spec.maskKey
  const firstByte = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 0x0f)
  const maskBit = maskKey ? 0x80 : 0
  const form = spec.lengthForm ?? (length < 126n ? 7 : length < 65536n ? 16 : 64)
  let lengthBytes: Buffer
  if (form === 7) {
    lengthBytes = Buffer.from([maskBit | Number(length & 0x7fn)])
  } else if (form === 16) {
    lengthBytes = Buffer.alloc(3)
    lengthBytes[0] = maskBit | 126
    lengthBytes.writeUInt16BE(Number(length & 0xffffn), 1)
  } else {
    lengthBytes = Buffer.alloc(9)
    lengthBytes[0] = maskBit | 127
    lengthBytes.writeBigUInt64BE(BigInt.asUintN(64, length), 1)
  }
  const body = Buffer.from(payload)
  if (maskKey) for (let i = 0; i < body.length; i += 1) body[i] ^= maskKey[i % 4]
  return Buffer.concat([Buffer.from([firstByte]), lengthBytes, maskKey ?? Buffer.alloc(0), body])
}

/** The payload of a close frame: a 2-byte status code, then the reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason))
  payload.writeUInt16BE(code & 0xffff, 0)
  payload.write(reason, 2)
  return payload
}

export interface UpgradeSpec {
  port: number
  /** The request target, e.g. `/ws?token=...`. */
  target: string
  /** Default `127.0.0.1:PORT`; null leaves the header out. */
  host?: string | null
  /** Default this server's own origin; null leaves the header out. */
  origin?: string | null
  method?: string
  key?: string
  version?: string
  extraHeaders?: string[]
}

/** A WebSocket upgrade request as a browser writes it (each part can be spoiled through the spec). */
export function upgradeRequest(spec: UpgradeSpec): string {
  const host = spec.host === undefined ? `127.0.0.1:${spec.port}` : spec.host
  const origin = spec.origin === undefined ? `http://127.0.0.1:${spec.port}` : spec.origin
  const lines = [
    `${spec.method ?? 'GET'} ${spec.target} HTTP/1.1`,
    ...(host === null ? [] : [`Host: ${host}`]),
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${spec.key ?? randomBytes(16).toString('base64')}`,
    `Sec-WebSocket-Version: ${spec.version ?? '13'}`,
    ...(origin === null ? [] : [`Origin: ${origin}`]),
    ...(spec.extraHeaders ?? [])
  ]
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** The status code of the HTTP response at the start of `received`, or null if there is none yet. */
export function responseStatus(received: Buffer): number | null {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, 16).toString('latin1'))
  return match ? Number(match[1]) : null
}

/** The body of a complete `Content-Length` HTTP response at the start of `received`. */
export function responseBody(received: Buffer): string {
  const headEnd = received.indexOf('\r\n\r\n')
  return headEnd < 0 ? '' : received.subarray(headEnd + 4).toString('utf8')
}

/**
 * One raw TCP connection that records everything the server sends and never throws: a reset or
 * a write after the server closed is only recorded (`errorCode`).
 */
export class RawConnection {
  /** Bytes received so far (cheap to read, unlike `received`). */
  receivedBytes = 0
  errorCode: string | null = null
  closed = false
  readonly #socket: Socket
  readonly #waiters = new Set<() => void>()
  #chunks: Buffer[] = []

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk)
      this.receivedBytes += chunk.length
      this.#wake()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errorCode ??= error.code ?? error.message
    })
    socket.on('close', () => {
      this.closed = true
      this.#wake()
    })
  }

  /** Everything the server sent so far. */
  get received(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)]
    return this.#chunks[0] ?? Buffer.alloc(0)
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolveOpen, rejectOpen) => {
      const socket = connect({ host: '127.0.0.1', port })
      socket.once('connect', () => {
        socket.off('error', rejectOpen)
        resolveOpen(new RawConnection(socket))
      })
      socket.once('error', rejectOpen)
    })
  }

  /** Resolves once the bytes are handed to the kernel, or the connection is gone. */
  write(bytes: Buffer | string): Promise<void> {
    if (this.closed || this.#socket.destroyed || this.#socket.writableEnded) return Promise.resolve()
    return new Promise((resolveWrite) => this.#socket.write(bytes, () => resolveWrite()))
  }

  /**
   * Resolves true as soon as `condition(this)` holds, false if the connection closes first.
   * Event-driven: checked on each chunk received and on close.
   */
  waitFor(condition: (connection: RawConnection) => boolean): Promise<boolean> {
    return new Promise((resolveWait) => {
      const check = (): boolean => {
        if (condition(this)) {
          resolveWait(true)
          return true
        }
        if (this.closed) {
          resolveWait(false)
          return true
        }
        return false
      }
      if (check()) return
      const waiter = (): void => {
        if (check()) this.#waiters.delete(waiter)
      }
      this.#waiters.add(waiter)
    })
  }

  /** Resolves once the server's response head (up to the blank line) has arrived, or the connection closed. */
  waitForHead(): Promise<boolean> {
    return this.waitFor((connection) => connection.received.includes('\r\n\r\n'))
  }

  /** Resolves once the socket is closed (both ways). */
  whenClosed(): Promise<void> {
    return this.waitFor(() => false).then(() => undefined)
  }

  /** Half-closes (FIN): the server sees the end of the request. */
  end(): void {
    this.#socket.end()
  }

  /** Aborts with a TCP reset (RST, SO_LINGER 0) instead of a close. */
  reset(): void {
    this.#socket.resetAndDestroy()
  }

  destroy(): void {
    this.#socket.destroy()
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up. */
  pause(): void {
    this.#socket.pause()
  }

  resume(): void {
    this.#socket.resume()
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }
}

export interface ServerFrame {
  fin: boolean
  opcode: number
  payload: Buffer
}

/**
 * Splits what a server sent after its `101` into frames (servers never mask). Stops at an
 * incomplete frame; none without a `101` (the body of a refusal is no frame).
 */
export function serverFrames(received: Buffer): ServerFrame[] {
  const headEnd = received.indexOf('\r\n\r\n')
  if (headEnd < 0 || responseStatus(received) !== 101) return []
  const frames: ServerFrame[] = []
  let offset = headEnd + 4
  while (offset + 2 <= received.length) {
    const first = received[offset]
    let length = received[offset + 1] & 0x7f
    let headerBytes = 2
    if (length === 126) {
      if (offset + 4 > received.length) break
      length = received.readUInt16BE(offset + 2)
      headerBytes = 4
    } else if (length === 127) {
      if (offset + 10 > received.length) break
      length = Number(received.readBigUInt64BE(offset + 2))
      headerBytes = 10
    }
    if (offset + headerBytes + length > received.length) break
    frames.push({
      fin: (first & 0x80) !== 0,
      opcode: first & 0x0f,
      payload: received.subarray(offset + headerBytes, offset + headerBytes + length)
    })
    offset += headerBytes + length
  }
  return frames
}

/** The status code of the first close frame the server sent, or null. */
export function serverCloseCode(received: Buffer): number | null {
  const close = serverFrames(received).find((frame) => frame.opcode === OPCODE.close)
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null
}

/** The reason of the first close frame the server sent, or ''. */
export function serverCloseReason(received: Buffer): string {
  const close = serverFrames(received).find((frame) => frame.opcode === OPCODE.close)
  return close && close.payload.length > 2 ? close.payload.subarray(2).toString('utf8') : ''
}

/** Connects raw and completes an authenticated upgrade; resolves once the `101` has arrived. */
export async function openRawWebSocket(port: number, token: string): Promise<RawConnection> {
  const connection = await RawConnection.open(port)
  await connection.write(upgradeRequest({ port, target: `/ws?token=${token}` }))
  await connection.waitForHead()
  const status = responseStatus(connection.received)
  if (status !== 101) {
    connection.destroy()
    throw new Error(
      `expected the upgrade to be accepted (101), got ${status}: ${connection.received.toString('latin1')}`
    )
  }
  return connection
}

/** A well-behaved client (the `ws` library, as the renderer's WebSocket would be). */
export function openClient(port: number, token: string): Promise<WebSocket> {
  return new Promise((resolveOpen, rejectOpen) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { origin: `http://127.0.0.1:${port}` })
    ws.once('open', () => resolveOpen(ws))
    ws.once('unexpected-response', (_request, response) => rejectOpen(new Error(`HTTP ${response.statusCode}`)))
    ws.once('error', rejectOpen)
  })
}

let nextRequestId = 1_000_000

/** Sends one request and resolves with its envelope; rejects if the connection closes first. */
export function request(
  ws: WebSocket,
  channel: Channel,
  body: unknown
): Promise<{ ok: boolean; value?: unknown; error?: string }> {
  const id = nextRequestId++
  return new Promise((resolveAnswer, rejectAnswer) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse(data.toString()) as WsServerMessage
      if (message.kind !== 'response' || message.id !== id) return
      ws.off('message', onMessage).off('close', onClose)
      resolveAnswer(message.envelope)
    }
    const onClose = (code: number, reason: Buffer): void => {
      ws.off('message', onMessage)
      rejectAnswer(new Error(`${channel}: the connection closed (${code} ${reason.toString()}) before the answer`))
    }
    ws.on('message', onMessage).once('close', onClose)
    ws.send(JSON.stringify({ kind: 'request', id, channel, request: body }))
  })
}

/** Resolves with the payload of the first `event` for which `accept(payload)` holds. */
export function nextEvent(
  ws: WebSocket,
  event: EventName,
  accept: (payload: unknown) => boolean = () => true
): Promise<unknown> {
  return new Promise((resolveEvent, rejectEvent) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse(data.toString()) as WsServerMessage
      if (message.kind !== 'event' || message.event !== event || !accept(message.payload)) return
      ws.off('message', onMessage).off('close', onClose)
      resolveEvent(message.payload)
    }
    const onClose = (code: number): void => {
      ws.off('message', onMessage)
      rejectEvent(new Error(`the connection closed (${code}) before the ${event} event`))
    }
    ws.on('message', onMessage).once('close', onClose)
  })
}

/**
 * The common ending of every probe: the server still answers a plain page request and a fresh
 * authenticated `app:info`, and (if given) a client connected before the probe still answers too.
 */
export async function serverStillServes(
  port: number,
  token: string,
  bystander?: WebSocket
): Promise<{ pageStatus: number; appInfoOk: boolean; bystanderOk: boolean | null }> {
  const page = await fetch(`http://127.0.0.1:${port}/`)
  await page.arrayBuffer()
  const fresh = await openClient(port, token)
  try {
    const info = await request(fresh, 'app:info', {})
    const bystanderOk = bystander ? (await request(bystander, 'app:info', {})).ok : null
    return { pageStatus: page.status, appInfoOk: info.ok, bystanderOk }
  } finally {
    fresh.close()
  }
}
