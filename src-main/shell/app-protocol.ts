/**
 * The renderer is served from `app://dnpu-lab/`, a privileged custom scheme, instead of file://.
 *
 * Why not file://: every file:// page shares one origin with every file on the disk, so a page
 * loaded by mistake (a link, a dropped file) would count as "ours" and could reach main; and
 * file:// gives the renderer no real origin for its CSP's 'self'. Here the origin is one fixed
 * host, and the handler serves only what is inside the built renderer folder (out/renderer).
 *
 * Path containment does not rely on Chromium's URL canonicalisation: the raw URL is checked
 * again here, and anything that could name a file outside the folder is refused before the file
 * system is asked (`..` and `.` segments, encoded or not, backslashes, NUL and other control
 * characters, empty segments (absolute or UNC paths), `:` (drive letters, NTFS streams), names
 * ending in a dot or space (Windows drops those)); then
 * the real path (symbolic links resolved) must still be inside the folder.
 */
import type { CustomScheme } from 'electron'
import { readFile, realpath, stat } from 'node:fs/promises'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'

export const APP_SCHEME = 'app'
export const APP_HOST = 'dnpu-lab'
/** What `new URL(...)` cannot give: Node reports the origin of a non-special scheme as 'null'. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/**
 * Registered before the app is ready (Electron's rule). standard: relative URLs and the origin
 * work as for https; secure: the page is a secure context; supportFetchAPI: fetch() and module
 * scripts may load from it. Not corsEnabled: no other origin may read these files.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme[] = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }
]

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8'
}

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

export type AppPathResolution =
  { kind: 'file'; file: string } | { kind: 'refused'; status: 400 | 403 | 404; reason: string }

function refused(status: 400 | 403 | 404, reason: string): AppPathResolution {
  return { kind: 'refused', status, reason }
}

// Control characters (NUL included) and backslashes, in the raw URL or once decoded.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f\\]/

/**
 * Maps a request URL onto a file inside `rootFolder` (absolute), or says why not. Pure: it does
 * not touch the disk (symbolic links are checked by the handler).
 */
export function resolveAppPath(rootFolder: string, requestUrl: string): AppPathResolution {
  const prefix = `${APP_ORIGIN}/`
  // An exact prefix: another host, a port, user info (`app://x@dnpu-lab/`) or another scheme all fail it.
  if (!requestUrl.startsWith(prefix)) return refused(404, `not a ${prefix} address`)
  if (FORBIDDEN_CHARACTERS.test(requestUrl)) return refused(400, 'control character or backslash in the address')
  const afterHost = requestUrl.slice(prefix.length)
  const encodedPath = afterHost.split(/[?#]/, 1)[0]
  let path: string
  try {
    path = decodeURIComponent(encodedPath)
  } catch {
    return refused(400, 'malformed %-escape')
  }
  if (FORBIDDEN_CHARACTERS.test(path)) return refused(400, 'control character or backslash in the path')
  if (path === '') path = 'index.html'
  const segments = path.split('/')
  for (const segment of segments) {
    if (segment === '') return refused(400, 'empty path segment (an absolute or network path)')
    if (segment === '.' || segment === '..') return refused(403, 'dot segment in the path')
    // Windows drops trailing dots and spaces from a name, so `.. ` or `...` could act as `..` there.
    if (segment.endsWith('.') || segment.endsWith(' ')) return refused(403, 'path segment ending in a dot or space')
    if (segment.includes(':')) return refused(400, "':' in the path (a drive letter or a file stream)")
  }
  const root = resolve(rootFolder)
  const file = resolve(root, ...segments)
  if (!isInside(root, file)) return refused(403, 'outside the app folder')
  return { kind: 'file', file }
}

function isInside(root: string, file: string): boolean {
  const fromRoot = relative(root, file)
  return fromRoot !== '' && !fromRoot.startsWith(`..${sep}`) && fromRoot !== '..' && !isAbsolute(fromRoot)
}

function plainResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers }
  })
}

export interface AppRequest {
  url: string
  method: string
}

/** The `protocol.handle('app', ...)` handler serving `rootFolder` (out/renderer). */
export function createAppProtocolHandler(rootFolder: string): (request: AppRequest) => Promise<Response> {
  const root = resolve(rootFolder)
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return plainResponse(405, `method ${request.method} not allowed`, { Allow: 'GET, HEAD' })
    }
    const resolution = resolveAppPath(root, request.url)
    if (resolution.kind === 'refused') return plainResponse(resolution.status, resolution.reason)
    let bytes: Buffer
    try {
      // A symbolic link inside the folder must not lead out of it.
      const [realRoot, realFile] = await Promise.all([realpath(root), realpath(resolution.file)])
      if (!isInside(realRoot, realFile)) return plainResponse(403, 'outside the app folder')
      if (!(await stat(realFile)).isFile()) return plainResponse(404, 'not found')
      bytes = await readFile(realFile)
    } catch {
      return plainResponse(404, 'not found')
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(bytes), {
      status: 200,
      headers: {
        'Content-Type': contentTypeFor(resolution.file),
        'Content-Length': String(bytes.length),
        'X-Content-Type-Options': 'nosniff'
      }
    })
  }
}
