/* eslint-disable max-lines -- test-only: the fuzz test's generator, never imported by the app (tests have no limit) */
/**
 * Test-only (never imported by the app): a seeded fuzzer for the port `dnpu serve` listens on.
 *
 * Input `index` of seed `seed` is always the same bytes (each input has its own generator,
 * seeded from both), so any failure replays alone. Inputs are mutations of what a browser
 * sends: page requests and upgrades with spoiled methods, paths, versions, header lines and
 * hosts; random bytes; and, after a real authenticated handshake, WebSocket frames: requests
 * for read-only channels, mutated and absurd JSON, random opcodes and RSV bits, unmasked and
 * fragmented frames, pings, close frames with bad codes, lying lengths, garbage, each split at
 * random byte positions. Every connection ends with a FIN or a reset after its input, and the
 * fuzzer waits for the server to close it (event-driven; a per-connection bound only cuts a
 * connection the server never closes, and reports it).
 *
 * Nothing generated can change stored data: channels that write get a request that is no
 * object, which every contract schema refuses before a service runs.
 */
import { channels, type Channel } from '../../src-shared/ipc'
import {
  closePayload,
  encodeFrame,
  OPCODE,
  RawConnection,
  responseStatus,
  serverCloseCode,
  upgradeRequest,
  type FrameSpec
} from './raw-wire'

export interface FuzzTarget {
  port: number
  token: string
}

export interface FuzzInput {
  index: number
  family: string
  /** Written first, then the fuzzer waits for the response head before writing `chunks`. */
  handshake: Buffer | null
  chunks: Buffer[]
  /**
   * How the client ends: FIN or reset right after its input, or FIN once the answer has arrived
   * (the response head of a sound HTTP request, or the answer to a sound request that ends the
   * frames, or the server's close frame): without waiting, answers are dropped, as Node and ws
   * drop what a half-closed client asked for (browsers do not half-close).
   */
  ending: 'fin' | 'reset' | 'fin after answer'
}

export interface FuzzOptions {
  seed: number
  inputs: number
  /** Input indexes start here (to replay one: `firstInput: i, inputs: 1`). */
  firstInput?: number
  /** Connections in flight at once. */
  concurrency?: number
  /** A connection the server has not closed this long after its input ended is cut and reported. */
  connectionBoundMs?: number
  /** Called after each input with what the server answered. */
  onInput?: (input: FuzzInput, outcome: FuzzOutcome) => void
}

export interface FuzzOutcome {
  /** HTTP status of the first response, if any. */
  status: number | null
  /** Code of the server's WebSocket close frame, if any. */
  closeCode: number | null
  /** The sound request that ended the frames was answered. */
  answered: boolean
  /** The server had not closed the connection within the bound. */
  stalled: boolean
}

export interface FuzzReport {
  seed: number
  inputs: number
  families: Record<string, number>
  /** How the server ended the connections: `http NNN`, `ws answered`, `ws close NNNN`, `closed`, `stalled`. */
  outcomes: Record<string, number>
  stalledInputs: number[]
}

/** mulberry32: a tiny seeded generator (bridge/ may not import core's; the fuzzer needs no more). */
class FuzzRandom {
  #state: number
  constructor(seed: number) {
    this.#state = seed >>> 0
  }
  uint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.uint32() / 0x1_0000_0000) * n)
  }
  /** Integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }
  chance(p: number): boolean {
    return this.uint32() / 0x1_0000_0000 < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n)
    for (let i = 0; i < n; i += 1) out[i] = this.int(256)
    return out
  }
}

function inputSeed(seed: number, index: number): number {
  return (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0
}

/** Id of the sound request that ends some frame inputs. */
const PROBE_ID = 777_777

const READ_ONLY_CHANNELS: Channel[] = [
  'app:info',
  'models:list',
  'runs:list',
  'runs:get',
  'runs:find',
  'runs:tags',
  'training:active',
  'device:status',
  'device:profiles',
  'measurements:list',
  'measurements:get',
  'calibration:list'
]
const ALL_CHANNELS = Object.keys(channels) as Channel[]

const PATHS = [
  '/',
  '/index.html',
  '/assets/index.js',
  '/ws',
  '/ws/',
  '/WS',
  '//[',
  'http://[',
  '/%',
  '/%00',
  '/..%2f..%2fetc%2fpasswd',
  '/a/../../b',
  '*',
  '',
  '/?token=x',
  '/\u00e9',
  '/%C0%AE%C0%AE/'
]
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PATCH',
  'PRI',
  'G E T',
  'get',
  '\u00c9T',
  ''
]
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'FTP/1.1', '']

/**
 * A random JSON value up to `depth` levels, occasionally large; `budget.values` bounds the whole
 * value (elements, members and 100-character string pieces), so an input stays under ~1 MB.
 */
function randomValue(random: FuzzRandom, depth: number, budget = { values: 20_000 }): unknown {
  budget.values -= 1
  const kind = random.int(depth > 0 && budget.values > 0 ? 9 : 6)
  switch (kind) {
    case 0:
      return null
    case 1:
      return random.chance(0.5)
    case 2:
      return random.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE, random.int(1000)])
    case 3: {
      const long = Math.min(random.between(0, 5000), Math.max(0, budget.values * 100))
      budget.values -= Math.ceil(long / 100)
      return random.pick(['', 'demo', 'x'.repeat(long), '\u0000\ud800', '__proto__', 'constructor'])
    }
    case 4:
      return random.pick(READ_ONLY_CHANNELS)
    case 5:
      return random.int(10)
    case 6: {
      const length = Math.min(budget.values, random.chance(0.1) ? random.between(100, 3000) : random.int(5))
      return Array.from({ length }, () => randomValue(random, depth - 1, budget))
    }
    default: {
      const object: Record<string, unknown> = {}
      const keys = Math.min(budget.values, random.chance(0.1) ? random.between(50, 500) : random.int(5))
      for (let i = 0; i < keys; i += 1)
        object[random.pick(['runId', 'modelId', 'id', 'kind', '__proto__', 'a', `k${i}`])] = randomValue(
          random,
          depth - 1,
          budget
        )
      return object
    }
  }
}

/** A request envelope's text: a sound read-only request, a refused write, or a spoiled envelope. */
function requestText(random: FuzzRandom): string {
  const variant = random.int(10)
  if (variant < 3) {
    const channel = random.pick(READ_ONLY_CHANNELS)
    const body = random.chance(0.5) ? {} : randomValue(random, 3)
    return JSON.stringify({ kind: 'request', id: random.int(1e6), channel, request: body })
  }
  if (variant < 5) {
    // A channel that writes: its request is no object, which its schema refuses before any service runs.
    const body = random.pick([[], [1, 2], 7, 'x', true, [{ modelId: 'demo' }]])
    return JSON.stringify({ kind: 'request', id: random.int(1e6), channel: random.pick(ALL_CHANNELS), request: body })
  }
  if (variant < 7) {
    const envelope: Record<string, unknown> = { kind: 'request', id: 1, channel: 'app:info', request: {} }
    envelope[random.pick(['kind', 'id', 'channel', 'request'])] = randomValue(random, 4)
    return JSON.stringify(envelope)
  }
  if (variant === 7) {
    const levels = random.between(1, 200)
    return `{"kind":"request","id":1,"channel":${'['.repeat(levels)}${']'.repeat(levels)},"request":{}}`
  }
  if (variant === 8) {
    const count = random.pick([10, 9_999, 10_001, 20_000])
    return `{"kind":"request","id":2,"channel":"runs:get","request":{"runId":[${new Array(count).fill('-1').join(',')}]}}`
  }
  const text = JSON.stringify({ kind: 'request', id: 3, channel: random.pick(READ_ONLY_CHANNELS), request: {} })
  return mutateText(random, text)
}

/** Byte-level mutations: flips, insertions, deletions, truncation, duplication. */
function mutateBytes(random: FuzzRandom, input: Buffer): Buffer {
  let bytes: Buffer = Buffer.from(input)
  const rounds = random.between(1, 4)
  for (let round = 0; round < rounds; round += 1) {
    const at = bytes.length === 0 ? 0 : random.int(bytes.length)
    switch (random.int(6)) {
      case 0:
        if (bytes.length > 0) bytes[at] ^= 1 << random.int(8)
        break
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), random.bytes(random.between(1, 16)), bytes.subarray(at)])
        break
      case 2:
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          bytes.subarray(Math.min(bytes.length, at + random.between(1, 16)))
        ])
        break
      case 3:
        bytes = bytes.subarray(0, at)
        break
      case 4:
        bytes = Buffer.concat([bytes, bytes.subarray(at)])
        break
      default:
        if (bytes.length > 0) bytes[at] = random.pick([0x00, 0x0a, 0x0d, 0x20, 0x22, 0x5c, 0x7b, 0x7d, 0xff, 0xc0])
    }
  }
  return bytes
}

function mutateText(random: FuzzRandom, text: string): string {
  return mutateBytes(random, Buffer.from(text)).toString('latin1')
}

const HTTP_FAULTS = [
  'method',
  'path',
  'version',
  'host',
  'no host',
  'origin',
  'key',
  'ws version',
  'no token',
  'long header',
  'many headers',
  'body',
  'bad header',
  'bare LF',
  'bytes',
  'trailing',
  'repeated',
  'deflate'
] as const

/**
 * A page request or an upgrade as a browser sends it, with 0-3 faults (a third of them are
 * sound, so the paths behind a valid request are exercised too).
 */
function httpRequest(random: FuzzRandom, target: FuzzTarget, upgrade: boolean): { bytes: Buffer; sound: boolean } {
  const faults = new Set(Array.from({ length: random.int(4) }, () => random.pick(HTTP_FAULTS)))
  const sane = upgrade ? '/ws' : random.pick(['/', '/index.html', '/missing.js'])
  const path = faults.has('path')
    ? random.chance(0.7)
      ? random.pick(PATHS)
      : `/${random.bytes(random.between(1, 40)).toString('latin1')}`
    : sane
  const query = upgrade && !faults.has('no token') ? `?token=${random.chance(0.9) ? target.token : 'wrong'}` : ''
  const method = faults.has('method') ? random.pick(METHODS) : 'GET'
  const version = faults.has('version') ? random.pick(VERSIONS) : 'HTTP/1.1'
  const headers: string[] = []
  if (!faults.has('no host')) {
    const hosts = [`127.0.0.1:${target.port}`, `localhost:${target.port}`]
    headers.push(
      `Host: ${faults.has('host') ? random.pick([`evil.example:${target.port}`, '127.0.0.1', '', `127.0.0.1:${target.port}, evil.example`, `[::1]:${target.port}`]) : random.pick(hosts)}`
    )
  }
  if (upgrade) {
    headers.push('Upgrade: websocket', 'Connection: Upgrade')
    headers.push(
      `Sec-WebSocket-Key: ${faults.has('key') ? random.bytes(random.int(30)).toString('base64') : random.bytes(16).toString('base64')}`
    )
    headers.push(`Sec-WebSocket-Version: ${faults.has('ws version') ? random.pick(['8', '', 'x', '13, 8']) : '13'}`)
    const origins = faults.has('origin')
      ? ['http://evil.example', 'null', `https://127.0.0.1:${target.port}`, '']
      : [`http://127.0.0.1:${target.port}`, `http://localhost:${target.port}`]
    headers.push(`Origin: ${random.pick(origins)}`)
  }
  if (faults.has('deflate')) headers.push('Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits')
  if (faults.has('long header')) headers.push(`X-Long: ${'a'.repeat(random.pick([1000, 20_000, 70_000]))}`)
  if (faults.has('many headers')) {
    const count = random.between(50, 300)
    for (let i = 0; i < count; i += 1) headers.push(`X-Many-${i}: ${i}`)
  }
  if (faults.has('body'))
    headers.push(
      random.pick([
        'Content-Length: 10',
        'Content-Length: -1',
        'Content-Length: 99999999999',
        'Transfer-Encoding: chunked',
        'Expect: 100-continue'
      ])
    )
  if (faults.has('bad header'))
    headers.push(random.pick(['no colon here', ': empty name', 'X-Bad\u0000: nul', 'X-Fold: a\r\n folded']))
  const separator = faults.has('bare LF') ? '\n' : '\r\n'
  const head = `${method} ${path}${query} ${version}${separator}${headers.join(separator)}${separator}${separator}`
  let bytes: Buffer = Buffer.from(head, 'latin1')
  if (faults.has('bytes')) bytes = mutateBytes(random, bytes)
  if (faults.has('trailing')) bytes = Buffer.concat([bytes, random.bytes(random.between(1, 2000))])
  if (faults.has('repeated')) bytes = Buffer.concat([bytes, bytes, bytes])
  return { bytes, sound: faults.size === 0 }
}

/**
 * One WebSocket frame, sound or broken. `lies` is set when its header claims more payload than
 * follows, which leaves the server waiting for bytes that never come (until the client ends).
 */
function frame(random: FuzzRandom, lies = { set: false }): Buffer {
  const spec: FrameSpec = { opcode: OPCODE.text, payload: requestText(random) }
  switch (random.int(14)) {
    case 0:
      spec.opcode = random.int(16)
      spec.payload = random.bytes(random.int(200))
      break
    case 1:
      spec.rsv = random.between(1, 7)
      break
    case 2:
      spec.maskKey = null
      break
    case 3:
      spec.opcode = random.pick([OPCODE.ping, OPCODE.pong])
      spec.payload = random.bytes(random.chance(0.9) ? random.int(126) : random.between(126, 300))
      break
    case 4:
      spec.opcode = OPCODE.close
      spec.payload = random.chance(0.8)
        ? closePayload(
            random.pick([0, 999, 1000, 1001, 1004, 1005, 1006, 1012, 1016, 2999, 3000, 4999, 5000, 65535]),
            random.chance(0.2) ? '\u00ff\ud800' : 'bye'
          )
        : random.bytes(random.int(4))
      break
    case 5:
      spec.declaredLength = random.pick([0, 1, 125, 126, 65535, 65536, 2 ** 31, 2 ** 32 + 1]) // a lie about the payload
      lies.set = true
      break
    case 6:
      spec.declaredLength = random.pick([2n ** 63n, 2n ** 64n - 1n, 2n ** 53n])
      break
    case 7:
      spec.lengthForm = random.pick([16, 64] as const)
      break
    case 8:
      spec.opcode = OPCODE.binary
      spec.payload = random.bytes(random.int(300))
      break
    case 9:
      spec.payload = Buffer.concat([
        Buffer.from('{"kind":"request","id":1,"channel":"'),
        random.bytes(random.int(20)),
        Buffer.from('"}')
      ])
      break
    default:
      break
  }
  return encodeFrame(spec)
}

/** A message split into fragments, sometimes with a control frame between or a broken continuation. */
function fragmentedMessage(random: FuzzRandom): Buffer {
  const text = Buffer.from(requestText(random))
  const parts = random.between(2, 6)
  const frames: Buffer[] = []
  for (let i = 0; i < parts; i += 1) {
    const piece = text.subarray(Math.floor((i * text.length) / parts), Math.floor(((i + 1) * text.length) / parts))
    const last = i === parts - 1
    frames.push(
      encodeFrame({
        opcode: i === 0 ? OPCODE.text : random.chance(0.9) ? OPCODE.continuation : OPCODE.text,
        payload: piece,
        fin: last ? random.chance(0.9) : false
      })
    )
    if (random.chance(0.2)) frames.push(encodeFrame({ opcode: OPCODE.ping, payload: 'p' }))
  }
  return Buffer.concat(frames)
}

/** Cuts `bytes` at random positions into 1-5 chunks written one after the other. */
function split(random: FuzzRandom, bytes: Buffer): Buffer[] {
  const cuts = new Set<number>()
  const count = random.int(5)
  for (let i = 0; i < count && bytes.length > 1; i += 1) cuts.add(random.between(1, bytes.length - 1))
  const sorted = [0, ...[...cuts].sort((a, b) => a - b), bytes.length]
  return sorted
    .slice(1)
    .map((end, i) => bytes.subarray(sorted[i], end))
    .filter((chunk) => chunk.length > 0)
}

/** The bytes of input `index` of `seed`. */
export function fuzzInput(seed: number, index: number, target: FuzzTarget): FuzzInput {
  const random = new FuzzRandom(inputSeed(seed, index))
  const ending: FuzzInput['ending'] = random.chance(0.8) ? 'fin' : 'reset'
  const family = random.pick([
    'page request',
    'upgrade',
    'random bytes',
    'frames',
    'frames',
    'frames',
    'fragments',
    'garbage after handshake'
  ] as const)
  const handshakeBytes = (): Buffer =>
    Buffer.from(upgradeRequest({ port: target.port, target: `/ws?token=${target.token}` }))
  switch (family) {
    case 'page request':
    case 'upgrade': {
      const { bytes, sound } = httpRequest(random, target, family === 'upgrade')
      const trailing = family === 'upgrade' && random.chance(0.3) ? frame(random) : Buffer.alloc(0)
      const chunks = split(random, Buffer.concat([bytes, trailing]))
      return {
        index,
        family,
        handshake: null,
        chunks,
        ending: sound && random.chance(0.5) ? 'fin after answer' : ending
      }
    }
    case 'random bytes':
      return { index, family, handshake: null, chunks: [random.bytes(random.between(1, 4096))], ending }
    case 'frames':
    case 'fragments': {
      const lies = { set: false }
      const frames =
        family === 'frames'
          ? Array.from({ length: random.between(1, 8) }, () => frame(random, lies))
          : [fragmentedMessage(random)]
      // Half the time a sound request follows, and the client waits for its answer (or the
      // server's close) before it ends, so answers are exercised too; never after a length lie.
      const probe = !lies.set && random.chance(0.5)
      if (probe)
        frames.push(
          encodeFrame({
            opcode: OPCODE.text,
            payload: JSON.stringify({ kind: 'request', id: PROBE_ID, channel: 'app:info', request: {} })
          })
        )
      return {
        index,
        family,
        handshake: handshakeBytes(),
        chunks: split(random, Buffer.concat(frames)),
        ending: probe ? 'fin after answer' : ending
      }
    }
    default:
      return { index, family, handshake: handshakeBytes(), chunks: [random.bytes(random.between(1, 2048))], ending }
  }
}

/** Sends one input on its own connection and waits until the server has closed it. */
export async function deliver(target: FuzzTarget, input: FuzzInput, connectionBoundMs: number): Promise<FuzzOutcome> {
  const connection = await RawConnection.open(target.port)
  let stalled = false
  // Only a safety bound: it fires only if the server keeps a connection whose client has ended.
  const bound = setTimeout(() => {
    stalled = true
    connection.destroy()
  }, connectionBoundMs)
  try {
    if (input.handshake) {
      await connection.write(input.handshake)
      await connection.waitForHead()
    }
    for (const chunk of input.chunks) await connection.write(chunk)
    if (input.ending === 'fin after answer') {
      if (input.handshake)
        await connection.waitFor(
          ({ received }) => received.includes(`"id":${PROBE_ID},`) || serverCloseCode(received) !== null
        )
      else await connection.waitForHead()
    }
    if (input.ending === 'reset') connection.reset()
    else connection.end()
    await connection.whenClosed()
  } finally {
    clearTimeout(bound)
  }
  const { received } = connection
  return {
    status: responseStatus(received),
    closeCode: serverCloseCode(received),
    answered: received.includes(`"id":${PROBE_ID},`),
    stalled
  }
}

function outcomeLabel(outcome: FuzzOutcome): string {
  if (outcome.stalled) return 'stalled'
  if (outcome.answered) return 'ws answered'
  if (outcome.closeCode !== null) return `ws close ${outcome.closeCode}`
  if (outcome.status !== null) return `http ${outcome.status}`
  return 'closed'
}

/**
 * Runs `inputs` inputs, `concurrency` connections at a time. Rejects (naming the seed and the
 * input) if a connection cannot even be opened: the server is gone.
 */
export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const firstInput = options.firstInput ?? 0
  const end = firstInput + options.inputs
  const report: FuzzReport = {
    seed: options.seed,
    inputs: options.inputs,
    families: {},
    outcomes: {},
    stalledInputs: []
  }
  let next = firstInput
  let failed = false
  const lane = async (): Promise<void> => {
    while (next < end && !failed) {
      const index = next
      next += 1
      let input: FuzzInput | null = null
      let outcome: FuzzOutcome
      try {
        input = fuzzInput(options.seed, index, target)
        outcome = await deliver(target, input, options.connectionBoundMs ?? 20_000)
      } catch (error) {
        failed = true
        const reason = error instanceof Error ? error.message : String(error)
        throw new Error(`fuzz seed ${options.seed}, input ${index} (${input?.family ?? 'generating it'}): ${reason}`)
      }
      report.families[input.family] = (report.families[input.family] ?? 0) + 1
      const label = outcomeLabel(outcome)
      report.outcomes[label] = (report.outcomes[label] ?? 0) + 1
      if (outcome.stalled) report.stalledInputs.push(input.index)
      options.onInput?.(input, outcome)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, lane))
  return report
}
