import { EventEmitter } from 'node:events'
import type { App, Session, WebContents } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { guardAllWebContents, guardSession, guardWebContents } from './web-guards'
import { DOCUMENTATION_URL, rendererOriginsFor } from './web-policy'

type WindowOpenHandler = (details: { url: string }) => { action: string }

class FakeContents extends EventEmitter {
  windowOpenHandler: WindowOpenHandler | null = null
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler
  }
}

function preventable(url = ''): { url: string; preventDefault: ReturnType<typeof vi.fn> } {
  return { url, preventDefault: vi.fn() }
}

function guarded(origins = rendererOriginsFor(null)) {
  const contents = new FakeContents()
  const openExternal = vi.fn(async (_url: string) => undefined)
  const onError = vi.fn()
  guardWebContents(contents as unknown as WebContents, origins, openExternal, onError)
  return { contents, openExternal, onError }
}

describe('guardWebContents', () => {
  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])(
    '%s: refuses foreign addresses, lets the app itself through',
    (eventName) => {
      const { contents } = guarded()
      const foreign = preventable('https://example.org/')
      contents.emit(eventName, foreign)
      expect(foreign.preventDefault).toHaveBeenCalled()
      const own = preventable('app://dnpu-lab/index.html')
      contents.emit(eventName, own)
      expect(own.preventDefault).not.toHaveBeenCalled()
    }
  )

  it('allows the dev server only when it is given (development)', () => {
    const packaged = guarded()
    const event = preventable('http://localhost:5173/')
    packaged.contents.emit('will-navigate', event)
    expect(event.preventDefault).toHaveBeenCalled()
    const development = guarded(rendererOriginsFor('http://localhost:5173/'))
    const devEvent = preventable('http://localhost:5173/')
    development.contents.emit('will-navigate', devEvent)
    expect(devEvent.preventDefault).not.toHaveBeenCalled()
  })

  it('prevents every webview', () => {
    const { contents } = guarded()
    const attach = preventable()
    contents.emit('will-attach-webview', attach)
    expect(attach.preventDefault).toHaveBeenCalled()
  })

  it('cancels Bluetooth device pickers', () => {
    const { contents } = guarded()
    const event = preventable()
    const callback = vi.fn()
    contents.emit('select-bluetooth-device', event, [{ deviceId: 'x' }], callback)
    expect(event.preventDefault).toHaveBeenCalled()
    expect(callback).toHaveBeenCalledWith('')
  })

  it('denies every new window, opening allow-listed links in the browser', async () => {
    const { contents, openExternal } = guarded()
    expect(contents.windowOpenHandler!({ url: DOCUMENTATION_URL })).toEqual({ action: 'deny' })
    expect(openExternal).toHaveBeenCalledWith(DOCUMENTATION_URL)
    openExternal.mockClear()
    for (const url of ['https://example.org/', 'http://github.com/BraiNEdarwin/brains-py', 'file:///etc/passwd']) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' })
    }
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('reports a browser that could not be opened instead of leaving a rejection', async () => {
    const contents = new FakeContents()
    const onError = vi.fn()
    guardWebContents(
      contents as unknown as WebContents,
      rendererOriginsFor(null),
      () => Promise.reject(new Error('no browser')),
      onError
    )
    contents.windowOpenHandler!({ url: DOCUMENTATION_URL })
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(`could not open ${DOCUMENTATION_URL}: no browser`))
  })
})

describe('guardAllWebContents', () => {
  it('guards each web contents as it is created', () => {
    const app = new EventEmitter()
    guardAllWebContents(app as unknown as App, rendererOriginsFor(null), vi.fn(), vi.fn())
    const contents = new FakeContents()
    app.emit('web-contents-created', {}, contents)
    const navigation = preventable('https://example.org/')
    contents.emit('will-navigate', navigation)
    expect(navigation.preventDefault).toHaveBeenCalled()
    expect(contents.windowOpenHandler).not.toBeNull()
  })
})

describe('guardSession', () => {
  class FakeSession extends EventEmitter {
    requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null =
      null
    checkHandler: ((...args: unknown[]) => boolean) | null = null
    deviceHandler: ((...args: unknown[]) => boolean) | null = null
    setPermissionRequestHandler(handler: FakeSession['requestHandler']): void {
      this.requestHandler = handler
    }
    setPermissionCheckHandler(handler: FakeSession['checkHandler']): void {
      this.checkHandler = handler
    }
    setDevicePermissionHandler(handler: FakeSession['deviceHandler']): void {
      this.deviceHandler = handler
    }
  }

  it('denies every permission request, check and device permission', () => {
    const session = new FakeSession()
    guardSession(session as unknown as Session)
    for (const permission of ['media', 'notifications', 'serial', 'hid', 'usb', 'clipboard-read', 'geolocation']) {
      const callback = vi.fn()
      session.requestHandler!({}, permission, callback)
      expect(callback, permission).toHaveBeenCalledWith(false)
      expect(session.checkHandler!({}, permission, 'app://dnpu-lab', {})).toBe(false)
    }
    expect(session.deviceHandler!({ deviceType: 'serial', origin: 'app://dnpu-lab' })).toBe(false)
  })

  it.each([
    ['select-serial-port', (event: unknown, callback: unknown) => [event, [{ portId: 'p' }], {}, callback]],
    ['select-hid-device', (event: unknown, callback: unknown) => [event, { deviceList: [] }, callback]],
    ['select-usb-device', (event: unknown, callback: unknown) => [event, { deviceList: [] }, callback]]
  ])('%s is prevented and answered with no device', (eventName, argsFor) => {
    const session = new FakeSession()
    guardSession(session as unknown as Session)
    const event = preventable()
    const callback = vi.fn()
    session.emit(eventName, ...argsFor(event, callback))
    expect(event.preventDefault).toHaveBeenCalled()
    expect(callback).toHaveBeenCalledWith('')
  })
})
