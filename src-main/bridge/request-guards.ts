/**
 * The checks every HTTP request and WebSocket upgrade passes before anything else looks at it.
 * They only read strings, never throw, and say what was wrong in the refusal's body.
 */
import { timingSafeEqual } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage } from 'node:http'

export interface Refusal {
  status: number
  /** Plain text for the response body: what was wrong and what would be accepted. */
  message: string
}

/** The addresses of the server on `port`: the only values accepted in `Host` and `Origin`. */
export interface ServerAddresses {
  hosts: Set<string>
  origins: Set<string>
}

export function serverAddresses(port: number): ServerAddresses {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`]
  return { hosts: new Set(hosts), origins: new Set(hosts.map((host) => `http://${host}`)) }
}

/** A received header value, quoted and cut short, for an error message. */
function quoted(value: string | undefined): string {
  if (value === undefined) return 'none'
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)
}

/**
 * Refuses a `Host` other than this server's own (421 Misdirected Request). A page on another
 * site whose name an attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name here.
 */
export function refuseHost(request: IncomingMessage, addresses: ServerAddresses): Refusal | null {
  const host = request.headers.host
  if (host !== undefined && addresses.hosts.has(host.toLowerCase())) return null
  return {
    status: 421,
    message: `this server answers only to the host ${[...addresses.hosts].join(' or ')}, not ${quoted(host)}`
  }
}

/**
 * The path and query of an origin-form request target (`/path?query`), without decoding; null
 * for anything else (`*`, `http://host/path`, ''). Never throws, unlike `new URL('//[', base)`.
 */
export function splitTarget(target: string | undefined): { pathname: string; query: string } | null {
  if (target === undefined || !target.startsWith('/')) return null
  const queryStart = target.indexOf('?')
  return queryStart < 0
    ? { pathname: target, query: '' }
    : { pathname: target.slice(0, queryStart), query: target.slice(queryStart + 1) }
}

export const BAD_TARGET: Refusal = { status: 400, message: 'bad request target: expected a path that starts with /' }

/** Returns why an upgrade is refused, or null to accept it. Checked in this order: host, path, token, origin. */
export function refuseUpgrade(request: IncomingMessage, token: string, addresses: ServerAddresses): Refusal | null {
  const hostRefusal = refuseHost(request, addresses)
  if (hostRefusal) return hostRefusal
  const target = splitTarget(request.url)
  if (!target) return BAD_TARGET
  if (target.pathname !== '/ws')
    return { status: 404, message: 'no WebSocket here: the DNPU Lab connection is at /ws?token=…' }
  const offered = new URLSearchParams(target.query).get('token') ?? ''
  if (!sameSecret(offered, token)) {
    return {
      status: 401,
      message: 'missing or wrong token: open the address `dnpu serve` printed (it ends in ?token=…)'
    }
  }
  const origin = request.headers.origin
  if (!origin || !addresses.origins.has(origin)) {
    return {
      status: 403,
      message: `the Origin must be this server (${[...addresses.origins].join(' or ')}), not ${quoted(origin)}`
    }
  }
  return null
}

function sameSecret(offered: string, expected: string): boolean {
  const a = Buffer.from(offered)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** A complete HTTP/1.1 response for a raw socket (an upgrade refused before any HTTP response object exists). */
export function rawRefusal(refusal: Refusal): string {
  const body = `${refusal.message}\n`
  return [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Refused'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body
  ].join('\r\n')
}
