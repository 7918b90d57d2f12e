/**
 * Browser mode: the contract's requests and events as JSON messages over one WebSocket.
 *
 * Only `api.svelte.ts` uses this module; views never see which transport carries their calls.
 */
import type { Channel, Envelope, EventName, WsClientMessage, WsServerMessage } from '../../../src-shared/ipc'

export const DISCONNECTED_MESSAGE = 'disconnected from DNPU Lab (browser mode)'

export type BridgeLinkStatus = 'connecting' | 'open' | 'disconnected'

export interface BridgeLinkState {
  status: BridgeLinkStatus
  /** What went wrong, for the banner; null while all is well. */
  detail: string | null
  /** When the next reconnect attempt starts (epoch ms), while disconnected. */
  nextAttemptAt: number | null
}

export interface WsTransportOptions {
  /** null when the page was opened without its access token: nothing to connect to. */
  url: string | null
  onState(state: BridgeLinkState): void
  onEvent(event: EventName, payload: unknown): void
  /** Called when a connection opens after a lost or failed one; events may have been missed. */
  onRestored(): void
}

/** Delays between reconnect attempts; the last one repeats for as long as it takes. */
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 10000]

interface PendingRequest {
  channel: Channel
  resolve(envelope: Envelope<unknown>): void
  reject(error: Error): void
}

export class WsTransport {
  readonly #options: WsTransportOptions
  #socket: WebSocket | null = null
  #status: BridgeLinkStatus = 'connecting'
  #nextId = 1
  /** Requests written while the socket was still connecting, sent once it opens. */
  #queue: WsClientMessage[] = []
  #pending = new Map<number, PendingRequest>()
  #everOpened = false
  #failedAttempts = 0
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  #detail: string | null = null

  constructor(options: WsTransportOptions) {
    this.#options = options
    if (options.url === null) {
      this.#setState(
        'disconnected',
        'this page was opened without its access token: open the address that `dnpu serve` printed (it ends in ?token=…)',
        null
      )
      return
    }
    this.#connect()
  }

  request(channel: Channel, request: unknown): Promise<Envelope<unknown>> {
    if (this.#status === 'disconnected') {
      return Promise.reject(new Error(`${channel}: ${DISCONNECTED_MESSAGE}; the request was not sent`))
    }
    const id = this.#nextId++
    const message: WsClientMessage = { kind: 'request', id, channel, request }
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { channel, resolve, reject })
      if (this.#status === 'open' && this.#socket) this.#send(message)
      else this.#queue.push(message)
    })
  }

  /** Skips the back-off wait (the banner's "Reconnect now"). */
  reconnectNow(): void {
    if (this.#options.url === null || this.#status !== 'disconnected') return
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
    this.#connect()
  }

  #connect(): void {
    const url = this.#options.url
    if (url === null) return
    // While retrying, the banner keeps saying why the connection went away.
    this.#setState('connecting', this.#everOpened || this.#failedAttempts > 0 ? this.#detail : null, null)
    let socket: WebSocket
    try {
      socket = new WebSocket(url)
    } catch (error) {
      this.#onClosed(error instanceof Error ? error.message : String(error))
      return
    }
    this.#socket = socket
    socket.addEventListener('open', () => {
      if (this.#socket !== socket) return
      // Requests failed or events were missed while there was no connection.
      const restored = this.#everOpened || this.#failedAttempts > 0
      this.#everOpened = true
      this.#failedAttempts = 0
      this.#setState('open', null, null)
      const queued = this.#queue
      this.#queue = []
      for (const message of queued) this.#send(message)
      if (restored) this.#options.onRestored()
    })
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket) this.#receive(event.data)
    })
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return
      this.#socket = null
      this.#onClosed(
        event.reason
          ? `the local server closed the connection: ${event.reason}`
          : this.#everOpened
            ? 'the connection to the local server was lost'
            : 'the local server did not accept the connection'
      )
    })
    // An 'error' event is always followed by 'close', which does the clean-up.
  }

  #onClosed(detail: string): void {
    const error = new Error(`${DISCONNECTED_MESSAGE}: ${detail}`)
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id)
      pending.reject(
        new Error(`${pending.channel}: ${error.message}; the request may or may not have been carried out`)
      )
    }
    this.#queue = []
    const delay = RECONNECT_DELAYS_MS[Math.min(this.#failedAttempts, RECONNECT_DELAYS_MS.length - 1)]
    this.#failedAttempts += 1
    this.#setState('disconnected', detail, Date.now() + delay)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.#connect()
    }, delay)
  }

  #send(message: WsClientMessage): void {
    try {
      this.#socket?.send(JSON.stringify(message))
    } catch (error) {
      const pending = this.#pending.get(message.id)
      this.#pending.delete(message.id)
      pending?.reject(error instanceof Error ? error : new Error(String(error)))
    }
  }

  #receive(data: unknown): void {
    let message: WsServerMessage
    try {
      message = JSON.parse(String(data)) as WsServerMessage
    } catch {
      console.warn('DNPU Lab: ignoring a WebSocket message that is not JSON')
      return
    }
    if (message?.kind === 'response') {
      const pending = this.#pending.get(message.id)
      if (!pending) return
      this.#pending.delete(message.id)
      pending.resolve(message.envelope)
    } else if (message?.kind === 'event') {
      this.#options.onEvent(message.event, message.payload)
    } else {
      console.warn('DNPU Lab: ignoring a WebSocket message of unknown kind')
    }
  }

  #setState(status: BridgeLinkStatus, detail: string | null, nextAttemptAt: number | null): void {
    this.#status = status
    this.#detail = detail
    this.#options.onState({ status, detail, nextAttemptAt })
  }
}

const TOKEN_STORAGE_KEY = 'dnpu-lab.token'

/**
 * The WebSocket address for this page. The token comes from `?token=` and is kept in
 * sessionStorage so a reload or an in-app navigation that drops the query still connects.
 */
export function browserModeSocketUrl(): string | null {
  let token = new URLSearchParams(location.search).get('token')
  try {
    if (token) sessionStorage.setItem(TOKEN_STORAGE_KEY, token)
    else token = sessionStorage.getItem(TOKEN_STORAGE_KEY)
  } catch {
    // Storage can be disabled; the URL token alone still works.
  }
  if (!token) return null
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`
}
