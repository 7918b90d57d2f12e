/**
 * Wires the decisions of web-policy.ts onto Electron: every web contents the app creates, and
 * the session they share. Nothing here decides; it only applies.
 */
import type { App, Session, WebContents } from 'electron'
import { isNavigationAllowed, windowOpenDecision, type RendererOrigins } from './web-policy'

export type OpenExternal = (url: string) => Promise<void>

/** Guards one web contents: navigation, redirects, new windows, webviews, Bluetooth pickers. */
export function guardWebContents(
  contents: WebContents,
  origins: RendererOrigins,
  openExternal: OpenExternal,
  onError: (message: string) => void
): void {
  const refuseForeign = (navigation: { url: string; preventDefault(): void }): void => {
    if (!isNavigationAllowed(navigation.url, origins)) navigation.preventDefault()
  }
  contents.on('will-navigate', refuseForeign)
  // will-navigate covers the top frame only; an iframe's navigation comes here.
  contents.on('will-frame-navigate', refuseForeign)
  contents.on('will-redirect', refuseForeign)
  contents.on('will-attach-webview', (attach) => attach.preventDefault())
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault()
    callback('')
  })
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url)
    if (decision.openExternally) {
      openExternal(decision.openExternally).catch((error: unknown) =>
        onError(`could not open ${decision.openExternally}: ${error instanceof Error ? error.message : String(error)}`)
      )
    }
    return { action: decision.action }
  })
}

/** Every web contents, from the first: the window's page, and any a page might try to make. */
export function guardAllWebContents(
  app: Pick<App, 'on'>,
  origins: RendererOrigins,
  openExternal: OpenExternal,
  onError: (message: string) => void
): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, origins, openExternal, onError))
}

/**
 * No permission (camera, notifications, clipboard reads, serial, HID, USB...) is ever granted to
 * web content: the instrument is driven by main, never by the page. Device pickers are
 * cancelled rather than left waiting.
 */
export function guardSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault()
    callback('')
  })
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault()
    callback('')
  })
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault()
    callback('')
  })
}
