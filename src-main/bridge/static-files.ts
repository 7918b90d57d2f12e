/**
 * The built renderer's files, served read-only under the same Content-Security-Policy the
 * desktop app uses. Public on purpose: they are the bundle the app ships.
 */
import { createReadStream, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { pipeline } from 'node:stream'
import { BAD_TARGET, splitTarget, type Refusal } from './request-guards'

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

export function respondRefusal(response: ServerResponse, refusal: Refusal, headers: Record<string, string> = {}): void {
  response
    .writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers })
    .end(`${refusal.message}\n`)
}

/** `root` must be absolute and normalised. */
export function serveStatic(root: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    respondRefusal(
      response,
      { status: 405, message: `method ${request.method} not allowed: pages are read with GET or HEAD` },
      { Allow: 'GET, HEAD' }
    )
    return
  }
  const target = splitTarget(request.url)
  if (!target) {
    respondRefusal(response, BAD_TARGET)
    return
  }
  let pathname: string
  try {
    pathname = decodeURIComponent(target.pathname)
  } catch {
    respondRefusal(response, { status: 400, message: 'bad request path: malformed %-escape' })
    return
  }
  if (pathname.endsWith('/')) pathname += 'index.html'
  const file = normalize(join(root, pathname))
  if (file !== root && !file.startsWith(root + sep)) {
    respondRefusal(response, { status: 403, message: 'forbidden: outside the app folder' })
    return
  }
  let size: number
  try {
    const stats = statSync(file)
    if (!stats.isFile()) throw new Error('not a file')
    size = stats.size
  } catch {
    respondRefusal(response, { status: 404, message: 'not found' })
    return
  }
  response.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': size,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store'
  })
  if (request.method === 'HEAD') {
    response.end()
    return
  }
  // A file that cannot be read after all (removed since the stat, unreadable) ends this response
  // only: pipeline destroys both streams on an error instead of leaving it unhandled.
  pipeline(createReadStream(file), response, () => undefined)
}
