/**
 * What web content in the app may do, as pure decisions (the wiring is in web-guards.ts): which
 * page may call main, where a page may navigate, and which links open in the user's browser.
 */
import { APP_HOST, APP_SCHEME } from './app-protocol'

/**
 * The only addresses `shell.openExternal` is ever given: DNPU Lab has no web site of its own, so
 * these are the public repositories of the reference software it works with (brains-py, whose
 * algorithms it reproduces; brainspy-smg, which writes the surrogate files it imports;
 * brainspy-tasks, the lab's benchmark tasks). Each entry allows that address and the pages
 * under it, https only, on exactly that host. To change what the app may open, change this list.
 */
export const EXTERNAL_LINK_ALLOW_LIST: readonly string[] = [
  'https://github.com/BraiNEdarwin/brains-py',
  'https://github.com/BraiNEdarwin/brainspy-smg',
  'https://github.com/BraiNEdarwin/brainspy-tasks'
]

/** Help > Documentation: the reference library's wiki (algorithms, surrogate models, devices). */
export const DOCUMENTATION_URL = 'https://github.com/BraiNEdarwin/brains-py/wiki'

/** Where our own page may come from. */
export interface RendererOrigins {
  /** The dev server's origin (`http://localhost:5173`), or null: only ever set when not packaged. */
  devServerOrigin: string | null
}

/**
 * `ELECTRON_RENDERER_URL` (set by electron-vite's dev command) is honoured only in a development
 * build: a packaged app must never load its page, or trust a sender, from an address an
 * environment variable names.
 */
export function devServerUrlFor(isPackaged: boolean, environmentUrl: string | undefined): string | null {
  if (isPackaged || !environmentUrl) return null
  const url = parseUrl(environmentUrl)
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? url.href : null
}

export function rendererOriginsFor(devServerUrl: string | null): RendererOrigins {
  return { devServerOrigin: devServerUrl ? new URL(devServerUrl).origin : null }
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}

/** app://dnpu-lab/..., with no user info or port (Node's URL gives a custom scheme's origin as 'null'). */
function isAppSchemeUrl(url: URL): boolean {
  return (
    url.protocol === `${APP_SCHEME}:` &&
    url.host === APP_HOST &&
    url.username === '' &&
    url.password === '' &&
    url.port === ''
  )
}

/** Is this address our own page: the app:// origin, or the dev server in development? */
export function isAppPageUrl(address: string, origins: RendererOrigins): boolean {
  const url = parseUrl(address)
  if (!url) return false
  if (isAppSchemeUrl(url)) return true
  return origins.devServerOrigin !== null && url.origin === origins.devServerOrigin
}

/** Only our own page may call main (a frame with no URL yet, or any other page, may not). */
export function isTrustedSenderUrl(frameUrl: string | null | undefined, origins: RendererOrigins): boolean {
  return typeof frameUrl === 'string' && isAppPageUrl(frameUrl, origins)
}

/** will-navigate / will-redirect: the window never leaves the app's own origin. */
export function isNavigationAllowed(address: string, origins: RendererOrigins): boolean {
  return isAppPageUrl(address, origins)
}

/**
 * An address that may open in the user's browser: its normalised form, or null. https only, on
 * exactly the allow-listed host, under an allow-listed path (at a `/` boundary, so
 * `brains-py-evil` is not `brains-py`), with no user info, no explicit port and no backslash or
 * control character that browsers and URL parsers read differently.
 */
export function allowedExternalUrl(address: string): string | null {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u0020\u007f\\]/.test(address)) return null
  const url = parseUrl(address)
  if (!url || url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return null
  for (const entry of EXTERNAL_LINK_ALLOW_LIST) {
    const allowed = new URL(entry)
    if (url.hostname !== allowed.hostname) continue
    if (url.pathname === allowed.pathname || url.pathname.startsWith(`${allowed.pathname}/`)) return url.href
  }
  return null
}

/**
 * setWindowOpenHandler: no page ever opens a window of the app; an allow-listed link opens in
 * the user's browser instead, anything else nowhere.
 */
export function windowOpenDecision(address: string): { action: 'deny'; openExternally: string | null } {
  return { action: 'deny', openExternally: allowedExternalUrl(address) }
}
