/**
 * `dnpu serve` against bytes no browser sends, over raw TCP. Each probe ends with the server
 * still answering a page request and an authenticated `app:info`, a client connected before the
 * probe still answering, and no uncaught exception or unhandled rejection in the process.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { DEFAULT_GA_CONFIG, MAX_MODEL_FILE_BYTES } from '../../src-shared/ipc'
import { MAX_BUNDLE_FILE_BYTES } from '../../src-shared/ipc/run-sharing'
import { forwardEvents } from '../services/event-forwarding'
import { createRequestHandler } from '../services/request-handler'
import { servicesOnTempFolder } from '../services/test-support'
import { startBrowserServer, type BrowserServer } from './browser-server'
import {
  closePayload,
  encodeFrame,
  OPCODE,
  openClient,
  openRawWebSocket,
  RawConnection,
  request,
  responseBody,
  responseStatus,
  serverCloseCode,
  serverFrames,
  serverStillServes,
  upgradeRequest,
  type FrameSpec
} from './raw-wire'
import {
  MAX_BUFFERED_BYTES_PER_CLIENT,
  MAX_JSON_DEPTH,
  MAX_JSON_VALUES,
  MAX_MESSAGE_BYTES,
  MAX_REQUESTS_IN_FLIGHT,
  MAX_WEBSOCKET_CLIENTS
} from './serve-limits'

// -----------------------------------------------------------------------------------------------
// Anything thrown out of a listener or rejected unhandled: in `dnpu serve` each would end the process.

const crashes: string[] = []
const crashWaiters = new Set<() => void>()
function recordCrash(error: unknown): void {
  crashes.push(error instanceof Error ? (error.stack ?? error.message) : String(error))
  for (const wake of crashWaiters) wake()
}
/** Resolves when the next crash is recorded (used to stop waiting for a server that will never answer). */
function nextCrash(): Promise<void> {
  return new Promise((resolveCrash) => {
    const wake = (): void => {
      crashWaiters.delete(wake)
      resolveCrash()
    }
    crashWaiters.add(wake)
  })
}

let server: BrowserServer
let rendererFolder: string
let cleanupServices: () => Promise<void>
let bystander: WebSocket

beforeAll(async () => {
  process.on('uncaughtException', recordCrash)
  process.on('unhandledRejection', recordCrash)
  const env = await servicesOnTempFolder()
  cleanupServices = env.cleanup
  rendererFolder = mkdtempSync(join(tmpdir(), 'dnpu-renderer-'))
  writeFileSync(join(rendererFolder, 'index.html'), '<!doctype html><title>DNPU Lab</title>')
  // A page file that stats as a regular file but fails to read (EIO): a read error mid-response.
  symlinkSync('/proc/self/mem', join(rendererFolder, 'unreadable.js'))
  server = await startBrowserServer({
    rendererFolder,
    port: 0,
    handleRequest: createRequestHandler(env.services),
    subscribe: (sink) => forwardEvents(env.services, sink)
  })
  bystander = await openClient(server.port, server.token)
})

afterAll(async () => {
  bystander?.close()
  await server?.close()
  await cleanupServices?.()
  rmSync(rendererFolder, { recursive: true, force: true })
  process.off('uncaughtException', recordCrash)
  process.off('unhandledRejection', recordCrash)
})

async function expectStillServing(): Promise<void> {
  expect(crashes).toEqual([])
  expect(await serverStillServes(server.port, server.token, bystander)).toEqual({
    pageStatus: 200,
    appInfoOk: true,
    bystanderOk: true
  })
  expect(crashes).toEqual([])
}

/** Writes `bytes` on a fresh connection and waits for a complete response head, the close, or a crash. */
async function send(bytes: string | Buffer): Promise<RawConnection> {
  const connection = await RawConnection.open(server.port)
  await connection.write(bytes)
  await Promise.race([connection.waitForHead(), nextCrash()])
  return connection
}

function get(target: string, headers: string[] = [`Host: 127.0.0.1:${server?.port}`], version = '1.1'): string {
  return [`GET ${target} HTTP/${version}`, ...headers, 'Connection: close', '', ''].join('\r\n')
}

/** Waits for the server's close frame (or the end of the connection, or a crash) after `frames`. */
async function sendFrames(...frames: Buffer[]): Promise<RawConnection> {
  const connection = await openRawWebSocket(server.port, server.token)
  await connection.write(Buffer.concat(frames))
  await Promise.race([connection.waitFor(({ received }) => serverCloseCode(received) !== null), nextCrash()])
  connection.end()
  await Promise.race([connection.whenClosed(), nextCrash()])
  return connection
}

function requestText(channel: unknown, body: unknown = {}, id: unknown = 1): string {
  return JSON.stringify({ kind: 'request', id, channel, request: body })
}

function deepArray(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels)
}

/**
 * The next thing a well-behaved client hears after sending `text`: an answer, or the
 * connection's close. A sound request follows `text`, so a server that ignores `text` is heard
 * from too (its answer to the follow-up) instead of leaving the test waiting.
 */
function answerOrClose(
  ws: WebSocket,
  text: string | Buffer
): Promise<{ message: unknown } | { closeCode: number; reason: string }> {
  return new Promise((resolveOutcome) => {
    ws.once('message', (data) => resolveOutcome({ message: JSON.parse(data.toString()) }))
    ws.once('close', (code, reason) => resolveOutcome({ closeCode: code, reason: reason.toString() }))
    ws.send(text)
    ws.send(requestText('app:info', {}, 424242))
  })
}

describe('request targets no URL parser accepts', () => {
  it.each(['//[', 'http://[', '//[::1]:99999/ws', '*', '/%', '/%00', '//ws'])(
    'an upgrade to %j is refused with 400/404, nothing thrown',
    async (target) => {
      const connection = await send(
        upgradeRequest({
          port: server.port,
          target: `${target}${target.includes('?') ? '&' : '?'}token=${server.token}`
        })
      )
      expect([400, 404]).toContain(responseStatus(connection.received))
      connection.destroy()
      await expectStillServing()
    }
  )

  it.each(['//[', 'http://[', '/%', '/%00', '/..%2f..%2fetc%2fpasswd'])(
    'a page request for %j is refused with 400/403/404, nothing thrown',
    async (target) => {
      const connection = await send(get(target))
      expect([400, 403, 404]).toContain(responseStatus(connection.received))
      connection.destroy()
      await expectStillServing()
    }
  )

  it('a page file that fails mid-read ends that response only', async () => {
    const connection = await send(get('/unreadable.js'))
    await Promise.race([connection.whenClosed(), nextCrash()])
    await expectStillServing()
  })
})

describe('connections that end with a TCP reset', () => {
  it('a refused upgrade (no token) followed by a reset', async () => {
    const connection = await send(upgradeRequest({ port: server.port, target: '/ws' }))
    expect(responseStatus(connection.received)).toBe(401)
    expect(responseBody(connection.received)).toContain('token')
    connection.reset()
    await expectStillServing()
  })

  it('a refused upgrade reset before its answer was read', async () => {
    const connection = await RawConnection.open(server.port)
    await connection.write(upgradeRequest({ port: server.port, target: '/nowhere' }))
    connection.reset()
    await expectStillServing()
  })

  it('an accepted upgrade followed by a reset', async () => {
    const connection = await openRawWebSocket(server.port, server.token)
    connection.reset()
    await expectStillServing()
  })
})

describe('an authenticated client that breaks the WebSocket protocol loses only its own connection', () => {
  const cases: [string, number, FrameSpec][] = [
    ['a text frame that is not UTF-8', 1007, { opcode: OPCODE.text, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }],
    [
      'a message longer than the largest legitimate one',
      1009,
      { opcode: OPCODE.text, payload: 'x', declaredLength: MAX_MESSAGE_BYTES + 1 }
    ],
    ['a 64-bit length above 2^53', 1009, { opcode: OPCODE.binary, declaredLength: 2n ** 63n + 5n }],
    ['an RSV bit set (no extension was negotiated)', 1002, { opcode: OPCODE.text, payload: '{}', rsv: 4 }],
    ['an unmasked frame', 1002, { opcode: OPCODE.text, payload: '{}', maskKey: null }],
    ['a reserved opcode', 1002, { opcode: 0x3, payload: '{}' }],
    ['a ping longer than 125 bytes', 1002, { opcode: OPCODE.ping, payload: Buffer.alloc(126) }],
    ['a fragmented ping', 1002, { opcode: OPCODE.ping, payload: 'p', fin: false }],
    ['a continuation with nothing to continue', 1002, { opcode: OPCODE.continuation, payload: '{}' }],
    ['a close frame with a reserved code (1005)', 1002, { opcode: OPCODE.close, payload: closePayload(1005) }],
    ['a close frame with a 1-byte payload', 1002, { opcode: OPCODE.close, payload: Buffer.from([3]) }]
  ]
  it.each(cases)('%s: closed with %i', async (_name, expectedCode, frame) => {
    const connection = await sendFrames(encodeFrame(frame))
    expect(serverCloseCode(connection.received)).toBe(expectedCode)
    await expectStillServing()
  })

  it('a text frame interrupting a fragmented message: closed with 1002', async () => {
    const connection = await sendFrames(
      encodeFrame({ opcode: OPCODE.text, payload: '{"kind":', fin: false }),
      encodeFrame({ opcode: OPCODE.text, payload: '"request"}' })
    )
    expect(serverCloseCode(connection.received)).toBe(1002)
    await expectStillServing()
  })
})

describe('messages that are no request envelope, or absurd ones', () => {
  it.each([
    ['not JSON', '{"kind": "request", ', 1007, 'not JSON'],
    ['a JSON array', '[1,2,3]', 1008, 'an array'],
    ['kind other than request', JSON.stringify({ kind: 'response', id: 1 }), 1008, 'kind'],
    ['an id that is a string', requestText('app:info', {}, '1'), 1008, 'id: expected an integer, got a string'],
    ['an id that is no integer', requestText('app:info', {}, 1.5), 1008, 'id: expected an integer'],
    [
      'an id beyond 2^53',
      '{"kind":"request","id":1e300,"channel":"app:info","request":{}}',
      1008,
      'id: expected an integer'
    ],
    [
      'a channel nested 100,000 levels deep',
      `{"kind":"request","id":3,"channel":${deepArray(100_000)},"request":{}}`,
      1009,
      `levels deep (limit ${MAX_JSON_DEPTH})`
    ],
    [
      'a calibration sweep of 200,000 electrodes',
      requestText('calibration:run', { electrodes: new Array(200_000).fill(-1) }),
      1009,
      `JSON values (limit ${MAX_JSON_VALUES})`
    ]
  ])('%s: the connection is closed with the reason', async (_name, text, expectedCode, reasonPart) => {
    const ws = await openClient(server.port, server.token)
    const outcome = await Promise.race([answerOrClose(ws, text), nextCrash().then(() => ({ crashed: true }))])
    expect(outcome).toMatchObject({ closeCode: expectedCode, reason: expect.stringContaining(reasonPart) })
    await expectStillServing()
  })

  it('a binary message: closed with 1003', async () => {
    const ws = await openClient(server.port, server.token)
    const outcome = await Promise.race([answerOrClose(ws, Buffer.from(requestText('app:info'))), nextCrash()])
    expect(outcome).toMatchObject({ closeCode: 1003, reason: expect.stringContaining('binary') })
    await expectStillServing()
  })

  it.each([
    ['an object', { name: 'app:info' }, 'got an object'],
    ['a number', 7, 'got a number'],
    ['a string of a million characters', 'x'.repeat(1_000_000), 'got a string of 1000000 characters'],
    ['missing', undefined, 'got nothing']
  ])('a channel that is %s is answered with an error naming it, briefly', async (_name, channel, errorPart) => {
    const ws = await openClient(server.port, server.token)
    const outcome = await Promise.race([answerOrClose(ws, requestText(channel, {}, 42)), nextCrash()])
    expect(outcome).toEqual({
      message: { kind: 'response', id: 42, envelope: { ok: false, error: expect.stringContaining(errorPart) } }
    })
    const error = (outcome as { message: { envelope: { error: string } } }).message.envelope.error
    expect(error.length).toBeLessThan(200)
    ws.close()
    await expectStillServing()
  })

  it('a request with absurd values goes to the contract schema and is refused there', async () => {
    const ws = await openClient(server.port, server.token)
    const envelope = await request(ws, 'training:start', {
      ...DEFAULT_GA_CONFIG,
      modelId: 'demo',
      generations: 1e308,
      partition: [[[]], 'x']
    })
    expect(envelope.ok).toBe(false)
    expect(envelope.error).toMatch(/^training:start: invalid request: /)
    ws.close()
    await expectStillServing()
  })
})

describe('the Host header (DNS rebinding)', () => {
  it.each([
    ['another name', (port: number) => [`Host: evil.example:${port}`]],
    ['another port', (port: number) => [`Host: 127.0.0.1:${port + 1}`]],
    ['no port', () => ['Host: 127.0.0.1']],
    ['an IPv6 loopback', (port: number) => [`Host: [::1]:${port}`]]
  ])('a page request naming %s is refused with 421', async (_name, headers) => {
    const connection = await send(get('/', headers(server.port)))
    expect(responseStatus(connection.received)).toBe(421)
    expect(responseBody(connection.received)).toContain(`127.0.0.1:${server.port} or localhost:${server.port}`)
    connection.destroy()
    await expectStillServing()
  })

  it('a page request without Host (HTTP/1.0) is refused with 421', async () => {
    const connection = await send(get('/', [], '1.0'))
    expect(responseStatus(connection.received)).toBe(421)
    connection.destroy()
    await expectStillServing()
  })

  it('an upgrade with the token and the right Origin but another Host is refused with 421', async () => {
    const connection = await send(
      upgradeRequest({ port: server.port, target: `/ws?token=${server.token}`, host: `rebound.example:${server.port}` })
    )
    expect(responseStatus(connection.received)).toBe(421)
    expect(responseBody(connection.received)).toContain('"rebound.example')
    connection.destroy()
    await expectStillServing()
  })

  it('127.0.0.1:PORT and localhost:PORT are both served, pages and upgrades', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LocalHost:${server.port}`]) {
      const page = await send(get('/', [`Host: ${host}`]))
      expect(responseStatus(page.received)).toBe(200)
      page.destroy()
    }
    const upgrade = await send(
      upgradeRequest({
        port: server.port,
        target: `/ws?token=${server.token}`,
        host: `localhost:${server.port}`,
        origin: `http://localhost:${server.port}`
      })
    )
    expect(responseStatus(upgrade.received)).toBe(101)
    upgrade.destroy()
  })
})

describe('bounds on connections and on what one connection can hold', () => {
  it(`refuses a WebSocket beyond ${MAX_WEBSOCKET_CLIENTS} open ones with 503, and accepts again once one closes`, async () => {
    const clients: WebSocket[] = []
    try {
      // The bystander is open already.
      for (let i = 1; i < MAX_WEBSOCKET_CLIENTS; i += 1) clients.push(await openClient(server.port, server.token))
      const refused = await send(upgradeRequest({ port: server.port, target: `/ws?token=${server.token}` }))
      expect(responseStatus(refused.received)).toBe(503)
      expect(responseBody(refused.received)).toContain(`limit ${MAX_WEBSOCKET_CLIENTS}`)
      refused.destroy()
      const leaving = clients.pop() as WebSocket
      await new Promise((resolveClose) => {
        leaving.once('close', resolveClose)
        leaving.close()
      })
      clients.push(await openClient(server.port, server.token))
    } finally {
      await Promise.all(
        clients.map((client) => new Promise((resolveClose) => (client.once('close', resolveClose), client.close())))
      )
    }
    await expectStillServing()
  })
})

describe('bounds that need a request handler which waits or answers big', () => {
  let gatedServer: BrowserServer
  let openGate: () => void
  const gate = new Promise<void>((resolveGate) => (openGate = resolveGate))
  const bigAnswer = 'x'.repeat(1024 * 1024)

  beforeAll(async () => {
    gatedServer = await startBrowserServer({
      rendererFolder,
      port: 0,
      handleRequest: async (channel) => {
        if (channel === 'runs:list') await gate
        if (channel === 'models:export') return { ok: true, value: bigAnswer }
        return { ok: true, value: channel }
      },
      subscribe: () => () => undefined
    })
  })
  afterAll(async () => {
    openGate()
    await gatedServer?.close()
  })

  it(`answers a request beyond ${MAX_REQUESTS_IN_FLIGHT} waiting ones on a connection with an error at once`, async () => {
    const ws = await openClient(gatedServer.port, gatedServer.token)
    const answers: { id: number; envelope: { ok: boolean; error?: string } }[] = []
    ws.on('message', (data) => answers.push(JSON.parse(data.toString())))
    const held = Array.from({ length: MAX_REQUESTS_IN_FLIGHT + 3 }, (_, i) => i + 1)
    for (const id of held) ws.send(requestText('runs:list', {}, id))
    // Answered at once whatever the limit, so by then every earlier request has been seen.
    const lastAnswered = new Promise<void>((resolveLast) =>
      ws.on('message', () => answers.at(-1)?.id === 999 && resolveLast())
    )
    ws.send(requestText('app:info', {}, 999))
    await lastAnswered
    const refusedIds = answers.filter((answer) => !answer.envelope.ok).map((answer) => answer.id)
    expect(refusedIds).toEqual([
      MAX_REQUESTS_IN_FLIGHT + 1,
      MAX_REQUESTS_IN_FLIGHT + 2,
      MAX_REQUESTS_IN_FLIGHT + 3,
      999
    ])
    expect(answers[0].envelope.error).toContain(`(limit ${MAX_REQUESTS_IN_FLIGHT})`)
    const allAnswered = new Promise<void>((resolveAll) =>
      ws.on('message', () => answers.length === held.length + 1 && resolveAll())
    )
    openGate()
    await allAnswered
    expect(answers.filter((answer) => answer.envelope.ok).map((answer) => answer.id)).toEqual(
      held.slice(0, MAX_REQUESTS_IN_FLIGHT)
    )
    ws.close()
  })

  it(`disconnects a client that does not read once more than ${MAX_BUFFERED_BYTES_PER_CLIENT / 2 ** 20} MiB wait for it`, async () => {
    const requests = (2 * MAX_BUFFERED_BYTES_PER_CLIENT) / bigAnswer.length
    const connection = await openRawWebSocket(gatedServer.port, gatedServer.token)
    connection.pause()
    const frames = Array.from({ length: requests }, (_, i) =>
      encodeFrame({ opcode: OPCODE.text, payload: requestText('models:export', {}, i + 1) })
    )
    await connection.write(Buffer.concat(frames))
    connection.resume()
    const answers = (): number =>
      serverFrames(connection.received).filter((frame) => frame.opcode === OPCODE.text).length
    // Ends when the server disconnects, or (a server without the bound) once every answer is in;
    // the frames are only counted once enough bytes for all of them have arrived.
    const allIn = (): boolean => connection.receivedBytes >= requests * bigAnswer.length && answers() === requests
    await Promise.race([connection.waitFor(allIn), nextCrash()])
    const answered = answers()
    expect(answered).toBeLessThan(requests)
    expect(crashes).toEqual([])
    const other = await openClient(gatedServer.port, gatedServer.token)
    expect(await request(other, 'app:info', {})).toEqual({ ok: true, value: 'app:info' })
    other.close()
  })
})

describe('the largest message accepted', () => {
  const escapes = (chars: number): string => '\u0001'.repeat(chars)

  it('holds a model import at every limit, with escaped text', () => {
    const largest = JSON.stringify({
      kind: 'request',
      id: Number.MAX_SAFE_INTEGER,
      channel: 'models:import',
      request: {
        fileName: escapes(1024),
        contentBase64: 'A'.repeat(Math.ceil(MAX_MODEL_FILE_BYTES / 3) * 4),
        name: escapes(200),
        notes: escapes(10_000)
      }
    })
    expect(Buffer.byteLength(largest)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES)
  })

  it('holds the largest legitimate request: a run bundle import at every limit, and not much more', () => {
    const largest = JSON.stringify({
      kind: 'request',
      id: Number.MAX_SAFE_INTEGER,
      channel: 'runs:bundle-import',
      request: { fileName: escapes(1024), contentBase64: 'A'.repeat(Math.ceil(MAX_BUNDLE_FILE_BYTES / 3) * 4) }
    })
    expect(Buffer.byteLength(largest)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES)
    // and not far above it: the bound is a bundle file, not an arbitrary 1 GB
    expect(MAX_MESSAGE_BYTES - Buffer.byteLength(largest)).toBeLessThan(4096)
  })
})
